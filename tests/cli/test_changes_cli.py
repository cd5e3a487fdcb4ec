"""`tracklight optout / optin / undo / history`, run as a user would: the real command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
SETTINGS = ".config/Code/User/settings.json"
VSCODE_SETTINGS = '{\n  // my editor\n  "editor.fontSize": 13,\n  "telemetry.telemetryLevel": "all",\n}\n'


@pytest.fixture
def sandbox(sandbox_home: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a user whose machine has VS Code, .NET, Next.js, Go and the Azure CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for exe in ("code", "dotnet", "next", "go", "az"):
        (bin_dir / exe).write_text("#!/bin/sh\n")
        (bin_dir / exe).chmod(0o755)
    keep = ("HOME", "XDG_", "TRACKLIGHT_SYSTEM_ROOT", "LANG", "LC_", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
    env["PATH"] = str(bin_dir)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKLIGHT, *args], env=env, check=False, capture_output=True, text=True, timeout=120)


def files_under(root: Path) -> dict[str, bytes]:
    """Every file of the home with its bytes, except Tracklight's own journal and cache."""
    result = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith((".local/state/tracklight", ".cache/tracklight")):
            result[rel] = path.read_bytes()
    return result


def plant(home: Path, rel: str, text: str) -> None:
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_dry_run_prints_the_diff_and_writes_nothing(sandbox: dict[str, str], sandbox_home: Path) -> None:
    plant(sandbox_home, SETTINGS, VSCODE_SETTINGS)
    before = files_under(sandbox_home)
    done = run(sandbox, "optout", "vscode", "dotnet", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"--- a{sandbox_home / SETTINGS}" in done.stdout
    assert '-  "telemetry.telemetryLevel": "all",' in done.stdout
    assert '+  "telemetry.telemetryLevel": "off",' in done.stdout
    assert "DOTNET_CLI_TELEMETRY_OPTOUT" in done.stdout and "nothing was written" in done.stdout
    assert files_under(sandbox_home) == before
    assert not (sandbox_home / ".local/state/tracklight/journal").exists()


def test_optout_all_turns_every_installed_tool_off_and_undo_restores_every_byte(
        sandbox: dict[str, str], sandbox_home: Path) -> None:
    plant(sandbox_home, SETTINGS, VSCODE_SETTINGS)
    plant(sandbox_home, ".profile", "# ~/.profile\nexport EDITOR=vi\n")
    plant(sandbox_home, ".azure/config", "[core]\noutput = table\ncollect_telemetry = yes\n")
    before = files_under(sandbox_home)

    done = run(sandbox, "optout", "--all")
    assert done.returncode == 0, done.stderr
    scanned = json.loads(run(sandbox, "scan", "--json").stdout)
    states = {t["id"]: t["state"] for t in scanned["tools"]}
    assert {"vscode", "dotnet", "nextjs", "azure-cli"} <= set(states)
    tracking = {tool_id: state for tool_id, state in states.items() if state == "on"}
    assert tracking == {}, tracking
    history = json.loads(run(sandbox, "history", "--json").stdout)["changes"]
    assert len(history) == 1 and history[0]["status"] == "complete"
    assert {"name": "DO_NOT_TRACK", "old": None, "new": "1", "tools": []} in history[0]["env"]

    done = run(sandbox, "undo")
    assert done.returncode == 0, done.stderr
    assert files_under(sandbox_home) == before
    scanned = json.loads(run(sandbox, "scan", "--json").stdout)
    assert {t["id"]: t["state"] for t in scanned["tools"]}["vscode"] == "on"


def test_unknown_id_exits_1_and_changes_nothing(sandbox: dict[str, str], sandbox_home: Path) -> None:
    before = files_under(sandbox_home)
    done = run(sandbox, "optout", "dotnet", "no-such-tool")
    assert done.returncode == 1
    assert "unknown tool id 'no-such-tool'" in done.stderr
    assert files_under(sandbox_home) == before


def test_a_choice_only_the_tool_itself_writes_is_named_not_called_missing(sandbox: dict[str, str],
                                                                          sandbox_home: Path) -> None:
    """Home Assistant keeps its analytics choice in .storage/core.analytics, which Tracklight reads but never writes:
    the refusal says where the switch is and who can flip it, not that there is none."""
    before = files_under(sandbox_home)
    done = run(sandbox, "optout", "home-assistant")
    assert done.returncode == 1
    assert "keeps its telemetry choice in its own settings (json key data.preferences.base)" in done.stderr
    assert "turn it off in Home Assistant itself" in done.stderr and "offers no setting" not in done.stderr
    assert files_under(sandbox_home) == before

    done = run(sandbox, "optout", "activepieces")  # a server: its switch lives in the service's environment
    assert done.returncode == 1
    assert "is switched off by AP_TELEMETRY_ENABLED in its own environment" in done.stderr
    assert "set it where Activepieces (self-hosted) runs" in done.stderr
    assert files_under(sandbox_home) == before

    # Two senders, each read only: name the first sender's switch, and what it does not stop (not the licence key
    # file, which is no telemetry choice).
    done = run(sandbox, "optout", "eventstoredb")
    assert done.returncode == 1
    assert "is switched off by KURRENTDB_TELEMETRY_OPTOUT in its own environment" in done.stderr
    assert "that does not stop its licence checks" in done.stderr and "Licensing.LicenseKey" not in done.stderr
    assert files_under(sandbox_home) == before


@pytest.mark.parametrize("args", [["optout"], ["optout", "--all", "vscode"], ["optin"], ["undo", "a", "b"],
                                  ["history", "--bogus"]])
def test_usage_errors_exit_2(args: list[str], sandbox: dict[str, str]) -> None:
    done = run(sandbox, *args)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert "usage:" in done.stderr


def test_a_broken_file_fails_its_tool_with_file_and_line_and_the_rest_is_done(
        sandbox: dict[str, str], sandbox_home: Path) -> None:
    broken = '{\n  "editor.fontSize": 13,\n  "oops" 1\n}\n'
    plant(sandbox_home, SETTINGS, broken)
    done = run(sandbox, "optout", "vscode", "dotnet")
    assert done.returncode == 1
    assert f"could not opt out of vscode: {sandbox_home / SETTINGS}:3:" in done.stderr
    assert (sandbox_home / SETTINGS).read_text() == broken
    assert "opt out of dotnet" in done.stdout

    as_json = run(sandbox, "optout", "vscode", "--json")
    assert as_json.returncode == 1
    payload = json.loads(as_json.stdout)
    [failure] = payload["failures"]
    assert failure["id"] == "vscode" and failure["file"] == str(sandbox_home / SETTINGS) and failure["line"] == 3


def test_optout_json_describes_the_change(sandbox: dict[str, str], sandbox_home: Path) -> None:
    plant(sandbox_home, SETTINGS, VSCODE_SETTINGS)
    payload = json.loads(run(sandbox, "optout", "vscode", "--json").stdout)
    assert payload["applied"] is True and payload["dry_run"] is False
    [change] = payload["change"]["files"]
    assert change["path"] == str(sandbox_home / SETTINGS)
    assert change["edits"] == [{"tool": "vscode", "key": '"telemetry.telemetryLevel"',
                                "control": 'jsonc key "telemetry.telemetryLevel"', "old": "all", "new": "off"}]


def test_undo_refuses_when_the_file_was_edited_since(sandbox: dict[str, str], sandbox_home: Path) -> None:
    plant(sandbox_home, SETTINGS, VSCODE_SETTINGS)
    assert run(sandbox, "optout", "vscode").returncode == 0
    settings = sandbox_home / SETTINGS
    edited = settings.read_text().replace("13", "15")
    settings.write_text(edited)
    done = run(sandbox, "undo")
    assert done.returncode == 1
    assert str(settings) in done.stderr and "changed since change" in done.stderr
    assert settings.read_text() == edited


def test_optin_and_history(sandbox: dict[str, str], sandbox_home: Path) -> None:
    assert run(sandbox, "optout", "dotnet").returncode == 0
    done = run(sandbox, "optin", "dotnet")
    assert done.returncode == 0, done.stderr
    assert "DOTNET_CLI_TELEMETRY_OPTOUT: 1 -> (not set)" in done.stdout
    lines = run(sandbox, "history").stdout.splitlines()
    summaries = [line for line in lines if not line.startswith(" ")]
    assert "opt back in to dotnet" in summaries[0] and "opt out of dotnet" in summaries[1]
    assert run(sandbox, "optin", "dotnet").stdout.startswith("dotnet: already on")


def test_all_reports_system_only_tools_but_a_named_one_fails(sandbox: dict[str, str], sandbox_home: Path) -> None:
    bin_dir = Path(sandbox["PATH"])
    (bin_dir / "grafana-server").write_text("#!/bin/sh\n")
    (bin_dir / "grafana-server").chmod(0o755)
    scanned = json.loads(run(sandbox, "scan", "--json").stdout)
    assert any(t["id"] == "grafana" and t["state"] == "on" for t in scanned["tools"])
    done = run(sandbox, "optout", "--all", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "note: grafana:" in done.stdout and "tracklight policy apply" in done.stdout
    named = run(sandbox, "optout", "grafana")
    assert named.returncode == 1
    assert "could not opt out of grafana" in named.stderr and "tracklight policy apply" in named.stderr


def test_a_state_folder_that_is_not_a_folder_is_a_clear_error(sandbox: dict[str, str], sandbox_home: Path) -> None:
    # Someone (or a broken sync tool) left files where Tracklight keeps its journal.
    state = sandbox_home / ".local/state/tracklight"
    state.mkdir(parents=True)
    (state / "journal").write_text("not a folder")
    for args in (["history"], ["history", "--json"], ["undo"]):
        done = run(sandbox, *args)
        assert done.returncode == 1, args
        assert done.stderr.startswith("tracklight: ") and "Traceback" not in done.stderr
        assert str(state / "journal") in done.stderr
    (state / "journal").unlink()
    state.rmdir()
    state.write_text("not a folder either")
    done = run(sandbox, "optout", "dotnet")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("tracklight: ") and str(state) in done.stderr
    assert not (sandbox_home / ".config/environment.d").exists()


def test_optout_all_answers_no_ahead_for_tools_that_ask_first_or_count_on_disk(
        sandbox: dict[str, str], sandbox_home: Path) -> None:
    bin_dir = Path(sandbox["PATH"])
    for exe in ("ng", "go"):
        (bin_dir / exe).write_text("#!/bin/sh\n")
        (bin_dir / exe).chmod(0o755)
    plant(sandbox_home, ".config/go/telemetry/mode", "local")
    done = run(sandbox, "optout", "--all")
    assert done.returncode == 0, done.stderr
    assert (sandbox_home / ".config/go/telemetry/mode").read_text().startswith("off ")
    env_file = sandbox_home / ".config/environment.d/60-tracklight.conf"
    assert "NG_CLI_ANALYTICS=false" in env_file.read_text()
    scanned = {t["id"]: t["state"] for t in json.loads(run(sandbox, "scan", "--json").stdout)["tools"]}
    assert scanned["go"] == "off" and scanned["angular-cli"] == "off"
