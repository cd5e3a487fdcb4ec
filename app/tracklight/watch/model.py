"""What a watch saw, typed: each attempt to reach a host or an address, and the process that made it.

The inside runner (namespace side) builds `Attempt`s and hands them over as JSON (`to_json`/`from_json`); the report
matches them against the tools' declared endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DNS = "dns"
TCP = "tcp"
UDP = "udp"
KINDS = (DNS, TCP, UDP)


@dataclass(frozen=True)
class Process:
    """The process that made an attempt: its pid (as the host sees it) and its command line."""

    pid: int
    command: str


@dataclass(frozen=True)
class Attempt:
    """One try to reach something.

    kind: "dns" (a name asked of the resolver), "tcp" (a connection opened), "udp" (a datagram sent).
    at: seconds since the command started.
    address, port: where it went (for "dns": the name server asked, port 53).
    name: the host name: the one asked (dns), else the TLS server name or HTTP Host the program sent, else the name
      the watch's resolver gave this address; "" when the program used an address it did not look up.
    how: where `name` comes from: "dns", "sni", "http-host", "resolved", or "" (no name).
    process: who tried; None when the process ended before it could be named.
    detail: what else was seen ("TLS ClientHello", "HTTP POST /v1/track", "AAAA query", …).
    """

    kind: str
    at: float
    address: str
    port: int
    name: str = ""
    how: str = ""
    process: Process | None = None
    detail: str = ""

    @property
    def target(self) -> str:
        """What was reached, as a person would say it: "backboard.heroku.com:443", "203.0.113.7:443", "[::1]:80"."""
        if self.kind == DNS:
            return self.name
        host = self.name or (f"[{self.address}]" if ":" in self.address else self.address)
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Outcome:
    """A whole watch: the attempts, the command's exit status, and what the reader must know about the run."""

    attempts: tuple[Attempt, ...]
    exit_status: int
    notes: tuple[str, ...] = field(default=())
    mode: str = "namespace"  # "namespace" | "proxy"


def attempt_to_json(attempt: Attempt) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": attempt.kind, "at": round(attempt.at, 6), "address": attempt.address,
                            "port": attempt.port, "name": attempt.name, "how": attempt.how,
                            "detail": attempt.detail, "pid": None, "command": None}
    if attempt.process is not None:
        data["pid"] = attempt.process.pid
        data["command"] = attempt.process.command
    return data


def attempt_from_json(data: dict[str, Any]) -> Attempt:
    process = None
    if data.get("pid") is not None:
        process = Process(pid=int(data["pid"]), command=str(data.get("command") or ""))
    return Attempt(kind=str(data["kind"]), at=float(data["at"]), address=str(data["address"]),
                   port=int(data["port"]), name=str(data.get("name", "")), how=str(data.get("how", "")),
                   process=process, detail=str(data.get("detail", "")))
