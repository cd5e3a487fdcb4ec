"""Every connection attempt, to any port: a raw packet socket on `lo` (AF_PACKET) inside the watch's namespace.

Each TCP SYN (without ACK) and each UDP datagram leaving a program is recorded with the process that sent it,
looked up at once while its socket still exists. So attempts to ports nothing listens on are seen too (their SYN
is answered by a reset, their datagram by "port unreachable"), with their original address and port.
"""

from __future__ import annotations

import ipaddress
import socket
import threading

from tracklight.watch import processes
from tracklight.watch.model import TCP, UDP
from tracklight.watch.recorder import Packet, Recorder

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
_ETHERNET = 14
_IPV4, _IPV6 = 0x0800, 0x86DD
_TCP, _UDP = 6, 17
_SYN, _ACK = 0x02, 0x10


def parse_frame(frame: bytes) -> tuple[str, str, int, str, int, bytes] | None:
    """(protocol, source, source port, destination, destination port, UDP payload) of a TCP SYN or a UDP
    datagram in an Ethernet frame as `lo` gives it; None for anything else."""
    if len(frame) < _ETHERNET + 20:
        return None
    ethertype = int.from_bytes(frame[12:14], "big")
    ip = frame[_ETHERNET:]
    if ethertype == _IPV4:
        header = (ip[0] & 0x0F) * 4
        protocol = ip[9]
        source, destination = str(ipaddress.IPv4Address(ip[12:16])), str(ipaddress.IPv4Address(ip[16:20]))
        if int.from_bytes(ip[6:8], "big") & 0x1FFF:
            return None  # a later fragment: no ports in it
    elif ethertype == _IPV6 and len(ip) >= 40:
        header = 40
        protocol = ip[6]
        source, destination = str(ipaddress.IPv6Address(ip[8:24])), str(ipaddress.IPv6Address(ip[24:40]))
    else:
        return None
    transport = ip[header:]
    if len(transport) < 8:
        return None
    source_port = int.from_bytes(transport[0:2], "big")
    destination_port = int.from_bytes(transport[2:4], "big")
    if protocol == _TCP:
        if len(transport) < 14 or transport[13] & (_SYN | _ACK) != _SYN:
            return None
        return TCP, source, source_port, destination, destination_port, b""
    if protocol == _UDP:
        return UDP, source, source_port, destination, destination_port, transport[8:]
    return None


def dns_question(payload: bytes) -> str:
    """"NAME TYPE" of a DNS query's first question, "" when the payload is not one."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.rdatatype

    try:
        message = dns.message.from_wire(payload)
    except (dns.exception.DNSException, ValueError):
        return ""
    if message.flags & dns.flags.QR or not message.question:
        return ""
    question = message.question[0]
    return f"{question.name.to_text(omit_final_dot=True).lower()} {dns.rdatatype.to_text(question.rdtype)}"


class PacketReader:
    """Reads `lo` until `stop()`. Raises OSError at construction if raw sockets are not allowed."""

    def __init__(self, recorder: Recorder, interface: str = "lo") -> None:
        self.recorder = recorder
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self.sock.bind((interface, 0))
        self.sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._netns = processes._own_netns()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after reading what is queued."""
        self._stop.set()
        self._thread.join()
        self.sock.close()

    def _read(self) -> None:
        while True:
            try:
                frame, where = self.sock.recvfrom(65535)
            except TimeoutError:
                if self._stop.is_set():
                    return
                continue
            except OSError:
                return
            if where[2] != PACKET_OUTGOING:
                continue  # on lo each packet is seen twice, going out and coming in
            self.handle(frame)

    def handle(self, frame: bytes) -> None:
        parsed = parse_frame(frame)
        if parsed is None:
            return
        protocol, source, source_port, destination, port, payload = parsed
        resolvers = self.recorder.resolver_addresses
        if (destination, port) in resolvers or (source, source_port) in resolvers:
            return  # the resolver records its own questions; its answers are ours
        at = self.recorder.now()
        process = processes.process_of(protocol, source_port, port, self._netns)
        query = dns_question(payload) if protocol == UDP and port == 53 else ""
        self.recorder.packet(Packet(at, protocol, source_port, destination, port, process, query))
