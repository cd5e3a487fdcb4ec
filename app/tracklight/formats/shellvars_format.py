"""Shell variable files that `sh` sources, such as /etc/popularity-contest.conf (`PARTICIPATE="no"`).

The file is read the way `sh` would see it when sourced, for the plain assignments that matter here:
`VAR=value`, `VAR="value"`, `VAR='value'`, optionally after `export`, several per line, `;` separated, with
`#` comments. A value that needs the shell to run something (`$VAR`, `$(...)`, backquotes, `~`) has no value
we can know: reading or editing that key is refused, never guessed. Other shell code is skipped intact
(quotes, here-documents), so the assignments inside it are not mistaken for ours. Assignments inside
`if`/function bodies are taken as written (best effort).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, append_line, keep_unterminated_end, line_of, scalar_text
from tracklight.formats.values import Scalar

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_EXPORT = re.compile(r"export[ \t]+")
_WORD_END = " \t\n;&|<>()"
_HEREDOC = re.compile(r"<<(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([A-Za-z0-9_.-]+))")
# Characters a value may hold unquoted without the shell reading them as syntax.
_BARE = re.compile(r"[A-Za-z0-9_./:,+=@%-]*")


@dataclass(frozen=True)
class _Assignment:
    """One `NAME=word` the shell runs, with the spans an edit needs."""

    name: str
    value: str  # the word after quote removal (meaningless unless plain)
    plain: bool  # no expansion: the value is known without running anything
    style: str  # "none", "double", "single" or "mixed": how the word is quoted
    line: int
    start: int  # offset of NAME (or of `export`, when the statement is this assignment alone)
    value_start: int
    value_end: int
    line_start: int  # the statement's first line and the offset past its last newline, for whole-line removal
    line_end: int
    alone: bool  # the statement's lines hold nothing but this assignment (and comments)
    single: bool  # the statement holds this one assignment (a `;` or the line end closes it)


def read(text: str, key: str) -> Lookup:
    """The value the shell gives the variable after sourcing the file, or not found."""
    _check_key(key)
    found = [a for a in _assignments(text) if a.name == key]
    if not found:
        return NOT_FOUND
    last = found[-1]
    _require_plain(last)
    return Lookup(found=True, value=last.value, line=last.line)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Set the last assignment of the key in its own quoting style, or append `KEY="value"`."""
    _check_key(key)
    content = scalar_text(value)
    found = [a for a in _assignments(text) if a.name == key]
    if found:
        last = found[-1]
        _require_plain(last)
        return text[: last.value_start] + _quoted(content, last.style) + text[last.value_end :]
    new_line = f"{key}={_quoted(content, 'double')}"
    return append_line(text, new_line)


def remove(text: str, key: str) -> str:
    """Delete every assignment of the key: its whole line where it stands alone, else just `NAME=word`."""
    _check_key(key)
    found = [a for a in _assignments(text) if a.name == key]
    for assignment in found:
        _require_plain(assignment)
    result = text
    for assignment in reversed(found):
        if assignment.alone:
            result = result[: assignment.line_start] + result[assignment.line_end :]
        else:
            start, end = assignment.start, _skip_blanks(result, assignment.value_end)
            if assignment.single and end < len(result) and result[end] == ";":
                # `A=1; B=2`: the statement's `;` goes with it, or `; B=2` would be a syntax error.
                end = _skip_blanks(result, end + 1)
            if assignment.single and (end >= len(result) or result[end] in "\r\n"):
                # `A=1; B=2`: B was last on its line; drop the blanks before it, not after.
                while start > 0 and result[start - 1] in " \t":
                    start -= 1
            result = result[:start] + result[end:]
    return keep_unterminated_end(text, result)


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def new_document(key: str, value: Scalar) -> str:
    """A file holding just `KEY="value"`."""
    _check_key(key)
    return f"{key}={_quoted(scalar_text(value), 'double')}\n"


def _require_plain(assignment: _Assignment) -> None:
    if not assignment.plain:
        raise FormatError(
            f"{assignment.name} is not a plain assignment (its value needs the shell to expand it)",
            line=assignment.line,
        )


def _check_key(key: str) -> None:
    if not _NAME.fullmatch(key):
        raise FormatError(f"invalid shell variable name {key!r}")


def _quoted(value: str, style: str) -> str:
    """The value as a shell word in the given style; double quotes where that style can't hold it."""
    if any(ch in value for ch in "\n\r\0"):
        raise FormatError(f"value {value!r} contains a line break or NUL, which this editor will not write")
    if any(ord(ch) < 0x20 and ch != "\t" for ch in value):
        raise FormatError(f"value {value!r} contains control characters")
    if style == "none" and _BARE.fullmatch(value):
        return value
    if style == "single" and "'" not in value:
        return f"'{value}'"
    # Inside double quotes only \ " $ ` are special; a backslash before each makes it literal (POSIX 2.2.3).
    escaped = re.sub(r'([\\"$`])', r"\\\1", value)
    return f'"{escaped}"'


class _Scanner:
    """Walks a shell file statement by statement, collecting the assignments the shell would run."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.found: list[_Assignment] = []
        self.pending_heredocs: list[tuple[str, bool, int]] = []

    def error(self, message: str, offset: int) -> FormatError:
        return FormatError(message, line=line_of(self.text, offset))

    def run(self) -> list[_Assignment]:
        pos = 0
        while pos < self.n:
            pos = self.statement(pos)
        return self.found

    def statement(self, pos: int) -> int:
        """Parse one simple statement from pos; return where the next one starts."""
        text = self.text
        line_start = text.rfind("\n", 0, pos) + 1
        at_line_start = not text[line_start:pos].strip(" \t;")
        while pos < self.n and text[pos] in " \t":
            pos += 1
        if pos >= self.n:
            return pos
        if text[pos] == "\n":
            return self.newline(pos)
        if text[pos] == "#":
            return self.comment(pos)
        stmt_start = pos
        export = _EXPORT.match(text, pos)
        words_at = export.end() if export else pos
        assignments: list[tuple[str, str, bool, str, int, int, int]] = []
        while (match := _ASSIGNMENT.match(text, words_at)) is not None:
            value_start = match.end()
            value, plain, style, value_end = self.word(value_start)
            assignments.append(
                (match.group()[:-1], value, plain, style, match.start(), value_start, value_end)
            )
            words_at = value_end
            while words_at < self.n and text[words_at] in " \t":
                words_at += 1
        if not assignments:
            return self.command(pos)
        trailer = words_at
        ends_statement = trailer >= self.n or text[trailer] in "\n;#"
        if not ends_statement and not export and text[trailer] not in "&|<>()":
            # `VAR=x cmd` only sets VAR in cmd's environment; the sourcing shell keeps its value.
            return self.command(trailer)
        # `VAR=x && ...`, `VAR=x &`, `VAR=x >f`, `export VAR=x OTHER`: real but not plain (maybe a subshell).
        plain_statement = ends_statement
        end = self.command(trailer) if not ends_statement else self.end_of_statement(trailer)
        alone = at_line_start and len(assignments) == 1 and self.rest_is_blank(end)
        line_end = end
        for name, value, plain, style, start, value_start, value_end in assignments:
            self.found.append(
                _Assignment(
                    name=name,
                    value=value,
                    plain=plain and plain_statement,
                    style=style,
                    line=line_of(text, start),
                    start=stmt_start if len(assignments) == 1 else start,
                    value_start=value_start,
                    value_end=value_end,
                    line_start=line_start,
                    line_end=line_end,
                    alone=alone,
                    single=len(assignments) == 1,
                )
            )
        return end

    def rest_is_blank(self, end: int) -> bool:
        """True when the statement ended with its line (newline or end of file), not with `;` and more."""
        return end >= self.n or self.text[end - 1] == "\n"

    def end_of_statement(self, pos: int) -> int:
        """After assignments: skip `;`, spaces and a comment; return past the newline if the line ends."""
        text = self.text
        if pos < self.n and text[pos] == ";":
            pos += 1
            while pos < self.n and text[pos] in " \t":
                pos += 1
        if pos < self.n and text[pos] == "#":
            return self.comment(pos)
        if pos < self.n and text[pos] == "\n":
            return self.newline(pos)
        return pos

    def newline(self, pos: int) -> int:
        """Past a newline, and past any here-document bodies that start after it."""
        pos += 1
        while self.pending_heredocs:
            delimiter, strip_tabs, opened_at = self.pending_heredocs.pop(0)
            while True:
                if pos >= self.n:
                    raise self.error(f"here-document never ends (no line {delimiter!r})", opened_at)
                eol = self.text.find("\n", pos)
                stop = self.n if eol < 0 else eol
                line = self.text[pos:stop]
                pos = self.n if eol < 0 else eol + 1
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
        return pos

    def comment(self, pos: int) -> int:
        eol = self.text.find("\n", pos)
        return self.n if eol < 0 else self.newline(eol)

    def command(self, pos: int) -> int:
        """Skip any other shell command up to the end of its line, minding quotes and here-documents."""
        text = self.text
        word_start = True
        while pos < self.n:
            ch = text[pos]
            if ch == "\n":
                return self.newline(pos)
            if ch == "#" and word_start:
                return self.comment(pos)
            if ch in "'\"`\\$":
                _, _, _, pos = self.word(pos)
                word_start = False
                continue
            if text.startswith("<<<", pos):  # a here-string, not a here-document
                pos += 3
                continue
            if ch == "<" and (heredoc := _HEREDOC.match(text, pos)) is not None:
                delimiter = heredoc.group(2) or heredoc.group(3) or heredoc.group(4) or ""
                self.pending_heredocs.append((delimiter, heredoc.group(1) == "-", pos))
                pos = heredoc.end()
                word_start = False
                continue
            word_start = ch in " \t;&|()"
            pos += 1
        return pos

    def word(self, pos: int) -> tuple[str, bool, str, int]:
        """One shell word from pos: (value after quote removal, plain?, quoting style, end offset)."""
        text = self.text
        start = pos
        parts: list[str] = []
        plain = True
        kinds: set[str] = set()
        while pos < self.n and text[pos] not in _WORD_END:
            ch = text[pos]
            if ch == "'":
                close = text.find("'", pos + 1)
                if close < 0:
                    raise self.error("unterminated single quote", pos)
                parts.append(text[pos + 1 : close])
                kinds.add("single")
                pos = close + 1
            elif ch == '"':
                kinds.add("double")
                opening = pos
                pos += 1
                while True:
                    if pos >= self.n:
                        raise self.error("unterminated double quote", opening)
                    ch = text[pos]
                    if ch == '"':
                        pos += 1
                        break
                    if ch == "\\" and pos + 1 < self.n and text[pos + 1] in '"\\$`\n':
                        if text[pos + 1] != "\n":
                            parts.append(text[pos + 1])
                        pos += 2
                    elif ch in "$`":
                        plain = False
                        pos = self.expansion(pos)
                    else:
                        parts.append(ch)
                        pos += 1
            elif ch == "\\":
                kinds.add("none")
                if pos + 1 < self.n and text[pos + 1] != "\n":
                    parts.append(text[pos + 1])
                pos += 2
            elif ch in "$`":
                kinds.add("none")
                plain = False
                pos = self.expansion(pos)
            else:
                if ch == "~" and (pos == start or text[pos - 1] == ":"):
                    plain = False  # tilde expansion happens in assignments, unquoted
                if ch in "*?[":
                    kinds.add("none")  # no globbing in assignments: literal
                kinds.add("none")
                parts.append(ch)
                pos += 1
        style = "none" if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"
        return "".join(parts), plain, style, min(pos, self.n)

    def expansion(self, pos: int) -> int:
        """Skip `$name`, `${...}`, `$(...)`, `$((...))` or a backquoted command; return the end offset."""
        text = self.text
        if text[pos] == "`":
            close = pos + 1
            while close < self.n and text[close] != "`":
                close += 2 if text[close] == "\\" else 1
            if close >= self.n:
                raise self.error("unterminated backquote", pos)
            return close + 1
        if pos + 1 < self.n and text[pos + 1] in "({":
            opener = text[pos + 1]
            closer = ")" if opener == "(" else "}"
            depth = 0
            scan = pos + 1
            while scan < self.n:
                ch = text[scan]
                if ch == opener:
                    depth += 1
                elif ch == closer:
                    depth -= 1
                    if depth == 0:
                        return scan + 1
                elif ch in "'\"":
                    close = text.find(ch, scan + 1)
                    if close < 0:
                        break
                    scan = close
                elif ch == "\\":
                    scan += 1
                scan += 1
            raise self.error(f"unterminated ${opener}", pos)
        scan = pos + 1
        while scan < self.n and (text[scan].isalnum() or text[scan] == "_"):
            scan += 1
        return max(scan, pos + 1)


def _assignments(text: str) -> list[_Assignment]:
    nul = text.find("\0")
    if nul >= 0:
        raise FormatError("binary content (NUL byte) in a shell file", line=line_of(text, nul))
    return _Scanner(text).run()
