"""The history view: every journaled change set, newest first, with its diff and an Undo button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracklight.ui.change_dialog import DiffHighlighter, changeset_text
from tracklight.ui.signals import emit

if TYPE_CHECKING:
    from tracklight.changes.journal import JournalEntry

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class HistoryPage(QWidget):
    """Lists change sets; `undo_requested(change id)` when the person asks to revert one."""

    undo_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[str, JournalEntry] = {}
        layout = QVBoxLayout(self)
        self.intro = QLabel("Every change Tracklight made, newest first. Undo puts each file back byte for byte; "
                            "it refuses if the file was changed since.")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["When", "What", "Status", "Files"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Change history")
        self.tree.setSortingEnabled(False)
        self.tree.currentItemChanged.connect(self._selected)
        splitter.addWidget(self.tree)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff.setAccessibleName("What this change wrote")
        self.highlighter = DiffHighlighter(self.diff.document())
        splitter.addWidget(self.diff)
        splitter.setSizes([240, 200])
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.undo_button = QPushButton("Undo this &change")  # Alt+U is the message bar's Undo
        self.undo_button.setAccessibleName("Undo the selected change")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(lambda: emit(self.refresh_requested))
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)

    def set_history(self, entries: Sequence[JournalEntry]) -> None:
        current = self.selected_id()
        self.tree.clear()
        self._entries = {e.id: e for e in entries}
        for entry in entries:
            changeset = entry.changeset
            when = changeset.created.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            status = entry.status.value + (f" by {entry.undone_by}" if entry.undone_by else "")
            item = QTreeWidgetItem([when, changeset.summary, status, str(len(changeset.files))])
            item.setData(0, ID_ROLE, changeset.id)
            item.setToolTip(1, f"change {changeset.id}")
            self.tree.addTopLevelItem(item)
            if changeset.id == current:
                self.tree.setCurrentItem(item)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        if not entries:
            self.diff.setPlainText("No changes yet.")
            self.undo_button.setEnabled(False)

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def _selected(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        entry = self._entries.get(str(item.data(0, ID_ROLE))) if item is not None else None
        self.undo_button.setEnabled(entry is not None and entry.in_force)
        self.diff.setPlainText(changeset_text(entry.changeset) if entry is not None else "")

    def _undo(self) -> None:
        change_id = self.selected_id()
        if change_id:
            emit(self.undo_requested, change_id)
