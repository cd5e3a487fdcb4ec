"""Strict JSON (RFC 8259): no comments, no trailing commas. Edits are made in place in the text, never by dumping
the whole document again, so a user's indentation, key order and number spelling survive.

Keys are dotted paths into nested objects; a quoted segment may hold dots. An empty (or whitespace-only) file counts
as `{}` when a key is set. New files use two-space indentation.
"""

from __future__ import annotations

from tracklight.formats import Lookup
from tracklight.formats import _jsonc_editor as editor
from tracklight.formats.values import Scalar

INDENT = "  "


def read(text: str, key: str) -> Lookup:
    """The value of `key` (objects and arrays as compact JSON text); FormatError if the text is not JSON."""
    return editor.read(text, key, jsonc=False)


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with `key` set to `value`, creating missing objects; every other byte unchanged."""
    return editor.set_value(text, key, value, jsonc=False, default_indent=INDENT)


def remove(text: str, key: str) -> str:
    """The text without `key` (its line and its comma), or unchanged when it is absent."""
    return editor.remove(text, key, jsonc=False)


def new_document(key: str, value: Scalar) -> str:
    """A fresh JSON file holding just `key`."""
    return editor.new_document(key, value, indent=INDENT)
