"""`name=value` lines read literally, as Dart's telemetry config and Homebrew's brew.env are read.

Dart counts a line only when it matches `^reporting=([0|1]) *$` (dart-lang/tools unified_analytics
config_handler.dart): no white space before the name or around `=`, no quotes. Homebrew exports each `HOMEBREW_`
line as it stands (Homebrew/brew bin/brew, `export_homebrew_env_file`): `NAME = 1` is no assignment at all and
`NAME="1"` sets the value `"1"`, quotes included. The lenient `keyvalue` reader would take both for the name's value,
and show a tool off that still sends.

So here a line counts when it starts with `name=`; its value is the rest of the line less trailing spaces, quotes and
all. Where the two tools differ this reads the stricter way, which can only show a tool on that is off: a line
indented with spaces (Homebrew's `read` drops the indent, Dart does not match it) is not read, and when a name has
several lines the last one counts (Homebrew's rule; Dart turns off if any `reporting=0` line is there). One
difference goes the other way: trailing tabs stay in the value (Dart counts no line ending in a tab), while
Homebrew's `read` drops them, so `NAME=<tab>` is an empty value to Homebrew and a non-empty one here.
Writing and removing work as in `keyvalue`, on the lines this reader counts.
"""

from __future__ import annotations

from tracklight.formats import Lookup
from tracklight.formats import keyvalue_format as _lines
from tracklight.formats.values import Scalar


def read(text: str, key: str) -> Lookup:
    """The value of the last line starting with `key=`, or not found."""
    return _lines.read(text, key, exact=True)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Rewrite the last counted line of the key as `key=value`, or append that line; nothing else changes."""
    return _lines.set_value(text, key, value, exact=True)


def remove(text: str, key: str) -> str:
    """Delete every counted line of the key."""
    return _lines.remove(text, key, exact=True)


def new_document(key: str, value: Scalar) -> str:
    """A file holding just `key=value`."""
    return _lines.new_document(key, value)
