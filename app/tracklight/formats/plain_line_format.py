"""A one-line plain-text setting file read whole, as Tilt's and kongctl's choice files and usagestats' status are.

Tilt trims its analytics choice.txt and compares the whole text (tilt-dev/wmclient `ParseOpt`), kongctl parses the
whole trimmed `.telemetry-enabled` with strconv.ParseBool, and the usagestats library (ReproZip, VisTrails) compares
`fp.read().strip()` with ENABLED/DISABLED. So `opt-out later` is no choice to Tilt, where the `plain` format (Go's
first-word rule) would read `opt-out`. Here the setting is the file's text with surrounding white space trimmed,
inner spaces and line breaks kept. Trimming uses Go's white space set; Python's strip also drops \\x1c-\\x1f, which
no tool writes. As in `plain`, a file that is empty after trimming holds no setting, and the key is ignored.
Writing works as in `plain`: the one line is replaced, a final newline kept only if the file had one.
"""

from __future__ import annotations

from tracklight.formats import Lookup
from tracklight.formats import plain_format as _plain
from tracklight.formats.values import Scalar


def read(text: str, key: str) -> Lookup:
    """The whole trimmed text of the file, or not found when nothing but white space is there."""
    return _plain.read(text, key, whole=True)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Replace the whole content with the value, keeping a final newline only if the file had one."""
    return _plain.set_value(text, key, value)


def remove(text: str, key: str) -> str:
    """An empty file: no setting."""
    return _plain.remove(text, key)


def new_document(key: str, value: Scalar) -> str:
    """The value alone, with no newline."""
    return _plain.new_document(key, value)
