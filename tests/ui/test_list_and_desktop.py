"""The list scans (compact rows, whole names in tooltips, an empty state, a kept selection, "not installed"), and the
app fits the desktop it runs on: the dark palette, Qt's own options, a tray that appears after start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from tracklight.ui.tool_table import NAME, STATE, TOOL_ID_ROLE

from .conftest import Desk

LONG_NAME = "Acme Enterprise Telemetry-Heavy Command Line Interface for Very Long Names Incorporated"
MANIFEST = f"""\
manifest_version = 1
id = "acme-cli"
name = "{LONG_NAME}"
vendor = "Acme Inc."
[detect]
executables = ["acme"]
[telemetry]
tier = "full"
default = "on"
[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
off = "0"
"""


def _row_of(tools, tool_id: str) -> int:
    return next(r for r in range(tools.proxy.rowCount()) if tools.proxy.index(r, NAME).data(TOOL_ID_ROLE) == tool_id)


def test_rows_are_compact_and_long_names_keep_both_ends_with_the_whole_name_in_a_tooltip(qtbot, make_app,
                                                                                         desk: Desk) -> None:
    folder = desk.home / ".local" / "share" / "telemetry-disclosures"
    folder.mkdir(parents=True)
    (folder / "acme-cli.toml").write_text(MANIFEST)
    desk.install("acme")
    app = make_app(show_window=True, watch=False)
    tools = app.window.tools
    assert tools.table.verticalHeader().defaultSectionSize() <= tools.table.fontMetrics().height() + 10 < 30
    assert tools.table.textElideMode() is Qt.TextElideMode.ElideMiddle
    row = _row_of(tools, "acme-cli")
    assert tools.proxy.index(row, NAME).data(Qt.ItemDataRole.ToolTipRole) == LONG_NAME


def test_a_search_that_finds_nothing_says_so_and_the_selection_comes_back(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    tools = app.window.tools
    assert tools.select_tool("vscode")
    qtbot.keyClicks(tools.search, "zzz")
    assert tools.proxy.rowCount() == 0
    assert tools.empty.isVisible() and "No tool matches “zzz”" in tools.empty.text()
    assert tools.details.report.id == "vscode"  # the pane still shows what was chosen
    tools.search.clear()
    assert not tools.empty.isVisible()
    assert tools.selected_id() == "vscode"


def test_all_known_tools_says_not_installed_rather_than_sends(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    tools = app.window.tools
    tools.scope.setCurrentIndex(1)
    gatsby = app.scanner.snapshot.get("gatsby")
    assert not gatsby.installed
    assert tools.proxy.index(_row_of(tools, "gatsby"), STATE).data() == "not installed"
    assert tools.proxy.index(_row_of(tools, "vscode"), STATE).data() == "sends"


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                         (QPalette.ColorRole.Base, "#17181a"), (QPalette.ColorRole.Text, "#e8eaed"),
                         (QPalette.ColorRole.Button, "#2b2c2f"), (QPalette.ColorRole.ButtonText, "#e8eaed"),
                         (QPalette.ColorRole.Highlight, "#4c8bf5")):
        palette.setColor(role, QColor(colour))
    return palette


def test_the_banner_and_message_bar_follow_a_dark_palette(qtbot, make_app, desk: Desk) -> None:
    app_qt = QApplication.instance()
    original = app_qt.palette()
    app_qt.setPalette(_dark_palette())
    try:
        app = make_app(tray=False, watch=False)  # no tray: the window opens with its banner
        banner = app.window.banner
        qtbot.waitUntil(banner.isVisible, timeout=3000)
        image = banner.grab().toImage()
        background = image.pixelColor(banner.width() // 2, 2)
        assert background.lightnessF() < 0.3, background.name()  # not the light yellow of a light theme
        text = banner.body.palette().color(banner.body.foregroundRole())
        assert text.lightnessF() > 0.7, text.name()
    finally:
        app_qt.setPalette(original)


def test_qt_options_reach_qt(desk: Desk, monkeypatch) -> None:
    from tracklight import cli
    from tracklight.ui import launch

    calls: list[tuple[bool, list[str]]] = []
    monkeypatch.setattr(launch, "run_tray", lambda show_window=False, qt_args=(): calls.append(
        (show_window, list(qt_args))) or 0)
    assert cli.main(["-style", "fusion"]) == 0
    assert cli.main(["tray", "--show-window", "-reverse"]) == 0
    assert calls == [(False, ["-style", "fusion"]), (True, ["-reverse"])]


def test_the_tray_starts_with_a_style_given_to_qt_and_refuses_an_unknown_option(desk: Desk) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    tracklight = [sys.executable, "-c", "from tracklight.cli import main; raise SystemExit(main())"]
    styled = subprocess.run([*tracklight, "-style", "fusion"], env=dict(env, TRACKLIGHT_EXIT_WHEN_READY="1"),
                            capture_output=True, text=True, timeout=120, check=False)
    assert styled.returncode == 0, styled.stderr
    assert "tracklight-ready" in styled.stdout
    bogus = subprocess.run([*tracklight, "tray", "-no-such-option"], env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert bogus.returncode == 2 and "unknown option -no-such-option" in bogus.stderr
    code = "from tracklight.ui.launch import make_qapplication; print(make_qapplication(['-style', 'fusion']).style().name())"
    style = subprocess.run([sys.executable, "-c", code],
                           env=env, capture_output=True, text=True, timeout=120, check=True)
    assert style.stdout.strip() == "fusion"


def test_a_tray_that_appears_after_start_up_takes_the_app_in(qtbot, desk: Desk, sandbox_home: Path) -> None:
    from tracklight.ui.tracklight_app import NO_TRAY_MESSAGE, TRAY_APPEARED_MESSAGE, TracklightApp

    there = [False]
    app = TracklightApp(tray=False, tray_probe=lambda: there[0], tray_poll_ms=20)
    try:
        app.start()
        window = app.window
        assert app.tray is None and window.quit_on_close and window.banner.body.text() == NO_TRAY_MESSAGE
        there[0] = True  # the panel has started
        qtbot.waitUntil(lambda: app.tray is not None, timeout=3000)
        assert app.tray.icon.isVisible() and app.tray.icon.contextMenu() is app.menu.menu
        assert not window.quit_on_close  # closing the window now leaves Tracklight in the tray
        assert window.banner.body.text() == TRAY_APPEARED_MESSAGE
        assert not app._tray_poll.isActive()
    finally:
        app.shutdown()
        app.window.close()
        app.deleteLater()
