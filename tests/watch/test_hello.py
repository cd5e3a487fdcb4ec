"""Reading a connection's first bytes: real ClientHellos made by Python's ssl module, real HTTP request bytes."""

from __future__ import annotations

import ssl

import pytest

from tracklight.watch.hello import LIMIT, UNKNOWN, Hello, read_hello


def client_hello(server_hostname: str | None, maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED) -> bytes:
    """The bytes Python's TLS client sends first, taken from its outgoing buffer before any answer."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.maximum_version = maximum
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


@pytest.mark.parametrize("maximum", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.MAXIMUM_SUPPORTED])
def test_the_server_name_of_a_real_client_hello(maximum: ssl.TLSVersion) -> None:
    data = client_hello("Backboard.Heroku.com", maximum)
    assert read_hello(data) == Hello("tls", "backboard.heroku.com", "TLS ClientHello")


def test_a_client_hello_to_an_address_has_no_server_name() -> None:
    assert read_hello(client_hello("203.0.113.7")) == Hello("tls", "", "TLS ClientHello without a server name")


def test_more_bytes_are_asked_for_until_the_hello_is_whole() -> None:
    data = client_hello("sparrow.cloudflare.com")
    for cut in range(len(data)):
        assert read_hello(data[:cut]) is None, cut
    assert read_hello(data + b"\x17\x03\x03") == Hello("tls", "sparrow.cloudflare.com", "TLS ClientHello")


def test_a_hello_split_over_two_records() -> None:
    data = client_hello("monorail-edge.shopifysvc.com")
    message = data[5:]
    header = data[:3]
    split = header + (40).to_bytes(2, "big") + message[:40] + header + \
        (len(message) - 40).to_bytes(2, "big") + message[40:]
    assert read_hello(split[:-1]) is None
    assert read_hello(split) == Hello("tls", "monorail-edge.shopifysvc.com", "TLS ClientHello")


def test_a_truncated_or_damaged_hello_is_said_so() -> None:
    data = bytearray(client_hello("a.example"))
    data[5] = 0x02  # a ServerHello, not a ClientHello
    assert read_hello(bytes(data)).detail == "TLS, not a ClientHello"  # type: ignore[union-attr]
    assert read_hello(b"\x16\x03\x01\xff\xff" + b"\0" * (LIMIT - 5)) == Hello("tls", "", "TLS, cut short")


@pytest.mark.parametrize(("request_bytes", "expected"), [
    (b"GET /v1/ping HTTP/1.1\r\nHost: Telemetry.Example:8080\r\nAccept: */*\r\n\r\n",
     Hello("http", "telemetry.example", "HTTP GET /v1/ping")),
    (b"POST /track HTTP/1.1\r\nhost:t.example\r\nContent-Length: 2\r\n\r\n{}",
     Hello("http", "t.example", "HTTP POST /track")),
    (b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", Hello("http", "2001:db8::1", "HTTP GET /")),
    (b"CONNECT backboard.heroku.com:443 HTTP/1.1\r\nHost: backboard.heroku.com:443\r\n\r\n",
     Hello("http", "backboard.heroku.com", "HTTP CONNECT backboard.heroku.com:443")),
    (b"GET http://proxied.example/x HTTP/1.1\r\n\r\n", Hello("http", "proxied.example", "HTTP GET http://proxied.example/x")),
    (b"GET / HTTP/1.0\n\n", Hello("http", "", "HTTP GET /")),
])
def test_an_http_request_line_and_host(request_bytes: bytes, expected: Hello) -> None:
    assert read_hello(request_bytes) == expected


def test_an_http_request_still_arriving_needs_more() -> None:
    assert read_hello(b"GE") is None
    assert read_hello(b"GET / HTTP/1.1\r\nHost: a.example\r\n") is None


@pytest.mark.parametrize("data", [b"SSH-2.0-OpenSSH_9.6\r\n", b"\x00\x01\x02", b"hello world"])
def test_other_bytes_are_neither(data: bytes) -> None:
    assert read_hello(data) == UNKNOWN


def test_nothing_yet_needs_more() -> None:
    assert read_hello(b"") is None
