"""The notice window: a title, a sentence or two, its buttons and a close button, in the corner of the screen.

It goes away by itself after a while (a single-shot timer that runs only while it is shown) or when a button is
pressed. It does not take the keyboard focus from what the person is doing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tracklight.ui.notice import Notice

SHOW_MS = 15000


class NoticeWindow(QFrame):
    """One notice: a title, a sentence or two, its buttons and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setObjectName("notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Tracklight notice")
        self.setStyleSheet(
            "#notice { background: palette(window); border: 1px solid palette(mid); border-radius: 6px; }"
        )
        self.setFixedWidth(360)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        top = QHBoxLayout()
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
        self.close_button.setToolTip("Close")
        self.close_button.clicked.connect(self.hide)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        layout.addLayout(self.buttons)
        self.action_buttons: list[QPushButton] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.hide)

    def present(self, notice: Notice, show_ms: int = SHOW_MS) -> None:
        self.title.setText(notice.title)
        self.body.setText(notice.body)
        self.setAccessibleDescription(f"{notice.title}. {notice.body}")
        for button in self.action_buttons:
            self.buttons.removeWidget(button)
            button.deleteLater()
        self.action_buttons = []
        for action in notice.actions:
            button = QPushButton(action.label)
            button.setAccessibleName(action.label)
            button.clicked.connect(lambda _checked=False, cb=action.callback: self._press(cb))
            self.buttons.addWidget(button)
            self.action_buttons.append(button)
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self._timer.start(show_ms)

    def button(self, label: str) -> QPushButton | None:
        """The action button with this label (tests and keyboard shortcuts)."""
        return next((b for b in self.action_buttons if b.text() == label), None)

    def hideEvent(self, event: object) -> None:
        self._timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    def _press(self, callback: Callable[[], None]) -> None:
        self.hide()
        callback()

    def _place(self) -> None:
        screen = QGuiApplication.primaryScreen()
        area: QRect = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)
        margin = 12
        size = self.sizeHint()
        self.move(QPoint(area.right() - size.width() - margin, area.bottom() - size.height() - margin))
