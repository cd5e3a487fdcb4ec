"""`tracklight watch --proxy`: the weaker watch. A real client that honours HTTPS_PROXY is seen with its process;
nothing is forwarded unless --allow-network, which forwards to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
FETCH = """
import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
except Exception as exc:
    print("failed:", exc)
"""


@pytest.fixture
def env(sandbox_home: Path) -> dict[str, str]:
    keep = ("HOME", "XDG_", "TRACKLIGHT_SYSTEM_ROOT", "LANG", "LC_", "TMPDIR", "PATH")
    return {k: v for k, v in os.environ.items() if k.startswith(keep)}


@pytest.fixture
def server() -> Iterator[str]:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"hello from upstream"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1/track"
    httpd.shutdown()


def watch(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKLIGHT, "watch", *argv], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_client_honouring_the_proxy_is_seen_and_not_forwarded(env: dict[str, str]) -> None:
    done = watch(env, "--proxy", "--json", "--", sys.executable, "-c", FETCH, "https://telemetry.proxy-example.test/e")
    assert done.returncode == 0, done.stderr
    assert "failed:" in done.stderr  # the command's output: the proxy answered 502
    report = json.loads(done.stdout)
    assert report["mode"] == "proxy"
    [host] = report["hosts"]
    assert host["host"] == "telemetry.proxy-example.test" and host["ports"] == [443]
    [attempt] = host["attempts"]
    assert attempt["detail"] == "HTTPS tunnel (CONNECT)"
    assert attempt["pid"] is not None and "telemetry.proxy-example.test/e" in attempt["command"]
    [note] = report["notes"]
    assert "Node.js's built-in http, https and fetch" in note and "answered 502, not forwarded" in note


def test_allow_network_forwards_through_the_proxy(env: dict[str, str], server: str) -> None:
    done = watch(env, "--proxy", "--allow-network", "--", sys.executable, "-c", FETCH, server)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello from upstream\n"
    assert f"127.0.0.1:{server.split(':')[2].split('/')[0]} — not declared by any tool" in done.stderr
    assert "HTTP GET http://127.0.0.1:" in done.stderr and "were forwarded (--allow-network)" in done.stderr
    refused = watch(env, "--proxy", "--", sys.executable, "-c", FETCH, server)
    assert "failed: HTTP Error 502" in refused.stdout


def test_allow_network_without_proxy_is_a_usage_error(env: dict[str, str]) -> None:
    done = watch(env, "--allow-network", "--", "true")
    assert done.returncode == 2
    assert "--allow-network needs --proxy" in done.stderr
