"""A marker file whose existence is the setting, whatever it holds.

Netdata stops its statistics when `.opt-out-from-anonymous-statistics` exists in its config folder, and vLLM when
`~/.config/vllm/do_not_track` exists: neither reads the file. So `read` finds the one value `present` in any text, an
empty file included; a missing file is the control's `unset` meaning, as for every file control. The key is ignored.

Such a control is read only (the manifest reader insists on `write = false`): creating the file would be an opt-out,
but taking it away again is deleting a file, which no format edit does. `set_value` keeps a present file as it is,
and `remove` and a value other than `present` are refused, so nothing here can damage a file it is handed.
"""

from __future__ import annotations

from tracklight.errors import FormatError
from tracklight.formats import Lookup, scalar_text
from tracklight.formats.values import Scalar

PRESENT = "present"


def read(text: str, key: str) -> Lookup:
    """The file is there: that is the whole setting."""
    return Lookup(found=True, value=PRESENT, line=1)


def set_value(text: str, key: str, value: Scalar) -> str:
    """A present marker file stays byte for byte what it is."""
    _check(value)
    return text


def remove(text: str, key: str) -> str:
    raise FormatError("this setting is the file's existence: only deleting the file takes it away, and Tracklight "
                      "does not delete a tool's files")


def new_document(key: str, value: Scalar) -> str:
    """An empty marker file, as `touch` makes it."""
    _check(value)
    return ""


def _check(value: Scalar) -> None:
    if scalar_text(value) != PRESENT:
        raise FormatError(f"a marker file can only be present, not {scalar_text(value)!r}")
