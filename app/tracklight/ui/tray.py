"""The tray icon: its shape shows the worst tier among tools tracking now, its tooltip names them.

A left click (or double click) opens the window; the context menu is the TrayMenu's.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from tracklight.core.model import Tier
from tracklight.ui.icons import app_icon, tray_icon
from tracklight.ui.snapshot import Snapshot


def tray_available() -> bool:
    """Whether the desktop shows tray icons (a StatusNotifier host or an XEmbed tray)."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayIcon(QObject):
    """Wraps QSystemTrayIcon; `show_snapshot` redraws icon and tooltip."""

    def __init__(self, menu: QMenu, open_window: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_window = open_window
        self.icon = QSystemTrayIcon(self)  # the icon is set from the first snapshot, before it is shown
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        self.tier: Tier | None = None  # None until the first scan

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.scanned:
            tier = snapshot.worst_tier
            if tier is not self.tier:
                self.icon.setIcon(tray_icon(tier))
                self.tier = tier
        self.icon.setToolTip(snapshot.tooltip())

    def show(self) -> None:
        if self.icon.icon().isNull():
            self.icon.setIcon(app_icon())  # shown before any scan finished (not the usual start-up)
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._open_window()
