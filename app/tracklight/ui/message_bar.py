"""The window's message bar (as KeePassXC shows one): the last change with its Undo, an error with its file.

It sits above the tabs, in the Tab order, and stays until closed or replaced. Its colours follow the palette in
force (notice_parts.level_style), so it reads on a dark theme as on a light one. The window's welcome and no-tray
notes use the same bar.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from tracklight.ui.notice import Notice, NoticeLevel
from tracklight.ui.notice_parts import (
    LEVEL_WORDS,
    action_button,
    button_label,
    level_icon,
    level_style,
    mnemonic_of,
)
from tracklight.ui.signals import emit


class MessageBar(QFrame):
    """Shows one Notice in the window; `closed` when the person closes it."""

    closed = Signal()

    def __init__(self, name: str = "messageBar", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Message")
        self.level = NoticeLevel.INFO
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        self.icon = QLabel()
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        text.addWidget(self.title)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.body)
        row.addLayout(text, 1)
        self.buttons = QHBoxLayout()
        row.addLayout(self.buttons)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setAccessibleName("Close message")
        self.close_button.setToolTip("Close")
        self.close_button.clicked.connect(self.dismiss)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.action_buttons: list[QPushButton] = []
        self.hide()

    def show_notice(self, notice: Notice) -> None:
        self.level = notice.level
        self.setStyleSheet(level_style(f"#{self.objectName()}", notice.level, QApplication.palette()))
        self.icon.setPixmap(level_icon(notice.level, self).pixmap(18, 18))
        self.title.setText(notice.title)
        self.title.setVisible(bool(notice.title))
        self.body.setText(notice.body)
        self.body.setVisible(bool(notice.body))
        self.setAccessibleDescription(f"{LEVEL_WORDS[notice.level]}: {notice.title}. {notice.body}")
        for button in self.action_buttons:
            self.buttons.removeWidget(button)
            button.deleteLater()
        taken = self._window_mnemonics()
        self.action_buttons = []
        for action in notice.actions:
            button = action_button(action, self._press, taken)
            taken.add(mnemonic_of(button.text()) or "")
            self.action_buttons.append(button)
        for button in self.action_buttons:
            self.buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.show()

    def _window_mnemonics(self) -> set[str]:
        """The Alt+keys the rest of the window already uses (its tabs and buttons): the bar's buttons avoid them."""
        window = self.window()
        taken: set[str] = set()
        if window is self:
            return taken
        for button in window.findChildren(QAbstractButton):
            if button not in self.action_buttons and not self.isAncestorOf(button):
                taken.add(mnemonic_of(button.text()) or "")
        for tabs in window.findChildren(QTabBar):
            taken.update(mnemonic_of(tabs.tabText(i)) or "" for i in range(tabs.count()))
        return taken

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self.action_buttons if button_label(b) == label), None)

    def dismiss(self) -> None:
        self.hide()
        emit(self.closed)

    def _press(self, callback: Callable[[], None]) -> None:
        self.hide()
        callback()
