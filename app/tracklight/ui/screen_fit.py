"""Sizes that fit the screen: a window or dialog is as large as it likes where there is room, never larger than the
free area of its screen (a 1024 × 600 netbook, a panel at the bottom), less room for the window manager's frame."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME_WIDTH, FRAME_HEIGHT = 40, 60
"""Room left for the frame and title bar, which a window only learns once the window manager has framed it."""


def resize_to_fit(widget: QWidget, width: int, height: int) -> None:
    """Resize to width × height, or to the free area of its screen less the frame, whichever is smaller."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width = min(width, area.width() - FRAME_WIDTH)
        height = min(height, area.height() - FRAME_HEIGHT)
    widget.resize(width, height)
