"""Tracklight sends nothing anywhere: scan, opt-out and the tray's start open no network connection at all.

Two guards: every Python-level way to reach the network (connect on an internet socket, name lookups) raises, and the
process's own sockets are compared with the kernel's TCP/UDP tables before and after, which also catches a
connection made from C++ (Qt) that never passes through Python. Unix-domain sockets (the tray's single-instance
channel) are local and allowed.
"""

from __future__ import annotations

import os
import re
import socket
import sys

import pytest

from tracklight.cli import main
from tracklight.core.scan import scan


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch):
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(what: str):
        def refuse(*args: object, **kwargs: object) -> None:
            attempts.append(f"{what}{args[1:] if len(args) > 1 else args}")
            raise NetworkUsed(f"network use: {what} {args!r}")
        return refuse

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(f"connect {address!r}")
            raise NetworkUsed(f"network use: connect {address!r}")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(f"connect_ex {address!r}")
            raise NetworkUsed(f"network use: connect_ex {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", guard("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", guard("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", guard("gethostbyname"))
    before = _inet_sockets()
    yield attempts
    assert attempts == []
    assert _inet_sockets() - before == set(), "an internet socket was left open"


def _inet_sockets() -> set[str]:
    """Inodes of this process's sockets that are TCP or UDP sockets (Linux /proc); empty elsewhere."""
    if not sys.platform.startswith("linux"):
        return set()
    own = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
        if match:
            own.add(match.group(1))
    inet = set()
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(f"/proc/self/net/{table}") as handle:
                inet.update(line.split()[9] for line in handle.readlines()[1:])
        except OSError:
            continue
    return own & inet


def test_the_guard_itself_catches_a_connection(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    no_network.clear()  # the fixture's own check would otherwise (rightly) fail this test


def test_scan_uses_no_network(no_network, tmp_path):
    settings = tmp_path / "home/.config/Code/User/settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"telemetry.telemetryLevel": "all"}')
    assert scan().get("vscode") is not None
    assert main(["scan", "--all", "--json"]) == 0


def test_optout_uses_no_network(no_network, tmp_path, capsys):
    settings = tmp_path / "home/.config/Code/User/settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"telemetry.telemetryLevel": "all"}')
    assert main(["optout", "vscode", "dotnet", "nextjs"]) == 0
    assert '"off"' in settings.read_text()


def test_policy_apply_and_export_use_no_network(no_network, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('policy_version = 1\n[optout]\ntools = ["firefox", "dotnet", "vscode", "nextjs", "homebrew"]\n'
                      '[updates]\n'
                      'catalog_url = "https://tracklight.example.org/catalog.tar.gz"\n'
                      'catalog_key = "VL2sn1AwDmT/R5pWdU2R4U1OAnqtA03M7AhmXfJqBt0="\n')
    root = tmp_path / "image"
    root.mkdir()
    assert main(["policy", "apply", "--policy", str(policy), "--root", str(root)]) == 0
    assert main(["export", "--format", "shell", "--policy", str(policy), "-o", str(tmp_path / "t.sh")]) == 0


def test_tray_start_uses_no_network(no_network, qtbot):
    from tracklight.ui.tracklight_app import TracklightApp

    app = TracklightApp(tray=False)
    try:
        app.start(show_window=True)
        qtbot.waitUntil(lambda: app.scanner.snapshot is not None and bool(app.scanner.snapshot.reports),
                        timeout=20_000)
        qtbot.wait(300)  # let the background start (watcher, history) run too
    finally:
        app.shutdown()
