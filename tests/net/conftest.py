"""A real HTTP server on 127.0.0.1, started per test, whose answers the test sets (no mocks of the network code)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_before_body: float = 0.0  # seconds to wait after the headers (a stalled server)
    drip: float = 0.0  # seconds between single bytes (a slow server)
    declared_length: int | None = None  # Content-Length to announce (bigger than the body: a truncated download)


@dataclass
class ServerState:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class LocalServer:
    def __init__(self, server: ThreadingHTTPServer, state: ServerState) -> None:
        self.server = server
        self.state = state

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def route(self, path: str, **kwargs: object) -> str:
        self.state.routes[path] = Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            route = state.routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            length = route.declared_length if route.declared_length is not None else len(route.body)
            self.send_header("Content-Length", str(length))
            if route.etag:
                self.send_header("ETag", route.etag)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                if route.delay_before_body:
                    time.sleep(route.delay_before_body)
                if route.drip:
                    for i in range(len(route.body)):
                        self.wfile.write(route.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(route.drip)
                else:
                    self.wfile.write(route.body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if route.declared_length is not None:
                self.close_connection = True

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early (the size cap, a timeout) is what several tests do on purpose


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    state = ServerState()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(server, state)
    finally:
        server.shutdown()
        server.server_close()
