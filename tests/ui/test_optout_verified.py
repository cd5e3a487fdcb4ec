"""The tray and window say "opted out" only when the tool reads off afterwards, by its own rule (issue 13): a tool
whose person's own environment still says on is reported as not done, with what it reads, and the write stays
undoable."""

from __future__ import annotations

import pytest

from tracklight.ui.notice import NoticeLevel

from .conftest import Desk

ACME = """manifest_version = 1
id = "acme"
name = "Acme"
[detect]
paths = ["~/.config/acme"]
[telemetry]
tier = "anonymized"
default = "on"
[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
off = "0"
on = "1"
[[telemetry.controls]]
kind = "file"
path = "$XDG_CONFIG_HOME/acme/settings.json"
format = "json"
key = "telemetry"
off = false
on = true
"""


def test_an_opt_out_the_tool_does_not_read_is_not_called_done(qtbot, make_app, desk: Desk,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    desk.plant(desk.home / ".local/share/telemetry-disclosures/acme.toml", ACME.encode())
    settings = desk.home / ".config/acme/settings.json"
    desk.plant(settings, b'{"telemetry": true}\n')
    monkeypatch.setenv("ACME_TELEMETRY", "1")  # the person's own environment says on, and Acme reads it first
    app = make_app(watch=False)
    app.changes.optout([app.scanner.snapshot.get("acme")])
    qtbot.waitUntil(lambda: app.notifier.last is not None, timeout=10000)
    notice = app.notifier.last
    assert notice.level is NoticeLevel.ERROR, (notice.title, notice.body)
    assert notice.title == "Not done: Acme"
    assert "Undo" in [action.label for action in notice.actions]
    assert "still reads on after this change (env ACME_TELEMETRY" in notice.body
    assert settings.read_bytes() == b'{"telemetry": false}\n'  # written and journaled: Undo puts it back


MODELER = """manifest_version = 1
id = "modeler"
name = "Modeler"
[detect]
paths = ["~/.config/modeler"]
[telemetry]
tier = "full"
default = "on"
no_switch = ["licence heartbeats"]
[[telemetry.controls]]
sender = "crash reports"
kind = "file"
path = "$XDG_CONFIG_HOME/modeler/settings.json"
format = "json"
key = "crashReports"
off = false
on = true
"""


def test_an_opt_out_of_a_tool_with_an_unstoppable_sender_is_done_and_says_what_keeps_sending(
        qtbot, make_app, desk: Desk) -> None:
    desk.plant(desk.home / ".local/share/telemetry-disclosures/modeler.toml", MODELER.encode())
    settings = desk.home / ".config/modeler/settings.json"
    desk.plant(settings, b'{"crashReports": true}\n')
    app = make_app(watch=False)
    app.changes.optout([app.scanner.snapshot.get("modeler")])
    qtbot.waitUntil(lambda: app.notifier.last is not None, timeout=10000)
    notice = app.notifier.last
    assert notice.level is NoticeLevel.DONE, (notice.title, notice.body)
    assert notice.title == "Opted out: Modeler"
    assert "Modeler still sends its licence heartbeats: there is no setting to stop this." in notice.body
    assert settings.read_bytes() == b'{"crashReports": false}\n'
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("modeler").switch_state.value == "off", timeout=10000)
    assert app.scanner.snapshot.get("modeler").tracking, "it still sends: the tray keeps counting it"
