"""The Tools tab: search and filters, the table of tools, and the details of the chosen one.

It draws from the snapshot it is given and asks for changes by signal; the window forwards them to the app.
"""

from __future__ import annotations

import os

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tracklight.core.model import Tier, ToolReport
from tracklight.ui.details import DetailsPane
from tracklight.ui.last_watched import LastWatched
from tracklight.ui.snapshot import TIER_WORDS, Snapshot
from tracklight.ui.tool_table import NAME, SORT_ROLE, TIER, TOOL_ID_ROLE, ToolFilter, ToolTableModel

INSTALLED, ALL_KNOWN = range(2)  # the scope box's entries


class SearchField(QLineEdit):
    """The search box. Ctrl+Z undoes its typing while there is typing to undo; otherwise it is the window's Undo
    (the last change), not an empty undo of the box: after a change the keyboard often rests here."""

    def event(self, event: QEvent) -> bool:
        if (event.type() is QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Undo) and not self.isUndoAvailable()):
            event.ignore()  # not claimed: the window's Ctrl+Z shortcut gets it
            return True
        return super().event(event)


class TierGroupDelegate(QStyledItemDelegate):
    """Sorted by tier, the rows fall into groups: a line above the first row of each tier marks where one starts."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
              ) -> None:
        super().paint(painter, option, index)
        view = self.parent()
        if not isinstance(view, QTableView) or index.row() == 0:
            return
        if view.horizontalHeader().sortIndicatorSection() != TIER:
            return
        above = index.sibling(index.row() - 1, TIER)
        if above.data(SORT_ROLE) != index.sibling(index.row(), TIER).data(SORT_ROLE):
            painter.save()
            painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(option.rect.topLeft(), option.rect.topRight())
            painter.restore()


def tier_legend_html() -> str:
    """One line per tier, least to most revealing, with the icon the table and the tray use for it."""
    from html import escape

    from tracklight.resources import icons_dir
    from tracklight.ui.icons import TRAY_ICON_FILES

    parts = []
    for tier in sorted(Tier, key=lambda t: t.rank):
        icon = os.path.join(str(icons_dir()), TRAY_ICON_FILES[tier.value])
        parts.append(f'<img src="{escape(icon, quote=True)}" width="14" height="14"> <b>{tier.value}</b>: '
                     f"{escape(TIER_WORDS[tier], quote=False)}")
    return "<small>Tiers, least to most revealing: " + " · ".join(parts) + "</small>"


class ToolsPage(QWidget):
    """Search, filters, the table and the details pane. Signals carry the person's requests."""

    optout_requested = Signal(object)  # ToolReport
    optin_requested = Signal(object)
    preview_requested = Signal(object)
    optout_everything_requested = Signal()
    open_file_requested = Signal(str)

    def __init__(self, home: str = "", parent: QWidget | None = None, last_watched: LastWatched | None = None
                 ) -> None:
        super().__init__(parent)
        self._snapshot = Snapshot()
        self._busy = False
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.search = SearchField()
        self.search.setPlaceholderText("Search tools (Ctrl+F)")
        self.search.setAccessibleName("Search tools")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.search, 2)
        self.scope = QComboBox()
        self.scope.addItems(["Installed tools", "All known tools"])
        self.scope.setAccessibleName("Which tools to list")
        filters.addWidget(self.scope)
        self.tracking_only = QCheckBox("Trac&king only")  # Alt+O is "Opt out"
        self.tracking_only.setAccessibleName("Only tools that send telemetry now")
        filters.addWidget(self.tracking_only)
        self.proven_only = QCheckBox("Opt-out pro&ven")  # Alt+P: the message bar's "O&pt out again"
        self.proven_only.setAccessibleName("Only tools whose opt-out was proven by running the real tool")
        self.proven_only.setToolTip("Only tools whose opt-out was proven by running the real tool: telemetry on "
                                    "before, off after Tracklight's opt-out, on again after Undo")
        filters.addWidget(self.proven_only)
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
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)  # compact: ~24 rows on a laptop screen
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "Visual Studio … Insiders": both ends stay
        self.table.setItemDelegate(TierGroupDelegate(self.table))
        self.empty = QLabel()  # said when no row is left: an empty table says nothing
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.hide()
        over_rows = QVBoxLayout(self.table.viewport())  # a layout keeps it centred over the rows as they resize
        over_rows.addWidget(self.empty)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.details = DetailsPane(home, last_watched=last_watched)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        # Half each: on a 1024-pixel screen a narrower list cut "Visual Studio Code" to "Visual…o Code".
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 500])
        layout.addWidget(splitter, 1)
        self.legend = QLabel(tier_legend_html())
        self.legend.setWordWrap(True)
        self.legend.setAccessibleName("What the tiers mean")
        layout.addWidget(self.legend)

        self._chosen: str | None = None  # the tool last chosen, kept while a search or filter hides it
        self.search.textChanged.connect(self.proxy.set_search)
        self.scope.currentIndexChanged.connect(lambda i: self.proxy.set_installed_only(i == INSTALLED))
        self.tracking_only.toggled.connect(self.proxy.set_tracking_only)
        self.proven_only.toggled.connect(self.proxy.set_proven_only)
        for changed in (self.search.textChanged, self.scope.currentIndexChanged, self.tracking_only.toggled,
                        self.proven_only.toggled):
            changed.connect(lambda *_args: self._show_empty_state())  # after the filter: its words follow them
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        for signal in (self.proxy.layoutChanged, self.proxy.modelReset, self.proxy.rowsInserted,
                       self.proxy.rowsRemoved):
            signal.connect(self._rows_changed)
        self.details.optout_requested.connect(self.optout_requested)
        self.details.optin_requested.connect(self.optin_requested)
        self.details.preview_requested.connect(self.preview_requested)
        self.details.open_file_requested.connect(self.open_file_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, lambda: self.search.clear())
        self.setTabOrder(self.search, self.scope)
        self.setTabOrder(self.scope, self.tracking_only)
        self.setTabOrder(self.tracking_only, self.proven_only)
        self.setTabOrder(self.proven_only, self.optout_all_button)
        self.setTabOrder(self.optout_all_button, self.table)

    # ------------------------------------------------------------ drawing

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw from a new snapshot, keeping the selected tool selected."""
        selected = self.selected_id() or self._chosen
        self._snapshot = snapshot
        self.model.set_snapshot(snapshot)
        if selected is not None:
            self.select_tool(selected)
        elif self.proxy.rowCount() and self.isVisible():
            self.table.selectRow(0)
        self._show_empty_state()
        self._refresh_details()
        self._update_everything_button()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_everything_button()
        self._refresh_details()

    def select_first_if_none(self) -> None:
        if self.selected_id() is None and self.proxy.rowCount():
            self.table.selectRow(0)

    def selected_id(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return str(index.siblingAtColumn(NAME).data(TOOL_ID_ROLE))

    def selected_report(self) -> ToolReport | None:
        tool_id = self.selected_id() or self._chosen
        return self._snapshot.get(tool_id) if tool_id else None

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

    def reveal_tool(self, tool_id: str) -> bool:
        """Select a tool, widening the filters (all known tools, no search) when they hide it."""
        if self.select_tool(tool_id):
            return True
        self.scope.setCurrentIndex(ALL_KNOWN)
        self.tracking_only.setChecked(False)
        self.proven_only.setChecked(False)
        self.search.clear()
        return self.select_tool(tool_id)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _update_everything_button(self) -> None:
        self.optout_all_button.setEnabled(bool(self._snapshot.tracking) and not self._busy)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._chosen = str(current.siblingAtColumn(NAME).data(TOOL_ID_ROLE))
        self._refresh_details()

    def _rows_changed(self, *_args: object) -> None:
        """After a search or filter: the chosen tool selected again as soon as it is listed; the empty state."""
        if self.selected_id() is None and self._chosen is not None:
            self.select_tool(self._chosen)
        self._show_empty_state()
        self._refresh_details()

    def _show_empty_state(self) -> None:
        if self.proxy.rowCount():
            self.empty.hide()
            return
        search = self.search.text().strip()
        proven = " whose opt-out is proven" if self.proven_only.isChecked() else ""
        if search:
            text = f"No tool{proven} matches “{search}”.\nEsc clears the search."
        elif self.tracking_only.isChecked():
            text = f"No installed tool{proven} sends telemetry now."
        elif proven:
            text = "No listed tool has an opt-out proven by running it.\n“All known tools” lists more."
        elif self.scope.currentIndex() == INSTALLED and self._snapshot.scanned:
            text = "None of the tools Tracklight knows is installed here.\n“All known tools” lists them."
        else:
            text = "Looking for installed tools…" if not self._snapshot.scanned else "No tools."
        self.empty.setText(text)
        self.empty.show()

    def _refresh_details(self) -> None:
        self.details.show_report(self.selected_report(), busy=self._busy)
