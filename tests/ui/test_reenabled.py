"""Undo and Allow are what the person asked for: they never raise the "turned back on" alarm, and "Keep me opted out"
never reverses them. A tool that switches itself back on still does, and an automatic re-opt-out says so in History."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tracklight.core import locations
from tracklight.core.model import State
from tracklight.ui.settings import Settings, save_settings

from .conftest import NEXT_CONFIG, Desk

NEXT_OFF = NEXT_CONFIG.replace(b'"enabled": true', b'"enabled": false')


def _keep_me_opted_out(home: Path) -> None:
    save_settings(Settings(keep_opted_out=True), locations.current_os(), {"HOME": str(home)})


def _notice_titles(app) -> list[str]:
    titles: list[str] = []
    original = app.notices.present

    def spy(notice) -> None:
        titles.append(notice.title)
        original(notice)

    app.notices.present = spy  # type: ignore[method-assign]
    return titles


def test_undoing_an_opt_out_is_not_reported_as_turned_back_on_nor_reversed(qtbot, make_app, desk: Desk,
                                                                           sandbox_home: Path) -> None:
    _keep_me_opted_out(sandbox_home)
    app = make_app()
    titles = _notice_titles(app)
    app.changes.optout([app.scanner.snapshot.get("nextjs")])
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=10000)
    qtbot.waitUntil(lambda: app.notifier.window is not None and app.notifier.window.button("Undo") is not None,
                    timeout=10000)
    app.notifier.window.button("Undo").click()
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.ON, timeout=10000)
    qtbot.waitUntil(lambda: any(t.startswith("Undone") for t in titles), timeout=10000)
    qtbot.wait(500)  # time for a watcher-triggered rescan and an (unwanted) automatic opt-out
    assert desk.next_config.read_bytes() == NEXT_CONFIG
    assert not any("back on" in t for t in titles), titles


def test_allowing_a_tool_again_is_not_reversed_by_keep_me_opted_out(qtbot, make_app, desk: Desk,
                                                                    sandbox_home: Path) -> None:
    desk.next_config.write_bytes(NEXT_OFF)
    _keep_me_opted_out(sandbox_home)
    app = make_app()
    titles = _notice_titles(app)
    app.changes.optin([app.scanner.snapshot.get("nextjs")])
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.ON, timeout=10000)
    qtbot.wait(500)
    assert desk.next_config.read_bytes() == NEXT_CONFIG
    assert not any("back on" in t for t in titles), titles


def test_an_undo_from_the_command_line_is_not_reversed_by_the_running_tray(qtbot, make_app, desk: Desk,
                                                                          sandbox_home: Path) -> None:
    _keep_me_opted_out(sandbox_home)
    app = make_app()
    titles = _notice_titles(app)
    app.changes.optout([app.scanner.snapshot.get("nextjs")])
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=10000)
    cli = [sys.executable, "-c", "from tracklight.cli import main; raise SystemExit(main())", "undo"]
    done = subprocess.run(cli, env=dict(os.environ), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.ON, timeout=10000)
    qtbot.wait(700)
    assert desk.next_config.read_bytes() == NEXT_CONFIG
    assert not any("back on" in t for t in titles), titles


def test_after_an_undo_a_tool_that_switches_itself_back_on_is_still_caught(qtbot, make_app, desk: Desk,
                                                                          sandbox_home: Path) -> None:
    app = make_app()
    app.changes.optout([app.scanner.snapshot.get("nextjs")])
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=10000)
    app.changes.undo(None)
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.ON, timeout=10000)
    desk.next_config.write_bytes(NEXT_OFF)  # the person switches it off by hand…
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=10000)
    titles = _notice_titles(app)
    desk.next_config.write_bytes(NEXT_CONFIG)  # …and an update switches it on again: that one is news
    qtbot.waitUntil(lambda: any("back on" in t for t in titles), timeout=10000)


def test_an_automatic_re_opt_out_is_marked_in_history(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    desk.next_config.write_bytes(NEXT_OFF)
    _keep_me_opted_out(sandbox_home)
    app = make_app(show_window=True)
    desk.next_config.write_bytes(NEXT_CONFIG)  # an update turns it back on
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_OFF, timeout=10000)
    qtbot.waitUntil(lambda: len(app.history) == 1, timeout=10000)
    assert app.history[0].changeset.automatic
    row = app.window.history.tree.topLevelItem(0)
    assert "automatic" in row.text(1)
    cli = [sys.executable, "-c", "from tracklight.cli import main; raise SystemExit(main())", "history"]
    listed = subprocess.run(cli, env=dict(os.environ), capture_output=True, text=True, timeout=60, check=True)
    assert "automatic" in listed.stdout
