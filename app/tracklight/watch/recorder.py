"""The watch's log, shared by its resolver, listeners and packet reader, and merged into `Attempt`s at the end.

Each part records what it alone can see: the resolver the names asked, a listener the TLS server name or HTTP Host
of a connection to its port, the packet reader every TCP SYN and UDP datagram to any port with the process that
sent it. `attempts()` joins them on the connection (source port, destination address and port).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass

from tracklight.watch.model import DNS, TCP, UDP, Attempt, Process

FAKE_V4 = ipaddress.IPv4Network("127.77.0.0/16")
FAKE_V6 = ipaddress.IPv6Network("fd74:726b:7761:7463::/64")
"""Where the watch's resolver puts each name it is asked: one address per name (IPv4 and IPv6), so a connection to
it says which name the program looked up, even without a TLS server name. Every address is local in the watch."""


class Names:
    """The name each address stands for: name n gets 127.77.x.y and fd74:726b:7761:7463::n."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._number: dict[str, int] = {}
        self._name: dict[str, str] = {}

    def addresses(self, name: str) -> tuple[str, str]:
        with self._lock:
            number = self._number.get(name)
            if number is None:
                number = len(self._number) + 1
                if number >= FAKE_V4.num_addresses - 1:
                    number = FAKE_V4.num_addresses - 2  # 65 thousand names: the rest share the last address
                self._number[name] = number
            v4, v6 = str(FAKE_V4[number]), str(FAKE_V6[number])
            self._name.setdefault(v4, name)
            self._name.setdefault(v6, name)
            return v4, v6

    def name_of(self, address: str) -> str:
        with self._lock:
            return self._name.get(_canonical(address), "")


def _canonical(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


@dataclass(frozen=True)
class Packet:
    """A TCP SYN or a UDP datagram that left a program."""

    at: float
    protocol: str  # "tcp" | "udp"
    source_port: int
    address: str
    port: int
    process: Process | None
    query: str = ""  # a UDP datagram to port 53 that is a DNS query: "NAME TYPE"


@dataclass(frozen=True)
class Greeting:
    """What a listener read from one accepted connection."""

    at: float
    source_port: int
    address: str
    port: int
    protocol: str  # "tls" | "http" | ""
    server_name: str
    detail: str
    process: Process | None


class Recorder:
    """The shared log. `clock` gives seconds (monotonic); times are kept relative to `start()`."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._origin = clock()  # type: ignore[operator]
        self._lock = threading.Lock()
        self.names = Names()
        self.resolver_addresses: set[tuple[str, int]] = set()
        self._queries: list[Attempt] = []
        self._packets: list[Packet] = []
        self._greetings: list[Greeting] = []

    def start(self) -> None:
        """From now on: the command starts."""
        self._origin = self._clock()  # type: ignore[operator]

    def now(self) -> float:
        return self._clock() - self._origin  # type: ignore[operator]

    def query(self, attempt: Attempt) -> None:
        with self._lock:
            self._queries.append(attempt)

    def packet(self, packet: Packet) -> None:
        with self._lock:
            self._packets.append(packet)

    def greeting(self, greeting: Greeting) -> None:
        with self._lock:
            self._greetings.append(greeting)

    def attempts(self) -> list[Attempt]:
        """Everything seen, one attempt per DNS question, per TCP connection and per UDP socket and destination."""
        with self._lock:
            queries, packets, greetings = list(self._queries), list(self._packets), list(self._greetings)
        found: list[Attempt] = list(queries)
        self._askers: dict[str, set[Process]] = {}
        for query in queries:
            if query.process is not None:
                self._askers.setdefault(query.name, set()).add(query.process)
        by_key = {(g.source_port, _canonical(g.address), g.port): g for g in greetings}
        used: set[tuple[int, str, int]] = set()
        datagrams: dict[tuple[int, str, int], list[Packet]] = {}
        for packet in packets:
            key = (packet.source_port, _canonical(packet.address), packet.port)
            if packet.protocol == UDP:
                datagrams.setdefault(key, []).append(packet)
                continue
            if key in used:
                continue  # a retransmitted SYN
            used.add(key)
            found.append(self._connection(packet.at, key, packet.process, by_key.get(key)))
        for key, greeting in by_key.items():
            if key not in used:  # the packet reader missed it (or is not running)
                found.append(self._connection(greeting.at, key, greeting.process, greeting))
        for key, group in datagrams.items():
            first = group[0]
            process = next((p.process for p in group if p.process is not None), None)
            if process is None and not first.query:
                process = self._asker(key[1])
            if first.query:
                for packet in group:
                    name, _, kind = packet.query.rpartition(" ")
                    found.append(Attempt(DNS, packet.at, key[1], key[2], name, "dns", process,
                                         f"{kind} query to a name server the watch does not answer for"))
                continue
            count = len(group)
            found.append(Attempt(UDP, first.at, key[1], key[2], *self._resolved(key[1]), process,
                                 f"{count} datagram" + ("s" if count > 1 else "")))
        found.sort(key=lambda attempt: attempt.at)
        return found

    def _resolved(self, address: str) -> tuple[str, str]:
        name = self.names.name_of(address)
        return (name, "resolved") if name else ("", "")

    def _connection(self, at: float, key: tuple[int, str, int], process: Process | None,
                    greeting: Greeting | None) -> Attempt:
        name, how = self._resolved(key[1])
        detail = "connection refused (nothing listens on this port in the watch)"
        if greeting is not None:
            detail = greeting.detail or "connected, sent nothing"
            if greeting.server_name:
                name, how = greeting.server_name, "sni" if greeting.protocol == "tls" else "http-host"
            process = process or greeting.process
        if process is None:
            process = self._asker(key[1])
            if process is not None:
                detail += f"; its process is the one that looked up {self.names.name_of(key[1])}"
        return Attempt(TCP, at, key[1], key[2], name, how, process, detail)

    def _asker(self, address: str) -> Process | None:
        """The process a stand-in address was handed to, when exactly one process asked for its name: a socket
        closed before it could be looked up is still put down to it."""
        askers = self._askers.get(self.names.name_of(address), set()) if self.names.name_of(address) else set()
        return next(iter(askers)) if len(askers) == 1 else None
