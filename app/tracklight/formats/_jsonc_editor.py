"""Read and edit one key of a JSON or JSONC document in place, keeping every byte the edit does not need.

The editor works on the text, guided by the offsets `_jsonc_scanner` records: a value is replaced within its own
span, a new member is inserted after its last sibling with the siblings' indentation and `": "` style, and a member
is removed with its line (when it has one to itself) and its comma. json_format and jsonc_format are this module
with comments and trailing commas rejected or allowed.
"""

from __future__ import annotations

import json
import math
import re

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, line_of, split_key
from tracklight.formats._jsonc_scanner import Member, Node, parse, to_python
from tracklight.formats.values import Scalar

_Edit = tuple[int, int, str]  # replace text[start:end] with the string
_SEPARATOR = re.compile(r"[ \t]*:[ \t]*")


def read(text: str, key: str, *, jsonc: bool) -> Lookup:
    """The value of `key` (last occurrence wins); objects and arrays come back as compact JSON text."""
    segments = split_key(key)
    root = parse(text, jsonc=jsonc).root
    node = root
    member: Member | None = None
    for segment in segments:
        if node is None or node.kind != "object":
            return NOT_FOUND
        member = _last_member(node, segment)
        if member is None:
            return NOT_FOUND
        node = member.value
    assert member is not None and node is not None
    value = to_python(node)
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Lookup(found=True, value=value, line=line_of(text, member.key_start))


def set_value(text: str, key: str, value: Scalar, *, jsonc: bool, default_indent: str) -> str:
    """The text with `key` set to `value`, creating intermediate objects; other bytes unchanged."""
    segments = split_key(key)
    rendered = render_scalar(value)
    root = parse(text, jsonc=jsonc).root
    if root is None:
        fresh = new_document(key, value, indent=default_indent)
        if not text.strip():
            return fresh
        # Only comments: keep them above the new object.
        return text + ("" if text.endswith("\n") else "\n") + fresh
    if root.kind != "object":
        raise FormatError(
            f"the top level is {_kind_name(root)}, not an object", line=line_of(text, root.start)
        )
    unit = _indent_unit(text, root, default_indent)
    node = root
    parent_multiline = True
    for index, segment in enumerate(segments):
        member = _last_member(node, segment)
        if member is None:
            edits = _insert_member(text, node, segments[index:], rendered, unit, parent_multiline)
            return _apply(text, edits)
        if index == len(segments) - 1:
            current = to_python(member.value)
            if type(current) is type(value) and current == value:
                return text
            return text[: member.value.start] + rendered + text[member.value.end :]
        if member.value.kind != "object":
            raise FormatError(
                f"{segment!r} holds {_kind_name(member.value)}, not an object",
                line=line_of(text, member.key_start),
            )
        parent_multiline = _is_multiline(text, node)
        node = member.value
    raise AssertionError("unreachable: the loop returns on the last segment")


def remove(text: str, key: str, *, jsonc: bool) -> str:
    """The text without `key` (every occurrence of it), or the text unchanged when it is absent."""
    segments = split_key(key)
    while True:
        root = parse(text, jsonc=jsonc).root
        node = root
        for segment in segments[:-1]:
            if node is None or node.kind != "object":
                return text
            parent_member = _last_member(node, segment)
            if parent_member is None:
                return text
            node = parent_member.value
        if node is None or node.kind != "object":
            return text
        indexes = [i for i, m in enumerate(node.members) if m.key == segments[-1]]
        if not indexes:
            return text
        # One occurrence per pass: offsets of the others move, so the next pass parses again.
        text = _apply(text, _remove_member(text, node, indexes[-1]))


def new_document(key: str, value: Scalar, *, indent: str) -> str:
    """A fresh document holding only `key`, one member per line, ending with a newline."""
    segments = split_key(key)
    return (
        "{\n" + indent + _render_member(segments, render_scalar(value), indent, indent, ": ", True) + "\n}\n"
    )


def render_scalar(value: Scalar) -> str:
    """A scalar as JSON text (bools as true/false, strings quoted and escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatError(f"JSON cannot hold the number {value!r}")
    if isinstance(value, (int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    raise FormatError(f"cannot write a {type(value).__name__} as a JSON value")


def _kind_name(node: Node) -> str:
    return {"object": "an object", "array": "an array", "string": "a string", "number": "a number"}.get(
        node.kind, node.kind
    )


def _last_member(node: Node, key: str) -> Member | None:
    for member in reversed(node.members):
        if member.key == key:
            return member
    return None


def _apply(text: str, edits: list[_Edit]) -> str:
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_indent(text: str, pos: int) -> str:
    """The leading spaces and tabs of the line holding `pos`."""
    start = _line_start(text, pos)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def _starts_line(text: str, pos: int) -> bool:
    """True when only spaces and tabs stand between the start of the line and `pos`."""
    return text[_line_start(text, pos) : pos].strip(" \t") == ""


def _end_of_line(text: str, pos: int) -> int | None:
    """From `pos`, skip spaces, tabs, a `\\r` and comments that stay on this line; the offset of the newline (or the
    end of the text), or None when something else follows on the line."""
    n = len(text)
    while pos < n:
        char = text[pos]
        if char in " \t\r":
            pos += 1
        elif text.startswith("//", pos):
            newline = text.find("\n", pos)
            return n if newline < 0 else newline
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0 or "\n" in text[pos:close]:
                return None
            pos = close + 2
        elif char == "\n":
            return pos
        else:
            return None
    return n


def _eol_at(text: str, newline: int) -> str:
    """The line ending of the line whose newline is at `newline` (a mixed file keeps its \\r\\n lines)."""
    return "\r\n" if newline > 0 and text[newline - 1] == "\r" else "\n"


def _is_multiline(text: str, node: Node) -> bool:
    """Whether an object lays its members out one per line."""
    if not node.members:
        return "\n" in text[node.start : node.end]
    last = node.members[-1]
    return _starts_line(text, last.key_start) and "\n" in text[node.start : last.key_start]


def _indent_unit(text: str, root: Node, default: str) -> str:
    """One level of indentation as the document uses it: the root's members' indent, else the default."""
    for member in root.members:
        if _starts_line(text, member.key_start) and "\n" in text[root.start : member.key_start]:
            indent = _line_indent(text, member.key_start)
            root_indent = _line_indent(text, root.start)
            if indent.startswith(root_indent) and len(indent) > len(root_indent):
                return indent[len(root_indent) :]
    return default


def _render_member(
    segments: list[str], rendered: str, indent: str, unit: str, separator: str, multiline: bool
) -> str:
    """`"a": {"b": value}` for the remaining key segments, one member per line when `multiline`."""
    head = json.dumps(segments[0], ensure_ascii=False) + separator
    if len(segments) == 1:
        return head + rendered
    inner = _render_member(segments[1:], rendered, indent + unit, unit, separator, multiline)
    if multiline:
        return head + "{\n" + indent + unit + inner + "\n" + indent + "}"
    return head + "{" + inner + "}"


def _insert_member(
    text: str, node: Node, segments: list[str], rendered: str, unit: str, parent_multiline: bool
) -> list[_Edit]:
    """Edits that add `segments` (a key and the objects around it) as the last member of `node`."""
    members = node.members
    if not members:
        return _insert_into_empty(text, node, segments, rendered, unit, parent_multiline)
    last = members[-1]
    separator = text[last.key_end : last.value.start]
    if not _SEPARATOR.fullmatch(separator):
        separator = ": "
    trailing_comma = last.comma is not None
    if not _is_multiline(text, node):
        gap = " "
        if len(members) > 1 and members[-2].comma is not None:
            between = text[members[-2].comma + 1 : last.key_start]
            if between.strip(" \t") == "":
                gap = between
        member_text = _render_member(segments, rendered, "", unit, separator, False)
        return [(last.value.end, last.value.end, "," + gap + member_text)]
    indent = _line_indent(text, last.key_start)
    member_text = _render_member(segments, rendered, indent, unit, separator, True)
    edits: list[_Edit] = []
    if trailing_comma:
        assert last.comma is not None
        anchor = last.comma + 1
        member_text += ","
    else:
        anchor = last.value.end
        edits.append((anchor, anchor, ","))
    newline = _end_of_line(text, anchor)
    if newline is not None:
        edits.append((newline + 1, newline + 1, indent + member_text + _eol_at(text, newline)))
    else:
        # The closing brace shares the last member's line: open a new line before it.
        edits.append((anchor, anchor, "\n" + indent + member_text))
    return edits


def _insert_into_empty(
    text: str, node: Node, segments: list[str], rendered: str, unit: str, parent_multiline: bool
) -> list[_Edit]:
    close = node.end - 1
    inner = text[node.start + 1 : close]
    outer_indent = _line_indent(text, node.start)
    indent = outer_indent + unit
    if not parent_multiline and "\n" not in inner:
        member_text = _render_member(segments, rendered, "", unit, ": ", False)
        if inner.strip(" \t\r"):
            # `{ /* a comment */ }`: the comment stays, the member goes after it.
            return [(close, close, ("" if inner[-1:] in (" ", "\t") else " ") + member_text)]
        return [(node.start + 1, close, member_text)]
    member_text = _render_member(segments, rendered, indent, unit, ": ", True)
    if "\n" in inner and _starts_line(text, close):
        # `{\n}` or `{ // comment\n}`: the member gets a line of its own just above the closing brace.
        line_start = _line_start(text, close)
        eol = _eol_at(text, line_start - 1)
        return [(line_start, line_start, indent + member_text + eol)]
    if inner.strip(" \t\r\n") == "":
        return [(node.start + 1, close, "\n" + indent + member_text + "\n" + outer_indent)]
    return [(close, close, "\n" + indent + member_text + "\n" + outer_indent)]


def _remove_member(text: str, node: Node, index: int) -> list[_Edit]:
    """Edits that take member `index` out of `node`: its whole line when it has one, and the comma that goes."""
    member = node.members[index]
    previous = node.members[index - 1] if index > 0 else None
    end = member.comma + 1 if member.comma is not None else member.value.end
    newline = _end_of_line(text, end)
    if _starts_line(text, member.key_start) and newline is not None:
        # A member always has its object's closing brace after it, so `newline` is a real newline here.
        start = _line_start(text, member.key_start)
        stop = newline + 1
        edits: list[_Edit] = [(start, stop, "")]
        if member.comma is None and previous is not None and previous.comma is not None:
            # The last member goes, so the one before it must not keep a comma strict JSON would reject.
            edits.append((previous.comma, previous.comma + 1, ""))
        return edits
    if previous is not None:
        return [(previous.value.end, member.value.end, "")]
    stop = end
    while stop < len(text) and text[stop] in " \t":
        stop += 1
    return [(member.key_start, stop, "")]
