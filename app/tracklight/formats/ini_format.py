"""INI files as Python's configparser reads them (Azure CLI's ~/.azure/config, gcloud's configurations/config_default,
wandb's settings): `[section]` headers, `key = value` or `key: value`, `#`/`;` comment lines, indented continuation
lines, option names case-insensitive, section names case-sensitive, `[DEFAULT]` seen from every section.

A key is `section.key`: the last segment is the option, everything before it the section name. Values are text;
booleans are written `true`/`false`. A duplicated option or section (which configparser's strict mode refuses, and
its lenient mode merges) reads last-wins; setting edits the last occurrence, removing takes out every one.

The editor is a line editor of its own rather than configupdater: configupdater keeps unchanged bytes, but puts a
new option after the blank lines and comments that close a section (so above the next section's comment) and
rewrites the file's last line ending. Here a new option goes right after the section's last option with that
option's indentation and `=` spacing; a missing section is appended at the end after one blank line; a section left
empty by a removal (no option, no comment) goes too, so set-then-remove gives the original bytes back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, scalar_text, split_key
from tracklight.formats._ini_lines import body, eol_near, insert_lines, split_lines
from tracklight.formats.values import Scalar

DEFAULT_SECTION = "DEFAULT"
# configparser's own patterns: a header is `[` anything `]`; an option is the shortest text before `=` or `:`.
_HEADER = re.compile(r"\[(?P<name>.+)\]")
_OPTION = re.compile(r"(?P<name>.*?)\s*(?P<delimiter>[=:])\s*(?P<value>.*)$")
# The same split on an unstripped line, to know where the value starts and ends on it.
_OPTION_LINE = re.compile(r"(?P<head>\s*.*?\s*[=:][ \t]*)(?P<value>.*?)(?P<tail>\s*)$", re.DOTALL)


@dataclass
class _Option:
    name: str  # as configparser keys it: lower-case
    first: int  # index of the `key = value` line
    last: int  # index of its last continuation line (== first when none)
    parts: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join(self.parts).rstrip()


@dataclass
class _Section:
    name: str
    header: int  # index of the header line
    options: list[_Option] = field(default_factory=list)


@dataclass
class _Parsed:
    lines: list[str]
    sections: list[_Section]


def _parse(text: str) -> _Parsed:
    """Follow configparser's reading rules line by line, remembering which lines each option spans."""
    lines = split_lines(text)
    sections: list[_Section] = []
    current: _Section | None = None
    option: _Option | None = None
    indent_level = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            # A blank line may still sit inside a value (configparser keeps it if a continuation follows);
            # a comment line never ends one.
            if not stripped and option is not None:
                option.parts.append("")
            continue
        indent = len(line) - len(line.lstrip())
        if current is not None and option is not None and indent > indent_level:
            option.parts.append(stripped)
            option.last = index
            continue
        indent_level = indent
        header = _HEADER.match(stripped)
        if header:
            current = _Section(header.group("name"), index)
            sections.append(current)
            option = None
            continue
        if current is None:
            raise FormatError("a key = value line before any [section]", line=index + 1)
        match = _OPTION.match(stripped)
        if match is None or not match.group("name"):
            raise FormatError(
                f"expected 'key = value' or a [section], got {body(line).strip()!r}", line=index + 1
            )
        option = _Option(match.group("name").rstrip().lower(), index, index, [match.group("value").strip()])
        current.options.append(option)
    return _Parsed(lines, sections)


def _section_and_option(key: str) -> tuple[str, str]:
    segments = split_key(key)
    if len(segments) < 2:
        raise FormatError(f"an INI key is section.key, got {key!r}")
    return ".".join(segments[:-1]), segments[-1]


def _occurrences(parsed: _Parsed, section: str, option: str) -> list[_Option]:
    wanted = option.lower()
    return [o for s in parsed.sections if s.name == section for o in s.options if o.name == wanted]


def read(text: str, key: str) -> Lookup:
    """The text value of `section.key` (last occurrence wins; `[DEFAULT]` fills in for an existing section)."""
    section, option = _section_and_option(key)
    parsed = _parse(text)
    found = _occurrences(parsed, section, option)
    if not found and section != DEFAULT_SECTION and any(s.name == section for s in parsed.sections):
        found = _occurrences(parsed, DEFAULT_SECTION, option)
    if not found:
        return NOT_FOUND
    return Lookup(found=True, value=found[-1].value, line=found[-1].first + 1)


def _value_lines(value: str) -> list[str]:
    if value != value.strip():
        raise FormatError(
            "an INI value cannot begin or end with spaces or blank lines (configparser strips them)"
        )
    return value.split("\n")


def _option_style(parsed: _Parsed, section: _Section | None) -> tuple[str, str]:
    """(indentation, text between key and value) of the nearest option: the section's last, else the file's first."""
    candidates = (section.options[-1:] if section else []) + [o for s in parsed.sections for o in s.options][
        :1
    ]
    for option in candidates:
        line = body(parsed.lines[option.first])
        match = _OPTION_LINE.match(line)
        if match:
            head = match.group("head")
            indent = head[: len(head) - len(head.lstrip())]
            name_and_delimiter = head.lstrip()
            name = _OPTION.match(name_and_delimiter + "x")
            if name:
                return indent, name_and_delimiter[len(name.group("name")) :]
    return "", " = "


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with `section.key` set (the last occurrence edited, or the key added); other bytes unchanged."""
    section_name, option_name = _section_and_option(key)
    new = scalar_text(value)
    current = read(text, key)
    if current.found and current.value == new:
        return text
    parsed = _parse(text)
    lines = parsed.lines
    found = _occurrences(parsed, section_name, option_name)
    if found:
        target = found[-1]
        line = lines[target.first]
        match = _OPTION_LINE.match(body(line))
        assert match is not None  # the parser accepted this line as an option
        head = match.group("head")
        continuation = " " * (len(head) - len(head.lstrip()) + 4)
        values = _value_lines(new)
        eol = line[len(body(line)) :]
        replaced = [head + values[0] + match.group("tail") + eol]
        replaced += [(continuation + part if part else "") + (eol or "\n") for part in values[1:]]
        if len(values) > 1 and not eol:
            replaced[-1] = replaced[-1].rstrip("\r\n")
        lines[target.first : target.last + 1] = replaced
        return "".join(lines)
    sections = [s for s in parsed.sections if s.name == section_name]
    if sections:
        section = sections[-1]
        indent, delimiter = _option_style(parsed, section)
        after = section.options[-1].last if section.options else section.header
        eol = eol_near(lines, after)
        insert_lines(lines, after + 1, _render_option(option_name, new, indent, delimiter, eol))
        return "".join(lines)
    indent, delimiter = _option_style(parsed, None)
    eol = eol_near(lines, len(lines) - 1)
    appended = [f"[{section_name}]{eol}"] + _render_option(option_name, new, indent, delimiter, eol)
    if lines and body(lines[-1]).strip():
        appended.insert(0, eol)
    insert_lines(lines, len(lines), appended)
    return "".join(lines)


def _render_option(name: str, value: str, indent: str, delimiter: str, eol: str) -> list[str]:
    values = _value_lines(value)
    rendered = [indent + name + delimiter + values[0] + eol]
    rendered += [(indent + "    " + part if part else "") + eol for part in values[1:]]
    return rendered


def remove(text: str, key: str) -> str:
    """The text without any occurrence of `section.key`; a section left with nothing in it goes too."""
    section_name, option_name = _section_and_option(key)
    parsed = _parse(text)
    found = _occurrences(parsed, section_name, option_name)
    if not found:
        return text
    lines = parsed.lines
    doomed: set[int] = set()
    for option in found:
        doomed.update(range(option.first, option.last + 1))
    for section in parsed.sections:
        if section.name != section_name:
            continue
        end = _section_end(parsed, section)
        rest = [i for i in range(section.header + 1, end) if i not in doomed]
        if any(lines[i].strip() for i in rest):
            continue
        # Nothing but blank lines would be left: the header and its blank lines go, and at the end of the file
        # the blank line that set it apart from the section before.
        doomed.update(range(section.header, end))
        if end == len(lines) and section.header > 0 and not lines[section.header - 1].strip():
            doomed.add(section.header - 1)
    kept = [line for index, line in enumerate(lines) if index not in doomed]
    if kept and not text.endswith("\n") and len(lines) - 1 in doomed:
        # The removed line was the unterminated last one: the line now last loses the ending it never had.
        kept[-1] = body(kept[-1])
    return "".join(kept)


def _section_end(parsed: _Parsed, section: _Section) -> int:
    """Index of the first line after the section (the next header, or the end)."""
    later = [s.header for s in parsed.sections if s.header > section.header]
    return min(later) if later else len(parsed.lines)


def new_document(key: str, value: Scalar) -> str:
    """A fresh INI file with one section holding the key."""
    section, option = _section_and_option(key)
    return f"[{section}]\n" + "".join(_render_option(option, scalar_text(value), "", " = ", "\n"))
