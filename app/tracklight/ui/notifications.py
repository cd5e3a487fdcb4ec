"""Notices with buttons: "VS Code: telemetry off — Undo", "Next.js turned telemetry back on — Opt out again".

A tray balloon (QSystemTrayIcon.showMessage) can't carry buttons, so a notice is a small window in the corner of the
screen (notice_window.py, loaded the first time a notice is shown: start-up doesn't pay for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracklight.ui.notice import Notice, NoticeAction

if TYPE_CHECKING:
    from tracklight.ui.notice_window import NoticeWindow

__all__ = ["Notice", "NoticeAction", "Notifier"]


class Notifier:
    """Shows notices one at a time (a new one replaces the old: the latest change is the one to undo)."""

    def __init__(self) -> None:
        self._window: NoticeWindow | None = None
        self.last: Notice | None = None

    @property
    def window(self) -> NoticeWindow | None:
        return self._window

    def show(self, notice: Notice) -> None:
        self.last = notice
        if self._window is None:
            from tracklight.ui.notice_window import NoticeWindow

            self._window = NoticeWindow()
        self._window.present(notice)

    def close(self) -> None:
        if self._window is not None:
            self._window.hide()
