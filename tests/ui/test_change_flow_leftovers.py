"""Issue 12's leftovers: History names tools and follows the newest change; the window opens on the tool that just
changed; a lock is refused in the one lock message (core.locks), the words the CLI prints."""

from __future__ import annotations

from tracklight.core.locks import machine_locks
from tracklight.core.model import State

from .conftest import NEXT_CONFIG, Desk

POLICY = """\
policy_version = 1
[optout]
tools = ["nextjs"]
[lock]
tools = ["nextjs"]
"""


def test_history_names_the_tools_and_selects_the_newest_change(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    history = app.window.history
    app.window.select_tool("nextjs")
    qtbot.waitUntil(app.window.tools.details.optout_button.isEnabled, timeout=20000)
    app.window.tools.details.optout_button.click()
    qtbot.waitUntil(lambda: history.tree.topLevelItemCount() == 1, timeout=20000)
    first = history.tree.topLevelItem(0)
    assert first.text(1) == "Opted out: Next.js"  # the name, not the id "nextjs"
    first_id = history.selected_id()
    app.window.select_tool("vscode")
    details = app.window.tools.details
    qtbot.waitUntil(lambda: details.report.id == "vscode" and details.optout_button.isEnabled(), timeout=20000)
    details.optout_button.click()
    qtbot.waitUntil(lambda: history.tree.topLevelItemCount() == 2, timeout=20000)
    assert history.tree.topLevelItem(0).text(1) == "Opted out: Visual Studio Code"
    assert history.selected_id() != first_id  # the change just made, not the older one
    assert history.tree.currentItem() is history.tree.topLevelItem(0)
    assert "telemetry.telemetryLevel" in history.diff.toPlainText()
    # an undo says what it undid, with names
    qtbot.waitUntil(history.undo_button.isEnabled, timeout=20000)
    history.undo_button.click()
    qtbot.waitUntil(lambda: history.tree.topLevelItemCount() == 3, timeout=20000)
    assert history.tree.topLevelItem(0).text(1) == "Undid: Opted out: Visual Studio Code"
    assert history.tree.topLevelItem(1).text(2).startswith("undone at ")  # a time, not a change id
    assert history.tree.currentItem() is history.tree.topLevelItem(0)
    # the user's own choice stays when nothing new arrives
    history.tree.setCurrentItem(history.tree.topLevelItem(2))
    chosen = history.selected_id()
    app.changes.load_history()
    qtbot.waitUntil(lambda: app.changes.busy is False, timeout=5000)
    qtbot.wait(200)
    assert history.selected_id() == chosen


def test_the_window_opened_after_a_tray_change_shows_that_tool(qtbot, make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    assert app.window is None
    app.changes.toggle(app.scanner.snapshot.get("dotnet"))  # the tray menu's one click
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("dotnet").state is State.OFF, timeout=20000)
    qtbot.waitUntil(lambda: len(app.history) == 1, timeout=20000)
    app.open_window()  # the tray's "Open Tracklight…", or a click on the icon
    assert app.window.selected_id() == "dotnet"
    assert app.window.tools.details.heading.text().startswith(".NET")
    # once: the next time the window opens where the person left it
    app.window.select_tool("vscode")
    app.window.close()
    app.open_window()
    assert app.window.selected_id() == "vscode"
    # a change from the tray while the window is open behind: opening it shows that tool
    app.window.hide()
    app.changes.toggle(app.scanner.snapshot.get("nextjs"))
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=20000)
    qtbot.waitUntil(lambda: len(app.history) == 2, timeout=20000)
    app.open_window()
    assert app.window.selected_id() == "nextjs"


def test_a_locked_tool_is_refused_in_the_one_lock_message(qtbot, make_app, desk: Desk) -> None:
    desk.policy.parent.mkdir(parents=True)
    desk.policy.write_text(POLICY)
    desk.next_config.write_bytes(NEXT_CONFIG.replace(b'"enabled": true', b'"enabled": false'))
    app = make_app(watch=False)
    report = app.scanner.snapshot.get("nextjs")
    assert report.locked
    refusals: list[str] = []
    app.changes.failed.connect(refusals.append)
    app.changes.optin([report])
    qtbot.waitUntil(lambda: bool(refusals), timeout=5000)
    words = machine_locks(app.os, app.env, app.root).refusal("nextjs")
    assert words is not None
    assert refusals == [str(words)]
    assert "nextjs is locked by your organisation's policy (" in refusals[0] and "policy.toml:5)" in refusals[0]


def test_opt_out_of_everything_asks_again_after_a_cancel(qtbot, make_app, desk: Desk) -> None:
    """Seen on the virtual desktop: once a confirmation was closed (and deleted), the next "Opt out of everything"
    raised in its slot and nothing opened — the button worked once per session."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = make_app(show_window=True, watch=False)
    for _attempt in range(2):
        app.optout_everything()
        qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=20000)
        dialog = app.last_dialog
        assert dialog.windowTitle() == "Opt out of everything?"
        dialog.reject()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as the event loop does next
        assert app.last_dialog is None
    app.optout_everything()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=20000)
    app.last_dialog.apply_button.click()
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("vscode").state is State.OFF, timeout=20000)
    history = app.window.history
    qtbot.waitUntil(lambda: history.tree.topLevelItemCount() == 1, timeout=20000)
    words = history.tree.topLevelItem(0).text(1)
    assert words.startswith("Opted out of everything: ") and "Visual Studio Code" in words, words
    assert words.endswith("; DO_NOT_TRACK=1"), words


def test_ctrl_z_in_the_empty_search_field_undoes_the_last_change(qtbot, make_app, desk: Desk) -> None:
    """Seen on the virtual desktop: after "Opt out of everything" the keyboard lands in the search field, which
    took Ctrl+Z for its own (empty) undo, so the change stayed. With typing to undo, Ctrl+Z still undoes the typing."""
    from PySide6.QtCore import Qt

    app = make_app(show_window=True, watch=False)
    window = app.window
    with qtbot.waitActive(window):
        window.activateWindow()
    asked: list[bool] = []
    window.undo_last_requested.connect(lambda: asked.append(True))
    search = window.tools.search
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True]
    qtbot.keyClicks(search, "code")
    qtbot.keyClick(search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True] and search.text() != "code"  # the search's own undo
