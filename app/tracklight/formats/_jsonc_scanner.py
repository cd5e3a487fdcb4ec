"""A small JSON/JSONC parser that keeps the offset of every key, value and comma, so an editor can change one value
in place and leave every other byte alone.

One grammar serves both formats: JSONC (as VS Code writes settings.json) is JSON plus `//` and `/* */` comments and
trailing commas; strict JSON rejects both. Duplicate keys parse in both (Python's json module accepts them too); the
reader takes the last one, as VS Code and Python do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TypeAlias

from tracklight.errors import FormatError
from tracklight.formats import line_of

# RFC 8259 tokens. A string may not hold raw control characters; escapes are the nine the RFC lists.
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LITERALS = {"true": True, "false": False, "null": None}

JsonValue: TypeAlias = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass
class Node:
    """One JSON value and the half-open span [start, end) of its text."""

    kind: str  # object | array | string | number | true | false | null
    start: int
    end: int
    scalar: JsonValue = None
    members: list[Member] = field(default_factory=list)  # objects
    items: list[Node] = field(default_factory=list)  # arrays


@dataclass
class Member:
    """One `"key": value` of an object; `comma` is the offset of the comma that follows it, if any."""

    key: str
    key_start: int
    key_end: int
    value: Node
    comma: int | None = None


@dataclass
class Document:
    """A parsed file: the root value, or None when the file holds only whitespace (and comments, in JSONC)."""

    text: str
    root: Node | None


def parse(text: str, *, jsonc: bool) -> Document:
    """Parse JSON (jsonc=False) or JSONC text; FormatError carries the 1-based line of the problem."""
    parser = _Parser(text, jsonc)
    try:
        return parser.document()
    except RecursionError:
        raise FormatError("nested too deeply", line=line_of(text, parser.pos)) from None


def to_python(node: Node) -> JsonValue:
    """The Python value of a node; for duplicate keys the last one wins."""
    if node.kind == "object":
        return {m.key: to_python(m.value) for m in node.members}
    if node.kind == "array":
        return [to_python(item) for item in node.items]
    return node.scalar


class _Parser:
    def __init__(self, text: str, jsonc: bool) -> None:
        self.text = text
        self.jsonc = jsonc
        self.pos = 0

    def fail(self, message: str, at: int | None = None) -> FormatError:
        return FormatError(message, line=line_of(self.text, self.pos if at is None else at))

    def document(self) -> Document:
        self.skip_trivia()
        if self.pos >= len(self.text):
            return Document(self.text, None)
        root = self.value()
        self.skip_trivia()
        if self.pos < len(self.text):
            raise self.fail("unexpected text after the top-level value")
        return Document(self.text, root)

    def skip_trivia(self) -> None:
        text = self.text
        while True:
            self.pos = _WHITESPACE.match(text, self.pos).end()  # type: ignore[union-attr]
            if not text.startswith("/", self.pos):
                return
            if not self.jsonc:
                raise self.fail("comments are not allowed in JSON")
            if text.startswith("//", self.pos):
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
            elif text.startswith("/*", self.pos):
                close = text.find("*/", self.pos + 2)
                if close < 0:
                    raise self.fail("unterminated /* comment")
                self.pos = close + 2
            else:
                raise self.fail("unexpected '/'")

    def value(self) -> Node:
        text = self.text
        start = self.pos
        if start >= len(text):
            raise self.fail("unexpected end of file, expected a value")
        char = text[start]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == '"':
            key, end = self.string()
            return Node("string", start, end, key)
        match = _NUMBER.match(text, start)
        if match:
            token = match.group()
            self.pos = match.end()
            number: int | float = float(token) if any(c in token for c in ".eE") else int(token)
            return Node("number", start, self.pos, number)
        for word, literal in _LITERALS.items():
            if text.startswith(word, start):
                self.pos = start + len(word)
                return Node(word, start, self.pos, literal)
        raise self.fail(f"unexpected {text[start]!r}, expected a value")

    def string(self) -> tuple[str, int]:
        start = self.pos
        match = _STRING.match(self.text, start)
        if match is None:
            raise self.fail(*self._string_problem(start))
        self.pos = match.end()
        return json.loads(match.group()), self.pos

    def _string_problem(self, start: int) -> tuple[str, int]:
        """Why the string at `start` does not scan, and where."""
        text = self.text
        i = start + 1
        while i < len(text):
            char = text[i]
            if char == '"':
                break
            if char == "\\":
                if text[i + 1 : i + 2] not in ('"', "\\", "/", "b", "f", "n", "r", "t", "u"):
                    return "invalid escape in string", i
                if text[i + 1] == "u" and not re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                    return "invalid \\u escape in string", i
                i += 2
                continue
            if ord(char) < 0x20:
                return "unterminated string" if char == "\n" else "control character in string", i
            i += 1
        return "unterminated string", start

    def object(self) -> Node:
        text = self.text
        node = Node("object", self.pos, -1)
        self.pos += 1
        self.skip_trivia()
        if text.startswith("}", self.pos):
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            if not text.startswith('"', self.pos):
                if self.pos >= len(text):
                    raise self.fail("unexpected end of file inside an object")
                raise self.fail("expected a key in double quotes")
            key_start = self.pos
            key, key_end = self.string()
            self.skip_trivia()
            if not text.startswith(":", self.pos):
                raise self.fail("expected ':' after the key")
            self.pos += 1
            self.skip_trivia()
            member = Member(key, key_start, key_end, self.value())
            node.members.append(member)
            self.skip_trivia()
            if text.startswith(",", self.pos):
                member.comma = self.pos
                self.pos += 1
                self.skip_trivia()
                if text.startswith("}", self.pos):
                    if not self.jsonc:
                        raise self.fail("trailing comma is not allowed in JSON", member.comma)
                    self.pos += 1
                    node.end = self.pos
                    return node
                continue
            if text.startswith("}", self.pos):
                self.pos += 1
                node.end = self.pos
                return node
            if self.pos >= len(text):
                raise self.fail("unexpected end of file inside an object")
            raise self.fail("expected ',' or '}'")

    def array(self) -> Node:
        text = self.text
        node = Node("array", self.pos, -1)
        self.pos += 1
        self.skip_trivia()
        if text.startswith("]", self.pos):
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            node.items.append(self.value())
            self.skip_trivia()
            if text.startswith(",", self.pos):
                comma = self.pos
                self.pos += 1
                self.skip_trivia()
                if text.startswith("]", self.pos):
                    if not self.jsonc:
                        raise self.fail("trailing comma is not allowed in JSON", comma)
                    self.pos += 1
                    node.end = self.pos
                    return node
                continue
            if text.startswith("]", self.pos):
                self.pos += 1
                node.end = self.pos
                return node
            if self.pos >= len(text):
                raise self.fail("unexpected end of file inside an array")
            raise self.fail("expected ',' or ']'")
