"""Sorted by tier, the list falls into groups: a line marks where each tier's rows start (and only there)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from tracklight.ui.tool_table import NAME, SORT_ROLE, TIER

from .conftest import Desk


def _line_above(table, row: int) -> bool:
    """Whether the top pixel row of `row` is drawn in the palette's Mid colour across the name cell."""
    rect = table.visualRect(table.model().index(row, NAME))
    image = table.viewport().grab().toImage()
    mid = table.palette().color(QPalette.ColorRole.Mid).rgb()
    xs = range(rect.left() + 2, rect.right() - 2, 3)
    return all(image.pixelColor(x, rect.top()).rgb() == mid for x in xs)


def test_a_line_marks_where_each_tier_starts(qtbot, make_app, desk: Desk) -> None:
    desk.install("az", "go", "bun")  # full, aggregated: more than one tier
    app = make_app(show_window=True, watch=False)
    tools = app.window.tools
    table = tools.table
    qtbot.waitUntil(lambda: tools.proxy.rowCount() >= 4, timeout=5000)
    model = table.model()
    tiers = [model.index(row, TIER).data(SORT_ROLE) for row in range(model.rowCount())]
    starts = [row for row in range(1, len(tiers)) if tiers[row] != tiers[row - 1]]
    inside = [row for row in range(1, len(tiers)) if tiers[row] == tiers[row - 1]]
    assert starts and inside, tiers
    table.clearSelection()  # the highlight would paint over the first row's line
    assert all(_line_above(table, row) for row in starts)
    assert not any(_line_above(table, row) for row in inside)
    table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)  # sorted by name there are no groups to mark
    assert not any(_line_above(table, row) for row in range(1, model.rowCount()))
