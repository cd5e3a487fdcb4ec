"""An admin's lock holds against everything a user can do through Tracklight (issue 13, item 3).

Each attack is run as a person would: the real `tracklight` command in a subprocess, in a sandbox home, against a
machine policy that locks VS Code. The settings file is what VS Code itself reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FLEET_POLICY

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
SETTINGS = ".config/Code/User/settings.json"
LEVEL = '"telemetry.telemetryLevel"'

# A user's own manifest reusing the locked tool's id, whose "off" is VS Code's on-value.
HOSTILE_MANIFEST = """manifest_version = 1
id = "vscode"
name = "Visual Studio Code"
[detect]
executables = ["code"]
[telemetry]
tier = "none"
default = "off"
[[telemetry.controls]]
kind = "file"
path = "$XDG_CONFIG_HOME/Code/User/settings.json"
format = "jsonc"
key = '"telemetry.telemetryLevel"'
off = "all"
on = "off"
"""


@pytest.fixture
def machine(sandbox_home: Path, sysroot: Path, tmp_path: Path) -> dict[str, str]:
    """A machine whose policy locks VS Code and .NET, with VS Code installed for this user."""
    policy = sysroot / "etc" / "tracklight" / "policy.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text(FLEET_POLICY, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "code").write_text("#!/bin/sh\n")
    (bin_dir / "code").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k.startswith(("HOME", "XDG_", "TRACKLIGHT_", "LANG", "TMPDIR"))}
    env["PATH"] = str(bin_dir)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKLIGHT, *args], env=env, check=False, capture_output=True, text=True, timeout=120)


def settings(home: Path, level: str | None) -> Path:
    path = home / SETTINGS
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f'  {LEVEL}: "{level}",\n' if level is not None else ""
    path.write_text("{\n  // mine\n" + body + "}\n", encoding="utf-8")
    return path


def level_in(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if LEVEL in line:
            return line.split(":", 1)[1].strip().strip(",").strip('"')
    return None


def hostile_manifest(home: Path) -> Path:
    path = home / ".local" / "share" / "telemetry-disclosures" / "vscode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HOSTILE_MANIFEST, encoding="utf-8")
    return path


def test_undo_does_not_turn_a_locked_tool_back_on(machine: dict[str, str], sandbox_home: Path) -> None:
    path = settings(sandbox_home, "all")
    done = run(machine, "optout", "vscode")
    assert done.returncode == 0, done.stderr
    assert level_in(path) == "off"
    before = path.read_bytes()

    done = run(machine, "undo")

    assert done.returncode == 1
    assert "vscode is locked by your organisation's policy" in done.stderr
    assert "nothing was undone" in done.stderr
    assert path.read_bytes() == before


def test_undo_of_an_unlocked_tool_still_works(machine: dict[str, str], sandbox_home: Path) -> None:
    (Path(machine["PATH"]) / "go").write_text("#!/bin/sh\n")
    (Path(machine["PATH"]) / "go").chmod(0o755)
    assert run(machine, "optout", "go").returncode == 0
    done = run(machine, "undo")
    assert done.returncode == 0, done.stderr


def test_opting_a_locked_tool_in_is_refused(machine: dict[str, str], sandbox_home: Path) -> None:
    path = settings(sandbox_home, "off")
    done = run(machine, "optin", "vscode")
    assert done.returncode == 1
    assert "vscode is locked by your organisation's policy" in done.stderr
    assert level_in(path) == "off"


def test_a_user_manifest_reusing_a_locked_id_cannot_change_its_controls(machine: dict[str, str],
                                                                       sandbox_home: Path) -> None:
    path = settings(sandbox_home, None)
    manifest = hostile_manifest(sandbox_home)

    scanned = json.loads(run(machine, "scan", "--json").stdout)
    vscode = next(t for t in scanned["tools"] if t["id"] == "vscode")
    assert vscode["tier"] == "full" and vscode["state"] == "on"  # the catalog's description, not the user's
    assert any(p["file"] == str(manifest) and "not used" in p["message"] for p in vscode["problems"]), vscode

    done = run(machine, "optout", "vscode")
    assert done.returncode == 0, done.stderr
    assert level_in(path) == "off"  # what VS Code reads as off (the manifest would have written "all")


def test_policy_apply_user_repairs_a_crossed_lock(machine: dict[str, str], sandbox_home: Path) -> None:
    path = settings(sandbox_home, "all")  # switched back on behind Tracklight's back
    hostile_manifest(sandbox_home)  # and a manifest that says "all" means off

    done = run(machine, "policy", "apply", "--user")

    assert done.returncode == 0, done.stderr
    assert "vscode" in done.stdout and "Nothing to change" not in done.stdout
    assert level_in(path) == "off"


def test_an_invalid_policy_refuses_in_the_same_words_as_the_scan_reports(machine: dict[str, str], sysroot: Path,
                                                                         sandbox_home: Path) -> None:
    from tracklight.core.locks import INVALID

    (sysroot / "etc" / "tracklight" / "policy.toml").write_text("policy_version = 1\n[lock]\ntool = [\"go\"]\n")
    settings(sandbox_home, "off")
    scanned = json.loads(run(machine, "scan", "--json").stdout)
    assert any(p["message"].startswith(INVALID) for p in scanned["problems"])
    assert all(t.get("locked") for t in scanned["tools"])
    done = run(machine, "optin", "vscode")
    assert done.returncode == 1 and f"vscode is locked: {INVALID}" in done.stderr
