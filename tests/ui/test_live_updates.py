"""Live: an edit made outside Tracklight shows up in the icon, menu and window; a tool that turns itself back on,
or a newly installed one, is announced; "Keep me opted out" re-applies the opt-out by itself."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from tracklight.core.model import State
from tracklight.ui.settings import Settings, save_settings

from .conftest import NEXT_CONFIG, VSCODE_SETTINGS, Desk

NEXT_OFF = NEXT_CONFIG.replace(b'"enabled": true', b'"enabled": false')


def test_an_external_edit_of_a_watched_file_updates_the_model(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    assert app.scanner.snapshot.get("vscode").state is State.ON
    desk.vscode_settings.write_bytes(VSCODE_SETTINGS.replace(b'"all"', b'"off"'))
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("vscode").state is State.OFF, timeout=3000)
    assert "Visual Studio Code" not in app.tray.icon.toolTip()
    row = next(r for r in range(app.window.tools.model.rowCount()) if app.window.tools.model.report(r).id == "vscode")
    assert app.window.tools.model.report(row).state is State.OFF
    app.menu.menu.aboutToShow.emit()
    assert not next(a for a in app.menu.tool_actions() if a.data() == "vscode").isChecked()


def test_only_the_affected_tool_is_rescanned(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    rescans: list[object] = []
    original = app.scanner.rescan

    def spy(only=None, reload_index=False):
        rescans.append(None if only is None else frozenset(only))
        original(only, reload_index)

    app.scanner.rescan = spy  # type: ignore[method-assign]
    app.watcher.changed.disconnect()
    app.watcher.changed.connect(app.scanner.rescan_affected)
    desk.next_config.write_bytes(NEXT_OFF)
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=3000)
    assert rescans and all(r is not None and "nextjs" in r and "vscode" not in r for r in rescans)


def test_a_file_in_a_folder_created_later_is_seen(qtbot, make_app, desk: Desk) -> None:
    desk.install("hyperframes")
    app = make_app()
    assert app.scanner.snapshot.get("hyperframes").state is State.ON
    hyperframes_config = desk.home / ".hyperframes" / "config.json"
    hyperframes_config.parent.mkdir(parents=True)
    hyperframes_config.write_text('{"telemetryEnabled": false}\n')
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("hyperframes").state is State.OFF, timeout=3000)


def test_a_reenabled_tool_raises_the_notification(qtbot, make_app, desk: Desk) -> None:
    desk.next_config.write_bytes(NEXT_OFF)
    app = make_app()
    assert app.scanner.snapshot.get("nextjs").state is State.OFF
    desk.next_config.write_bytes(NEXT_CONFIG)  # an update turns it back on
    qtbot.waitUntil(lambda: app.notifier.last is not None, timeout=3000)
    notice = app.notifier.window
    assert "Next.js" in notice.title.text() and "back on" in notice.title.text()
    assert notice.button("Keep me opted out") is not None
    notice.button("Opt out again").click()
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_OFF, timeout=5000)


def test_keep_me_opted_out_reapplies_by_itself(qtbot, make_app, desk: Desk, sandbox_home) -> None:
    from tracklight.core import locations

    desk.next_config.write_bytes(NEXT_OFF)
    save_settings(Settings(keep_opted_out=True), locations.current_os(), {"HOME": str(sandbox_home)})
    app = make_app()
    assert app.settings.keep_opted_out
    desk.next_config.write_bytes(NEXT_CONFIG)
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_OFF, timeout=5000)
    qtbot.waitUntil(lambda: app.notifier.last is not None and "opted out again" in app.notifier.last.title,
                    timeout=3000)
    assert any(a.label == "Undo" for a in app.notifier.last.actions)


def test_a_newly_installed_tracking_tool_is_announced(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    assert not app.scanner.snapshot.get("hyperframes").installed
    desk.install("hyperframes")
    qtbot.waitUntil(lambda: app.notifier.last is not None, timeout=3000)
    assert "HyperFrames" in app.notifier.last.title
    assert [a.label for a in app.notifier.last.actions] == ["Opt out", "Details"]
    app.menu.menu.aboutToShow.emit()
    assert "hyperframes" in [a.data() for a in app.menu.tool_actions()]


def test_idle_means_no_timer_running(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    qtbot.wait(300)  # let start-up work settle
    running = [t for t in app.findChildren(QTimer) if t.isActive()]
    if app.window is not None:
        running += [t for t in app.window.findChildren(QTimer) if t.isActive() and t.interval() > 0]
    assert running == []
    assert app.scanner.busy is False and app.runner.busy is False
