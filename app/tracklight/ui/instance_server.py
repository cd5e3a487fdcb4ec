"""The first instance's side of single_instance.py: a QLocalServer that later launches knock on."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from tracklight.ui.signals import emit
from tracklight.ui.single_instance import SHOW, is_running


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
        """Start listening. A socket left by a crashed instance is replaced; a live instance's never is."""
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

    def _read(self, connection: QLocalSocket) -> None:
        data = bytes(connection.readAll().data())
        if SHOW.strip() in data:
            emit(self.show_requested)
