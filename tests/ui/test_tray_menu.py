"""The tray menu, from a person's side: it lists what tracks them, and one click switches a tool off (or back on)."""

from __future__ import annotations

from tracklight.core.model import State, Tier
from tracklight.ui.menu import entry_text

from .conftest import NEXT_CONFIG, VSCODE_SETTINGS, Desk


def _menu_ids(app) -> list[str]:
    app.menu.menu.aboutToShow.emit()  # what opening the menu does
    return [a.data() for a in app.menu.tool_actions()]


def _entry(app, tool_id: str):
    """The menu entry of one tool, as the menu shows it when opened now."""
    app.menu.menu.aboutToShow.emit()
    return next(a for a in app.menu.tool_actions() if a.data() == tool_id)


def test_menu_lists_exactly_the_tools_of_a_sandbox_scan(make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    result = desk.scan()
    expected = {r.id for r in result.reports
                if r.installed and r.tool.telemetry.tier is not Tier.NONE and r.tool.telemetry.controls}
    assert {"vscode", "nextjs", "dotnet"} <= expected
    ids = _menu_ids(app)
    assert sorted(ids) == sorted(expected)
    tracking = {r.id for r in result.reports if r.installed and r.tracking}
    for action in app.menu.tool_actions():
        report = result.get(action.data())
        assert action.isCheckable()
        assert action.isChecked() == (action.data() in tracking)
        assert action.text() == entry_text(report)
        assert report.tool.telemetry.tier.value in action.text()
    header = app.menu.menu.actions()[0]
    assert header.text().startswith(f"{len(tracking)} tools send telemetry")
    texts = [a.text() for a in app.menu.menu.actions()]
    for fixed in ("Opt out of everything…", "Undo (nothing to undo)", "Open Tracklight…", "Quit"):
        assert fixed in texts


def test_tray_icon_and_tooltip_follow_the_scan(make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    tracking = [r for r in desk.scan().reports if r.installed and r.tracking]
    assert app.tray.tier == max((r.tool.telemetry.tier for r in tracking), key=lambda t: t.rank).value
    tooltip = app.tray.icon.toolTip()
    assert tooltip.startswith(f"{len(tracking)} tools send telemetry: ")
    for report in tracking:
        assert report.tool.name in tooltip


def test_the_menu_is_rebuilt_each_time_it_opens(qtbot, make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    assert "hyperframes" not in _menu_ids(app)
    desk.install("hyperframes")
    app.scanner.rescan()
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("hyperframes").installed, timeout=5000)
    assert "hyperframes" in _menu_ids(app)


def test_clicking_an_entry_writes_the_tools_file_and_the_entry_updates(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    entry = _entry(app, "nextjs")
    assert entry.isChecked()
    entry.trigger()
    qtbot.waitUntil(lambda: b'"enabled": false' in desk.next_config.read_bytes(), timeout=5000)
    # only the key changed: the rest of the file is as the person left it
    assert desk.next_config.read_bytes() == NEXT_CONFIG.replace(b'"enabled": true', b'"enabled": false')
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.OFF, timeout=5000)
    entry = _entry(app, "nextjs")
    assert not entry.isChecked()

    # and a second click opts it back in
    entry.trigger()
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("nextjs").state is State.ON, timeout=5000)
    assert b'"enabled": true' in desk.next_config.read_bytes()
    assert _entry(app, "nextjs").isChecked()
    assert desk.vscode_settings.read_bytes() == VSCODE_SETTINGS


def test_undo_from_the_notification_restores_the_file_byte_exact(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    _entry(app, "vscode").trigger()
    qtbot.waitUntil(lambda: b'"off"' in desk.vscode_settings.read_bytes(), timeout=5000)
    qtbot.waitUntil(lambda: app.notifier.window is not None and app.notifier.window.button("Undo") is not None,
                    timeout=5000)
    notice = app.notifier.window
    assert notice.isVisible()
    assert "Visual Studio Code" in notice.title.text()
    notice.button("Undo").click()
    qtbot.waitUntil(lambda: desk.vscode_settings.read_bytes() == VSCODE_SETTINGS, timeout=5000)
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("vscode").state is State.ON, timeout=5000)
    assert app.tray.icon.toolTip().count("Visual Studio Code") == 1


def test_undo_last_change_from_the_menu(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    _entry(app, "nextjs").trigger()
    qtbot.waitUntil(lambda: b'"enabled": false' in desk.next_config.read_bytes(), timeout=5000)

    def undo_enabled() -> bool:
        app.menu.rebuild()
        return app.menu.action("Undo").isEnabled()

    qtbot.waitUntil(undo_enabled, timeout=5000)
    assert app.menu.action("Undo").text() == "Undo: opt out of Next.js"  # it says what it undoes
    app.menu.action("Undo").trigger()
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_CONFIG, timeout=5000)


def test_opt_out_of_everything_and_undo_it(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    env_file = desk.home / ".config" / "environment.d" / "60-tracklight.conf"
    app.menu.menu.aboutToShow.emit()
    app.menu.action("Opt out of everything").trigger()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=10000)
    app.last_dialog.apply_button.click()  # it asks once, showing what it will do (tests/ui/test_everything.py)
    qtbot.waitUntil(lambda: not app.scanner.snapshot.tracking, timeout=10000)
    assert b'"off"' in desk.vscode_settings.read_bytes()
    assert b'"enabled": false' in desk.next_config.read_bytes()
    env_text = env_file.read_text()
    assert "DO_NOT_TRACK=1" in env_text and "DOTNET_CLI_TELEMETRY_OPTOUT" in env_text
    assert app.tray.tier == "none"
    app.menu.menu.aboutToShow.emit()
    assert app.menu.menu.actions()[0].text().startswith("No tool sends telemetry")
    qtbot.waitUntil(lambda: app.notifier.window is not None and app.notifier.window.button("Undo") is not None,
                    timeout=5000)
    app.notifier.window.button("Undo").click()
    qtbot.waitUntil(lambda: desk.vscode_settings.read_bytes() == VSCODE_SETTINGS
                    and desk.next_config.read_bytes() == NEXT_CONFIG and not env_file.exists(), timeout=10000)
    qtbot.waitUntil(lambda: len(app.scanner.snapshot.tracking) == 3, timeout=5000)


def _install_many(desk: Desk, count: int) -> list[str]:
    """Put the first `count` catalog tools with telemetry and a switch on the sandbox PATH; their ids."""
    from tracklight.core.model import Tier

    installed = []
    for report in desk.scan().reports:
        tool = report.tool
        if tool.telemetry.tier is Tier.NONE or not tool.telemetry.controls or not tool.detect.executables:
            continue
        desk.install(tool.detect.executables[0])
        installed.append(report.id)
        if len(installed) == count:
            break
    return installed


def test_with_48_tools_the_menu_stays_short_and_every_tool_is_reachable(make_app, desk: Desk) -> None:
    _install_many(desk, 48)
    app = make_app(watch=False)
    switchable = {r.id for r in app.scanner.snapshot.switchable}
    assert len(switchable) >= 48
    app.menu.menu.aboutToShow.emit()
    top = app.menu.menu.actions()
    assert len(top) <= 20, [a.text() for a in top]  # one short column, not two screen-filling ones
    assert len(app.menu.tool_actions()) == 6  # the worst few…
    assert all(a.isChecked() for a in app.menu.tool_actions()[:3])  # …sending ones first
    tiers = app.menu.tier_menus()
    assert tiers and all(m.title().split(" (")[0].lower() in ("full", "anonymized", "unknown", "aggregated")
                         for m in tiers)
    assert {a.data() for a in app.menu.all_tool_actions()} == switchable  # …and every tool in its tier's submenu
    for fixed in ("Opt out of everything…", "Open Tracklight…", "Quit"):
        assert fixed in [a.text() for a in top]
