"""Behaves like a desktop app: no tray -> the window says why; admin locks; one instance; Qt stays out of core."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import Qt

from tracklight.ui.instance_server import InstanceServer
from tracklight.ui.single_instance import ask_running_instance, server_name
from tracklight.ui.tracklight_app import NO_TRAY_MESSAGE

from .conftest import NEXT_CONFIG, Desk

POLICY = """\
policy_version = 1
[optout]
tools = ["nextjs"]
[lock]
tools = ["nextjs"]
"""


def test_without_a_system_tray_the_window_opens_and_says_why(qtbot, make_app, desk: Desk) -> None:
    app = make_app(tray=False, watch=False)
    assert app.tray is None
    window = app.window
    assert window is not None and window.isVisible()
    assert window.banner.isVisible() and window.banner.body.text() == NO_TRAY_MESSAGE
    assert "No system tray" in window.banner.body.text()
    assert window.quit_on_close  # nothing would be left to bring it back


def test_with_a_tray_the_window_waits_until_asked(qtbot, make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    assert app.window is None
    app.open_window("nextjs")
    window = app.window
    assert window.isVisible() and not window.banner.isVisible() and window.selected_id() == "nextjs"
    window.close()
    assert not window.quit_on_close


def test_the_welcome_note_is_not_said_again_once_the_window_was_closed(qtbot, make_app, desk: Desk) -> None:
    from tracklight.ui.tracklight_app import WELCOME_MESSAGE

    app = make_app(watch=False)
    app.open_window()
    app.window.show_banner(WELCOME_MESSAGE)  # the first start's window (ui/launch.py)
    assert app.window.banner.isVisible()
    app.window.close()  # "You can close this window": done
    app.open_window()
    assert app.window.isVisible() and not app.window.banner.isVisible()


def test_locked_items_show_a_lock_and_cannot_be_toggled(qtbot, make_app, desk: Desk) -> None:
    desk.policy.parent.mkdir(parents=True)
    desk.policy.write_text(POLICY)
    desk.next_config.write_bytes(NEXT_CONFIG.replace(b'"enabled": true', b'"enabled": false'))
    before = desk.next_config.read_bytes()
    app = make_app(show_window=True, watch=False)
    report = app.scanner.snapshot.get("nextjs")
    assert report.locked
    app.menu.menu.aboutToShow.emit()
    entry = next(a for a in app.menu.tool_actions() if a.data() == "nextjs")
    assert not entry.isEnabled() and not entry.icon().isNull() and "locked" in entry.text()
    entry.trigger()  # a disabled action does nothing; and asking the operations directly is refused too
    refusals: list[str] = []
    app.changes.failed.connect(refusals.append)
    app.changes.toggle(report)
    qtbot.waitUntil(lambda: bool(refusals), timeout=5000)  # core.locks' words, read off the UI thread
    assert "locked" in refusals[0]
    app.window.select_tool("nextjs")
    details = app.window.tools.details
    assert not details.optin_button.isEnabled() and not details.optout_button.isEnabled()
    assert details.heading.text().startswith("🔒") and "policy keeps it opted out" in details.why.text()
    qtbot.wait(200)
    assert desk.next_config.read_bytes() == before
    assert app.history == ()


def test_a_second_launch_raises_the_first_window(qtbot, make_app, desk: Desk) -> None:
    import os

    app = make_app(watch=False)
    name = server_name(os.environ)
    server = InstanceServer(name, app)
    server.show_requested.connect(lambda: app.open_window())
    assert server.listen()
    try:
        assert ask_running_instance(name)
        qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=3000)
    finally:
        server.close()
    assert not ask_running_instance(name)


def test_the_socket_lives_in_the_runtime_folder_and_a_live_one_is_never_stolen(
        qtbot, make_app, desk: Desk, tmp_path, monkeypatch) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    import os

    name = server_name(os.environ)
    assert name.startswith(str(runtime) + "/")
    app = make_app(watch=False)
    first = InstanceServer(name, app)
    asked: list[bool] = []
    first.show_requested.connect(lambda: asked.append(True))
    assert first.listen()
    second = InstanceServer(name, app)
    try:
        assert not second.listen()  # a second instance starting at the same moment loses, and says so
        assert ask_running_instance(name)
        qtbot.waitUntil(lambda: asked == [True], timeout=3000)
    finally:
        first.close()
        second.close()


def test_instance_names_differ_per_home() -> None:
    assert server_name({"HOME": "/home/a"}) != server_name({"HOME": "/home/b"})


def test_tray_click_opens_the_window(qtbot, make_app, desk: Desk) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    app = make_app(watch=False)
    app.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert app.window is not None and app.window.isVisible()
    assert app.window.windowTitle() == "Tracklight"
    assert Qt.WindowType.Window & app.window.windowFlags()


def test_core_formats_and_changes_do_not_load_qt() -> None:
    code = ("import sys, tracklight.core.scan, tracklight.changes.operations, tracklight.ui.snapshot, "
            "tracklight.ui.watch_plan, tracklight.ui.settings, tracklight.ui.autostart, tracklight.ui.prescan, "
            "tracklight.ui.single_instance, tracklight.ui.launch; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_prescan_helper_reports_what_a_scan_finds(desk: Desk) -> None:
    from tracklight.ui import prescan
    from tracklight.ui.snapshot import Snapshot

    helper = prescan.start()
    assert helper is not None
    summary = helper.summary()
    expected = Snapshot.from_scan(desk.scan())
    assert summary == prescan.Summary(expected.worst_tier.value, expected.tooltip())


def test_tracklight_tray_starts_and_a_second_launch_defers_to_it(desk: Desk, sandbox_home) -> None:
    import os
    import time

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    tracklight = [sys.executable, "-c", "from tracklight.cli import main; raise SystemExit(main())"]
    quick = subprocess.run(tracklight, env=dict(env, TRACKLIGHT_EXIT_WHEN_READY="1"), capture_output=True,
                           text=True, timeout=60, check=False)
    assert quick.returncode == 0, quick.stderr
    assert quick.stdout.splitlines()[:2] == ["tracklight-ready", "tracklight-menu-ready"]
    # the first start opened the window (offscreen has no tray) and remembered it has welcomed this person
    assert "welcomed = true" in (sandbox_home / ".config" / "tracklight" / "settings.toml").read_text()

    first = subprocess.Popen(tracklight, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        from tracklight.ui.single_instance import is_running

        deadline = time.monotonic() + 60
        while not is_running(server_name(env)) and time.monotonic() < deadline:
            assert first.poll() is None, "the first instance exited"
            time.sleep(0.05)
        second = subprocess.run(tracklight, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 0 and "already running" in second.stdout
        first.terminate()  # a session ending: the app quits cleanly
        assert first.wait(timeout=10) == 0
    finally:
        if first.poll() is None:
            first.kill()
