"""JSON with comments, as VS Code writes settings.json: `//` and `/* */` comments, trailing commas, duplicate keys.

Reading takes the last occurrence of a duplicated key (as VS Code does); setting edits that last occurrence;
removing takes out every occurrence. Comments and trailing commas are kept: a member added after a last member
with a trailing comma gets one too. New files use four-space indentation, like VS Code's own settings.json.
"""

from __future__ import annotations

from tracklight.formats import Lookup
from tracklight.formats import _jsonc_editor as editor
from tracklight.formats.values import Scalar

INDENT = "    "


def read(text: str, key: str) -> Lookup:
    """The value of `key`, last occurrence winning (objects and arrays as compact JSON text)."""
    return editor.read(text, key, jsonc=True)


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with the last occurrence of `key` set to `value` (or the key added); comments kept."""
    return editor.set_value(text, key, value, jsonc=True, default_indent=INDENT)


def remove(text: str, key: str) -> str:
    """The text without any occurrence of `key`, each taken out with its line and comma."""
    return editor.remove(text, key, jsonc=True)


def new_document(key: str, value: Scalar) -> str:
    """A fresh settings file holding just `key`."""
    return editor.new_document(key, value, indent=INDENT)
