"""Flat `name=value` lines with `#` comments, read leniently (`.npmrc`, /etc/default/apport).

The key is the whole text left of the first `=` (dots are part of it: rc9 keeps `telemetry.enabled` flat).
Reading is lenient, as npm's ini parser reads .npmrc: white space around the value and one level of matching
quotes are dropped, lines without `=` are ignored, and the last line of a key wins.

Writing is strict, because each reader is: Dart matches `^reporting=([01]) *$` (dart-lang/tools
unified_analytics config_handler.dart), Homebrew exports a line only if it starts with `HOMEBREW_` and keeps
quotes literally (Homebrew/brew bin/brew, `export_homebrew_env_file`), rc9 parses `name = value` too. So the
one line we edit becomes exactly `name=value`, the form all three read the same way; every other line stays
byte-identical. A line that already holds the value is left as it is, so setting the current value changes no
byte.

`keyvalue_exact_format` reads the same files the way Dart and Homebrew do (see there); the line scanning and the
editing are shared, with `exact` saying which lines count.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, append_line, keep_unterminated_end, scalar_text
from tracklight.formats.values import Scalar


@dataclass(frozen=True)
class _Line:
    """One `name=value` line: its key, its raw value text and where its editable content sits."""

    key: str
    raw_value: str
    number: int  # 1-based
    start: int  # offset of the line's first character
    end: int  # offset just past its content (before a kept '\r' and the '\n')


def read(text: str, key: str, *, exact: bool = False) -> Lookup:
    """The value of the last `key=...` line, unquoted, or not found."""
    _check_key(key)
    lines = _lines_of(text, key, exact)
    if not lines:
        return NOT_FOUND
    last = lines[-1]
    return Lookup(found=True, value=_value_of(last.raw_value, exact), line=last.number)


def set_value(text: str, key: str, value: Scalar, *, exact: bool = False) -> str:
    """Rewrite the last line of the key as `key=value`, or append that line; nothing else changes."""
    _check_key(key)
    value_text = _value_text(value)
    new_line = f"{key}={value_text}"
    lines = _lines_of(text, key, exact)
    if lines:
        last = lines[-1]
        if _value_of(last.raw_value, exact) == value_text:
            return text  # already holds the value: a no-op leaves every byte alone
        return text[: last.start] + new_line + text[last.end :]
    return append_line(text, new_line)


def remove(text: str, key: str, *, exact: bool = False) -> str:
    """Delete every line of the key (a duplicate left behind would still be read)."""
    _check_key(key)
    lines = _lines_of(text, key, exact)
    if not lines:
        return text
    doomed = {line.number for line in lines}
    kept = [chunk for number, chunk in enumerate(text.splitlines(keepends=True), 1) if number not in doomed]
    return keep_unterminated_end(text, "".join(kept))


def new_document(key: str, value: Scalar) -> str:
    """A file holding just `key=value`."""
    _check_key(key)
    return f"{key}={_value_text(value)}\n"


def _lines_of(text: str, key: str, exact: bool = False) -> list[_Line]:
    """Every `key=...` line of this key, in file order; `exact`: only lines starting with `key=` itself."""
    nul = text.find("\0")
    if nul >= 0:
        raise FormatError("binary content (NUL byte) in a name=value file", line=text.count("\n", 0, nul) + 1)
    found: list[_Line] = []
    start = 0
    number = 1
    while start <= len(text):
        newline = text.find("\n", start)
        stop = len(text) if newline < 0 else newline
        end = (
            stop - 1 if stop > start and text[stop - 1] == "\r" else stop
        )  # a lone \r of mixed endings stays
        content = text[start:end]
        if exact:
            if content.startswith(key + "="):
                found.append(_Line(key, content[len(key) + 1 :], number, start, end))
        elif not content.lstrip().startswith("#"):
            name, eq, raw_value = content.partition("=")
            if eq and name.strip() == key:
                found.append(_Line(key, raw_value, number, start, end))
        if newline < 0:
            break
        start = newline + 1
        number += 1
    return found


def _value_of(raw_value: str, exact: bool) -> str:
    """The value a reader sees: exact readers drop only trailing spaces and keep quotes as text."""
    return raw_value.rstrip(" ") if exact else _unquote(raw_value.strip())


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _value_text(value: Scalar) -> str:
    text = scalar_text(value)
    if any(ch in text for ch in "\n\r\0"):
        raise FormatError(f"value {text!r} contains a line break or NUL, which a name=value line cannot hold")
    if text != text.strip():
        raise FormatError(
            f"value {text!r} has surrounding white space, which readers of name=value files drop"
        )
    if _unquote(text) != text:
        raise FormatError(f"value {text!r} is wrapped in quotes, which readers of name=value files may drop")
    return text


def _check_key(key: str) -> None:
    if not key or key != key.strip() or "=" in key or "\n" in key or "\r" in key or key.startswith("#"):
        raise FormatError(f"invalid name=value key {key!r}")
