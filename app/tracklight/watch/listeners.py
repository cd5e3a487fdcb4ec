"""Listeners on the usual web ports, on every address (the watch routes every address here): each connection is
accepted, its first bytes read for a short while (a TLS ClientHello or an HTTP request), recorded, then closed.

Nothing is answered: a program sees its connection closed before any reply, as if the network dropped it.
`getsockname()` on the accepted socket is the address and port the program asked for.
"""

from __future__ import annotations

import socket
import threading

from tracklight.watch import processes
from tracklight.watch.hello import read_greeting, read_hello
from tracklight.watch.recorder import Greeting, Recorder

DEFAULT_PORTS = (80, 443, 8443)
READ_TIMEOUT = 3.0


class Listeners:
    def __init__(self, recorder: Recorder, ports: tuple[int, ...] = DEFAULT_PORTS, ipv6: bool = True) -> None:
        self.recorder = recorder
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        self.ports: list[int] = []
        for port in ports:
            families = [(socket.AF_INET, "0.0.0.0")] + ([(socket.AF_INET6, "::")] if ipv6 else [])
            for family, address in families:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address, port))
                sock.listen(128)
                sock.settimeout(1.0)
                self.sockets.append(sock)
                self._threads.append(threading.Thread(target=self._accept, args=(sock,), daemon=True))
            self.ports.append(port)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop accepting; wait for connections being read (at most READ_TIMEOUT)."""
        self._stop.set()
        for sock in self.sockets:
            _wake(sock)
        for thread in self._threads:
            thread.join()
        for thread in list(self._clients):
            thread.join()
        for sock in self.sockets:
            sock.close()

    def _accept(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            at = self.recorder.now()
            address, port = conn.getsockname()[:2]
            process = processes.process_of("tcp", peer[1], port)
            thread = threading.Thread(target=self._read, args=(conn, at, peer[1], address, port, process),
                                      daemon=True)
            self._clients.append(thread)
            thread.start()

    def _read(self, conn: socket.socket, at: float, source_port: int, address: str, port: int,
              process: object) -> None:
        with conn:
            data, hello, _ = read_greeting(conn, READ_TIMEOUT)
        if hello is None:
            hello = read_hello(data + b"\r\n\r\n") if data[:1].isalpha() else None
        protocol, name, detail = ("", "", "connected, sent nothing") if not data else ("", "", "sent other bytes")
        if hello is not None and hello.protocol:
            protocol, name, detail = hello.protocol, hello.server_name, hello.detail
        self.recorder.greeting(Greeting(at, source_port, address, port, protocol, name, detail,
                                        process))  # type: ignore[arg-type]


def _wake(sock: socket.socket) -> None:
    """End a blocked accept() at once (Linux: shutdown on a listening socket makes accept fail)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
