"""The window's table of tools: a model over the snapshot, and a proxy that sorts, searches and filters it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QGuiApplication, QPalette

from tracklight.core.assurance import summarize
from tracklight.core.model import State, ToolReport
from tracklight.ui.icons import lock_icon, tray_icon
from tracklight.ui.signals import emit
from tracklight.ui.snapshot import TIER_WORDS, Snapshot

COLUMNS = ("Name", "Tier", "State", "Default", "Source")
NAME, TIER, STATE, DEFAULT, SOURCE = range(len(COLUMNS))

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TOOL_ID_ROLE = Qt.ItemDataRole.UserRole + 2

_STATE_TEXT = {State.ON: "sends", State.OFF: "off", State.LOCAL: "local only", State.UNKNOWN: "unknown"}
_STATE_ORDER = {State.ON: 0, State.UNKNOWN: 1, State.LOCAL: 2, State.OFF: 3}

Index = QModelIndex | QPersistentModelIndex


def tier_text(report: ToolReport) -> str:
    """The tier, and the catalog's when the tool's own manifest says something else."""
    text = report.tool.telemetry.tier.value
    if report.conflict is not None:
        text = f"{report.conflict.manifest_tier.value} (catalog: {report.conflict.catalog_tier.value})"
    return text


def state_text(report: ToolReport) -> str:
    """What is in force; a tool that is not installed sends nothing, whatever its settings would say."""
    if not report.installed:
        return "not installed"
    if report.partly_off:
        return "partly off"  # what can be switched is off; senders without a switch go on (details say which)
    return _STATE_TEXT[report.state]


def _state_order(report: ToolReport) -> int:
    return _STATE_ORDER[report.state] if report.installed else len(_STATE_ORDER)


class ToolTableModel(QAbstractTableModel):
    """Rows are the snapshot's reports; redrawn whole from each new snapshot."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reports: tuple[ToolReport, ...] = ()
        # not installed: the palette's disabled text, read when drawn (a dark theme set later is honoured too)
        self._dim_role = (QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw from a snapshot: in place when the same tools are listed (selection and scroll stay put)."""
        if [r.id for r in snapshot.reports] == [r.id for r in self._reports] and self._reports:
            self._reports = snapshot.reports
            emit(self.dataChanged, self.index(0, 0), self.index(len(self._reports) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._reports = snapshot.reports
        self.endResetModel()

    def report(self, row: int) -> ToolReport:
        return self._reports[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt default argument
        return 0 if parent.isValid() else len(self._reports)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        report = self._reports[index.row()]
        column = index.column()
        telemetry = report.tool.telemetry
        if role == TOOL_ID_ROLE:
            return report.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (report.tool.name, tier_text(report), state_text(report), telemetry.default.value,
                    report.tool.source.value)[column]
        if role == SORT_ROLE:
            if column == TIER:
                return telemetry.tier.rank
            if column == STATE:
                return _state_order(report)
            return str(self.data(index)).casefold()
        if role == Qt.ItemDataRole.DecorationRole:
            if column == NAME and report.locked:
                return lock_icon()
            if column == TIER:
                return tray_icon(telemetry.tier)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TIER:
                return f"{telemetry.tier.value}: {TIER_WORDS[telemetry.tier]}"
            if column == NAME:  # the whole name (the cell elides long ones in the middle), and what is special
                notes = [n for n, on in (("locked by your organisation's policy", report.locked),
                                         ("not installed on this computer", not report.installed)) if on]
                return report.tool.name + (f" — {', '.join(notes)}" if notes else "")
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = str(self.data(index))
            if column == NAME and report.locked:
                text += ", locked"
            return text
        if role == Qt.ItemDataRole.ForegroundRole and not report.installed:
            return QGuiApplication.palette().brush(*self._dim_role)
        return None


class ToolFilter(QSortFilterProxyModel):
    """Search (name, id, vendor) and three filters: installed only, tracking only, opt-out proven by a run."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._search = ""
        self.installed_only = True
        self.tracking_only = False
        self.proven_only = False
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        self._refilter("_search", text.strip().casefold())

    def set_installed_only(self, value: bool) -> None:
        self._refilter("installed_only", value)

    def set_tracking_only(self, value: bool) -> None:
        self._refilter("tracking_only", value)

    def set_proven_only(self, value: bool) -> None:
        """Only tools whose opt-out a run of the real tool proved (core.assurance: a failed run proves nothing)."""
        self._refilter("proven_only", value)

    def _refilter(self, name: str, value: object) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt before 6.10
            setattr(self, name, value)
            self.invalidateFilter()
            return
        self.beginFilterChange()
        setattr(self, name, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ToolTableModel)
        report = model.report(source_row)
        if self.installed_only and not report.installed:
            return False
        if self.tracking_only and not report.tracking:
            return False
        if self.proven_only and not summarize(report.tool).opt_out_proven:
            return False
        if self._search:
            tool = report.tool
            haystack = f"{tool.name}\n{tool.id}\n{tool.vendor}\n{tool.category}".casefold()
            return self._search in haystack
        return True
