"""XML settings files such as Syncthing's config.xml (`<configuration><options><urAccepted>-1</urAccepted>`).

A key is the element path from the root: `configuration.options.urAccepted`. Where a path matches several
elements, the last one counts, as Go's encoding/xml (which Syncthing uses) assigns each in turn. The document
is checked with expat and a DTD is refused outright (entity bombs); edits are textual — only the element's
content is replaced, or a new element line is inserted, indented like its siblings — so declarations,
attributes, comments and entity text elsewhere stay byte-identical.
"""

from __future__ import annotations

import re

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, scalar_text, split_key
from tracklight.formats._xml_scan import Element, check, content_text, escape, scan
from tracklight.formats.values import Scalar

_INDENTED_TAG = re.compile(r"^([ \t]+)<", re.MULTILINE)
_XML_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:.\-]*")


def read(text: str, key: str) -> Lookup:
    """The text of the last element at the key's path (surrounding white space trimmed), or not found."""
    path = _path(key)
    check(text)
    matches = _matches(scan(text), path)
    if not matches:
        return NOT_FOUND
    last = matches[-1]
    _require_leaf(last)
    return Lookup(found=True, value=content_text(text, last).strip(), line=last.line)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Replace the last matching element's content, or insert the missing element(s) in the nearest parent."""
    path = _path(key)
    content = _content(value)
    check(text)
    root = scan(text)
    if root.name != path[0]:
        raise FormatError(f"the root element is <{root.name}>, not <{path[0]}>", line=root.line)
    matches = _matches(root, path)
    if matches:
        last = matches[-1]
        _require_leaf(last)
        if last.self_closing:
            open_tag = text[last.start : last.end][:-2].rstrip() + ">"
            return text[: last.start] + f"{open_tag}{content}</{last.name}>" + text[last.end :]
        return text[: last.start_tag_end] + content + text[last.end_tag_start :]
    for depth in range(len(path) - 1, 0, -1):
        parents = _matches(root, path[:depth])
        if parents:
            return _insert(text, parents[-1], path[depth:], content)
    raise AssertionError("the root always matches")  # pragma: no cover


def remove(text: str, key: str) -> str:
    """Delete every element at the key's path: its whole line where it stands alone, else just the element."""
    path = _path(key)
    check(text)
    matches = _matches(scan(text), path)
    result = text
    for element in reversed(matches):
        if element.name == path[0] and len(path) == 1:
            raise FormatError("the root element cannot be removed", line=element.line)
        line_start = result.rfind("\n", 0, element.start) + 1
        after = element.end
        while after < len(result) and result[after] in " \t\r":
            after += 1
        alone_before = not result[line_start : element.start].strip(" \t")
        if alone_before and after < len(result) and result[after] == "\n":
            result = result[:line_start] + result[after + 1 :]
        else:
            result = result[: element.start] + result[element.end :]
    return result


def new_document(key: str, value: Scalar) -> str:
    """A document holding just the key's element path, indented by four spaces as Syncthing writes it."""
    path = _path(key)
    return _nested(path, _content(value), "", "    ") + "\n"


def _path(key: str) -> list[str]:
    path = split_key(key)
    for name in path:
        if not _XML_NAME.fullmatch(name):
            raise FormatError(f"{name!r} in key {key!r} is not an XML element name")
    return path


def _matches(root: Element, path: list[str]) -> list[Element]:
    """Every element at the path, in document order."""
    if root.name != path[0]:
        return []
    level = [root]
    for name in path[1:]:
        level = [child for element in level for child in element.children if child.name == name]
    return level


def _require_leaf(element: Element) -> None:
    if element.children:
        raise FormatError(f"<{element.name}> holds other elements, not a value", line=element.line)


def _content(value: Scalar) -> str:
    text = scalar_text(value)
    if text != text.strip() or "\n" in text or "\r" in text:
        raise FormatError(f"value {text!r} has surrounding white space or line breaks, which readers trim")
    if any((ord(ch) < 0x20 and ch != "\t") or ch in "\ufffe\uffff" for ch in text):
        raise FormatError(f"value {text!r} holds characters XML 1.0 cannot carry")
    return escape(text)


def _insert(text: str, parent: Element, missing: list[str], content: str) -> str:
    """Insert the missing elements as the last child of parent, on their own line, indented like siblings."""
    if not parent.children and content_text(text, parent).strip():
        raise FormatError(f"<{parent.name}> holds text, not elements", line=parent.line)
    unit = _indent_unit(text)
    parent_indent = _indent_of(text, parent.start)
    if parent.children:
        child_indent = _indent_of(text, parent.children[-1].start)
        if child_indent is None:
            child_indent = (parent_indent or "") + unit
    else:
        child_indent = (parent_indent or "") + unit
    snippet = _nested(missing, content, child_indent, unit)
    if parent.self_closing:
        open_tag = text[parent.start : parent.end][:-2].rstrip() + ">"
        block = f"{open_tag}\n{child_indent}{snippet}\n{parent_indent or ''}</{parent.name}>"
        return text[: parent.start] + block + text[parent.end :]
    end_tag_indent = _indent_of(text, parent.end_tag_start)
    if end_tag_indent is not None:
        # The closing tag has its own line: the new element becomes the line before it.
        line_start = parent.end_tag_start - len(end_tag_indent)
        return text[:line_start] + f"{child_indent}{snippet}\n" + text[line_start:]
    inner = text[parent.start_tag_end : parent.end_tag_start]
    if not inner.strip():
        block = f"\n{child_indent}{snippet}\n{parent_indent or ''}"
        return text[: parent.start_tag_end] + block + text[parent.end_tag_start :]
    # Children and the closing tag share a line (`<a><b>1</b></a>`): stay on it.
    return text[: parent.end_tag_start] + snippet + text[parent.end_tag_start :]


def _nested(path: list[str], content: str, indent: str, unit: str) -> str:
    """`<a>` ... `<leaf>content</leaf>` ... `</a>`, the first tag unindented (the caller places it)."""
    if len(path) == 1:
        return f"<{path[0]}>{content}</{path[0]}>"
    inner = _nested(path[1:], content, indent + unit, unit)
    return f"<{path[0]}>\n{indent}{unit}{inner}\n{indent}</{path[0]}>"


def _indent_of(text: str, offset: int) -> str | None:
    """The white space from the line start to offset, or None if anything else precedes it on its line."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    return before if not before.strip(" \t") else None


def _indent_unit(text: str) -> str:
    """The indentation step: the smallest indentation of a line starting with a tag; else 4 spaces."""
    indents = [m.group(1) for m in _INDENTED_TAG.finditer(text)]
    if not indents:
        return "    "
    smallest = min(indents, key=len)
    return "\t" if smallest.startswith("\t") else " " * len(smallest)
