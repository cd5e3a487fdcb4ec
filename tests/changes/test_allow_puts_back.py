"""Allow undoes the opt-out: it puts back the value the person had before it (from the journal), never one that sends
more. Only where the journal has no record does it write the tool's `on` value (or remove the setting)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracklight.changes.before_optout import values_before_optout
from tracklight.changes.changeset import Action

from .changes_helpers import FIXED_NOW, changes, plant, reports


def _at(minutes: int):
    """The change machinery with its clock at FIXED_NOW + minutes (the journal orders changes by time)."""
    return changes(FIXED_NOW + dt.timedelta(minutes=minutes))


def _vscode_settings(home: Path) -> Path:
    return home / ".config" / "Code" / "User" / "settings.json"


def test_allow_puts_back_the_level_the_person_had(sandbox_home: Path) -> None:
    settings = _vscode_settings(sandbox_home)
    original = plant(settings, '{\n  // mine\n  "telemetry.telemetryLevel": "error"\n}\n')
    assert changes().optout(reports("vscode")).applied is not None
    assert b'"off"' in settings.read_bytes()
    allowed = changes().optin(reports("vscode"))
    assert allowed.applied is not None
    assert settings.read_bytes() == original  # "error" again, not "all"
    edit = allowed.applied.files[0].edits[0]
    assert (edit.old_value, edit.new_value) == ("off", "error")


def test_allow_removes_a_setting_that_was_not_there_before(sandbox_home: Path) -> None:
    settings = _vscode_settings(sandbox_home)
    plant(settings, '{\n  "editor.fontSize": 14\n}\n')
    changes().optout(reports("vscode"))
    assert b"telemetryLevel" in settings.read_bytes()
    changes().optin(reports("vscode"))
    assert b"telemetryLevel" not in settings.read_bytes()  # back to the tool's own default, as before


def test_allow_without_a_record_writes_the_tools_on_value(sandbox_home: Path) -> None:
    settings = _vscode_settings(sandbox_home)
    plant(settings, '{\n  "telemetry.telemetryLevel": "off"\n}\n')  # switched off by hand, not by Tracklight
    changes().optin(reports("vscode"))
    assert b'"all"' in settings.read_bytes()


def test_allow_brings_go_back_to_local_counting_not_uploads(sandbox_home: Path) -> None:
    mode = sandbox_home / ".config" / "go" / "telemetry" / "mode"
    plant(mode, "local")
    changes().optout(reports("go"))
    assert mode.read_text().startswith("off ")
    changes().optin(reports("go"))
    assert mode.read_text() == "local"  # not "on …", which uploads weekly


def test_allow_leaves_an_ask_first_tool_undecided_again(sandbox_home: Path) -> None:
    env_file = sandbox_home / ".config" / "environment.d" / "60-tracklight.conf"
    changes().optout(reports("ferretdb"))
    assert "FERRETDB_TELEMETRY=disable" in env_file.read_text()
    changes().optin(reports("ferretdb"))
    assert not env_file.exists() or "FERRETDB_TELEMETRY" not in env_file.read_text()  # not "enable"


def test_the_value_before_the_first_opt_out_in_force_counts(sandbox_home: Path) -> None:
    settings = _vscode_settings(sandbox_home)
    original = plant(settings, '{\n  "telemetry.telemetryLevel": "crash"\n}\n')
    _at(1).optout(reports("vscode"))
    plant(settings, '{\n  "telemetry.telemetryLevel": "all"\n}\n')  # an update switched it back on
    _at(2).optout(reports("vscode"))  # opted out again (by hand, or by "Keep me opted out")
    journal = _at(3).history()
    assert values_before_optout(journal).file_value("vscode", str(settings), '"telemetry.telemetryLevel"') == (
        True, "crash")
    _at(3).optin(reports("vscode"))
    assert settings.read_bytes() == original
    # and once allowed, the record is spent: nothing is left to put back
    assert values_before_optout(_at(4).history()).files == {}
    assert _at(4).plan(Action.OPTIN, reports("vscode")).changeset.empty
