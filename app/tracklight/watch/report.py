"""What a watch saw, for a person and as JSON: each host or address tried, when, by which process, and which
tool declared it as a telemetry endpoint (the catalog's and installed manifests' `endpoints`).

"backboard.heroku.com:443 — Heroku CLI's telemetry (tier full; `tracklight optout heroku-cli`)", or "not declared
by any tool". A name only looked up counts as contacted too: the question itself tells a name server which tool
runs here.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracklight.core.model import State, Tool
from tracklight.core.watch_results import WatchResult
from tracklight.watch.model import DNS, Attempt, Outcome, attempt_to_json

_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "fish"}
_COMMAND_WIDTH = 72


def endpoint_owners(tools: Iterable[Tool]) -> dict[str, list[Tool]]:
    """Declared endpoint (lower case, no trailing dot) -> the tools declaring it."""
    owners: dict[str, list[Tool]] = {}
    for tool in tools:
        for endpoint in tool.telemetry.endpoints:
            key = endpoint.strip().rstrip(".").lower()
            if key:
                owners.setdefault(key, []).append(tool)
    return owners


def owners_of(host: str, owners: Mapping[str, list[Tool]]) -> list[Tool]:
    """The tools declaring `host`: exactly, or by a `*.domain` entry."""
    host = host.rstrip(".").lower()
    found = list(owners.get(host, ()))
    labels = host.split(".")
    for cut in range(1, len(labels)):
        found += [tool for tool in owners.get("*." + ".".join(labels[cut:]), ()) if tool not in found]
    return found


@dataclass(frozen=True)
class HostGroup:
    """Every attempt at one host (a name, or an address used without a name)."""

    host: str
    attempts: tuple[Attempt, ...]
    declared_by: tuple[Tool, ...]

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted({a.port for a in self.attempts if a.kind != DNS}))

    @property
    def looked_up_only(self) -> bool:
        return all(a.kind == DNS for a in self.attempts)

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and self.ports else self.host
        if self.looked_up_only:
            return f"{self.host} (looked up only)"
        return host + ":" + ",".join(str(port) for port in self.ports)

    @property
    def contacted_as(self) -> tuple[str, ...]:
        """As WatchResult.contacted: "host:port" for each port, or "host" for a name only looked up."""
        if self.looked_up_only:
            return (self.host,)
        return tuple(f"{self.host}:{port}" for port in self.ports)


def responsible(group: HostGroup, own: Iterable[str] = ()) -> tuple[Tool, ...]:
    """The tools a contact is put down to: of the tools declaring the host, the watched command's own (Terraform,
    not Consul, for checkpoint-api.hashicorp.com when the command is `terraform`); every declarer when none is."""
    own = set(own)
    mine = tuple(tool for tool in group.declared_by if tool.id in own)
    return mine or group.declared_by


def group_attempts(attempts: Sequence[Attempt], owners: Mapping[str, list[Tool]]) -> list[HostGroup]:
    order: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        order.setdefault(attempt.name or attempt.address, []).append(attempt)
    return [HostGroup(host, tuple(found), tuple(owners_of(host, owners))) for host, found in order.items()]


def tools_of_command(command: Sequence[str], tools: Iterable[Tool]) -> list[str]:
    """Tools whose executable the command runs: its first word, past `env`, `npx` and a shell's `-c` script."""
    words = list(command)
    names: set[str] = set()
    while words:
        name = os.path.basename(words[0])
        names.add(name)
        if name == "env":
            words = [w for w in words[1:] if "=" not in w or w.startswith("-")]
            words = [w for w in words if not w.startswith("-")]
        elif name in _SHELLS and len(words) > 2 and words[1] == "-c":
            try:
                words = shlex.split(words[2])
            except ValueError:
                words = words[2].split()
            while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
                words = words[1:]  # `NAME=value command`
        elif name in ("npx", "pnpx", "bunx", "sudo", "nice", "time", "exec") and len(words) > 1:
            words = [w for w in words[1:] if not w.startswith("-")]
        else:
            break
    return sorted(tool.id for tool in tools if names & set(tool.detect.executables))


def _command(text: str) -> str:
    text = " ".join(text.split())  # a script's line breaks, on one line
    return text if len(text) <= _COMMAND_WIDTH else text[: _COMMAND_WIDTH - 1] + "…"


def _declared(group: HostGroup, states: Mapping[str, State], own: Iterable[str]) -> str:
    if not group.declared_by:
        return "not declared by any tool"
    parts = []
    tools = responsible(group, own)
    for tool in tools:
        tier = tool.telemetry.tier.value
        if states.get(tool.id) is State.OFF:
            advice = "Tracklight's scan says it is opted out"
        else:
            advice = f"`tracklight optout {tool.id}`"
        parts.append(f"{tool.name}'s telemetry (tier {tier}; {advice})")
    others = [tool.name for tool in group.declared_by if tool not in tools]
    if others:
        parts.append("also declared by " + ", ".join(others))
    return "; ".join(parts)


def _is_stand_in(address: str) -> bool:
    """An address the watch's resolver handed out for a name (it says nothing the name doesn't)."""
    import ipaddress

    from tracklight.watch.recorder import FAKE_V4, FAKE_V6

    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed in FAKE_V4 or parsed in FAKE_V6


def _who(attempt: Attempt) -> str:
    if attempt.process is None:
        return "process not identified (its socket was closed before it could be looked up)"
    return f"pid {attempt.process.pid} {_command(attempt.process.command)}"


def _attempt_lines(attempts: Sequence[Attempt]) -> list[str]:
    """Two lines per attempt (what, then who); a name's A and AAAA questions by one process on one line."""
    lines: list[str] = []
    previous: Attempt | None = None
    for attempt in attempts:
        if attempt.kind == DNS:
            kind = attempt.detail.split(" ", 1)[0]
            if (previous is not None and previous.kind == DNS and previous.process == attempt.process
                    and previous.address == attempt.address and lines and lines[-2].endswith(")")):
                lines[-2] = lines[-2][:-1] + f", {kind})"
                continue
            what = f"looked up ({kind})"
            if attempt.address not in ("127.0.0.1", "::1"):
                what += f" at {attempt.address}, {attempt.detail.split(' ', 2)[-1]}"
        else:
            what = f"{attempt.kind} port {attempt.port}"
            if attempt.address and attempt.address != attempt.name and not _is_stand_in(attempt.address):
                what += f" of {attempt.address}"
                if attempt.how in ("sni", "http-host"):
                    what += f", {'TLS server name' if attempt.how == 'sni' else 'HTTP Host'} {attempt.name}"
            what += f": {attempt.detail}"
        lines += [f"  +{attempt.at:6.2f} s  {what}", f"             {_who(attempt)}"]
        previous = attempt
    return lines


def render_text(outcome: Outcome, groups: Sequence[HostGroup], states: Mapping[str, State],
                command: Sequence[str], own: Iterable[str] = ()) -> str:
    own = set(own)
    lines = [f"tracklight watch: {shlex.join(command)}"]
    if outcome.mode == "proxy":
        lines.append("(proxy watch: only programs that honour HTTP(S)_PROXY are seen)")
    if not groups:
        lines.append("Nothing was contacted: no name looked up, no connection, no datagram.")
    for group in groups:
        lines.append("")
        lines.append(f"{group.label} — {_declared(group, states, own)}")
        lines.extend(_attempt_lines(group.attempts))
    contacted = telemetry_contacted(groups, own)
    lines.append("")
    if contacted:
        lines.append("Declared telemetry contacted: " + ", ".join(f"{endpoint} ({tool_id})"
                                                              for tool_id, endpoint in contacted))
    else:
        lines.append("No declared telemetry endpoint was contacted.")
    lines.extend(f"Note: {note}" for note in outcome.notes)
    if outcome.mode == "namespace":
        lines.append(f"The command exited with status {outcome.exit_status}; it ran offline, so network errors "
                     "in its output are expected.")
    else:
        lines.append(f"The command exited with status {outcome.exit_status}.")
    return "\n".join(lines)


def telemetry_contacted(groups: Sequence[HostGroup], own: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(tool id, host) for each declared endpoint that was contacted or looked up (see `responsible`)."""
    own = set(own)
    return [(tool.id, group.host) for group in groups for tool in responsible(group, own)]


def render_json(outcome: Outcome, groups: Sequence[HostGroup], states: Mapping[str, State],
                command: Sequence[str], results: Sequence[WatchResult] = (), own: Iterable[str] = ()) -> dict[str, Any]:
    own = set(own)
    return {
        "command": list(command),
        "mode": outcome.mode,
        "exit_status": outcome.exit_status,
        "notes": list(outcome.notes),
        "hosts": [{
            "host": group.host,
            "ports": list(group.ports),
            "looked_up_only": group.looked_up_only,
            "declared_by": [{"id": tool.id, "name": tool.name, "tier": tool.telemetry.tier.value,
                             "state": states[tool.id].value if tool.id in states else None}
                            for tool in group.declared_by],
            "attempts": [attempt_to_json(attempt) for attempt in group.attempts],
        } for group in groups],
        "telemetry_contacted": [{"tool": tool_id, "host": host}
                                for tool_id, host in telemetry_contacted(groups, own)],
        "results": [{"tool": r.tool_id, "contacted": list(r.contacted), "opted_out": r.opted_out}
                    for r in results],
    }


def results_for(tool_ids: Iterable[str], groups: Sequence[HostGroup], states: Mapping[str, State],
                when: datetime, command: Sequence[str]) -> list[WatchResult]:
    """One WatchResult per tool: the watched command's own tools and every tool whose endpoint was contacted."""
    own = set(tool_ids)
    contacted: dict[str, list[str]] = {}
    for group in groups:
        for tool in responsible(group, own):
            contacted.setdefault(tool.id, []).extend(group.contacted_as)
    ids = sorted(own | set(contacted))
    return [WatchResult(tool_id=tool_id, when=when, command=shlex.join(command),
                        contacted=tuple(dict.fromkeys(contacted.get(tool_id, ()))),
                        opted_out=states.get(tool_id) is State.OFF) for tool_id in ids]
