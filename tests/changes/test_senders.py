"""Controls grouped by sender (manifest `sender`): each sender is read by the tool's precedence on its own, the tool
is on while any sender is on, and an opt-out switches off every sender.

conda sends usage tokens (anaconda_anon_usage, beaten by CONDA_ANACONDA_ANON_USAGE) and package-list headers
(plugins.anaconda_telemetry): before senders, one order for all four controls read "variable off, file says nothing"
as on. A two-sender manifest of the reader's own (Acme) checks the general rules, through opt-out and undo.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import Meaning, State

ACME = """\
manifest_version = 1
id = "acme-cli"
name = "Acme CLI"
vendor = "Acme Inc."

[detect]
paths = ["~/.config/acme"]

[telemetry]
tier = "anonymized"
default = "on"

[[telemetry.controls]]
sender = "usage events"
kind = "env"
name = "ACME_TELEMETRY"
off = "0"
on = "1"

[[telemetry.controls]]
sender = "usage events"
kind = "file"
path = "~/.config/acme/config.json"
format = "json"
key = "telemetry.enabled"
off = false
on = true

[[telemetry.controls]]
sender = "crash reports"
kind = "env"
name = "ACME_CRASH_TELEMETRY"
off = "0"
on = "1"

[[telemetry.controls]]
sender = "crash reports"
kind = "file"
path = "~/.config/acme/config.json"
format = "json"
key = "crash.enabled"
off = false
on = true
"""

CONFIG = '{\n  "theme": "dark",\n  "telemetry": {\n    "enabled": true\n  }\n}\n'


@pytest.fixture
def acme(home: Path) -> Path:
    """Acme's own manifest in the user's disclosure folder, and its config folder (so it is installed)."""
    plant(home / ".local/share/telemetry-disclosures/acme-cli.toml", ACME)
    (home / ".config/acme").mkdir(parents=True, exist_ok=True)
    return home / ".config/acme/config.json"


def _decisive(tool_id: str) -> list[tuple[str, str | None, Meaning]]:
    return [(e.control.sender, e.key or e.control.name, e.meaning) for e in reports(tool_id)[0].evidence
            if e.decisive]


def test_the_tool_is_on_while_any_sender_is_on(acme: Path) -> None:
    plant(acme, '{"telemetry": {"enabled": false}}\n')
    assert state_of("acme-cli") is State.ON, "crash reports: nothing set, the default (on) applies"
    assert _decisive("acme-cli") == [], "no setting makes it on: the crash reporter's default does"
    plant(acme, '{"telemetry": {"enabled": false}, "crash": {"enabled": false}}\n')
    assert state_of("acme-cli") is State.OFF
    assert _decisive("acme-cli") == [("usage events", "telemetry.enabled", Meaning.OFF),
                                      ("crash reports", "crash.enabled", Meaning.OFF)]


def test_each_sender_keeps_its_own_order(acme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(acme, '{"telemetry": {"enabled": false}, "crash": {"enabled": false}}\n')
    monkeypatch.setenv("ACME_TELEMETRY", "1")  # the variable beats the file, for the usage events only
    assert state_of("acme-cli") is State.ON
    assert _decisive("acme-cli") == [("usage events", "ACME_TELEMETRY", Meaning.ON)]
    monkeypatch.setenv("ACME_TELEMETRY", "0")
    plant(acme, '{"telemetry": {"enabled": true}, "crash": {"enabled": false}}\n')
    assert state_of("acme-cli") is State.OFF, "the usage variable says off and beats the file's true"


def test_show_names_the_sender_of_each_setting(acme: Path) -> None:
    plant(acme, '{"telemetry": {"enabled": false}}\n')
    shown = subprocess.run([sys.executable, "-m", "tracklight.cli", "show", "acme-cli"], check=True,
                           capture_output=True, text=True).stdout
    assert f"[usage events] {acme} key telemetry.enabled" in shown
    assert f"[crash reports] {acme} key crash.enabled: key not set" in shown


def test_the_window_says_which_sender_is_left_on(acme: Path) -> None:
    from tracklight.ui.details_text import answer, report_html

    plant(acme, '{"telemetry": {"enabled": false}}\n')
    report = reports("acme-cli")[0]
    home = str(acme.parents[2])
    assert answer(report, home).why == ("Nothing is set for Acme CLI's crash reports, so its default applies: it "
                                        "sends telemetry.")
    assert "switches the crash reports" in report_html(report, home)
    plant(acme, '{"telemetry": {"enabled": false}, "crash": {"enabled": false}}\n')
    assert answer(reports("acme-cli")[0], home).why == (
        "Usage events: ~/.config/acme/config.json sets telemetry.enabled to false, which means off. "
        "Crash reports: ~/.config/acme/config.json sets crash.enabled to false, which means off.")


def test_one_optout_switches_off_every_sender_and_undo_gives_the_bytes_back(acme: Path) -> None:
    before = plant(acme, CONFIG)
    assert state_of("acme-cli") is State.ON
    outcome = changes().optout(reports("acme-cli"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert outcome.applied.env == (), "a file control per sender is written, so no variable is needed"
    written = json.loads(acme.read_text())
    assert written == {"theme": "dark", "telemetry": {"enabled": False}, "crash": {"enabled": False}}
    assert state_of("acme-cli") is State.OFF
    changes().undo()
    assert acme.read_bytes() == before
    assert state_of("acme-cli") is State.ON


def test_a_sender_already_off_is_left_as_it_is(acme: Path) -> None:
    plant(acme, '{\n  "crash": {\n    "enabled": false\n  }\n}\n')
    outcome = changes().optout(reports("acme-cli"))
    assert outcome.applied is not None
    assert json.loads(acme.read_text()) == {"crash": {"enabled": False}, "telemetry": {"enabled": False}}


def test_a_sender_named_on_some_controls_only_is_an_error_with_its_line(tmp_path: Path) -> None:
    text = ACME.replace('sender = "crash reports"\nkind = "env"', 'kind = "env"')
    path = tmp_path / "acme-cli.toml"
    path.write_text(text, encoding="utf-8")
    result = load_manifest_file(path)
    assert result.tool is None
    [problem] = [p for p in result.problems if "sender" in p.message]
    assert "controls.2.sender' is missing" in problem.message
    lines = text.splitlines()
    assert lines[problem.line - 1] == "[[telemetry.controls]]" and lines[problem.line] == 'kind = "env"', problem


def test_a_long_sender_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "acme-cli.toml"
    path.write_text(ACME.replace('"crash reports"', '"' + "crash " * 20 + '"'), encoding="utf-8")
    result = load_manifest_file(path)
    assert result.tool is None
    assert any("longer than 60 characters" in p.message for p in result.problems)


# ---------------------------------------------------------------- conda, from the catalog

def test_conda_reads_the_token_variable_over_the_file_and_needs_both_senders_off(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    condarc = home / ".condarc"
    plant(condarc, "channels:\n  - defaults\nplugins:\n  anaconda_telemetry: false\n")
    assert state_of("conda") is State.ON, "the tokens are on by default"
    monkeypatch.setenv("CONDA_ANACONDA_ANON_USAGE", "no")
    assert state_of("conda") is State.OFF, "the variable stops the tokens, the key the headers"
    plant(condarc, "anaconda_anon_usage: false\n")
    assert state_of("conda") is State.ON, "the package-list headers have no switch set"
    monkeypatch.setenv("CONDA_ANACONDA_ANON_USAGE", "yes")
    plant(condarc, "anaconda_anon_usage: false\nplugins:\n  anaconda_telemetry: false\n")
    assert state_of("conda") is State.ON, "conda reads the variable before any condarc"


def test_conda_optout_writes_both_condarc_keys_and_undo_restores_them(home: Path) -> None:
    condarc = home / ".condarc"
    before = plant(condarc, "channels:\n  - conda-forge\n")
    outcome = changes().optout(reports("conda"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert outcome.applied.env == ()
    import yaml

    assert yaml.safe_load(condarc.read_text()) == {"channels": ["conda-forge"], "anaconda_anon_usage": False,
                                                   "plugins": {"anaconda_telemetry": False}}
    assert state_of("conda") is State.OFF
    changes().undo()
    assert condarc.read_bytes() == before


def test_allow_turns_back_every_sender_and_says_so(home: Path) -> None:
    from tracklight.changes.before_optout import ValuesBeforeOptout
    from tracklight.ui.details_text import allow_line

    condarc = home / ".condarc"
    plant(condarc, "anaconda_anon_usage: false\nplugins:\n  anaconda_telemetry: false\n")
    line = allow_line(reports("conda")[0], ValuesBeforeOptout(), "2026-12-07")
    assert line.startswith("Allow writes anaconda_anon_usage = true")
    assert line.endswith("It turns back plugins.anaconda_telemetry the same way.")
    outcome = changes().optin(reports("conda"))
    assert outcome.plan.failures == () and outcome.applied is not None
    import yaml

    assert yaml.safe_load(condarc.read_text()) == {"anaconda_anon_usage": True, "plugins": {"anaconda_telemetry": True}}
    assert state_of("conda") is State.ON
