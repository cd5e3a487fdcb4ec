"""Shell variable files that `sh` sources, such as /etc/popularity-contest.conf (`PARTICIPATE="no"`).

The file is read the way `sh` would see it when sourced, for the plain assignments that matter here:
`VAR=value`, `VAR="value"`, `VAR='value'`, optionally after `export`, several per line, `;` separated, with
`#` comments. A value that needs the shell to run something (`$VAR`, `$(...)`, backquotes, `~`) has no value
we can know: reading or editing that key is refused, never guessed. Other shell code is skipped intact
(quotes, here-documents), so the assignments inside it are not mistaken for ours.

What is not followed is refused, never guessed: an assignment of the key inside `if`/`while`/`for`/`{ }` or after
`&&`/`||` (its value depends on a condition), or a `.`/`source`/`eval`/`read`/`unset` that may change it, coming
after the key's last plain assignment, makes reading or editing the key an error naming that line. `case`,
subshells and function definitions are refused anywhere, as is what `dash -n` rejects and this scanner can see
(an `if` never closed, a `fi` or `;;` out of place, a redirection without a target).
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
    conditional: bool = False  # inside `if`/`while`/`for`/`{ }` or after `&&`/`||`: may or may not run


@dataclass(frozen=True)
class _Wildcard:
    """A command that may set variables the scanner cannot see: `. file`, `eval …`, `read NAME`, `unset NAME`."""

    word: str
    names: frozenset[str] | None  # the variables it touches (None: any)
    start: int
    line: int


_OPENERS = {"if": "fi", "while": "done", "until": "done", "for": "done", "{": "}"}
_CLOSERS = {"fi", "done", "}"}
_MIDDLE = {"then", "else", "elif", "do"}
_REFUSED_WORDS = {"case", "esac", "function", "select", "in"}
_ANY_NAME = {".", "source", "eval", "exec", "set", "getopts", "command", "builtin", "trap"}
_NAMED = {"read", "unset", "export", "readonly", "local", "typeset", "declare"}
# Commands that may stop the sourcing shell part-way (`.` of a missing file, `exit`, a bad name to `export`, `set -e`
# then a failing command…): what comes after them may never run.
_STOPPERS = {".", "source", "exit", "return", "exec", "set", "shift", "eval", "trap", "readonly", "break", "continue"}


def read(text: str, key: str) -> Lookup:
    """The value the shell gives the variable after sourcing the file, or not found."""
    _check_key(key)
    last = _last_known(text, key)
    if last is None:
        return NOT_FOUND
    _require_plain(last)
    return Lookup(found=True, value=last.value, line=last.line)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Set the last assignment of the key in its own quoting style, or append `KEY="value"`."""
    _check_key(key)
    content = scalar_text(value)
    try:
        last = _last_known(text, key)
    except _Unknowable:
        # Something after the last plain assignment may change the key: a new line at the very end runs after all
        # of it, so the shell ends with this value whatever came before (unless something may stop it first).
        if (not text.endswith("\n") and text and text.rstrip(" \t").endswith("\\")) or _Scanner(text).stoppers_in():
            raise
        return append_line(text, f"{key}={_quoted(content, 'double')}")
    if last is not None:
        _require_plain(last)
        return text[: last.value_start] + _quoted(content, last.style) + text[last.value_end :]
    new_line = f"{key}={_quoted(content, 'double')}"
    return append_line(text, new_line)


def remove(text: str, key: str) -> str:
    """Delete every assignment of the key: its whole line where it stands alone, else just `NAME=word`."""
    _check_key(key)
    found = [a for a in _assignments(text) if a.name == key]
    if found:
        _last_known(text, key)
    for assignment in found:
        _require_plain(assignment)
        if assignment.conditional:
            raise _Unknowable(f"{key} is set inside shell code whose outcome depends on a condition; the file is "
                              "not edited", line=assignment.line)
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


class _Unknowable(FormatError):
    """The file parses, but something after the key's last plain assignment may change it."""


def _last_known(text: str, key: str) -> _Assignment | None:
    """The key's last assignment that always runs; FormatError when something after it may change the key."""
    scanner = _Scanner(_no_nul(text))
    found = [a for a in scanner.run() if a.name == key]
    plain = [a for a in found if not a.conditional]
    last = plain[-1] if plain else None
    after = last.start if last is not None else -1
    for stopper in scanner.stoppers:
        if last is None or stopper.start < last.start:
            where = f"before {key}'s assignment on line {last.line}" if last is not None else "in this file"
            raise FormatError(f"`{stopper.word}` {where} may stop sh part-way through the file, so what it ends up "
                              f"with for {key} cannot be known; the file is not edited", line=stopper.line)
    for assignment in found:
        if assignment.conditional and assignment.start > after:
            raise _Unknowable(f"{key} is set inside shell code whose outcome depends on a condition (`if`, `&&`, a "
                              "loop…); what the shell ends up with cannot be known, so the file is not edited",
                              line=assignment.line)
    for wildcard in scanner.wildcards:
        if wildcard.start > after and (wildcard.names is None or key in wildcard.names):
            raise _Unknowable(f"`{wildcard.word}` may change {key} after its last assignment; what the shell ends "
                              "up with cannot be known, so the file is not edited", line=wildcard.line)
    return last


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
        self.wildcards: list[_Wildcard] = []
        self.stoppers: list[_Wildcard] = []
        self.pending_heredocs: list[tuple[str, bool, int]] = []
        # compound commands not closed yet: [closing word, offset, no command yet since the last keyword, part:
        # "cond" before `then`/`do`, "body" after it, "else" after `else`]
        self.open: list[list[str | int | bool]] = []
        self.conditional_next = False  # the next statement follows `&&`/`||`/`|`/`&`

    def error(self, message: str, offset: int) -> FormatError:
        return FormatError(message, line=line_of(self.text, offset))

    def run(self) -> list[_Assignment]:
        pos = 0
        while pos < self.n:
            pos = self.statement(pos)
        if self.open:
            word, offset = self.open[-1][0], self.open[-1][1]
            raise self.error(f"never closed (no `{word}`), which sh rejects", offset)
        if self.conditional_next:
            raise self.error("the file ends after `&&`, `||` or `|`, which sh rejects", self.n)
        return self.found

    def keyword(self, pos: int) -> int | None:
        """A reserved word at the start of a statement: track nesting and return where the next statement starts
        (None: no reserved word here)."""
        text = self.text
        end = pos
        while end < self.n and text[end] not in _WORD_END and text[end] not in "'\"\\$`":
            end += 1
        word = text[pos:end]
        if end < self.n and text[end] not in " \t\n;&|<>()" or word == "":
            return None
        if word == "!" :
            return end
        if word in _REFUSED_WORDS:
            raise self.error(f"`{word}` is shell code Tracklight does not follow; the file is not edited", pos)
        if word in _OPENERS:
            self.command_seen()
            self.open.append([_OPENERS[word], pos, True, "body" if word == "{" else "cond"])
            if word == "for":  # `for NAME in words`: the rest up to `;`/newline is no command
                self.open[-1][2] = False
                return self.command(end)
            return end
        if word in _MIDDLE:
            closer, part = (self.open[-1][0], self.open[-1][3]) if self.open else ("", "")
            allowed = {"then": ("fi", "cond"), "elif": ("fi", "body"), "else": ("fi", "body"), "do": ("done", "cond")}
            if (closer, part) != allowed[word]:
                raise self.error(f"`{word}` out of place, which sh rejects", pos)
            self.require_command(word, pos)
            self.open[-1][2] = True
            self.open[-1][3] = {"then": "body", "elif": "cond", "else": "else", "do": "body"}[word]
            return end
        if word in _CLOSERS:
            if not self.open or self.open[-1][0] != word or self.open[-1][3] == "cond":
                raise self.error(f"`{word}` out of place, which sh rejects", pos)
            self.require_command(word, pos)
            self.open.pop()
            return self.after_closer(end)
        return None

    def stoppers_in(self) -> bool:
        self.run()
        return bool(self.stoppers)

    def command_seen(self) -> None:
        if self.open:
            self.open[-1][2] = False

    def require_command(self, word: str, pos: int) -> None:
        if self.open[-1][2]:
            raise self.error(f"`{word}` with no command before it, which sh rejects", pos)

    def after_closer(self, pos: int) -> int:
        """After `fi`/`done`/`}`: a redirection, `;`, `&&`… or the line end may follow, as after a command."""
        while pos < self.n and self.text[pos] in " \t":
            pos += 1
        if pos < self.n and self.text[pos] not in "\n#":
            return self.command(pos)
        return pos

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
            if self.conditional_next:
                return self.newline(pos)  # `a &&` newline `b`: b is still the other side
            return self.newline(pos)
        if text[pos] == "#":
            return self.comment(pos)
        if text[pos] in ";&|)":
            raise self.error(f"`{text[pos]}` with no command before it, which sh rejects", pos)
        if text[pos] == "(":
            raise self.error("a subshell or function definition: shell code Tracklight does not follow; the file is "
                             "not edited", pos)
        after_keyword = self.keyword(pos)
        if after_keyword is not None:
            return after_keyword
        conditional = self.conditional_next or bool(self.open)
        self.conditional_next = False
        self.command_seen()
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
            return self.command(pos, first_word=True)
        trailer = words_at
        ends_statement = trailer >= self.n or text[trailer] in "\n;#"
        if not ends_statement and not export and text[trailer] not in "&|<>()":
            # `VAR=x cmd` only sets VAR in cmd's environment; the sourcing shell keeps its value.
            return self.command(trailer, first_word=True)
        # `VAR=x && ...`, `VAR=x &`, `VAR=x >f`, `export VAR=x OTHER`: real but not plain (maybe a subshell).
        plain_statement = ends_statement
        if export and not ends_statement:  # `export A=1 B…`: a bad name after it stops the sourcing shell
            self.stoppers.append(_Wildcard("export", None, stmt_start, line_of(text, stmt_start)))
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
                    conditional=conditional,
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

    def command(self, pos: int, first_word: bool = False) -> int:
        """Skip any other shell command up to the end of its statement (`;`, `&&`, `||`, `|`, `&` or the line end),
        minding quotes and here-documents; note the commands that may set variables unseen (`.`, `eval`, …)."""
        text = self.text
        start = pos
        if first_word:
            self.note_wildcard(pos)
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
                pos = self.redirect_target(pos + 3)
                continue
            if ch == "<" and (heredoc := _HEREDOC.match(text, pos)) is not None:
                delimiter = heredoc.group(2) or heredoc.group(3) or heredoc.group(4) or ""
                self.pending_heredocs.append((delimiter, heredoc.group(1) == "-", pos))
                pos = heredoc.end()
                word_start = False
                continue
            if ch in "<>":
                pos += 1
                while pos < self.n and text[pos] in "<>&|":
                    pos += 1
                pos = self.redirect_target(pos)
                word_start = False
                continue
            if ch == ";":
                if text.startswith(";;", pos):
                    raise self.error("`;;` outside `case`, which sh rejects", pos)
                return pos + 1
            if ch in "&|":
                double = text.startswith(("&&", "||"), pos)
                self.conditional_next = True
                if ch == "|" or double:
                    pos += 2 if double else 1
                    return self.after_operator(pos)
                self.conditional_next = False  # `cmd &`: the next statement runs as usual
                return pos + 1
            if ch in "()":
                raise self.error("a subshell or function definition: shell code Tracklight does not follow; the file "
                                 "is not edited", pos)
            word_start = ch in " \t"
            pos += 1
        del start
        return pos

    def after_operator(self, pos: int) -> int:
        """After `&&`, `||` or `|`: a command must follow (newlines allowed), which sh requires."""
        text = self.text
        while pos < self.n and text[pos] in " \t":
            pos += 1
        if pos >= self.n or text[pos] in ";&|)":
            raise self.error("`&&`, `||` or `|` with no command after it, which sh rejects", pos)
        return pos

    def redirect_target(self, pos: int) -> int:
        """Past the word a redirection needs (sh rejects `cmd >` with nothing after it)."""
        text = self.text
        while pos < self.n and text[pos] in " \t":
            pos += 1
        if pos >= self.n or text[pos] in "\n;&|<>()#":
            raise self.error("a redirection without a target, which sh rejects", pos)
        _, _, _, end = self.word(pos)
        return end

    def note_wildcard(self, pos: int) -> None:
        """Remember a command that may set variables this scanner cannot see."""
        text = self.text
        end = pos
        while end < self.n and text[end] not in _WORD_END:
            end += 1
        word = text[pos:end]
        if word in _STOPPERS:
            self.stoppers.append(_Wildcard(word, None, pos, line_of(text, pos)))
        if word in ("export", "unset"):
            stop = text.find("\n", end)
            for arg in text[end : self.n if stop < 0 else stop].split(";", 1)[0].split():
                if arg.startswith("#"):
                    break  # a comment (a `#` inside a word is part of it: `export US#x` is a bad name)
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(=.*)?", arg):
                    self.stoppers.append(_Wildcard(word, None, pos, line_of(text, pos)))
                    break
        if word in _ANY_NAME:
            self.wildcards.append(_Wildcard(word, None, pos, line_of(text, pos)))
        elif word in _NAMED:
            stop = text.find("\n", end)
            rest = text[end : self.n if stop < 0 else stop]
            names = frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest))
            self.wildcards.append(_Wildcard(word, names, pos, line_of(text, pos)))

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


def _no_nul(text: str) -> str:
    nul = text.find("\0")
    if nul >= 0:
        raise FormatError("binary content (NUL byte) in a shell file", line=line_of(text, nul))
    cr = text.find("\r")
    if cr >= 0:
        raise FormatError("a carriage return (a Windows line ending), which sh reads as part of the line "
                          "(`X=no\\r` sets \"no\\r\"); the file is not edited", line=line_of(text, cr))
    return text


def _assignments(text: str) -> list[_Assignment]:
    return _Scanner(_no_nul(text)).run()
