"""Tracklight's env files, rendered and parsed in one place, for user and system scope alike.

Three languages, one set of values:

- environment.d (`NAME=value`), systemd's environment.d(5): `~/.config/environment.d/60-tracklight.conf` for the
  user's sessions, `/etc/environment.d/60-tracklight.conf` for everyone's. A value is written bare when it holds only
  characters no reader treats specially, else in double quotes (systemd strips them; nothing inside needs escaping,
  since `validate` refuses quotes, `$`, backquotes and backslashes).
- POSIX sh (`export NAME=value`): `~/.config/tracklight/env.sh` and `/etc/profile.d/tracklight.sh`, quoted by
  `shlex.quote`, which every POSIX shell reads back as the same word.
- fish (`set -gx NAME value`): `~/.config/tracklight/env.fish`, in fish's single quotes.

A value goes into all three, so `validate` refuses what one of them would read as code, quoting or a line break:
quotes, `$`, backquotes, backslashes, control characters and every Unicode line or paragraph separator; and the
empty value, which systemd reads as "unset" and a shell as "set, empty". Parsing
splits lines on "\\n" only, as shells and systemd do (never str.splitlines, which also splits on U+2028 or U+0085).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_VALUE = re.compile(r"[A-Za-z0-9_@%+=:,./-]*")  # needs no quotes in environment.d, sh or fish


def validate(name: str, value: str | None) -> None:
    """Refuse a name or value that can't be written safely into every env file (FormatError).

    The rules are core/write_rules.py's env_refusal, which `manifest validate` applies too: never a name that
    changes how programs load or run; no character one of the three languages would read as code, quoting or a new
    line. The empty value is refused here: systemd reads it as unset, a shell as set."""
    from tracklight.core import write_rules
    from tracklight.errors import FormatError

    refusal = write_rules.env_refusal(name, value)
    if refusal:
        raise FormatError(refusal)
    if value is None:
        return
    if not value:
        raise FormatError(f"an empty value for {name} means unset to systemd but set to a shell; Tracklight "
                          "writes no empty values (opting in unsets the variable instead)")


Entries = Iterable[tuple[str, str, str | None]]
"""(name, value, comment): the comment, when given, goes on its own line above the variable."""


def _entries(values: Mapping[str, str] | Entries) -> list[tuple[str, str, str | None]]:
    if isinstance(values, Mapping):
        return [(name, values[name], None) for name in sorted(values)]
    return list(values)


def _render(header: Iterable[str], values: Mapping[str, str] | Entries,
            assignment: Callable[[str, str], str]) -> str:
    lines = [f"# {text}\n" for text in header]
    for name, value, comment in _entries(values):
        validate(name, value)
        if comment:
            lines.append(f"# {comment}\n")
        lines.append(assignment(name, value) + "\n")
    return "".join(lines)


# ---------------------------------------------------------------- environment.d (systemd)

def environment_d_value(value: str) -> str:
    return value if _BARE_VALUE.fullmatch(value) else f'"{value}"'


def render_environment_d(values: Mapping[str, str] | Entries, header: Iterable[str] = ()) -> str:
    """An environment.d file: header comment lines, then `NAME=value` lines (sorted when given a mapping)."""
    return _render(header, values, lambda name, value: f"{name}={environment_d_value(value)}")


def parse_environment_d(text: str) -> dict[str, str]:
    """The `NAME=value` assignments of an environment.d file, as systemd reads the ones Tracklight writes.

    Comments and blank lines are skipped; surrounding whitespace is dropped; one pair of matching quotes around the
    value is removed. A line that is not an assignment to a valid name is ignored (systemd warns and skips it).
    """
    result: dict[str, str] = {}
    for raw in text.split("\n"):
        line = raw.strip(" \t\r")
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name, value = name.strip(" \t"), value.strip(" \t")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if NAME_RE.fullmatch(name):
            result[name] = value
    return result


# ---------------------------------------------------------------- POSIX sh

def render_sh(values: Mapping[str, str] | Entries, header: Iterable[str] = ()) -> str:
    """A POSIX sh file of `export NAME=value` lines (each value through shlex.quote)."""
    import shlex  # (here: a scan on Linux reads only environment.d)

    return _render(header, values, lambda name, value: f"export {name}={shlex.quote(value)}")


def parse_sh(text: str) -> dict[str, str]:
    """The `export NAME=value` (or `NAME=value`) lines of a sh file, read with POSIX shell quoting."""
    import shlex

    result: dict[str, str] = {}
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if words[:1] == ["export"]:
            words = words[1:]
        if len(words) != 1 or "=" not in words[0]:
            continue
        name, _, value = words[0].partition("=")
        if NAME_RE.fullmatch(name):
            result[name] = value
    return result


# ---------------------------------------------------------------- fish

def fish_quote(text: str) -> str:
    """A single-quoted fish word holding exactly `text` (fish escapes only \\ and ' inside single quotes)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_fish(values: Mapping[str, str] | Entries, header: Iterable[str] = ()) -> str:
    """A fish file of `set -gx NAME value` lines."""
    return _render(header, values, lambda name, value: f"set -gx {name} {fish_quote(value)}")
