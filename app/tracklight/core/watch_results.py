"""The last `tracklight watch` result per tool, as the window shows it: read, parsed, rendered, described.

`tracklight watch` (the `watch` package) writes `$XDG_STATE_HOME/tracklight/watch-results.json` (default
`~/.local/state/tracklight/watch-results.json`) through the one atomic write; this module only reads it and shapes
its text, so `core` stays read-only and the tray can read it without knowing how a watch runs.

The file, version 1::

    {"version": 1, "results": {"heroku-cli": {"when": "2026-12-06T02:30:00+00:00",
                                              "command": "heroku --version",
                                              "contacted": ["backboard.heroku.com:443"],
                                              "opted_out": false}}}

One result per tool: the newest watch that ran one of its commands. A file that is missing, unreadable or malformed
reads as "no results" (an empty dict), never an exception; a malformed entry is skipped, the rest kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FORMAT_VERSION = 1
FILE_NAME = "watch-results.json"
_READ_LIMIT = 4 * 1024 * 1024
_DEFAULT_PORTS = (":443", ":80")


@dataclass(frozen=True)
class WatchResult:
    """What one watch of a tool's command saw.

    contacted: the tool's declared endpoints the command contacted, as "host:port" or "host" (empty: silent).
    opted_out: whether Tracklight's scan found the tool opted out when the watch ran.
    when: an aware datetime in UTC.
    """

    tool_id: str
    when: datetime
    command: str
    contacted: tuple[str, ...]
    opted_out: bool


def results_path(env: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/tracklight/watch-results.json`, the default state folder being `~/.local/state`."""
    from tracklight.core.locations import xdg_dir

    return Path(xdg_dir("XDG_STATE_HOME", env)) / "tracklight" / FILE_NAME


def _parse_when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.astimezone(UTC)


def _parse_one(tool_id: str, raw: object) -> WatchResult | None:
    if not isinstance(raw, dict):
        return None
    when = _parse_when(raw.get("when"))
    command = raw.get("command")
    contacted = raw.get("contacted")
    opted_out = raw.get("opted_out")
    if when is None or not isinstance(command, str) or not isinstance(opted_out, bool):
        return None
    if not isinstance(contacted, list) or not all(isinstance(item, str) for item in contacted):
        return None
    return WatchResult(tool_id=tool_id, when=when, command=command, contacted=tuple(contacted),
                       opted_out=opted_out)


def parse_results(text: str) -> dict[str, WatchResult]:
    """The results in a file's text; {} when it is not version 1's shape. Malformed entries are left out."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return {}
    results = data.get("results")
    if not isinstance(results, dict):
        return {}
    parsed: dict[str, WatchResult] = {}
    for tool_id, raw in results.items():
        result = _parse_one(tool_id, raw)
        if result is not None:
            parsed[tool_id] = result
    return parsed


def render_results(results: Mapping[str, WatchResult]) -> str:
    """The file's text for these results (sorted by tool id); parse_results(render_results(r)) == r."""
    body = {
        tool_id: {
            "when": result.when.astimezone(UTC).isoformat(timespec="seconds"),
            "command": result.command,
            "contacted": list(result.contacted),
            "opted_out": result.opted_out,
        }
        for tool_id, result in sorted(results.items())
    }
    return json.dumps({"version": FORMAT_VERSION, "results": body}, indent=2, ensure_ascii=False) + "\n"


def load_results(env: Mapping[str, str]) -> dict[str, WatchResult]:
    """The results on disk for this environment's user; {} when there are none or the file is unreadable."""
    from tracklight.core.readfile import read_regular_file

    try:
        data = read_regular_file(str(results_path(env)), _READ_LIMIT)
    except OSError:
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return parse_results(text)


def _shown(endpoint: str) -> str:
    for port in _DEFAULT_PORTS:
        if endpoint.endswith(port):
            return endpoint[: -len(port)]
    return endpoint


def describe(result: WatchResult) -> str:
    """One line for a tool's details: "seen contacting backboard.heroku.com on 2026-12-06",
    "seen silent after opt-out on 2026-12-06", "seen silent on 2026-12-06" (the date in UTC)."""
    day = result.when.astimezone(UTC).date().isoformat()
    if result.contacted:
        hosts = ", ".join(dict.fromkeys(_shown(endpoint) for endpoint in result.contacted))
        after = " after opt-out" if result.opted_out else ""
        return f"seen contacting {hosts}{after} on {day}"
    if result.opted_out:
        return f"seen silent after opt-out on {day}"
    return f"seen silent on {day}"
