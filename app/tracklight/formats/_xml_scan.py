"""Exact element spans of an XML document, for editing one element's text without reformatting anything else.

`check` runs the document through expat first, so every document scanned here is well-formed and has no DTD;
the scanner then only needs to tell comments, CDATA, processing instructions and tags apart to record where
each element's start tag, content and end tag are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from tracklight.errors import FormatError
from tracklight.formats import line_of

_NAME = re.compile(r"[^\s/>=]+")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


@dataclass
class Element:
    """One element: its name, spans and children."""

    name: str
    start: int  # offset of '<'
    start_tag_end: int  # offset after the start tag's '>'
    end_tag_start: int  # offset of '</' (== start_tag_end for a self-closing tag)
    end: int  # offset after the whole element
    self_closing: bool
    line: int
    children: list[Element] = field(default_factory=list)


def check(text: str) -> None:
    """Raise FormatError (with the line) unless text is well-formed XML without a DTD."""

    def refuse_dtd(*_args: object) -> None:
        # A DTD can declare entities that expand to gigabytes (billion laughs) or read local files.
        raise FormatError("XML with a DTD (<!DOCTYPE>) is not accepted", line=parser.CurrentLineNumber)

    if text.startswith("\ufeff"):
        # One byte-order mark was taken off already; expat would skip a second one in the text, a reader of the
        # file's bytes sees it as content before the declaration and refuses the file.
        raise FormatError("not well-formed XML: a second byte-order mark before the document", line=1)
    parser = expat.ParserCreate(encoding="UTF-8")  # the text is already decoded; ignore a declared encoding
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise FormatError(f"not well-formed XML: {expat.ErrorString(exc.code)}", line=exc.lineno) from None


def scan(text: str) -> Element:
    """The root element of a document that `check` accepted."""
    stack: list[Element] = []
    root: Element | None = None
    pos = 0
    while (lt := text.find("<", pos)) >= 0:
        if text.startswith("<!--", lt):
            pos = text.index("-->", lt + 4) + 3
        elif text.startswith("<![CDATA[", lt):
            pos = text.index("]]>", lt + 9) + 3
        elif text.startswith("<?", lt):
            pos = text.index("?>", lt + 2) + 2
        elif text.startswith("<!", lt):
            raise FormatError("XML with a DTD (<!DOCTYPE>) is not accepted", line=line_of(text, lt))
        elif text.startswith("</", lt):
            gt = text.index(">", lt)
            element = stack.pop()
            element.end_tag_start = lt
            element.end = gt + 1
            pos = gt + 1
        else:
            name = _NAME.match(text, lt + 1)
            assert name is not None  # expat accepted the document
            gt = _tag_end(text, name.end())
            self_closing = text[gt - 1] == "/"
            element = Element(name.group(), lt, gt + 1, gt + 1, gt + 1, self_closing, line_of(text, lt))
            if stack:
                stack[-1].children.append(element)
            elif root is None:
                root = element
            if not self_closing:
                stack.append(element)
            pos = gt + 1
    if root is None:
        raise FormatError("no root element", line=1)
    return root


def _tag_end(text: str, pos: int) -> int:
    """Offset of the '>' closing a start tag, skipping quoted attribute values (which may hold '>')."""
    while True:
        ch = text[pos]
        if ch == ">":
            return pos
        if ch in "\"'":
            pos = text.index(ch, pos + 1)
        pos += 1


def content_text(text: str, element: Element) -> str:
    """The character data of a leaf element: entities resolved, CDATA kept, comments and PIs dropped."""
    raw = text[element.start_tag_end : element.end_tag_start]
    out: list[str] = []
    pos = 0
    while (lt := raw.find("<", pos)) >= 0:
        out.append(_unescape(raw[pos:lt]))
        if raw.startswith("<![CDATA[", lt):
            close = raw.index("]]>", lt)
            out.append(raw[lt + 9 : close])
            pos = close + 3
        elif raw.startswith("<!--", lt):
            pos = raw.index("-->", lt) + 3
        else:
            pos = raw.index("?>", lt) + 2
    out.append(_unescape(raw[pos:]))
    return "".join(out)


def _unescape(chunk: str) -> str:
    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#"):
            return chr(int("0" + ref[1:], 0) if ref[1] == "x" else int(ref[1:]))
        return _PREDEFINED[ref]

    # XML parsers hand line ends over as '\n' (XML 1.0 section 2.11).
    return _ENTITY.sub(replace, chunk.replace("\r\n", "\n").replace("\r", "\n"))


def escape(value: str) -> str:
    """Character data for a value: & < > as entities."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
