"""Senders that no setting stops (manifest `no_switch`): the tool never reads off while it sends through them.

Syside's crash-report setting used to read the whole tool off while its licence heartbeats (licence key, IP address,
hashed machine id, every 30 minutes) went on. With `no_switch`, the tool reads on whatever its controls say, the
controls' own state is kept apart ("partly off"), an opt-out still writes what can be switched, is done when that
reads off, and says what keeps sending; undo gives the file's bytes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports

from tracklight.changes.everything import everything_to_opt_out
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import State

ACME = """\
manifest_version = 1
id = "acme-modeler"
name = "Acme Modeler"
vendor = "Acme Inc."

[detect]
paths = ["~/.config/acme-modeler"]

[telemetry]
tier = "full"
default = "on"
no_switch = ["licence heartbeats"]

[[telemetry.controls]]
sender = "crash reports"
kind = "file"
path = "~/.config/acme-modeler/settings.json"
format = "json"
key = "crashReports"
off = false
on = true
"""

SETTINGS = '{\n  "theme": "dark",\n  "crashReports": true\n}\n'


@pytest.fixture
def settings(home: Path) -> Path:
    """Acme's own manifest in the user's disclosure folder, and its settings file (so it is installed)."""
    plant(home / ".local/share/telemetry-disclosures/acme-modeler.toml", ACME)
    return home / ".config/acme-modeler/settings.json"


def _show(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "tracklight.cli", *args], check=True, capture_output=True,
                          text=True).stdout


def test_the_tool_reads_on_while_its_switchable_part_is_off(settings: Path) -> None:
    plant(settings, '{"crashReports": false}\n')
    [report] = reports("acme-modeler")
    assert report.state is State.ON and report.tracking, "the licence heartbeats go on whatever is set"
    assert report.switch_state is State.OFF, "what its switch changes is off"
    assert report.keeps_sending == ("licence heartbeats",)
    scanned = json.loads(_show("scan", "--json"))
    [entry] = [t for t in scanned["tools"] if t["id"] == "acme-modeler"]
    assert (entry["state"], entry["controls_state"], entry["no_switch"]) == ("on", "off", ["licence heartbeats"])


def test_scan_and_show_say_partly_off_and_what_keeps_sending(settings: Path) -> None:
    plant(settings, '{"crashReports": false}\n')
    table = _show("scan")
    [row] = [line for line in table.splitlines() if "acme-modeler" in line]
    assert "on  (partly off)" in row
    shown = _show("show", "acme-modeler")
    assert "state:     on" in shown
    assert f"=> [crash reports] {settings} key crashReports (line 1) = false  -> means off" in shown
    assert "=> [licence heartbeats] no setting stops it: sends whatever is set" in shown


def test_optout_writes_the_switch_succeeds_says_what_keeps_sending_and_undo_gives_the_bytes_back(
        settings: Path) -> None:
    before = plant(settings, SETTINGS)
    assert reports("acme-modeler")[0].switch_state is State.ON
    result = subprocess.run([sys.executable, "-m", "tracklight.cli", "optout", "acme-modeler"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(settings.read_text()) == {"theme": "dark", "crashReports": False}
    assert ("note: acme-modeler: Acme Modeler still sends its licence heartbeats: there is no setting to stop this"
            in result.stdout)
    assert "still reads" not in result.stdout + result.stderr, "the opt-out did what can be done: no failure"
    [report] = reports("acme-modeler")
    assert (report.state, report.switch_state) == (State.ON, State.OFF)
    subprocess.run([sys.executable, "-m", "tracklight.cli", "undo"], check=True, capture_output=True)
    assert settings.read_bytes() == before


def test_optout_everything_leaves_it_alone_once_its_switch_is_off(settings: Path) -> None:
    plant(settings, SETTINGS)
    assert [r.id for r in everything_to_opt_out(reports("acme-modeler"))] == ["acme-modeler"]
    outcome = changes().optout(reports("acme-modeler"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert everything_to_opt_out(reports("acme-modeler")) == [], "nothing left that a setting can stop"


def test_the_window_and_the_menu_say_what_keeps_sending(settings: Path) -> None:
    from tracklight.ui.details_text import answer, report_html
    from tracklight.ui.menu import entry_text, entry_tooltip
    from tracklight.ui.tool_table import state_text

    plant(settings, SETTINGS)
    [report] = reports("acme-modeler")
    assert state_text(report) == "sends"
    assert "Click to opt out of what can be switched off" in entry_tooltip(report)
    plant(settings, '{"crashReports": false}\n')
    [report] = reports("acme-modeler")
    home = str(settings.parents[2])
    assert state_text(report) == "partly off"
    assert entry_text(report) == "Acme Modeler — full (partly off)"
    assert entry_tooltip(report).endswith("The rest is off. Click to allow the rest again.")
    found = answer(report, home)
    assert found.state.startswith("Sends telemetry now")
    assert found.why == ("Crash reports: ~/.config/acme-modeler/settings.json sets crashReports to false, which means "
                         "off. No setting stops Acme Modeler's licence heartbeats.")
    assert ("<tr><td><i>none</i><br/><small>for the licence heartbeats</small></td><td><i>no setting stops it</i>"
            "</td><td><b>on — always</b></td></tr>") in report_html(report, home)


def test_a_menu_click_on_a_partly_off_tool_allows_it_again(settings: Path, qapp: object) -> None:
    from tracklight.ui.change_queue import ChangeQueue

    plant(settings, '{"crashReports": false}\n')
    [report] = reports("acme-modeler")
    asked: list[str] = []
    queue = ChangeQueue.__new__(ChangeQueue)
    queue.optout = lambda reports, **_: asked.append("optout")  # type: ignore[method-assign]
    queue.optin = lambda reports: asked.append("optin")  # type: ignore[method-assign]
    ChangeQueue.toggle(queue, report)
    assert asked == ["optin"], "its switch is off: the click turns it back, not a second opt-out"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('sender = "crash reports"\n', "", "'telemetry.controls.0.sender' is missing: with 'telemetry.no_switch'"),
    ('sender = "crash reports"', 'sender = "licence heartbeats"', "which 'telemetry.no_switch' says has no switch"),
    ('tier = "full"', 'tier = "none"', "whose tier is none"),
    ('"licence heartbeats"]', '"licence heartbeats", "licence heartbeats"]', "names a sender twice"),
    ('"licence heartbeats"]', '"' + "licence " * 10 + '"]', "1 to 60 characters"),
])
def test_a_wrong_no_switch_is_an_error_with_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = ACME.replace(old, new, 1)
    assert text != ACME
    path = tmp_path / "acme-modeler.toml"
    path.write_text(text, encoding="utf-8")
    result = load_manifest_file(path)
    assert result.tool is None
    [problem] = [p for p in result.problems if message in p.message]
    assert problem.line is not None and 1 <= problem.line <= len(text.splitlines())
