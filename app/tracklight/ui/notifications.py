"""Notices with buttons: "Opted out: VS Code — Undo", "Next.js turned telemetry back on — Opt out again".

A tray balloon (QSystemTrayIcon.showMessage) can't carry buttons, so a notice is a small window in the corner of the
screen nearest the tray (notice_window.py, loaded the first time a notice is shown: start-up doesn't pay for it); in
the window, the same notice is a message bar (message_bar.py). A notice stays until it is dismissed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel

if TYPE_CHECKING:
    from PySide6.QtCore import QRect

    from tracklight.ui.notice_window import NoticeWindow

__all__ = ["Notice", "NoticeAction", "NoticeLevel", "Notifier"]


class Notifier:
    """Shows notices one at a time (a new one replaces the old: the latest change is the one to undo)."""

    def __init__(self, anchor: Callable[[], QRect | None] | None = None) -> None:
        self._window: NoticeWindow | None = None
        self._anchor = anchor  # where the tray icon is, so the notice appears in that corner
        self.last: Notice | None = None

    @property
    def window(self) -> NoticeWindow | None:
        return self._window

    def show(self, notice: Notice) -> None:
        self.last = notice
        window = self._window
        if window is not None and window.takes_focus != notice.answers_click:
            window.hide()  # the other kind of window shows this one (see NoticeWindow)
            window.deleteLater()
            window = None
        if window is None:
            from tracklight.ui.notice_window import NoticeWindow

            window = self._window = NoticeWindow(takes_focus=notice.answers_click)
        window.present(notice, self._anchor() if self._anchor is not None else None)

    def close(self) -> None:
        if self._window is not None:
            self._window.hide()
