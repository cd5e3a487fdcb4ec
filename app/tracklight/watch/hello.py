"""The first bytes of a connection: a TLS ClientHello's server name (SNI) or an HTTP request's Host.

`read_hello(data)` answers None while more bytes are needed to decide, else a `Hello`. Pure functions of bytes:
the listeners feed them what a client sent before it heard anything back. References: RFC 8446 §4.1.2 (ClientHello),
RFC 6066 §3 (server_name), RFC 9112 §3 (request line, Host).
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

LIMIT = 16 * 1024 + 5 * 4
"""Read at most this much: a ClientHello fits in one 16 KiB record (four records' headers of slack); an HTTP
request's headers this long are cut there and read as they are."""

_TLS_HANDSHAKE = 0x16
_CLIENT_HELLO = 0x01
_SERVER_NAME = 0x0000
_HOST_NAME = 0x00
_METHOD = re.compile(rb"[A-Z]{3,12} ")
_HOST_LINE = re.compile(rb"^host[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Hello:
    """protocol "tls", "http" or "" (neither); server_name the SNI or Host (without a port), "" if none;
    detail what was seen, for the report ("TLS ClientHello", "HTTP POST /v1/track")."""

    protocol: str
    server_name: str
    detail: str


UNKNOWN = Hello("", "", "")


def _handshake(data: bytes) -> bytes | None:
    """The handshake message carried by the TLS records at the start of `data`; None when more bytes are needed."""
    message = b""
    offset = 0
    while True:
        if len(data) < offset + 5:
            return None
        if data[offset] != _TLS_HANDSHAKE:
            return message  # a record of another kind: what was gathered is all there is
        length = int.from_bytes(data[offset + 3:offset + 5], "big")
        if len(data) < offset + 5 + length:
            return None
        message += data[offset + 5:offset + 5 + length]
        offset += 5 + length
        if len(message) >= 4 and len(message) >= 4 + int.from_bytes(message[1:4], "big"):
            return message


def _server_name(hello: bytes) -> str:
    """The host_name in a ClientHello body's server_name extension, "" if absent. ValueError if malformed."""
    pos = 2 + 32  # legacy_version, random
    pos += 1 + hello[pos]  # session id
    pos += 2 + int.from_bytes(hello[pos:pos + 2], "big")  # cipher suites
    pos += 1 + hello[pos]  # compression methods
    if pos + 2 > len(hello):
        return ""  # no extensions
    end = min(len(hello), pos + 2 + int.from_bytes(hello[pos:pos + 2], "big"))
    pos += 2
    while pos + 4 <= end:
        kind = int.from_bytes(hello[pos:pos + 2], "big")
        size = int.from_bytes(hello[pos + 2:pos + 4], "big")
        body = hello[pos + 4:pos + 4 + size]
        pos += 4 + size
        if kind != _SERVER_NAME:
            continue
        at = 2
        while at + 3 <= len(body):
            name_type = body[at]
            name_length = int.from_bytes(body[at + 1:at + 3], "big")
            name = body[at + 3:at + 3 + name_length]
            at += 3 + name_length
            if name_type == _HOST_NAME:
                return name.decode("ascii").rstrip(".").lower()
        return ""
    return ""


def _tls(data: bytes) -> Hello | None:
    message = _handshake(data)
    if message is None:
        return None if len(data) < LIMIT else Hello("tls", "", "TLS, cut short")
    if len(message) < 4 or message[0] != _CLIENT_HELLO:
        return Hello("tls", "", "TLS, not a ClientHello")
    try:
        name = _server_name(message[4:4 + int.from_bytes(message[1:4], "big")])
    except (IndexError, UnicodeDecodeError):
        return Hello("tls", "", "TLS ClientHello, malformed")
    return Hello("tls", name, "TLS ClientHello" + ("" if name else " without a server name"))


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def _http(data: bytes) -> Hello | None:
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    if end < 0 and len(data) < LIMIT:
        return None
    head = data if end < 0 else data[:end]
    first, _, headers = head.partition(b"\n")
    parts = first.strip().decode("latin-1").split(" ")
    method, target = parts[0], parts[1] if len(parts) > 1 else ""
    if len(target) > 80:
        target = target[:77] + "..."
    host = ""
    found = _HOST_LINE.search(headers)
    if found:
        host = found.group(1).decode("latin-1")
    if method == "CONNECT":
        host = target
    elif not host and "://" in target:
        host = target.split("://", 1)[1].split("/", 1)[0]
    return Hello("http", _strip_port(host).rstrip(".").lower(), f"HTTP {method} {target}")


def read_hello(data: bytes) -> Hello | None:
    """What the first bytes say; None while more bytes are needed. Bytes that are neither give UNKNOWN."""
    if not data:
        return None
    if data[0] == _TLS_HANDSHAKE:
        return _tls(data)
    if _METHOD.match(data[:13]) or (len(data) < 13 and data.isupper() and data.isalpha()):
        return _http(data)
    return UNKNOWN


def read_greeting(conn: socket.socket, timeout: float) -> tuple[bytes, Hello | None, bool]:
    """A connection's first bytes, read until they make a TLS ClientHello or an HTTP request, the peer stops sending,
    or LIMIT; with whether reading ended on a socket error (what was read before it is kept)."""
    conn.settimeout(timeout)
    data = b""
    hello = None
    try:
        while hello is None and len(data) < LIMIT:
            chunk = conn.recv(LIMIT - len(data))
            if not chunk:
                break
            data += chunk
            hello = read_hello(data)
    except OSError:
        return data, hello, True
    return data, hello, False
