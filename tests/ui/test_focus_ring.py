"""Keyboard focus on a notice's buttons is clearly visible, on a light and on a dark palette.

Measured the way WCAG 2.2's "Focus Appearance" puts it: the pixels that change when the button takes the focus must
change with a contrast of at least 3:1, and cover at least a 2-pixel line around the button (less its rounded
corners, up to 4 pixels per ring at each corner).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from tracklight.ui.message_bar import MessageBar
from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel
from tracklight.ui.notice_window import NoticeWindow

NOTICE = Notice("Opted out: Visual Studio Code", "~/.config/Code/User/settings.json: telemetry.telemetryLevel",
                (NoticeAction("Undo", lambda: None),), NoticeLevel.DONE)


def _dark() -> QPalette:
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#eeeeee"),
                         (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#eeeeee"),
                         (QPalette.ColorRole.Button, "#3a3a3a"), (QPalette.ColorRole.ButtonText, "#eeeeee"),
                         (QPalette.ColorRole.Highlight, "#3d7ad6"), (QPalette.ColorRole.HighlightedText, "#ffffff")):
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture(params=["light", "dark"])
def palette(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[QPalette]:
    before = qapp.palette()
    chosen = qapp.style().standardPalette() if request.param == "light" else _dark()
    qapp.setPalette(chosen)
    yield chosen
    qapp.setPalette(before)


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _around(widget: QWidget, button: QPushButton) -> QImage:
    """The button and 3 pixels around it, as drawn in its window."""
    top_left = button.mapTo(widget, button.rect().topLeft())
    area = QRect(top_left, button.size()).adjusted(-3, -3, 3, 3)
    ratio = widget.devicePixelRatioF()
    return widget.grab(area).toImage().scaled(round(area.width()), round(area.height())) if ratio != 1 \
        else widget.grab(area).toImage()


def _visible_change(focused: QImage, unfocused: QImage) -> int:
    return sum(1 for y in range(focused.height()) for x in range(focused.width())
               if _contrast(focused.pixelColor(x, y), unfocused.pixelColor(x, y)) >= 3.0)


def _assert_clear_ring(focused: QImage, unfocused: QImage, button: QPushButton) -> None:
    perimeter = 2 * (button.width() + button.height())
    needed = 2 * perimeter - 2 * 4 * 4
    changed = _visible_change(focused, unfocused)
    assert changed >= needed, (changed, needed)


def test_the_message_bar_undo_shows_keyboard_focus_clearly(qtbot, palette: QPalette) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    bar = MessageBar()
    layout.addWidget(bar)
    after = QPushButton("Something else")
    layout.addWidget(after)
    bar.show_notice(NOTICE)
    holder.resize(640, 180)
    holder.show()
    with qtbot.waitActive(holder):
        holder.activateWindow()
    undo = bar.button("Undo")
    assert undo is not None
    after.setFocus()
    qtbot.keyClick(after, Qt.Key.Key_Backtab)  # past the close button, onto Undo, from the keyboard
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert undo.hasFocus()
    focused = _around(holder, undo)
    qtbot.keyClick(undo, Qt.Key.Key_Tab)
    assert not undo.hasFocus()
    _assert_clear_ring(focused, _around(holder, undo), undo)
    # the close button, a Tab stop of the bar, too
    close = bar.close_button
    assert close.hasFocus()
    focused = _around(holder, close)
    qtbot.keyClick(close, Qt.Key.Key_Tab)
    _assert_clear_ring(focused, _around(holder, close), close)


def test_the_corner_notice_undo_shows_keyboard_focus_clearly(qtbot, palette: QPalette) -> None:
    notice = NoticeWindow(takes_focus=True)
    qtbot.addWidget(notice)
    notice.present(NOTICE)
    with qtbot.waitActive(notice):
        notice.activateWindow()
    undo = notice.button("Undo")
    assert undo is not None
    notice.setFocus()
    unfocused = _around(notice, undo)
    qtbot.keyClick(notice, Qt.Key.Key_Tab)
    assert undo.hasFocus()
    _assert_clear_ring(_around(notice, undo), unfocused, undo)
