"""One Tracklight per person: a second launch asks the first to show its window, then exits.

The first instance listens on a QLocalServer (a Unix socket; a named pipe on Windows). The name is derived from the
user and the home folder, so two people on one machine (or two sandboxed test homes) never meet.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_SHOW = b"show\n"
_CONNECT_MS = 300


def server_name(env: Mapping[str, str]) -> str:
    """A name unique per user and home folder."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    home = env.get("HOME") or env.get("USERPROFILE") or ""
    digest = hashlib.sha256(f"{user}\0{home}".encode()).hexdigest()[:12]
    return f"tracklight-{digest}"


def ask_running_instance(name: str) -> bool:
    """True when another instance answered and was asked to show its window."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_CONNECT_MS):
        return False
    socket.write(_SHOW)
    socket.flush()
    socket.waitForBytesWritten(_CONNECT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; `show_requested` when one asks."""

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; a socket file left by a crashed instance is removed first."""
        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
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

    def _read(self, connection: QLocalSocket) -> None:
        data = bytes(connection.readAll().data())
        if _SHOW.strip() in data:
            self.show_requested.emit()
