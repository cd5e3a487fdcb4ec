"""The window: the Tools tab (tools_page.py), the change history and the settings, a banner and a status line.

It draws what it is given and asks for changes by signal; it never scans or writes itself. The app talks to it
through the methods below, not by reaching into its widgets.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from tracklight.ui.history import HistoryPage
from tracklight.ui.icons import app_icon
from tracklight.ui.last_watched import LastWatched
from tracklight.ui.message_bar import MessageBar
from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel
from tracklight.ui.screen_fit import resize_to_fit
from tracklight.ui.settings import Settings
from tracklight.ui.settings_page import SettingsPage
from tracklight.ui.signals import emit
from tracklight.ui.snapshot import Snapshot
from tracklight.ui.tools_page import ToolsPage
from tracklight.ui.words import short_path

if TYPE_CHECKING:
    from tracklight.changes.journal import JournalEntry

WINDOW_TITLE = "Tracklight"
TOOLS_TAB, HISTORY_TAB, SETTINGS_TAB = range(3)


class MainWindow(QMainWindow):
    """Tools | History | Settings. Signals carry the person's requests to the app."""

    optout_requested = Signal(object)  # ToolReport
    optin_requested = Signal(object)
    preview_requested = Signal(object)
    optout_everything_requested = Signal()
    undo_requested = Signal(str)  # a change id
    undo_last_requested = Signal()  # Ctrl+Z: the newest change still in force
    history_requested = Signal()
    settings_changed = Signal(object)  # Settings
    autostart_changed = Signal(bool)
    open_file_requested = Signal(str)  # a file that can't be read, to fix
    rescan_requested = Signal()
    quit_requested = Signal()
    closed = Signal()

    def __init__(self, home: str = "", parent: QWidget | None = None, last_watched: LastWatched | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(app_icon())
        self.setAccessibleName("Tracklight")
        resize_to_fit(self, 1040, 640)
        self.quit_on_close = False  # True when there is no tray to come back to
        self._snapshot = Snapshot()

        central = QWidget()
        layout = QVBoxLayout(central)
        self.banner = MessageBar("banner")  # the welcome or no-tray note
        self.banner.setAccessibleName("Note")
        layout.addWidget(self.banner)
        self.message_bar = MessageBar("messageBar")  # the last change, with its Undo; an error, with its file
        layout.addWidget(self.message_bar)
        self.problems_bar = MessageBar("problemsBar")  # manifests too broken to name a tool: shown, not hidden
        self.problems_bar.setAccessibleName("Problems")
        layout.addWidget(self.problems_bar)
        self._problems_shown: tuple[str, ...] = ()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sections")
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._home = home
        self.tools = ToolsPage(home, last_watched=last_watched)
        self.tabs.addTab(self.tools, "&Tools")
        self.history = HistoryPage(self._name_of, home=home)
        self.tabs.addTab(self.history, "&History")
        self.settings = SettingsPage()
        self.tabs.addTab(self.settings, "&Settings")
        for source, target in (
            (self.tools.optout_requested, self.optout_requested),
            (self.tools.optin_requested, self.optin_requested),
            (self.tools.preview_requested, self.preview_requested),
            (self.tools.optout_everything_requested, self.optout_everything_requested),
            (self.tools.open_file_requested, self.open_file_requested),
            (self.history.undo_requested, self.undo_requested),
            (self.history.refresh_requested, self.history_requested),
            (self.settings.settings_changed, self.settings_changed),
            (self.settings.autostart_changed, self.autostart_changed),
        ):
            source.connect(target)

        self.status = QLabel("")
        self.status.setAccessibleName("Status")
        self.statusBar().addWidget(self.status, 1)
        self.busy_label = QLabel("")
        self.statusBar().addPermanentWidget(self.busy_label)

        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self).activated.connect(self.rescan_requested)
        QShortcut(QKeySequence.StandardKey.Undo, self).activated.connect(self.undo_last_requested)
        QShortcut(QKeySequence.StandardKey.Close, self, self.close)
        QShortcut(QKeySequence.StandardKey.Quit, self).activated.connect(self.quit_requested)

    # ------------------------------------------------------------ what the app tells it

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw from a new snapshot, keeping the selected tool selected."""
        self._snapshot = snapshot
        self.tools.show_snapshot(snapshot)
        self.history.redraw_names()
        installed = len(snapshot.installed)
        self.status.setText(f"{snapshot.headline()} · {installed} installed of {len(snapshot.reports)} known")
        self._show_problems(snapshot)

    def _show_problems(self, snapshot: Snapshot) -> None:
        """Problems that belong to no tool (a manifest too broken to name one, an invalid policy): in a bar above
        the tabs, each with its file and line, and a button to open the first file. Closed, it stays closed until
        the problems change."""
        texts = tuple(str(p) for p in snapshot.problems)
        if texts == self._problems_shown:
            return
        self._problems_shown = texts
        if not texts:
            self.problems_bar.hide()
            return
        count = len(texts)
        lines = [short_path(p.path, self._home) + (f", line {p.line}" if p.line else "") + f": {p.message}"
                 if p.path else p.message for p in snapshot.problems]
        shown = lines[:3] + ([f"and {count - 3} more"] if count > 3 else [])
        first = next((p.path for p in snapshot.problems if p.path), None)
        actions: tuple[NoticeAction, ...] = ()
        if first is not None:
            path = first
            actions = (NoticeAction(f"Open {os.path.basename(path)}", lambda: emit(self.open_file_requested, path)),)
        self.problems_bar.show_notice(Notice(
            f"{count} problem{'s' if count != 1 else ''} found while reading what tools declare",
            "\n".join(shown), actions, NoticeLevel.WARNING))

    def set_busy(self, busy: bool) -> None:
        self.busy_label.setText("Writing…" if busy else "")
        self.tools.set_busy(busy)

    def show_banner(self, text: str) -> None:
        if text:
            self.banner.show_notice(Notice("", text))
        else:
            self.banner.hide()

    def show_message(self, notice: Notice) -> None:
        """The message bar: a change with its Undo, an error with its file (replaces the one before)."""
        self.message_bar.show_notice(notice)

    def clear_message(self) -> None:
        self.message_bar.hide()

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def show_history(self, entries: Sequence[JournalEntry]) -> None:
        from tracklight.changes.before_optout import values_before_optout

        self.history.set_history(entries)
        self.tools.details.set_values_before_optout(values_before_optout(entries))

    def show_settings(self, settings: Settings, autostart: bool) -> None:
        self.settings.show_settings(settings, autostart)

    def show_autostart_status(self, text: str) -> None:
        self.settings.status.setText(text)

    def show_tool(self, tool_id: str) -> bool:
        """The Tools tab with this tool selected (the filters widened when they hide it)."""
        self.tabs.setCurrentIndex(TOOLS_TAB)
        return self.tools.reveal_tool(tool_id)

    def selected_id(self) -> str | None:
        return self.tools.selected_id()

    def select_tool(self, tool_id: str) -> bool:
        return self.tools.select_tool(tool_id)

    def bring_to_front(self) -> None:
        """Show, un-minimise and raise (a second launch, a tray click)."""
        if self.isMinimized():
            self.showNormal()
        first = not self.isVisible() and self.focusWidget() is None
        self.show()
        self.tools.select_first_if_none()
        if first:
            self.tools.table.setFocus()  # the arrows move in the list at once; Tab goes on to the details
        self.raise_()
        self.activateWindow()

    # ------------------------------------------------------------ events

    def _name_of(self, tool_id: str) -> str:
        report = self._snapshot.get(tool_id)
        return report.tool.name if report is not None else tool_id

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(TOOLS_TAB)
        self.tools.focus_search()

    def closeEvent(self, event: QCloseEvent) -> None:
        emit(self.closed)
        if self.quit_on_close:
            emit(self.quit_requested)
        else:
            self.banner.hide()  # "you can close this window" was read and done: not said again on reopening
        super().closeEvent(event)
