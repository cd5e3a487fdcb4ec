"""The weaker watch, for systems that refuse user namespaces: COMMAND runs with HTTP_PROXY, HTTPS_PROXY and
ALL_PROXY (both cases) pointing at a recording proxy on 127.0.0.1, which records each request (the host of a
CONNECT, the Host of a plain request) with the process that made it.

It sees only programs that honour those variables. Node.js's own http, https and fetch ignore them (unless
NODE_USE_ENV_PROXY=1, Node 24 and later), as do Java (its own -Dhttps.proxyHost), programs using sockets directly,
DNS lookups and UDP: those reach the network unseen. Without `allow_network` the proxy forwards nothing (it answers
502); with it, it forwards each request upstream, so the program works and its telemetry is really sent.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence

from tracklight.watch import processes
from tracklight.watch.hello import read_greeting
from tracklight.watch.model import TCP, Attempt, Outcome

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
IGNORERS = ("Node.js's built-in http, https and fetch (unless NODE_USE_ENV_PROXY=1, Node 24+)",
            "Java (its own -Dhttps.proxyHost)", "programs opening sockets themselves", "DNS lookups", "UDP")
_READ_TIMEOUT = 5.0
_UPSTREAM_TIMEOUT = 15.0


def proxy_note(allow_network: bool) -> str:
    return (f"proxy watch: only programs that honour HTTP(S)_PROXY are seen. Not seen, and not stopped from "
            f"reaching the network: {', '.join(IGNORERS)}. " + ("Requests through the proxy were forwarded (--allow-network)."
                           if allow_network else "Requests through the proxy were answered 502, not forwarded."))


class RecordingProxy:
    def __init__(self, allow_network: bool, clock: object = time.monotonic) -> None:
        self.allow_network = allow_network
        self._clock = clock
        self._origin = clock()  # type: ignore[operator]
        self._lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._netns = os.readlink("/proc/self/ns/net")

    def start(self) -> None:
        self._origin = self._clock()  # type: ignore[operator]
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            at = self._clock() - self._origin  # type: ignore[operator]
            process = processes.process_of("tcp", peer[1], self.port, self._netns)
            threading.Thread(target=self._serve, args=(conn, at, process), daemon=True).start()

    def _serve(self, conn: socket.socket, at: float, process: object) -> None:
        with conn:
            data, hello, failed = read_greeting(conn, _READ_TIMEOUT)
            if failed:
                return
            if hello is None or hello.protocol != "http" or not hello.server_name:
                return
            method, target = (hello.detail.split(" ", 2) + ["", ""])[1:3]
            port = _port(method, target)
            detail = "HTTPS tunnel (CONNECT)" if method == "CONNECT" else hello.detail
            with self._lock:
                self.attempts.append(Attempt(TCP, at, "", port, hello.server_name, "http-host",
                                             process, detail))  # type: ignore[arg-type]
            if not self.allow_network:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            self._forward(conn, hello.server_name, port, method, data)

    def _forward(self, conn: socket.socket, host: str, port: int, method: str, data: bytes) -> None:
        try:
            upstream = socket.create_connection((host, port), timeout=_UPSTREAM_TIMEOUT)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        with upstream:
            if method == "CONNECT":
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                upstream.sendall(data)
            _splice(conn, upstream)


def _port(method: str, target: str) -> int:
    if method == "CONNECT":
        _, _, port = target.rpartition(":")
        return int(port) if port.isdigit() else 443
    authority = target.split("://", 1)[-1].split("/", 1)[0]
    _, colon, port = authority.rpartition(":")
    return int(port) if colon and port.isdigit() else 80


def _splice(a: socket.socket, b: socket.socket) -> None:
    a.settimeout(None)
    b.settimeout(None)
    sockets = [a, b]
    while True:
        ready, _, _ = select.select(sockets, [], [], 60)
        if not ready:
            return
        for sock in ready:
            chunk = sock.recv(65536)
            if not chunk:
                return
            (b if sock is a else a).sendall(chunk)


def proxy_run(command: Sequence[str], *, env: Mapping[str, str] | None = None, allow_network: bool = False,
              stdout: int | None = None) -> Outcome:
    """Run `command` with its proxy variables pointing at a recording proxy; return what went through it."""
    from tracklight.watch.namespace import WatchFailed, check_platform
    from tracklight.watch.thread_failures import ThreadFailures, incomplete

    check_platform()
    with ThreadFailures() as failures:
        outcome = _run_behind_proxy(command, env, allow_network, stdout)
    if failures.messages:
        raise WatchFailed(incomplete(failures.messages))
    return outcome


def _run_behind_proxy(command: Sequence[str], env: Mapping[str, str] | None, allow_network: bool,
                      stdout: int | None) -> Outcome:
    from tracklight.watch.namespace import program_env

    proxy = RecordingProxy(allow_network)
    environment = program_env(os.environ if env is None else env)
    for name in ("NO_PROXY", "no_proxy"):
        environment.pop(name, None)
    for name in PROXY_VARIABLES:
        environment[name] = f"http://127.0.0.1:{proxy.port}"
    proxy.start()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            child = subprocess.Popen(list(command), env=environment, stdout=stdout)
        except FileNotFoundError:
            proxy.stop()
            return Outcome((), 127, (f"{command[0]}: command not found", proxy_note(allow_network)), "proxy")
        returncode = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    time.sleep(0.1)  # requests still being read
    proxy.stop()
    status = 128 - returncode if returncode < 0 else returncode
    with proxy._lock:
        found = tuple(sorted(proxy.attempts, key=lambda attempt: attempt.at))
    return Outcome(found, status, (proxy_note(allow_network),), "proxy")
