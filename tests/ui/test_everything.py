""""Opt out of everything" shows what it will do — the tools, the files, the shell startup files called out — and
asks once, from the tray and from the window; "everything" takes in tools that ask first or count on disk."""

from __future__ import annotations

from pathlib import Path

from .conftest import NEXT_CONFIG, VSCODE_SETTINGS, Desk


def _files(home: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in home.rglob("*") if p.is_file() and "/.cache/" not in str(p)}


def _ask_from_the_tray(qtbot, app):
    app.menu.menu.aboutToShow.emit()
    app.menu.action("Opt out of everything").trigger()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=10000)
    return app.last_dialog


def test_from_the_tray_it_lists_what_it_will_do_and_writes_nothing_until_asked(qtbot, make_app, desk: Desk) -> None:
    (desk.home / ".bashrc").write_text("# my bashrc\nalias ll='ls -l'\n")
    app = make_app(watch=False)
    before = _files(desk.home)
    dialog = _ask_from_the_tray(qtbot, app)
    assert _files(desk.home) == before  # nothing written while it asks
    assert dialog.windowTitle() == "Opt out of everything?"
    listed = {dialog.tools.topLevelItem(i).text(0): dialog.tools.topLevelItem(i).text(2)
              for i in range(dialog.tools.topLevelItemCount())}
    assert listed["Visual Studio Code"] == "~/.config/Code/User/settings.json"
    assert listed["Next.js"].startswith("~/.config/nextjs-nodejs/config.json")
    assert "DOTNET_CLI_TELEMETRY_OPTOUT=1" in listed[".NET SDK"]
    note = dialog.startup_note.text()
    assert dialog.startup_note.isVisibleTo(dialog) and "~/.bashrc" in note and "~/.profile" in note
    assert "DO_NOT_TRACK=1" in dialog.summary.text()
    assert dialog.apply_button.text() == f"Opt out of {len(listed)} tools"
    assert not dialog.diff.isVisibleTo(dialog)  # the diffs are one click away
    dialog.show_diff.click()
    assert dialog.diff.isVisibleTo(dialog) and "+# >>> tracklight >>>" in dialog.diff.toPlainText()
    # each diff names its file as the list does, with ~ (seen on the virtual desktop: "--- a/tmp/…/home/.bashrc")
    diff = dialog.diff.toPlainText()
    assert "--- ~/.config/Code/User/settings.json\n+++ ~/.config/Code/User/settings.json\n" in diff
    assert "--- ~/.bashrc\n" in diff and str(desk.home) not in diff
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: b'"off"' in desk.vscode_settings.read_bytes(), timeout=10000)
    qtbot.waitUntil(lambda: "tracklight" in (desk.home / ".bashrc").read_text(), timeout=10000)


def test_cancelling_writes_nothing(qtbot, make_app, desk: Desk) -> None:
    app = make_app(watch=False)
    before = _files(desk.home)
    _ask_from_the_tray(qtbot, app).reject()
    qtbot.wait(300)
    assert _files(desk.home) == before
    assert desk.vscode_settings.read_bytes() == VSCODE_SETTINGS and desk.next_config.read_bytes() == NEXT_CONFIG


def test_the_window_button_asks_the_same_way(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    app.window.tools.optout_all_button.click()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=10000)
    assert app.last_dialog.windowTitle() == "Opt out of everything?"
    assert desk.vscode_settings.read_bytes() == VSCODE_SETTINGS


def test_everything_answers_no_ahead_for_tools_that_ask_first_or_count_on_disk(qtbot, make_app, desk: Desk) -> None:
    desk.install("ng", "go")
    mode = desk.home / ".config" / "go" / "telemetry" / "mode"
    desk.plant(mode, b"local")
    app = make_app(watch=False)
    assert not app.scanner.snapshot.get("angular-cli").tracking  # it asks on first use: not sending yet
    dialog = _ask_from_the_tray(qtbot, app)
    rows = {dialog.tools.topLevelItem(i).text(0): dialog.tools.topLevelItem(i).text(1)
            for i in range(dialog.tools.topLevelItemCount())}
    assert "asks on first use" in rows["Angular CLI"]
    assert "counts on this computer" in rows["Go toolchain"]
    dialog.apply_button.click()
    env_file = desk.home / ".config" / "environment.d" / "60-tracklight.conf"
    qtbot.waitUntil(lambda: env_file.exists() and "NG_CLI_ANALYTICS=false" in env_file.read_text(), timeout=10000)
    assert mode.read_text().startswith("off ")
