"""Where things are written in a TOML file, for error messages: tomllib parses but gives no positions.

One index for every TOML file Tracklight reads with file:line errors (manifests, catalog entries, the admin policy).
Keys are tuples of path segments: ("detect", "executables"); an array-of-tables entry is numbered,
("telemetry", "controls", 2, "kind"). A string written inside a key's value (an id in `tools = [...]`, over several
lines too) has its own line. Lines are counted on "\\n" only, as tomllib counts them.
"""

from __future__ import annotations

import re
from typing import Any

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'")

KeyPath = tuple[Any, ...]


def strip_comment(line: str) -> str:
    """The line without a trailing # comment (a # inside a string is kept)."""
    quote = ""
    escaped = False
    for i, ch in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


class TomlPositions:
    """Lines of keys, tables and the strings in values; built on first use (a valid file never pays for it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._keys: dict[KeyPath, int] | None = None
        self._values: dict[tuple[KeyPath, str], int] = {}

    @property
    def keys(self) -> dict[KeyPath, int]:
        if self._keys is None:
            self._keys = self._build()
        return self._keys

    def _build(self) -> dict[KeyPath, int]:
        keys: dict[KeyPath, int] = {}
        counters: dict[str, int] = {}
        table: KeyPath = ()
        open_key: KeyPath | None = None  # a key whose array is still open on the following lines
        depth = 0
        for number, raw in enumerate(self.text.split("\n"), start=1):
            line = strip_comment(raw)
            if open_key is None:
                header = _HEADER.match(line)
                if header:
                    name = header.group(2).replace(" ", "")
                    segments = tuple(part.strip("\"'") for part in name.split("."))
                    if header.group(1) == "[[":
                        counters[name] = counters.get(name, -1) + 1
                        table = (*segments, counters[name])
                    else:
                        table = segments
                    keys.setdefault(table, number)
                    continue
                key = _KEY.match(line)
                if not key:
                    continue
                open_key = (*table, key.group(1).strip("\"'"))
                keys.setdefault(open_key, number)
                line = line[key.end():]
                depth = 0
            for match in _STRING.finditer(line):
                value = match.group(1) if match.group(1) is not None else match.group(2)
                self._values.setdefault((open_key, value), number)
            bare = _STRING.sub("", line)
            depth += bare.count("[") - bare.count("]")
            if depth <= 0:
                open_key = None
        return keys

    def line(self, *path: Any) -> int | None:
        """The line of a key or table; else of the nearest enclosing one that is written (None: nowhere)."""
        while path:
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return None

    def value_line(self, path: KeyPath, value: str) -> int | None:
        """The line where the string `value` is written inside the value of `path` (None: not found)."""
        self.keys  # noqa: B018 - builds the index
        return self._values.get((path, value))
