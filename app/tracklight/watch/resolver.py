"""The watch's name server: 127.0.0.1 and ::1, port 53, UDP and TCP. Every name gets an answer, every question is
recorded with the process that asked.

A and AAAA questions are answered with the name's own loopback address (recorder.Names), so a later connection to
that address says which name it was for; any other question (HTTPS, MX, TXT…) gets an empty answer. The wire format
is dnspython's.
"""

from __future__ import annotations

import socket
import threading

from tracklight.watch import processes
from tracklight.watch.model import DNS, Attempt
from tracklight.watch.recorder import Recorder

PORT = 53
TTL = 1
_TCP_TIMEOUT = 2.0


def answer(recorder: Recorder, wire: bytes, server: str, source_port: int, protocol: str, ipv6: bool) -> bytes | None:
    """The reply to one DNS message, after recording its question; None for bytes that are not a query."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    try:
        query = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError):
        return None
    if query.flags & dns.flags.QR:
        return None
    process = processes.process_of(protocol, source_port)
    reply = dns.message.make_response(query)
    reply.flags |= dns.flags.AA | dns.flags.RA
    for question in query.question:
        name = question.name.to_text(omit_final_dot=True).lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        recorder.query(Attempt(DNS, recorder.now(), server, PORT, name, "dns", process, f"{kind} query"))
        if question.rdclass != dns.rdataclass.IN or not name:
            continue
        v4, v6 = recorder.names.addresses(name)
        if question.rdtype == dns.rdatatype.A:
            reply.answer.append(dns.rrset.from_text(question.name, TTL, "IN", "A", v4))
        elif question.rdtype == dns.rdatatype.AAAA and ipv6:
            reply.answer.append(dns.rrset.from_text(question.name, TTL, "IN", "AAAA", v6))
    return reply.to_wire()


class Resolver:
    """Serves on the given addresses until `stop()`; each socket has its own thread."""

    def __init__(self, recorder: Recorder, addresses: tuple[str, ...] = ("127.0.0.1", "::1"),
                 port: int = PORT, ipv6_answers: bool = True) -> None:
        self.recorder = recorder
        self.ipv6_answers = ipv6_answers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            udp = socket.socket(family, socket.SOCK_DGRAM)
            tcp = socket.socket(family, socket.SOCK_STREAM)
            for sock in (udp, tcp):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port))
                sock.settimeout(1.0)
            tcp.listen(64)
            self.sockets += [udp, tcp]
            recorder.resolver_addresses.add((address, port))
            self._threads.append(threading.Thread(target=self._serve_udp, args=(udp, address), daemon=True))
            self._threads.append(threading.Thread(target=self._serve_tcp, args=(tcp, address), daemon=True))

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for sock in self.sockets:
            _wake(sock)
        for thread in self._threads:
            thread.join()
        for sock in self.sockets:
            sock.close()

    def _serve_udp(self, sock: socket.socket, address: str) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = sock.recvfrom(65535)
                if self._stop.is_set():
                    return
            except TimeoutError:
                continue
            except OSError:
                return
            reply = answer(self.recorder, wire, address, peer[1], "udp", self.ipv6_answers)
            if reply is not None:
                try:
                    sock.sendto(reply, peer)
                except OSError:
                    pass

    def _serve_tcp(self, sock: socket.socket, address: str) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_client, args=(conn, address, peer[1]), daemon=True).start()

    def _tcp_client(self, conn: socket.socket, address: str, source_port: int) -> None:
        conn.settimeout(_TCP_TIMEOUT)
        with conn:
            try:
                while True:
                    head = _read_exactly(conn, 2)
                    if head is None:
                        return
                    wire = _read_exactly(conn, int.from_bytes(head, "big"))
                    if wire is None:
                        return
                    reply = answer(self.recorder, wire, address, source_port, "tcp", self.ipv6_answers)
                    if reply is None:
                        return
                    conn.sendall(len(reply).to_bytes(2, "big") + reply)
            except OSError:
                return


def _wake(sock: socket.socket) -> None:
    """End a blocked accept() or recvfrom() at once: shutdown for a listening socket, a datagram for UDP."""
    try:
        if sock.type == socket.SOCK_STREAM:
            sock.shutdown(socket.SHUT_RDWR)
        else:
            with socket.socket(sock.family, socket.SOCK_DGRAM) as poke:
                poke.sendto(b"", sock.getsockname()[:2])
    except OSError:
        pass


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
