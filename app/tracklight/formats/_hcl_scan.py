"""A scanner for the top level of an HCL version 1 file, the syntax of Terraform's CLI config.

It finds each top-level item — `name = value` attributes and `name "label" { ... }` blocks — with the exact
spans an in-place edit needs, and skips blocks, lists, objects, strings and here-documents intact. Token rules
follow the HCL1 scanner (hashicorp/hcl hcl/scanner): `#`, `//` and `/* */` comments; a string ends at its
closing quote unless inside `${ }`, and may not span lines outside `${ }`; here-documents `<<EOF` / `<<-EOF`
end at a line holding only the anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracklight.errors import FormatError
from tracklight.formats import line_of

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?![A-Za-z0-9_.])")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


@dataclass(frozen=True)
class Item:
    """One top-level attribute or block."""

    key: str
    kind: str  # "attribute" or "block"
    value_kind: str  # attribute: "string", "number", "bool", "heredoc", "list", "object", "ident"; block: ""
    line: int
    start: int  # offset of the key
    value_start: int  # attribute: the value's span; block: the labels and body
    value_end: int
    end: int  # past a trailing comma, if any


class Scanner:
    """Scans HCL text; every error is a FormatError carrying the line it is about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def error(self, message: str, offset: int) -> FormatError:
        return FormatError(message, line=line_of(self.text, offset))

    def items(self) -> list[Item]:
        """Every top-level item, in file order (after checking the whole file parses as HCL1: `check`)."""
        check(self.text)
        found: list[Item] = []
        pos = self.trivia(0)
        while pos < self.n:
            found.append(self.item(pos))
            pos = self.trivia(found[-1].end)
        return found

    def item(self, pos: int) -> Item:
        text = self.text
        start = pos
        if text[pos] == '"':
            key_end = self.string(pos)
            key = unquote(text[pos:key_end])
        else:
            match = IDENT.match(text, pos)
            if match is None:
                raise self.error(f"expected an attribute name or a block, found {text[pos]!r}", pos)
            key, key_end = match.group(), match.end()
        pos = self.trivia(key_end)
        if pos < self.n and text[pos] == "=":
            value_start = self.trivia(pos + 1)
            if value_start >= self.n:
                raise self.error(f"{key} = has no value", pos)
            value_end, value_kind = self.value(value_start)
            return Item(
                key,
                "attribute",
                value_kind,
                line_of(text, start),
                start,
                value_start,
                value_end,
                self.comma(value_end),
            )
        # A block: optional labels (strings or names), then a body in braces.
        body_start = pos
        while pos < self.n and text[pos] != "{":
            if text[pos] == '"':
                pos = self.trivia(self.string(pos))
            elif (label := IDENT.match(text, pos)) is not None:
                pos = self.trivia(label.end())
            else:
                raise self.error(f"expected '=' or a block after {key!r}", pos)
        if pos >= self.n:
            raise self.error(f"expected '=' or a block after {key!r}", start)
        end = self.balanced(pos)
        return Item(key, "block", "", line_of(text, start), start, body_start, end, self.comma(end))

    def value(self, pos: int) -> tuple[int, str]:
        """The end offset and kind of the value starting at pos."""
        text = self.text
        ch = text[pos]
        if ch == '"':
            return self.string(pos), "string"
        if ch == "<" and text.startswith("<<", pos):
            return self.heredoc(pos), "heredoc"
        if ch == "[":
            return self.balanced(pos), "list"
        if ch == "{":
            return self.balanced(pos), "object"
        if (number := _NUMBER.match(text, pos)) is not None:
            return number.end(), "number"
        if (ident := IDENT.match(text, pos)) is not None:
            return ident.end(), "bool" if ident.group() in ("true", "false") else "ident"
        raise self.error(f"unexpected {ch!r} where a value should be", pos)

    def comma(self, pos: int) -> int:
        """Past an optional `,` after an item (HCL1 allows one), on the same line."""
        scan = pos
        while scan < self.n and self.text[scan] in " \t":
            scan += 1
        return scan + 1 if scan < self.n and self.text[scan] == "," else pos

    def trivia(self, pos: int) -> int:
        """Past white space and comments."""
        text = self.text
        while pos < self.n:
            ch = text[pos]
            if ch in " \t\r\n":
                pos += 1
            elif ch == "#" or text.startswith("//", pos):
                eol = text.find("\n", pos)
                pos = self.n if eol < 0 else eol + 1
            elif text.startswith("/*", pos):
                close = text.find("*/", pos + 2)
                if close < 0:
                    raise self.error("unterminated /* comment", pos)
                pos = close + 2
            else:
                break
        return pos

    def string(self, pos: int) -> int:
        """Past a double-quoted string starting at pos."""
        text = self.text
        braces = 0
        scan = pos + 1
        while True:
            if scan >= self.n or (text[scan] == "\n" and braces == 0):
                raise self.error("unterminated string", pos)
            ch = text[scan]
            if ch == '"' and braces == 0:
                return scan + 1
            if braces == 0 and text.startswith("${", scan):
                braces = 1
                scan += 2
                continue
            if braces > 0 and ch == "{":
                braces += 1
            elif braces > 0 and ch == "}":
                braces -= 1
            if ch == "\\":
                scan += 1
            scan += 1

    def heredoc(self, pos: int) -> int:
        """Past a here-document `<<ANCHOR` ... a line holding only ANCHOR (indented if `<<-`)."""
        text = self.text
        match = _HEREDOC.match(text, pos)
        if match is None:
            raise self.error("malformed here-document start (want <<ANCHOR and a newline)", pos)
        anchor = match.group(2)
        scan = match.end()
        while scan < self.n:
            eol = text.find("\n", scan)
            stop = self.n if eol < 0 else eol
            if text[scan:stop].strip(" \t\r") == anchor:
                return stop if text[stop - 1 : stop] != "\r" else stop - 1
            scan = stop + 1
        raise self.error(f"unterminated here-document (no line {anchor!r})", pos)

    def balanced(self, pos: int) -> int:
        """Past a `{ }` or `[ ]` group starting at pos, with strings, comments and here-documents inside."""
        text = self.text
        closers: list[tuple[str, int]] = []
        scan = pos
        while True:
            scan = self.trivia(scan)
            if scan >= self.n:
                opener_at = closers[-1][1] if closers else pos
                raise self.error(f"unclosed {text[opener_at]!r}", opener_at)
            ch = text[scan]
            if ch in "{[":
                closers.append(("}" if ch == "{" else "]", scan))
                scan += 1
            elif ch in "}]":
                if not closers or closers[-1][0] != ch:
                    raise self.error(f"unexpected {ch!r}", scan)
                closers.pop()
                scan += 1
                if not closers:
                    return scan
            elif ch == '"':
                scan = self.string(scan)
            elif text.startswith("<<", scan) and _HEREDOC.match(text, scan):
                scan = self.heredoc(scan)
            else:
                scan += 1


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def unquote(literal: str) -> str:
    """The text of a double-quoted HCL string literal, escapes resolved; unknown escapes kept as written."""
    body = literal[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(nxt)
            digits = body[i + 2 : i + 2 + width] if width else ""
            hex_digits = len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits)
            if width and hex_digits and int(digits, 16) <= 0x10FFFF:
                out.append(chr(int(digits, 16)))
                i += 2 + width
                continue
        out.append(ch)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------- the whole file, as Terraform's HCL1 parser sees it
#
# The editor above looks closely at the top level only; Terraform parses everything (hashicorp/hcl v1: hcl/scanner
# and hcl/parser) and refuses the whole file for one bad token deep inside a block. `check` applies those rules to
# the whole text, so a file Terraform could not read is refused, never edited.

_HCL_IDENT = re.compile(r"[^\W\d][\w.-]*")
_HCL_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)")
_HCL_ESCAPE = re.compile(r"\\(?:[abfnrtv\\\"]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")


class _Tokens:
    """HCL1's tokens: (kind, offset), kind one of IDENT BOOL NUMBER STRING HEREDOC { } [ ] = , EOF."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.scanner = Scanner.__new__(Scanner)
        self.scanner.text, self.scanner.n = text, self.n

    def error(self, message: str, offset: int) -> FormatError:
        return FormatError(f"{message}, which Terraform refuses", line=line_of(self.text, offset))

    def all(self) -> list[tuple[str, int]]:
        text = self.text
        tokens: list[tuple[str, int]] = []
        pos = 0
        while True:
            pos = self.scanner.trivia(pos)
            if pos >= self.n:
                tokens.append(("EOF", pos))
                return tokens
            ch = text[pos]
            if ch in "{}[]=,":
                tokens.append((ch, pos))
                pos += 1
            elif ch == '"':
                end = self.scanner.string(pos)
                self.check_escapes(pos, end)
                tokens.append(("STRING", pos))
                pos = end
            elif text.startswith("<<", pos):
                tokens.append(("HEREDOC", pos))
                pos = self.scanner.heredoc(pos)
                eol = text.find("\n", pos)
                pos = self.n if eol < 0 else eol + 1
            elif (number := _HCL_NUMBER.match(text, pos)) is not None:
                tokens.append(("NUMBER", pos))
                pos = number.end()
            elif (ident := _HCL_IDENT.match(text, pos)) is not None:
                tokens.append(("BOOL" if ident.group() in ("true", "false") else "IDENT", pos))
                pos = ident.end()
            else:
                raise self.error(f"illegal character {ch!r}", pos)

    def check_escapes(self, start: int, end: int) -> None:
        text = self.text
        braces = 0
        scan = start + 1
        while scan < end - 1:
            if braces == 0 and text.startswith("${", scan):
                braces, scan = 1, scan + 2
                continue
            ch = text[scan]
            if braces:
                braces += {"{": 1, "}": -1}.get(ch, 0)
            elif ch == "\\":
                escape = _HCL_ESCAPE.match(text, scan)
                if escape is None:
                    raise self.error("an unknown escape in a string", scan)
                scan = escape.end()
                continue
            scan += 1


def check(text: str) -> None:
    """FormatError (with the line) unless Terraform's HCL1 parser reads the whole text."""
    nul = text.find("\0")
    if nul >= 0:
        raise FormatError("a NUL character, which Terraform refuses", line=line_of(text, nul))
    if text.lstrip(" \t\r\n").startswith("{"):
        raise FormatError("starts with '{', so Terraform reads it as JSON, not HCL; the file is not edited", line=1)
    tokens = _Tokens(text)
    stream = tokens.all()
    at = 0

    def kind() -> str:
        return stream[at][0]

    def fail(message: str) -> FormatError:
        # At the end of the file, the last token is what the problem is about (a name with nothing after it).
        where = stream[at - 1][1] if kind() == "EOF" and at > 0 else stream[at][1]
        return tokens.error(message, where)

    def object_list(closer: str, opened_at: int = 0) -> None:
        nonlocal at
        while kind() != closer:
            if kind() == "EOF":
                raise tokens.error("a '{' is never closed", opened_at)
            keys = 0
            while kind() in ("IDENT", "STRING"):
                keys += 1
                at += 1
            if keys == 0:
                raise fail(f"expected a name, found {'the end of the file' if kind() == 'EOF' else kind()}")
            if kind() == "=":
                if keys != 1:
                    raise fail("expected '{' after several names")
                at += 1
                value()
            elif kind() == "{":
                at += 1
                object_list("}", stream[at - 1][1])
                at += 1
            else:
                found = "the end of the file" if kind() == "EOF" else kind()
                raise fail(f"expected a name, '=' or '{{', found {found}")
            if kind() == ",":
                at += 1

    def value() -> None:
        nonlocal at
        current = kind()
        if current in ("NUMBER", "BOOL", "STRING", "HEREDOC"):
            at += 1
        elif current == "{":
            at += 1
            object_list("}", stream[at - 1][1])
            at += 1
        elif current == "[":
            at += 1
            opened_at = stream[at - 1][1]
            while kind() != "]":
                if kind() == "EOF":
                    raise tokens.error("a '[' is never closed", opened_at)
                if kind() in ("IDENT", "=", ",", "}"):
                    raise fail(f"unexpected {kind()} in a list")
                value()
                if kind() == ",":
                    at += 1
                elif kind() != "]":
                    raise fail("expected ',' or ']' in a list")
            at += 1
        elif current == "EOF":
            raise fail("no value after '='")
        else:
            raise fail(f"unexpected {current} where a value should be (Terraform reads no bare words)")

    object_list("EOF")
