"""TOML files (Streamlit's ~/.streamlit/config.toml, Poetry's config.toml, Cargo-style tool configs).

Reading uses the standard library's tomllib (fast, strict); editing uses tomlkit, which keeps comments, spacing and
order, imported only when an edit happens. Every edit is checked afterwards: tomllib must read the result as the
old data with just that key changed, or the edit is refused.

A dotted key walks nested tables. Where the table holding the key is missing, it is created the way the file
already goes: a key under an existing `[table]` goes into that table; inside a table written with dotted keys
(`a.b = 1`) it becomes another dotted key (`a.c = 2`); inside an inline table it joins the braces; a table that
does not exist at all becomes a `[section]` header at the end of its parent (`[browser]`, or `[a.b]` for a
deeper one, with no empty `[a]` header above it). Removing a key that leaves its `[table]` empty (no key, no
comment) removes the header too, so set-then-remove of a new section gives the original bytes back.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from typing import Any

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, split_key
from tracklight.formats.values import Scalar

_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_HEADER = re.compile(r"\s*\[\[?\s*(?P<path>[^\]]+?)\s*\]\]?\s*(#.*)?$")


def _load(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _ERROR_LINE.search(message)
        line = int(match.group(1)) if match else text.count("\n") + 1
        raise FormatError(_ERROR_LINE.sub("", message).strip(), line=line) from None


def _plain(value: Any) -> Any:
    """A TOML value as read: dates and times become ISO text, tables and arrays compact JSON."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_iso)
    return value


def _iso(value: Any) -> str:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def read(text: str, key: str) -> Lookup:
    """The value of a dotted key; FormatError with the line tomllib names when the file does not parse."""
    segments = split_key(key)
    node: Any = _load(text)
    for segment in segments:
        if not isinstance(node, dict) or segment not in node:
            return NOT_FOUND
        node = node[segment]
    return Lookup(found=True, value=_plain(node), line=_key_line(text, segments))


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with the key set, missing tables created (see the module notes); other bytes unchanged."""
    segments = split_key(key)
    data = _load(text)
    parent = _parent(data, segments, text)
    if parent is not None:
        current = parent.get(segments[-1])
        if type(current) is type(value) and current == value:
            return text
    expected = copy.deepcopy(data)
    node = expected
    for segment in segments[:-1]:
        node = node.setdefault(segment, {})
    node[segments[-1]] = value
    tidy = _tidy_insert(text, segments, value)
    if tidy is not None and _reads_as(_same_ending(text, tidy), expected):
        return _same_ending(text, tidy)
    result = _same_ending(text, _tomlkit_set(text, segments, value))
    if not _reads_as(result, expected):
        raise FormatError(f"setting {key!r} would change more than that key; the file was left alone")
    return result


def _same_ending(original: str, edited: str) -> str:
    """The edited text ending the way the original did: a file without a final newline does not gain one."""
    if original and not original.endswith("\n") and edited.endswith("\n"):
        return edited[:-1]
    return edited


def _tomlkit_set(text: str, segments: list[str], value: Scalar) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    container: Any = document
    dotted = False
    for index, segment in enumerate(segments[:-1]):
        if segment not in container:
            if dotted:
                # A table spelled with dotted keys (`a.b = 1`) grows by another dotted key (`a.c.d = 2`).
                container.append(tomlkit.key(segments[index:]), value)
            else:
                container[segment] = _new_tables(container, segments[index + 1 :], value)
            break
        dotted = _is_dotted(container, segment)
        container = container[segment]
    else:
        container[segments[-1]] = value
    return tomlkit.dumps(document)


def _tidy_insert(text: str, segments: list[str], value: Scalar) -> str | None:
    """A new key added as one line where tomlkit's own placement would touch other lines (it adds a blank line
    before a following table): after the last key of its table (or of the top level), or under a new `[section]`
    appended at the end. None when tomlkit should do it (an existing value, a table written with dotted keys, an
    inline table)."""
    import tomlkit
    from tomlkit.items import InlineTable, Table

    document = tomlkit.parse(text)
    container: Any = document
    complete = True
    for segment in segments[:-1]:
        if segment not in container:
            complete = False
            break
        if _is_dotted(container, segment) or isinstance(container[segment], InlineTable):
            return None
        container = container[segment]
    line = tomlkit.dumps({segments[-1]: value}).rstrip("\n")
    if complete:
        if segments[-1] in container:
            return None  # an existing value: tomlkit replaces it in place, keeping its comment
        if not (isinstance(container, Table) and container.is_super_table()):
            return _insert_in_table(text, segments[:-1], line)
    header = "[" + ".".join(tomlkit.key(s).as_string() for s in segments[:-1]) + "]\n"
    if text and not text.endswith("\n"):
        text += "\n"
    separator = "\n" if text.strip() and not text.endswith("\n\n") else ""
    return text + separator + header + line + "\n"


def _insert_in_table(text: str, path: list[str], line: str) -> str | None:
    """`line` added after the last key line of the table `path` (the top level when empty); None when its
    header cannot be found."""
    lines = text.split("\n")
    headers = [i for i, source in enumerate(lines) if _HEADER.match(source)]
    if path:
        starts = [i for i in headers if _header_path(lines[i]) == path]
        if len(starts) != 1:
            return None
        start = starts[0] + 1
    else:
        start = 0
    end = min([i for i in headers if i >= start] + [len(lines)])
    index = end
    while index > start and (not lines[index - 1].strip() or lines[index - 1].lstrip().startswith("#")):
        index -= 1
    if index > start:
        previous = lines[index - 1]
        line = previous[: len(previous) - len(previous.lstrip())] + line
    lines.insert(index, line)
    return "\n".join(lines)


def _header_path(line: str) -> list[str] | None:
    header = _HEADER.match(line)
    if header is None or line.lstrip().startswith("[["):
        return None
    parsed = _key_path(header.group("path"))
    return parsed[0] if parsed else None


def _parent(data: dict[str, Any], segments: list[str], text: str) -> dict[str, Any] | None:
    """The table that holds the key, or None when part of the path is missing; FormatError when a value that is
    not a table stands in the way."""
    node: Any = data
    for index, segment in enumerate(segments[:-1]):
        if segment not in node:
            return None
        node = node[segment]
        if not isinstance(node, dict):
            kind = "an array of tables" if isinstance(node, list) else f"a {type(node).__name__} value"
            raise FormatError(
                f"{'.'.join(segments[: index + 1])!r} is {kind}, not a table",
                line=_key_line(text, segments[: index + 1]),
            )
    return node  # type: ignore[no-any-return]


def _new_tables(container: Any, rest: list[str], value: Scalar) -> Any:
    """The item to put at the first missing segment: nested tables ending in the key `rest[-1] = value`."""
    import tomlkit
    from tomlkit.items import InlineTable

    if isinstance(container, InlineTable):
        inline = tomlkit.inline_table()
        inline[rest[0]] = value if len(rest) == 1 else _new_tables(inline, rest[1:], value)
        return inline
    if len(rest) == 1:
        table = tomlkit.table()
        table[rest[0]] = value
        return table
    # Only the innermost table gets a header: `[a.b]`, not an empty `[a]` above it.
    outer = tomlkit.table(is_super_table=True)
    outer[rest[0]] = _new_tables(outer, rest[1:], value)
    return outer


def _is_dotted(container: Any, segment: str) -> bool:
    """Whether `segment` is written in `container` as part of a dotted key (`segment.x = …`)."""
    if hasattr(container, "body"):
        body = container.body
    elif hasattr(container, "value") and hasattr(container.value, "body"):
        body = container.value.body
    else:
        return False  # tomlkit's proxy for a table split across the file: its parts have headers
    return any(key is not None and key.key == segment and key.is_dotted() for key, _ in body)


def remove(text: str, key: str) -> str:
    """The text without the key (its line); a [table] it leaves with nothing under its header goes too."""
    segments = split_key(key)
    data = _load(text)
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in segments[:-1]:
        if not isinstance(node, dict) or segment not in node:
            return text
        node = node[segment]
    if not isinstance(node, dict) or segments[-1] not in node:
        return text
    del node[segments[-1]]
    result = _remove_line(text, segments)
    # (A table that only this key made, `a.d` of `a.d.e = 1`, goes with the line: that is no loss.)
    if result is None or not _reads_as(result, expected, ignoring_empty_tables=True):
        result = _tomlkit_remove(text, segments)
        if not _reads_as(result, expected, ignoring_empty_tables=True):
            raise FormatError(f"removing {key!r} would change more than that key; the file was left alone")
    if len(segments) > 1 and all(isinstance(v, dict) for v in node.values()):
        pruned = _drop_empty_header(result, segments[:-1])
        if pruned is not None and _reads_as(pruned, expected, ignoring_empty_tables=True):
            return pruned
    return result


def _remove_line(text: str, segments: list[str]) -> str | None:
    """The text without the line that writes the key, when one line does; None otherwise."""
    number = _key_lines(text, segments)[0]
    if number is None:
        return None
    lines = text.split("\n")
    del lines[number - 1]
    return "\n".join(lines)


def _tomlkit_remove(text: str, segments: list[str]) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    container: Any = document
    for segment in segments[:-1]:
        container = container[segment]
    del container[segments[-1]]
    return tomlkit.dumps(document)


def _drop_empty_header(text: str, path: list[str]) -> str | None:
    """The text without the `[path]` header when nothing but blank lines follows it up to the next header; at the
    end of the file the blank line above it goes too (the one a new section was given)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if not header or line.lstrip().startswith("[["):
            continue
        parsed = _key_path(header.group("path"))
        if parsed is None or parsed[0] != path:
            continue
        if header.group(2):
            return None  # a comment on the header line: keep it
        end = index + 1
        while end < len(lines) and not lines[end].strip():
            end += 1
        if end < len(lines) and not _HEADER.match(lines[end]):
            return None
        start = index
        if end == len(lines) and start > 0 and not lines[start - 1].strip():
            start -= 1
        if end == len(lines):
            return "\n".join(lines[:start]) + ("\n" if start > 0 and text.endswith("\n") else "")
        return "\n".join(lines[:start] + lines[end:])
    return None


def _reads_as(result: str, expected: dict[str, Any], *, ignoring_empty_tables: bool = False) -> bool:
    """Whether tomllib reads `result` as exactly `expected` (optionally not counting tables with nothing in them,
    which a dropped header takes away)."""
    try:
        got = tomllib.loads(result)
    except tomllib.TOMLDecodeError:
        return False
    if ignoring_empty_tables:
        return bool(_without_empty_tables(got) == _without_empty_tables(expected))
    return bool(got == expected)


def _without_empty_tables(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = {k: _without_empty_tables(v) for k, v in data.items()}
    return {k: v for k, v in cleaned.items() if not (isinstance(v, dict) and not v)}


_PLAIN_STRING = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but the quote and the backslash: written as is


def new_document(key: str, value: Scalar) -> str:
    """A fresh TOML file holding the key (under a [table] header when the key is dotted).

    Bare keys and plain values are written directly (what tomlkit would write, without loading it: an opt-out that
    creates a file is on the CLI's path); anything else goes through set_value. tomllib checks the result either way.
    """
    segments = split_key(key)
    if isinstance(value, bool):
        literal: str | None = "true" if value else "false"
    elif isinstance(value, int):
        literal = str(value)
    elif isinstance(value, str) and _PLAIN_STRING.fullmatch(value):
        literal = f'"{value}"'
    else:
        literal = None
    if literal is None or not all(_BARE_KEY.fullmatch(s) for s in segments):
        return set_value("", key, value)
    header = f"[{'.'.join(segments[:-1])}]\n" if len(segments) > 1 else ""
    text = f"{header}{segments[-1]} = {literal}\n"
    expected: dict[str, Any] = {segments[-1]: value}
    for segment in reversed(segments[:-1]):
        expected = {segment: expected}
    if _load(text) != expected:  # never: bare keys and plain literals read back as written
        return set_value("", key, value)
    return text


# --- where a key is: a light line scanner (tomllib does not report positions) --------------------------------------


def _key_path(source: str) -> tuple[list[str], int] | None:
    """Parse a dotted key at the start of `source`: its segments and where it ends."""
    segments: list[str] = []
    pos = 0
    while True:
        while pos < len(source) and source[pos] in " \t":
            pos += 1
        if pos < len(source) and source[pos] in "\"'":
            quote = source[pos]
            end = pos + 1
            while end < len(source) and source[end] != quote:
                end += 2 if quote == '"' and source[end] == "\\" else 1
            if end >= len(source):
                return None
            raw = source[pos : end + 1]
            segments.append(json.loads(raw) if quote == '"' else raw[1:-1])
            pos = end + 1
        else:
            match = _BARE_KEY.match(source, pos)
            if not match:
                return None
            segments.append(match.group())
            pos = match.end()
        while pos < len(source) and source[pos] in " \t":
            pos += 1
        if pos < len(source) and source[pos] == ".":
            pos += 1
            continue
        return segments, pos


def _key_line(text: str, segments: list[str]) -> int | None:
    """The 1-based line where the key (or, inside an inline table, its nearest written parent) is defined."""
    exact, nearest = _key_lines(text, segments)
    return exact if exact is not None else nearest


def _key_lines(text: str, segments: list[str]) -> tuple[int | None, int | None]:
    """(the line that writes exactly this key, the line of its nearest written parent) — 1-based, or None."""
    table: list[str] = []
    best: int | None = None
    in_multiline: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            parsed = _key_path(header.group("path"))
            table = parsed[0] if parsed else []
            if table == segments:
                best = number
            continue
        parsed = _key_path(line)
        if parsed is None or not line[parsed[1] :].startswith("="):
            continue
        full = table + parsed[0]
        if full == segments:
            return number, best
        if full == segments[: len(full)]:
            best = number
        for quotes in ('"""', "'''"):
            if line.count(quotes) % 2 == 1:
                in_multiline = quotes
    return None, best
