"""The corner notice: an icon, a title, a sentence or two, its buttons and a close button.

It is placed from its real size, inside the available area of the screen that holds the tray icon, in the corner
nearest the icon. It stays until it is dismissed (a button, the close button, Esc) or replaced by the next notice.
A notice that answers the person's own click takes the keyboard (Tab reaches Undo, Alt+U presses it, Esc closes);
one nobody asked for (a tool turned itself back on) never takes it from what the person is doing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tracklight.ui.notice import Notice, NoticeLevel
from tracklight.ui.notice_parts import LEVEL_WORDS, action_button, button_label, level_icon, level_style

WIDTH = 380
MARGIN = 12
_BASE_FLAGS = Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint


class NoticeWindow(QFrame):
    """One notice at a time; `present` replaces what it showed. Whether it may take the keyboard is fixed when it
    is made (changing a shown window's flags makes Qt rebuild its native window): notifications.Notifier keeps one
    of each kind."""

    def __init__(self, takes_focus: bool = False, parent: QWidget | None = None) -> None:
        flags = _BASE_FLAGS if takes_focus else _BASE_FLAGS | Qt.WindowType.WindowDoesNotAcceptFocus
        super().__init__(parent, flags)
        self.takes_focus = takes_focus
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, not takes_focus)
        self.setObjectName("notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Tracklight notice")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # takes the keyboard itself; Tab goes on to the buttons
        self.setFixedWidth(WIDTH)
        self.level = NoticeLevel.INFO
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 10, 12)
        top = QHBoxLayout()
        self.icon = QLabel()
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)  # on one line with the title
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        top.addWidget(self.title, 1)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setAccessibleName("Close notice")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Esc does it from the keyboard
        self.close_button.clicked.connect(self.hide)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(top)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        layout.addLayout(self.buttons)
        self.action_buttons: list[QPushButton] = []
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.hide)

    def present(self, notice: Notice, anchor: QRect | None = None) -> None:
        """Show a notice (in the corner nearest `anchor`, the tray icon's geometry, when given)."""
        self.level = notice.level
        self.setStyleSheet(level_style("#notice", notice.level, QApplication.palette()))
        self.icon.setPixmap(level_icon(notice.level, self).pixmap(20, 20))
        self.title.setText(notice.title)
        self.body.setText(notice.body)
        self.setAccessibleDescription(f"{LEVEL_WORDS[notice.level]}: {notice.title}. {notice.body}")
        for button in self.action_buttons:
            self.buttons.removeWidget(button)
            button.deleteLater()
        self.action_buttons = []
        for action in notice.actions:
            button = action_button(action, self._press)
            self.buttons.addWidget(button)
            self.action_buttons.append(button)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.adjustSize()
        self._place(anchor)
        self.show()
        self.raise_()
        if self.takes_focus:
            self.activateWindow()
            self.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def button(self, label: str) -> QPushButton | None:
        """The action button with this label (tests and keyboard shortcuts)."""
        return next((b for b in self.action_buttons if button_label(b) == label), None)

    def _press(self, callback: Callable[[], None]) -> None:
        self.hide()
        callback()

    def _place(self, anchor: QRect | None) -> None:
        """Inside the available area, in the corner nearest the tray icon (bottom right without one)."""
        screen = QGuiApplication.screenAt(anchor.center()) if anchor is not None and anchor.isValid() else None
        screen = screen or QGuiApplication.primaryScreen()
        area: QRect = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)
        size = self.frameGeometry().size()  # the real size, frame included (not a size hint)
        near = anchor.center() if anchor is not None and anchor.isValid() else area.bottomRight()
        left = near.x() < area.center().x()
        top = near.y() < area.center().y()
        x = area.left() + MARGIN if left else area.right() + 1 - MARGIN - size.width()
        y = area.top() + MARGIN if top else area.bottom() + 1 - MARGIN - size.height()
        if anchor is not None and anchor.isValid() and QRect(QPoint(x, y), size).intersects(anchor):
            # a tray drawn inside the free area (a panel the window manager doesn't reserve): keep the icon in view
            y = anchor.bottom() + 1 + MARGIN if top else anchor.top() - MARGIN - size.height()
        # never past the area's top left edge (the presenter keeps the wording short enough to fit)
        x = max(area.left(), min(x, area.right() + 1 - size.width()))
        y = max(area.top(), min(y, area.bottom() + 1 - size.height()))
        self.move(QPoint(x, y))
