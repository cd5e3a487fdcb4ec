"""A marker file whose existence is the setting, whatever it holds.

Netdata stops its statistics when `.opt-out-from-anonymous-statistics` exists in its config folder, and vLLM when
`~/.config/vllm/do_not_track` exists: neither reads the file. So `read` finds the one value `present` in any text, an
empty file included; a missing file is the control's `unset` meaning, as for every file control. The key is ignored.

Opting out creates the file empty (`new_document`), as `touch` would. Opting back in is deleting it, which no format
edit does: the planner (changes/plan.py, `_remove_marker`) deletes an empty marker file and refuses one that holds
text. Here `set_value` keeps a present file as it is, and `remove` and a value other than `present` are refused, so
nothing here can damage a file it is handed.
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
    raise FormatError("this setting is the file's existence: only deleting the file takes it away")


def new_document(key: str, value: Scalar) -> str:
    """An empty marker file, as `touch` makes it."""
    _check(value)
    return ""


def _check(value: Scalar) -> None:
    if scalar_text(value) != PRESENT:
        raise FormatError(f"a marker file can only be present, not {scalar_text(value)!r}")
