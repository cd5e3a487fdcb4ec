"""One Tracklight per person: a second launch asks the first to show its window, then exits.

The first instance listens on a QLocalServer: a Unix socket in $XDG_RUNTIME_DIR (private to the user) where there
is one, else one named per user and home folder in the temp folder; a named pipe on Windows. Two people on one
machine, or two sandboxed test homes, never meet.

The check at start-up runs before the icon is shown, so on Unix it uses a plain socket connect (the QLocalServer is
an ordinary Unix stream socket) instead of loading QtNetwork first; the server itself starts once the icon is up.
"""

from __future__ import annotations

import getpass
import os
import sys
import zlib
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal

_SHOW = b"show\n"
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
    return _knock(name, _SHOW)


def is_running(name: str) -> bool:
    """True when an instance listens on this name (it is asked nothing)."""
    return _knock(name, b"")


def _knock(name: str, message: bytes) -> bool:
    if sys.platform == "win32":
        return _ask_with_qt(name, message)
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(_TIMEOUT_S)
        try:
            client.connect(_unix_path(name))
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


class InstanceServer(QObject):
    """Listens for later launches; `show_requested` when one asks."""

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening. A socket left by a crashed instance is replaced; a live instance's never is."""
        from PySide6.QtNetwork import QLocalServer

        # Qt's private-socket listen renames its socket into place, replacing whatever is there: look first.
        if is_running(self.name):
            return False  # another instance started at the same moment and won
        QLocalServer.removeServer(self.name)  # a socket file left by a crash
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            if connection is None:
                return
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)
            if connection.bytesAvailable():
                self._read(connection)

    def _read(self, connection: object) -> None:
        data = bytes(connection.readAll().data())  # type: ignore[attr-defined]
        if _SHOW.strip() in data:
            self.show_requested.emit()
