"""The window: the table, search and filters, the details pane, "Show what will change", history, settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tracklight.core.model import State
from tracklight.ui.tool_table import NAME, TIER, TOOL_ID_ROLE

from .conftest import NEXT_CONFIG, Desk


def _visible_ids(window) -> list[str]:
    return [window.tools.proxy.index(r, NAME).data(TOOL_ID_ROLE) for r in range(window.tools.proxy.rowCount())]


def test_table_lists_installed_tools_and_filters(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    window = app.window
    result = desk.scan()
    assert sorted(_visible_ids(window)) == sorted(r.id for r in result.reports if r.installed)
    window.tools.scope.setCurrentIndex(1)  # all known tools
    assert len(_visible_ids(window)) == len(result.reports)
    window.tools.tracking_only.setChecked(True)
    assert sorted(_visible_ids(window)) == sorted(r.id for r in result.reports if r.tracking)
    window.tools.tracking_only.setChecked(False)
    qtbot.keyClicks(window.tools.search, "next")
    assert _visible_ids(window) == ["nextjs"]
    window.tools.search.clear()


def test_table_sorts_by_tier_and_name(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    window = app.window
    window.tools.scope.setCurrentIndex(1)
    window.tools.table.sortByColumn(TIER, Qt.SortOrder.DescendingOrder)
    ranks = [app.scanner.snapshot.get(i).tool.telemetry.tier.rank for i in _visible_ids(window)]
    assert ranks == sorted(ranks, reverse=True)
    window.tools.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    names = [app.scanner.snapshot.get(i).tool.name.casefold() for i in _visible_ids(window)]
    assert names == sorted(names)


def test_details_show_disclosure_and_evidence_and_opt_out(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    window = app.window
    assert window.select_tool("nextjs")
    details = window.tools.details
    html = details.text.toPlainText()
    report = app.scanner.snapshot.get("nextjs")
    assert report.tool.privacy_policy in html
    assert report.tool.telemetry.collects[0] in html
    assert "~/.config/nextjs-nodejs/config.json" in html  # the evidence names the file (home written as ~)
    # the answer comes first: is it sending, and which setting says so
    assert details.state.text().startswith("Sends telemetry now")
    assert details.why.text() == "~/.config/nextjs-nodejs/config.json sets telemetry.enabled to true, which means on."
    assert details.optout_button.isEnabled() and not details.optin_button.isEnabled()
    qtbot.mouseClick(details.optout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=5000)
    qtbot.waitUntil(lambda: window.tools.details.optin_button.isEnabled(), timeout=3000)
    assert window.selected_id() == "nextjs"


def test_show_what_will_change_shows_the_diff_before_writing(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    window = app.window
    window.select_tool("nextjs")
    qtbot.mouseClick(window.tools.details.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=5000)
    dialog = app.last_dialog
    diff = dialog.diff.toPlainText()
    assert '-    "enabled": true' in diff and '+    "enabled": false' in diff
    assert desk.next_config.read_bytes() == NEXT_CONFIG  # nothing written yet
    dialog.done(QDialog.DialogCode.Accepted)
    qtbot.waitUntil(lambda: b'"enabled": false' in desk.next_config.read_bytes(), timeout=5000)


def test_cancelling_the_diff_writes_nothing(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    app.window.select_tool("vscode")
    app.window.tools.details.preview_button.click()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=5000)
    before = desk.vscode_settings.read_bytes()
    app.last_dialog.reject()
    qtbot.wait(200)
    assert desk.vscode_settings.read_bytes() == before
    assert app.runner.busy is False


def test_history_view_lists_changes_and_undoes_one(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    app.window.select_tool("nextjs")
    app.window.tools.details.optout_button.click()
    qtbot.waitUntil(lambda: len(app.history) == 1, timeout=5000)
    history = app.window.history
    assert history.tree.topLevelItemCount() == 1
    assert history.tree.topLevelItem(0).text(1) == "Opted out: Next.js"
    assert "+" in history.diff.toPlainText()
    assert history.undo_button.isEnabled()
    history.undo_button.click()
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_CONFIG, timeout=5000)
    qtbot.waitUntil(lambda: history.tree.topLevelItemCount() == 2, timeout=5000)


def test_tier_conflict_shows_both_tiers(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    manifest_dir = sandbox_home / ".local" / "share" / "telemetry-disclosures"
    manifest_dir.mkdir(parents=True)
    catalog = Path(__file__).resolve().parents[2] / "resources" / "catalog" / "nextjs.toml"
    (manifest_dir / "nextjs.toml").write_text(_strip_catalog_fields(catalog.read_text()))
    app = make_app(show_window=True, watch=False)
    report = app.scanner.snapshot.get("nextjs")
    assert report.conflict is not None, report.problems
    app.window.select_tool("nextjs")
    row = _visible_ids(app.window).index("nextjs")
    assert app.window.tools.proxy.index(row, TIER).data() == "aggregated (catalog: anonymized)"
    text = app.window.tools.details.text.toPlainText()
    assert "disagree" in text and "aggregated" in text and "anonymized" in text


def _strip_catalog_fields(text: str) -> str:
    """A vendor's manifest made from the catalog entry (no sources/verified), declaring a different tier."""
    out = []
    skipping = False
    for line in text.splitlines():
        if line.startswith("sources = ["):
            skipping = not line.rstrip().endswith("]")
            continue
        if skipping:
            skipping = not line.strip().startswith("]")
            continue
        if line.startswith("verified"):
            continue
        out.append(line.replace('tier = "anonymized"', 'tier = "aggregated"'))
    return "\n".join(out) + "\n"


def test_settings_tab_writes_autostart_and_settings(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    app = make_app(show_window=True, watch=False)
    page = app.window.settings
    entry = sandbox_home / ".config" / "autostart" / "tracklight.desktop"
    page.autostart.setChecked(True)
    qtbot.waitUntil(entry.exists, timeout=3000)
    text = entry.read_text()
    assert "[Desktop Entry]" in text and "Exec=" in text and " tray" in text
    page.autostart.setChecked(False)
    qtbot.waitUntil(lambda: not entry.exists(), timeout=3000)
    page.keep_opted_out.setChecked(True)
    settings_file = sandbox_home / ".config" / "tracklight" / "settings.toml"
    qtbot.waitUntil(lambda: settings_file.exists() and "keep_opted_out = true" in settings_file.read_text(),
                    timeout=3000)


def test_keyboard_reaches_everything_with_names(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    window = app.window
    for widget in (window.tools.search, window.tools.scope, window.tools.tracking_only, window.tools.table, window.tools.details.text,
                   window.tools.details.optout_button, window.tools.details.optin_button, window.tools.details.preview_button,
                   window.tools.optout_all_button, window.history.tree, window.history.undo_button):
        assert widget.accessibleName(), widget
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, widget
    with qtbot.waitActive(window):
        window.activateWindow()
    window.tools.table.setFocus()
    qtbot.keyClick(window.tools.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.tools.search.hasFocus, timeout=2000)
    qtbot.keyClicks(window.tools.search, "dotnet")
    assert _visible_ids(window) == ["dotnet"]
    qtbot.keyClick(window.tools.search, Qt.Key.Key_Escape)
    assert window.tools.search.text() == ""


def test_quick_toggles_end_in_the_last_state(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    app = make_app(show_window=True, watch=False)
    page = app.window.settings
    entry = sandbox_home / ".config" / "autostart" / "tracklight.desktop"
    for _ in range(5):
        page.autostart.setChecked(True)
        page.autostart.setChecked(False)
    page.autostart.setChecked(True)
    for checked in (True, False, True, False):
        page.keep_opted_out.setChecked(checked)
    qtbot.waitUntil(lambda: not app.runner.busy, timeout=5000)
    assert entry.exists()
    settings_file = sandbox_home / ".config" / "tracklight" / "settings.toml"
    assert "keep_opted_out = false" in settings_file.read_text()
