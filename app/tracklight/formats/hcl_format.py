"""Terraform's CLI config (`~/.terraformrc`, `%APPDATA%\\terraform.rc`): HCL, top-level attributes only.

A key is a top-level attribute name such as `disable_checkpoint`; blocks (`credentials "app.terraform.io" {
... }`, `provider_installation { ... }`) are skipped intact and never written into. When an attribute is
repeated the last one wins, as HCL1's decoder assigns each match in turn. Edits replace only the value's
characters, so the alignment spaces, a trailing comment and every other byte stay as they were.
"""

from __future__ import annotations

import math

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, append_line, keep_unterminated_end
from tracklight.formats._hcl_scan import IDENT, Item, Scanner, unquote
from tracklight.formats.values import Scalar


def read(text: str, key: str) -> Lookup:
    """The typed value of the last top-level `key`: bool, int, float, str (unescaped) or raw text."""
    _check_key(key)
    attributes = _attributes(text, key)
    if not attributes:
        return NOT_FOUND
    last = attributes[-1]
    return Lookup(
        found=True, value=_typed(text[last.value_start : last.value_end], last.value_kind), line=last.line
    )


def set_value(text: str, key: str, value: Scalar) -> str:
    """Replace the last `key`'s value in place, or append `key = value` at the end of the top level."""
    _check_key(key)
    literal = _literal(value)
    attributes = _attributes(text, key)
    if attributes:
        last = attributes[-1]
        return text[: last.value_start] + literal + text[last.value_end :]
    new_line = f"{key} = {literal}"
    return append_line(text, new_line)


def remove(text: str, key: str) -> str:
    """Delete every top-level `key` attribute: its whole lines where it stands alone, else just its text."""
    _check_key(key)
    attributes = _attributes(text, key)
    result = text
    for item in reversed(attributes):
        line_start = result.rfind("\n", 0, item.start) + 1
        rest_end = _end_of_line_after(result, item.end)
        if not result[line_start : item.start].strip(" \t") and rest_end is not None:
            result = result[:line_start] + result[rest_end:]
        else:
            end = item.end
            while end < len(result) and result[end] in " \t":
                end += 1
            result = result[: item.start] + result[end:]
    return keep_unterminated_end(text, result)


def new_document(key: str, value: Scalar) -> str:
    """A CLI config holding just `key = value`."""
    _check_key(key)
    return f"{key} = {_literal(value)}\n"


def _attributes(text: str, key: str) -> list[Item]:
    items = Scanner(text).items()
    for item in items:
        if item.key == key and item.kind == "block":
            raise FormatError(f"{key} is a block here, not an attribute", line=item.line)
    return [item for item in items if item.key == key]


def _end_of_line_after(text: str, pos: int) -> int | None:
    """Offset past the newline if only white space and a line comment follow pos on its line, else None."""
    scan = pos
    while scan < len(text) and text[scan] in " \t\r":
        scan += 1
    if scan < len(text) and (text[scan] == "#" or text.startswith("//", scan)):
        eol = text.find("\n", scan)
        return len(text) if eol < 0 else eol + 1
    if scan >= len(text):
        return scan
    return scan + 1 if text[scan] == "\n" else None


def _typed(raw: str, kind: str) -> Scalar:
    if kind == "bool":
        return raw == "true"
    if kind == "number":
        return _number(raw)
    if kind == "string":
        return unquote(raw)
    return raw


def _number(raw: str) -> int | float:
    """A number as HCL1 reads it: Go's strconv.ParseInt, base 0 (`0x1F` hex, `017` octal), else a float."""
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("-")
    if digits[:2].lower() == "0x":
        return sign * int(digits, 0)
    if any(c in digits for c in ".eE"):
        return float(raw)
    if len(digits) > 1 and digits.startswith("0") and all(c in "01234567" for c in digits):
        return sign * int(digits, 8)
    return int(raw)


def _literal(value: Scalar) -> str:
    """The HCL literal for a value: true/false, a bare number or a quoted string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormatError(f"{value!r} has no HCL number form")
        return repr(value)
    if "${" in value or "%{" in value:
        raise FormatError(f"value {value!r} would be read as an HCL template, not as text")
    if any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in value):
        raise FormatError(f"value {value!r} contains control characters")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _check_key(key: str) -> None:
    if not IDENT.fullmatch(key):
        raise FormatError(f"invalid HCL attribute name {key!r}")
