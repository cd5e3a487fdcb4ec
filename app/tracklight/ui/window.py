"""The window: a searchable, sortable table of tools with a details pane, the change history, and the settings.

It draws from the snapshot it is given and asks for changes by signal; it never scans or writes itself.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracklight.core.model import ToolReport
from tracklight.ui.details import DetailsPane
from tracklight.ui.history import HistoryPage
from tracklight.ui.icons import app_icon
from tracklight.ui.settings_page import SettingsPage
from tracklight.ui.signals import emit
from tracklight.ui.snapshot import Snapshot
from tracklight.ui.tool_table import NAME, TIER, TOOL_ID_ROLE, ToolFilter, ToolTableModel

WINDOW_TITLE = "Tracklight"


class MainWindow(QMainWindow):
    """Tools | History | Settings. Signals carry the person's requests to the app."""

    optout_requested = Signal(object)  # ToolReport
    optin_requested = Signal(object)
    preview_requested = Signal(object)
    optout_everything_requested = Signal()
    rescan_requested = Signal()
    quit_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(app_icon())
        self.setAccessibleName("Tracklight")
        self.resize(1040, 640)
        self.quit_on_close = False  # True when there is no tray to come back to
        self._snapshot = Snapshot()
        self._busy = False

        central = QWidget()
        layout = QVBoxLayout(central)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet("#banner { background: #fff4d6; color: #3b2f00; border: 1px solid #e3c567;"
                                  " border-radius: 4px; padding: 8px; }")
        self.banner.setAccessibleName("Notice")
        self.banner.hide()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sections")
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.tabs.addTab(self._tools_page(), "&Tools")
        self.history = HistoryPage()
        self.tabs.addTab(self.history, "&History")
        self.settings = SettingsPage()
        self.tabs.addTab(self.settings, "&Settings")

        self.status = QLabel("")
        self.status.setAccessibleName("Status")
        self.statusBar().addWidget(self.status, 1)
        self.busy_label = QLabel("")
        self.statusBar().addPermanentWidget(self.busy_label)

        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self).activated.connect(self.rescan_requested)
        QShortcut(QKeySequence.StandardKey.Close, self, self.close)
        QShortcut(QKeySequence.StandardKey.Quit, self).activated.connect(self.quit_requested)

    # ------------------------------------------------------------ building

    def _tools_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search tools (Ctrl+F)")
        self.search.setAccessibleName("Search tools")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.search, 2)
        self.scope = QComboBox()
        self.scope.addItems(["Installed tools", "All known tools"])
        self.scope.setAccessibleName("Which tools to list")
        filters.addWidget(self.scope)
        self.tracking_only = QCheckBox("Tracking &only")
        self.tracking_only.setAccessibleName("Only tools that send telemetry now")
        filters.addWidget(self.tracking_only)
        filters.addStretch(1)
        self.optout_all_button = QPushButton("Opt out of &everything")
        self.optout_all_button.setAccessibleName("Opt out of everything")
        self.optout_all_button.setToolTip("Opt out every installed tool that sends telemetry, and set DO_NOT_TRACK=1")
        self.optout_all_button.clicked.connect(self.optout_everything_requested)
        filters.addWidget(self.optout_all_button)
        layout.addLayout(filters)

        self.model = ToolTableModel(self)
        self.proxy = ToolFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Tools")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TIER, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the details; arrows move inside
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.details = DetailsPane()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([440, 560])
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self.proxy.set_search)
        self.scope.currentIndexChanged.connect(lambda i: self.proxy.set_installed_only(i == 0))
        self.tracking_only.toggled.connect(self.proxy.set_tracking_only)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.proxy.layoutChanged.connect(self._refresh_details)
        self.proxy.modelReset.connect(self._refresh_details)
        self.details.optout_requested.connect(self.optout_requested)
        self.details.optin_requested.connect(self.optin_requested)
        self.details.preview_requested.connect(self.preview_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, lambda: self.search.clear())
        self.setTabOrder(self.search, self.scope)
        self.setTabOrder(self.scope, self.tracking_only)
        self.setTabOrder(self.tracking_only, self.optout_all_button)
        self.setTabOrder(self.optout_all_button, self.table)
        return page

    # ------------------------------------------------------------ drawing

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw from a new snapshot, keeping the selected tool selected."""
        selected = self.selected_id()
        self._snapshot = snapshot
        self.model.set_snapshot(snapshot)
        if selected is not None:
            self.select_tool(selected)
        elif self.proxy.rowCount() and self.isVisible():
            self.table.selectRow(0)
        self._refresh_details()
        installed = len(snapshot.installed)
        self.status.setText(f"{snapshot.headline()} · {installed} installed of {len(snapshot.reports)} known"
                            + (f" · {len(snapshot.problems)} problem(s) in manifests" if snapshot.problems else ""))
        # manifests too broken to name a tool belong to no row: their file:line problems are listed here
        self.status.setToolTip("\n".join(str(p) for p in snapshot.problems))
        self.optout_all_button.setEnabled(bool(snapshot.tracking) and not self._busy)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_label.setText("Writing…" if busy else "")
        self.optout_all_button.setEnabled(bool(self._snapshot.tracking) and not busy)
        self._refresh_details()

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def selected_id(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return str(index.siblingAtColumn(NAME).data(TOOL_ID_ROLE))

    def select_tool(self, tool_id: str) -> bool:
        """Select a tool's row (visible under the current filters); False when it is filtered out."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, NAME)
            if index.data(TOOL_ID_ROLE) == tool_id:
                self.table.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
                return True
        return False

    def selected_report(self) -> ToolReport | None:
        tool_id = self.selected_id()
        return self._snapshot.get(tool_id) if tool_id else None

    def _current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._refresh_details()

    def _refresh_details(self) -> None:
        self.details.show_report(self.selected_report(), busy=self._busy)

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def bring_to_front(self) -> None:
        """Show, un-minimise and raise (a second launch, a tray click)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        if self.selected_id() is None and self.proxy.rowCount():
            self.table.selectRow(0)
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        emit(self.closed)
        if self.quit_on_close:
            emit(self.quit_requested)
        super().closeEvent(event)
