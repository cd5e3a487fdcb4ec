"""`policy apply` in a sandbox root: the right files, merged without losing content, idempotent, checkable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tracklight.admin.context import load_context
from tracklight.admin.system_apply import apply_system_plan, outcomes, system_history, undo_system
from tracklight.errors import FormatError, PolicyError, UnsafePathError

from .conftest import FLEET_POLICY, tree


def context(policy: Path, root: Path):
    return load_context(str(policy), dict(os.environ), str(root))


def test_apply_writes_the_system_files_a_fleet_policy_needs(write_policy, sysroot):
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    files = tree(sysroot)

    assert files["etc/tracklight/policy.toml"] == FLEET_POLICY.encode()
    firefox = json.loads(files["etc/firefox/policies/policies.json"])
    assert firefox == {"policies": {"DisableTelemetry": True, "DisableFirefoxStudies": True}}
    assert json.loads(files["etc/opt/chrome/policies/managed/tracklight.json"]) == {
        "MetricsReportingEnabled": False, "UrlKeyedAnonymizedDataCollectionEnabled": False}
    # Chromium is opted out too, but unbranded builds never send usage statistics: no policy file that changes nothing.
    assert not any(path.startswith("etc/chromium") for path in files)
    assert files["etc/homebrew/brew.env"] == b"HOMEBREW_NO_ANALYTICS=1\n"
    assert "etc/popularity-contest.conf" not in files  # not installed here: its config is not planted
    environment = files["etc/environment.d/60-tracklight.conf"].decode()
    assert "\nDOTNET_CLI_TELEMETRY_OPTOUT=1\n" in environment and "\nDO_NOT_TRACK=1\n" in environment
    profile = files["etc/profile.d/tracklight.sh"].decode()
    assert "export DOTNET_CLI_TELEMETRY_OPTOUT=1\n" in profile and "export DO_NOT_TRACK=1\n" in profile
    assert b"Exec=tracklight policy apply --user\n" in files["etc/xdg/autostart/tracklight-policy.desktop"]
    # Per-user tools are seeded for new accounts.
    assert json.loads(files["etc/skel/.config/nextjs-nodejs/config.json"]) == {"telemetry": {"enabled": False}}
    assert b'"telemetry.telemetryLevel": "off"' in files["etc/skel/.config/Code/User/settings.json"]
    assert files["etc/skel/.config/go/telemetry/mode"].startswith(b"off ")
    assert set(ctx.plan.user_tools) == {"nextjs", "vscode", "go"}
    # Every user can read what browsers and shells read.
    assert (sysroot / "etc/firefox/policies").stat().st_mode & 0o777 == 0o755
    assert (sysroot / "etc/firefox/policies/policies.json").stat().st_mode & 0o777 == 0o644


def test_a_second_apply_changes_nothing_and_check_finds_no_drift(write_policy, sysroot):
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    first = tree(sysroot)
    stamps = {p: os.stat(sysroot / p).st_mtime_ns for p in first}

    again = apply_system_plan(ctx.plan, ctx.index, str(sysroot)).outcomes

    assert not any(o.changes for o in again)
    assert tree(sysroot) == first
    assert {p: os.stat(sysroot / p).st_mtime_ns for p in first} == stamps


def test_existing_system_files_keep_their_content(write_policy, sysroot):
    firefox = sysroot / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text('{\n  "policies": {\n    "BlockAboutConfig": true\n  },\n  "note": "kept"\n}\n')
    popcon = sysroot / "etc/popularity-contest.conf"
    popcon.write_text('# Config file for Debian\'s popularity-contest package.\nMY_HOSTID="abc123"\n'
                      'PARTICIPATE="yes"\nUSEHTTP="yes"\n')
    os.chmod(popcon, 0o640)
    ctx = context(write_policy(FLEET_POLICY), sysroot)

    apply_system_plan(ctx.plan, ctx.index, str(sysroot))

    assert json.loads(firefox.read_text()) == {
        "policies": {"BlockAboutConfig": True, "DisableTelemetry": True, "DisableFirefoxStudies": True},
        "note": "kept"}
    assert popcon.read_text() == ('# Config file for Debian\'s popularity-contest package.\nMY_HOSTID="abc123"\n'
                                  'PARTICIPATE="no"\nUSEHTTP="yes"\n')
    assert popcon.stat().st_mode & 0o777 == 0o640


def test_check_lists_drift_after_someone_changes_a_file(write_policy, sysroot):
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    (sysroot / "etc/homebrew/brew.env").write_text("HOMEBREW_NO_ANALYTICS=\n")
    (sysroot / "etc/profile.d/tracklight.sh").unlink()

    drift = {o.file.path: o for o in outcomes(context(write_policy(FLEET_POLICY), sysroot).plan, str(sysroot))
             if o.changes}

    assert set(drift) == {"/etc/homebrew/brew.env", "/etc/profile.d/tracklight.sh"}
    assert drift["/etc/profile.d/tracklight.sh"].before is None


def test_a_file_that_does_not_parse_stops_the_apply_before_anything_is_written(write_policy, sysroot):
    firefox = sysroot / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text('{"policies": {"BlockAboutConfig": true,,}}\n')
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    before = tree(sysroot)

    with pytest.raises(FormatError) as caught:
        apply_system_plan(ctx.plan, ctx.index, str(sysroot))

    assert caught.value.path == str(firefox) and caught.value.line == 1
    assert tree(sysroot) == before


def test_unknown_ids_apply_nothing(write_policy, sysroot):
    policy = write_policy('policy_version = 1\n[optout]\ntools = ["firefox", "firefx"]\n')
    with pytest.raises(PolicyError, match=r":3: unknown tool id 'firefx'"):
        context(policy, sysroot)
    assert tree(sysroot) == {}


def test_a_symlink_out_of_the_root_is_not_followed(write_policy, sysroot, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (sysroot / "etc").mkdir()
    (sysroot / "etc/firefox").symlink_to(outside)
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    with pytest.raises(UnsafePathError, match="outside the root"):
        apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    assert list(outside.iterdir()) == []


# ---------------------------------------------------------------- undo --system (issue 14, item 6)

def prepared_machine(sysroot: Path) -> None:
    """A machine that already has a browser policy of its own and Debian's popularity-contest config."""
    firefox = sysroot / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text('{\n  "policies": {\n    "BlockAboutConfig": true\n  }\n}\n')
    popcon = sysroot / "etc/popularity-contest.conf"
    popcon.write_text('MY_HOSTID="abc123"\nPARTICIPATE="yes"\n')
    os.chmod(popcon, 0o640)


def files_and_folders(root: Path) -> dict[str, object]:
    """Every file (bytes, mode) and folder under root, except the system journal itself."""
    found: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel.startswith("var/lib/tracklight") or rel in ("var", "var/lib"):
            continue
        found[rel] = (path.read_bytes(), path.stat().st_mode & 0o777) if path.is_file() else "folder"
    return found


def test_a_system_apply_is_journaled_under_the_system_state_folder(write_policy, sysroot):
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    applied = apply_system_plan(ctx.plan, ctx.index, str(sysroot))

    assert applied.changeset is not None
    [entry] = system_history(str(sysroot))
    assert entry.id == applied.changeset.id and entry.status.value == "complete"
    assert (sysroot / "var/lib/tracklight/journal" / f"{entry.id}.json").is_file()
    assert {c.path for c in entry.changeset.files} == {o.target for o in applied.outcomes if o.changes}
    assert not (Path(os.environ["HOME"]) / ".local/state/tracklight").exists()  # not the user's journal


def test_undo_system_puts_every_byte_mode_and_folder_back(write_policy, sysroot):
    prepared_machine(sysroot)
    before = files_and_folders(sysroot)
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    assert files_and_folders(sysroot) != before

    undone = undo_system(str(sysroot))

    assert files_and_folders(sysroot) == before
    assert undone.reverts is not None
    statuses = {e.id: e.status.value for e in system_history(str(sysroot))}
    assert statuses[undone.reverts] == "undone"


def test_undo_system_refuses_when_a_file_changed_since(write_policy, sysroot):
    ctx = context(write_policy(FLEET_POLICY), sysroot)
    apply_system_plan(ctx.plan, ctx.index, str(sysroot))
    brew = sysroot / "etc/homebrew/brew.env"
    brew.write_text("HOMEBREW_NO_ANALYTICS=1\nHOMEBREW_NO_ENV_HINTS=1\n")  # an admin's own edit since
    before = files_and_folders(sysroot)

    from tracklight.errors import ConflictError

    with pytest.raises(ConflictError) as caught:
        undo_system(str(sysroot))

    assert caught.value.path == str(brew) and "nothing was undone" in str(caught.value)
    assert files_and_folders(sysroot) == before
