"""git-config files (a repository's .git/config, ~/.gitconfig): Homebrew keeps `[homebrew] analyticsdisabled = true`
in its repository's .git/config, and git itself reads these files.

The reader follows git's own parser (config.c: git_parse_source, get_base_var, get_value, parse_value): section and
variable names ignore case, a subsection `[remote "origin"]` keeps it (the old `[remote.origin]` form is folded to
lower case), values may be quoted and escaped (\\" \\\\ \\n \\t \\b, backslash-newline continues), `#` and `;` start a
comment outside quotes, a variable with no `=` is a boolean true whose text is empty (what `git config --get`
prints), and the last occurrence of a variable wins. A key is git's: `section.name` or `section.sub.section.name`
(the first and last dots split it), e.g. `remote.origin.url`, `homebrew.analyticsdisabled`.

Writing works like `git config` does: a value is replaced in place, a new variable goes after the last variable of
the last matching section with its indentation (a tab by default), a missing section is appended at the end.
Removing takes out every occurrence, like `--unset-all`, and a section left with nothing in it (no variable, no
comment) goes too, which `git config` would leave behind as an empty header.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, keep_unterminated_end, line_of, scalar_text, split_key
from tracklight.formats._ini_lines import insert_lines, split_lines
from tracklight.formats.values import Scalar

_SPACE = " \t\r"  # git's isspace(), less the newline the loop handles itself
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "\\": "\\", '"': '"'}


@dataclass
class _Section:
    prefix: (
        str  # canonical: lower-case name, then "." and the subsection as written (lower-cased in [a.b] form)
    )
    start: int  # offset of "["
    end: int  # offset after "]"


@dataclass
class _Variable:
    key: str  # canonical full key: section prefix + "." + lower-case name
    section: _Section
    start: int  # offset of the name
    name_end: int
    value: str  # the value as git reads it ("" for a bare name)
    value_start: int | None  # offset of the first character of the value text; None for a bare name
    value_end: int  # offset after the last character of the value text (quotes included, comment excluded)
    end: int  # offset of the newline that ends the variable (len(text) at the end of the file)


_NO_SECTION = _Section("", 0, 0)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.sections: list[_Section] = []
        self.variables: list[_Variable] = []

    def fail(self, message: str, pos: int) -> FormatError:
        return FormatError(f"bad config line: {message}", line=line_of(self.text, min(pos, len(self.text))))

    def parse(self) -> _Parser:
        text, n = self.text, len(self.text)
        pos = 0
        comment = False
        section: _Section | None = None
        while pos < n:
            char = text[pos]
            if char == "\n":
                comment = False
                pos += 1
            elif comment or char in _SPACE:
                pos += 1
            elif char in "#;":
                comment = True
                pos += 1
            elif char == "[":
                section = self.header(pos)
                self.sections.append(section)
                pos = section.end
            elif char.isascii() and char.isalpha():
                # git reads a variable before any section (as a key no query can name); so do we.
                variable = self.variable(pos, section or _NO_SECTION)
                self.variables.append(variable)
                pos = variable.end
            else:
                raise self.fail(f"unexpected {char!r}", pos)
        return self

    def header(self, start: int) -> _Section:
        text, n = self.text, len(self.text)
        pos = start + 1
        name_start = pos
        while pos < n and (_is_key_char(text[pos]) or text[pos] == "."):
            pos += 1
        name = text[name_start:pos].lower()
        if pos < n and text[pos] == "]":
            if not name or name.startswith(".") or name.endswith("."):
                raise self.fail("empty section name", start)
            return _Section(name, start, pos + 1)
        if pos >= n or text[pos] not in _SPACE + "\n" or not name:
            raise self.fail("malformed section header", pos)
        while pos < n and text[pos] in _SPACE:
            pos += 1
        if pos >= n or text[pos] != '"':
            raise self.fail('expected a "subsection" in the section header', pos)
        pos += 1
        subsection: list[str] = []
        while True:
            if pos >= n or text[pos] == "\n":
                raise self.fail("unterminated subsection", pos)
            char = text[pos]
            if char == '"':
                break
            if char == "\\":
                pos += 1
                if pos >= n or text[pos] == "\n":
                    raise self.fail("unterminated subsection", pos)
                char = text[pos]
            subsection.append(char)
            pos += 1
        if text[pos + 1 : pos + 2] != "]":
            raise self.fail("expected ']' after the subsection", pos + 1)
        return _Section(name + "." + "".join(subsection), start, pos + 2)

    def variable(self, start: int, section: _Section) -> _Variable:
        text, n = self.text, len(self.text)
        pos = start
        while pos < n and _is_key_char(text[pos]):
            pos += 1
        name_end = pos
        key = section.prefix + "." + text[start:name_end].lower()
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos >= n or text[pos] == "\n" or text.startswith("\r\n", pos):
            end = n if pos >= n else text.index("\n", pos)
            return _Variable(key, section, start, name_end, "", None, name_end, end)
        if text[pos] != "=":
            raise self.fail("expected '=' after the variable name", pos)
        return self.value(start, name_end, key, section, pos + 1)

    def value(self, start: int, name_end: int, key: str, section: _Section, pos: int) -> _Variable:
        """git's parse_value, step for step, noting where the value's text begins and ends."""
        text, n = self.text, len(self.text)
        quote = comment = False
        spaces = 0
        chars: list[str] = []
        first: int | None = None
        last_end = pos
        while True:
            if pos >= n or text[pos] == "\n" or text.startswith("\r\n", pos):
                if quote:
                    raise self.fail("unterminated quote in the value", pos)
                end = pos if pos >= n or text[pos] == "\n" else pos + 1
                value_start = first if first is not None else last_end
                return _Variable(key, section, start, name_end, "".join(chars), value_start, last_end, end)
            char = text[pos]
            here = pos
            pos += 1
            if comment:
                continue
            if char in _SPACE and not quote:
                # git 2.39 turns each space or tab inside an unquoted value into one space (2.45 keeps tabs
                # verbatim); only values with an inner tab read differently, and we never write one unescaped.
                if chars:
                    spaces += 1
                continue
            if not quote and char in "#;":
                comment = True
                continue
            chars.extend(" " * spaces)
            spaces = 0
            if first is None:
                first = here
            if char == "\\":
                if pos < n and text[pos] == "\n":
                    pos += 1
                    continue
                if text.startswith("\r\n", pos):
                    pos += 2
                    continue
                escaped = text[pos] if pos < n else "end"
                if escaped not in _ESCAPES:
                    raise self.fail("unknown escape in the value", here)
                chars.append(_ESCAPES[escaped])
                pos += 1
                last_end = pos
                continue
            if char == '"':
                quote = not quote
                last_end = pos
                continue
            chars.append(char)
            last_end = pos


def _is_key_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


def _canonical(key: str) -> tuple[str, str, str | None, str]:
    """(full canonical key, section name, subsection or None, variable name) as `git config` splits a key."""
    segments = split_key(key)
    if len(segments) < 2:
        raise FormatError(f"a git config key is section.name, got {key!r}")
    section, name = segments[0], segments[-1]
    subsection = ".".join(segments[1:-1]) if len(segments) > 2 else None
    if not section or not all(_is_key_char(c) for c in section):
        raise FormatError(f"invalid section name in {key!r}")
    if not (name[0].isascii() and name[0].isalpha()) or not all(_is_key_char(c) for c in name):
        raise FormatError(f"invalid variable name in {key!r}")
    prefix = section.lower() + ("" if subsection is None else "." + subsection)
    return prefix + "." + name.lower(), section, subsection, name


def read(text: str, key: str) -> Lookup:
    """The value of the last occurrence of `key`, as text ("" for a bare `name` line, which git reads as true)."""
    canonical = _canonical(key)[0]
    parser = _Parser(text).parse()
    found = [v for v in parser.variables if v.key == canonical]
    if not found:
        return NOT_FOUND
    return Lookup(found=True, value=found[-1].value, line=line_of(text, found[-1].start))


def render_value(value: str) -> str:
    """A value as git config writes it: escaped, and quoted when spaces at its ends or a comment sign need it."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = escaped.replace("\b", "\\b")
    if value != value.strip(" ") or "#" in value or ";" in value or value.startswith("\t"):
        return f'"{escaped}"'
    return escaped


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with `key` set (last occurrence edited, else added to the last matching section or a new one)."""
    canonical, section_name, subsection, name = _canonical(key)
    new = scalar_text(value)
    parser = _Parser(text).parse()
    found = [v for v in parser.variables if v.key == canonical]
    if found and found[-1].value == new:
        return text
    rendered = render_value(new)
    if found:
        target = found[-1]
        if target.value_start is None:
            return text[: target.name_end] + " = " + rendered + text[target.name_end :]
        replacement = (" " if text[target.value_start - 1] == "=" else "") + rendered
        return text[: target.value_start] + replacement + text[target.value_end :]
    prefix = canonical[: -len(name) - 1]
    sections = [s for s in parser.sections if s.prefix == prefix]
    lines = split_lines(text)
    if sections:
        section = sections[-1]
        members = [v for v in parser.variables if v.section is section]
        anchor = members[-1].end if members else section.end
        indent = "\t"
        if members and _starts_line(text, members[-1].start):
            indent = text[text.rfind("\n", 0, members[-1].start) + 1 : members[-1].start]
        after_line = line_of(text, anchor) - 1  # index of the line holding the anchor
        eol = "\r\n" if lines[after_line].endswith("\r\n") else "\n"
        insert_lines(lines, after_line + 1, [f"{indent}{name} = {rendered}{eol}"])
        return "".join(lines)
    eol = "\r\n" if lines and lines[-1].endswith("\r\n") else "\n"
    insert_lines(lines, len(lines), [_header(section_name, subsection) + eol, f"\t{name} = {rendered}{eol}"])
    return "".join(lines)


def _header(section: str, subsection: str | None) -> str:
    if subsection is None:
        return f"[{section}]"
    quoted = subsection.replace("\\", "\\\\").replace('"', '\\"')
    return f'[{section} "{quoted}"]'


def _starts_line(text: str, pos: int) -> bool:
    return text[text.rfind("\n", 0, pos) + 1 : pos].strip(" \t") == ""


def remove(text: str, key: str) -> str:
    """The text without any occurrence of `key`; a section left empty (no variable, no comment) goes too."""
    canonical = _canonical(key)[0]
    parser = _Parser(text).parse()
    doomed = [v for v in parser.variables if v.key == canonical]
    if not doomed:
        return text
    cuts: list[tuple[int, int]] = []
    for variable in doomed:
        if _starts_line(text, variable.start):
            start = text.rfind("\n", 0, variable.start) + 1
            cuts.append((start, min(variable.end + 1, len(text))))
        else:
            # It shares a line with its section header: take the variable, keep the header and the newline.
            start = variable.start
            while start > 0 and text[start - 1] in " \t":
                start -= 1
            cuts.append((start, variable.end))
    for index, section in enumerate(parser.sections):
        if not any(v.section is section for v in doomed):
            continue
        if any(v.section is section and v not in doomed for v in parser.variables):
            continue
        following = parser.sections[index + 1].start if index + 1 < len(parser.sections) else len(text)
        body = "".join(text[a:b] for a, b in _gaps(section.end, following, cuts))
        if body.strip() or not _starts_line(text, section.start):
            continue  # a comment (or something else) lives in the section: keep its header
        cuts.append((text.rfind("\n", 0, section.start) + 1, following))
    result = text
    for start, end in sorted(_merge(cuts), reverse=True):
        result = result[:start] + result[end:]
    return keep_unterminated_end(text, result)


def _merge(cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(cuts):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _gaps(start: int, end: int, cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of [start, end) that no cut covers."""
    gaps: list[tuple[int, int]] = []
    pos = start
    for cut_start, cut_end in _merge(cuts):
        if cut_end <= pos or cut_start >= end:
            continue
        if cut_start > pos:
            gaps.append((pos, cut_start))
        pos = max(pos, cut_end)
    if pos < end:
        gaps.append((pos, end))
    return gaps


def new_document(key: str, value: Scalar) -> str:
    """A fresh config file holding the key, indented with a tab as git writes it."""
    _, section, subsection, name = _canonical(key)
    return f"{_header(section, subsection)}\n\t{name} = {render_value(scalar_text(value))}\n"
