"""The history view: every journaled change set, newest first, with its diff and an Undo button.

Each change is said with the tools' names ("Opted out: Visual Studio Code"), not their ids; the newest change is
selected when it arrives (the one a person just made), otherwise the selection stays where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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

from tracklight.changes.changeset import Action
from tracklight.ui.change_dialog import DiffHighlighter, changeset_text
from tracklight.ui.signals import emit

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet
    from tracklight.changes.journal import JournalEntry

ID_ROLE = Qt.ItemDataRole.UserRole + 1
WHAT = 1  # the column that says what a change did
MAX_NAMES = 4


def _names(tool_ids: Sequence[str], name_of: Callable[[str], str]) -> str:
    names = [name_of(tool_id) for tool_id in tool_ids[:MAX_NAMES]]
    more = len(tool_ids) - MAX_NAMES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def change_words(changeset: ChangeSet, name_of: Callable[[str], str],
                 others: Mapping[str, ChangeSet] | None = None) -> str:
    """What one change did, with names: "Opted out: Visual Studio Code, Next.js; DO_NOT_TRACK=1", "Allowed again:
    Next.js", "Undid: Opted out: Next.js", "Opted out again automatically: …" (the journal's summary uses ids)."""
    names = _names(changeset.tool_ids, name_of)
    variables = "; ".join(f"{c.name}={c.new_value}" if c.new_value is not None else f"{c.name} unset"
                          for c in changeset.env if not c.tool_ids)  # DO_NOT_TRACK: a variable of no tool
    if changeset.action is Action.UNDO:
        reverted = (others or {}).get(changeset.reverts or "")
        if reverted is not None:
            return f"Undid: {change_words(reverted, name_of, others)}"
        return f"Undid a change to {names}" if names else "Undid a change"
    if changeset.action is Action.OPTIN:
        words = f"Allowed again: {names}"
    elif changeset.action is Action.OPTOUT:
        everything = any(c.name == "DO_NOT_TRACK" and not c.tool_ids for c in changeset.env)
        verb = ("Opted out again automatically" if changeset.automatic
                else "Opted out of everything" if everything else "Opted out")
        words = f"{verb}: {names}" if names else ""
    else:
        return changeset.summary
    words = "; ".join(part for part in (words, variables) if part) or changeset.summary
    if changeset.automatic:
        words += " (it had turned its telemetry back on; “Keep me opted out” is on)"
    return words


class HistoryPage(QWidget):
    """Lists change sets; `undo_requested(change id)` when the person asks to revert one."""

    undo_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, name_of: Callable[[str], str] = lambda tool_id: tool_id, parent: QWidget | None = None,
                 home: str = "") -> None:
        super().__init__(parent)
        self._home = home  # diffs name their files with ~, as the notices do
        self._name_of = name_of  # a tool's name from its id (the window's latest snapshot)
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
        """Redraw from the journal, newest first: a change that wasn't there before is selected (the one just
        made), else the selection stays on the change it was on."""
        current = self.selected_id()
        if entries and entries[0].id not in self._entries:
            current = entries[0].id
        self.tree.clear()
        self._entries = {e.id: e for e in entries}
        for entry in entries:
            changeset = entry.changeset
            when = changeset.created.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            status = entry.status.value
            undo = self._entries.get(entry.undone_by or "")
            if undo is not None:  # "undone at 02:57:13" (the undo is a row of its own, with its diff)
                status += f" at {undo.changeset.created.astimezone().strftime('%H:%M:%S')}"
            elif entry.undone_by:
                status += f" by {entry.undone_by}"
            item = QTreeWidgetItem([when, self._words(changeset), status, str(len(changeset.files))])
            item.setData(0, ID_ROLE, changeset.id)
            item.setToolTip(WHAT, f"change {changeset.id}: {changeset.summary}")
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

    def redraw_names(self) -> None:
        """The tools' names again (a new snapshot may name a tool the last one didn't), in place."""
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            entry = self._entries.get(str(item.data(0, ID_ROLE)))
            if entry is not None:
                item.setText(WHAT, self._words(entry.changeset))

    def _words(self, changeset: ChangeSet) -> str:
        return change_words(changeset, self._name_of, {i: e.changeset for i, e in self._entries.items()})

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def _selected(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        entry = self._entries.get(str(item.data(0, ID_ROLE))) if item is not None else None
        self.undo_button.setEnabled(entry is not None and entry.in_force)
        self.diff.setPlainText(changeset_text(entry.changeset, self._home) if entry is not None else "")

    def _undo(self) -> None:
        change_id = self.selected_id()
        if change_id:
            emit(self.undo_requested, change_id)
