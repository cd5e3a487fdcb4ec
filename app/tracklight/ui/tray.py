"""The tray icon: its shape shows the worst tier among tools tracking now, its tooltip names them.

A left click (or double click) opens the window; the context menu is the TrayMenu's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from tracklight.ui.icons import app_icon, tray_icon

if TYPE_CHECKING:
    from tracklight.ui.snapshot import Snapshot


def tray_available() -> bool:
    """Whether the desktop shows tray icons (a StatusNotifier host or an XEmbed tray)."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayIcon(QObject):
    """Wraps QSystemTrayIcon; `show_snapshot` redraws icon and tooltip."""

    def __init__(self, open_window: Callable[[], None] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_window = open_window
        self.icon = QSystemTrayIcon(self)  # the icon is set from the first scan, before it is shown
        self.icon.activated.connect(self._activated)
        self.tier: str | None = None  # a Tier value; None until the first scan

    def set_menu(self, menu: QMenu) -> None:
        self.icon.setContextMenu(menu)

    def show_state(self, worst_tier: str, tooltip: str) -> None:
        """Draw the icon for the worst tier (a Tier value) tracking now, and the tooltip naming the tools."""
        if worst_tier != self.tier:
            self.icon.setIcon(tray_icon(worst_tier))
            self.tier = worst_tier
        self.icon.setToolTip(tooltip)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.scanned:
            self.show_state(snapshot.worst_tier.value, snapshot.tooltip())
        else:
            self.icon.setToolTip(snapshot.tooltip())

    def show(self) -> None:
        if self.icon.icon().isNull():
            self.icon.setIcon(app_icon())  # shown before any scan finished (not the usual start-up)
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if self.open_window is not None and reason in (QSystemTrayIcon.ActivationReason.Trigger,
                                                       QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_window()
