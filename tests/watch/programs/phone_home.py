"""A small program that phones home three ways, as telemetry clients do: by name over TLS, to a hard-coded address
over TLS (with a server name), and a UDP datagram to a hard-coded address. Each failure is expected offline."""

import socket
import ssl
import sys
import time


def tls(host: str, address: str | None = None, server_name: str | None = None) -> None:
    context = ssl.create_default_context()
    try:
        with (socket.create_connection((address or host, 443), timeout=3) as raw,
              context.wrap_socket(raw, server_hostname=server_name or host)):
            pass
    except OSError as exc:
        print(f"tls {host}: {exc.__class__.__name__}", file=sys.stderr)


tls("telemetry.python-example.test")
tls("hardcoded", address="203.0.113.7", server_name="pinned.python-example.test")
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
    udp.sendto(b"event:1|c", ("198.51.100.9", 9999))
    udp.settimeout(0.5)  # waits briefly for an answer, as a client that retries would
    try:
        udp.recv(64)
    except OSError as exc:
        print(f"udp: {exc.__class__.__name__}", file=sys.stderr)
time.sleep(0)
