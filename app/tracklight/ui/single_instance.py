"""One Tracklight per person: a second launch asks the first to show its window, then exits.

The first instance listens on a QLocalServer: a Unix socket in $XDG_RUNTIME_DIR (private to the user) where there
is one, else one named per user and home folder in the temp folder; a named pipe on Windows. Two people on one
machine, or two sandboxed test homes, never meet.

The check at start-up runs before Qt is even loaded, so on Unix it is a plain socket connect (the QLocalServer is an
ordinary Unix stream socket); the server (instance_server.py) starts once the icon is up.
"""

from __future__ import annotations

import getpass
import os
import sys
import zlib
from collections.abc import Mapping

SHOW = b"show\n"
_TIMEOUT_S = 0.3


def server_name(env: Mapping[str, str]) -> str:
    """The server's address: a socket path in the runtime folder when there is one, else a name per user and home."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    home = env.get("HOME") or env.get("USERPROFILE") or ""
    key = f"{user}\0{home}".encode()
    tag = f"{zlib.crc32(key):08x}"  # to tell homes apart, not a secret: the folder or pipe ACL protects it
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if sys.platform != "win32" and runtime.startswith("/") and os.path.isdir(runtime):
        return os.path.join(runtime, f"tracklight-{tag}.sock")
    return f"tracklight-{user}-{tag}"


def _unix_path(name: str) -> str:
    if os.path.isabs(name):
        return name
    from tempfile import gettempdir

    # QLocalServer puts a plain name in Qt's temp folder, which is $TMPDIR or /tmp, as gettempdir() finds it
    return os.path.join(os.environ.get("TMPDIR") or gettempdir(), name)


def ask_running_instance(name: str) -> bool:
    """True when another instance answered and was asked to show its window."""
    return _knock(name, SHOW)


def is_running(name: str) -> bool:
    """True when an instance listens on this name (it is asked nothing)."""
    return _knock(name, b"")


def _knock(name: str, message: bytes) -> bool:
    if sys.platform == "win32":
        return _ask_with_qt(name, message)
    path = _unix_path(name)
    if not os.path.exists(path):
        return False  # the usual case at start-up: nobody listens, and no socket module needs loading
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(_TIMEOUT_S)
        try:
            client.connect(path)
            if message:
                client.sendall(message)
        except OSError:
            return False
    return True


def _ask_with_qt(name: str, message: bytes) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(int(_TIMEOUT_S * 1000)):
        return False
    socket.write(message)
    socket.flush()
    socket.waitForBytesWritten(int(_TIMEOUT_S * 1000))
    socket.disconnectFromServer()
    return True
