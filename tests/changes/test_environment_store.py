"""Persistent env settings: new login, interactive and sh shells see them; removing them leaves no trace."""

from __future__ import annotations

import json
import os
import plistlib
import subprocess
from pathlib import Path

import pytest
from changes_helpers import FIXED_NOW, changes, plant, reports, state_of

from tracklight.changes.changeset import EnvChange
from tracklight.changes.environment_store import EnvironmentStore, LaunchctlPlatform
from tracklight.changes.operations import Changes
from tracklight.changes.session_record import SessionRecord, SessionValue
from tracklight.core.env_file import parse_environment_d
from tracklight.core.model import Os, State, ToolReport
from tracklight.core.scan import scan
from tracklight.errors import FormatError, TracklightError

DEBIAN_BASHRC = """\
# ~/.bashrc: executed by bash(1) for non-login shells.

# If not running interactively, don't do anything
case $- in
    *i*) ;;
      *) return;;
esac

HISTCONTROL=ignoreboth
shopt -s histappend
"""

DEBIAN_PROFILE = """\
# ~/.profile: executed by the command interpreter for login shells.
# if running bash
if [ -n "$BASH_VERSION" ]; then
    # include .bashrc if it exists
    if [ -f "$HOME/.bashrc" ]; then
	. "$HOME/.bashrc"
    fi
fi

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/bin" ] ; then
    PATH="$HOME/bin:$PATH"
fi
"""


def shell_sees(home: Path, argv: list[str], name: str) -> str:
    """What a brand-new shell prints for $name, with nothing inherited but HOME (as after a fresh login)."""
    done = subprocess.run(["/usr/bin/env", "-i", f"HOME={home}", *argv, f'printf "%s" "${name}"'],
                          check=False, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    return done.stdout


SHELLS = {
    "bash login": ["/bin/bash", "-lc"],
    "bash interactive": ["/bin/bash", "-ic"],
    "sh login": ["/bin/sh", "-lc"],
}


def test_new_shells_see_an_env_only_optout_and_not_after_undo(home: Path) -> None:
    profile = plant(home / ".profile", DEBIAN_PROFILE)
    bashrc = plant(home / ".bashrc", DEBIAN_BASHRC)
    for argv in SHELLS.values():
        assert shell_sees(home, argv, "DOTNET_CLI_TELEMETRY_OPTOUT") == ""

    changes().optout(reports("dotnet"))
    for label, argv in SHELLS.items():
        assert shell_sees(home, argv, "DOTNET_CLI_TELEMETRY_OPTOUT") == "1", label
    assert state_of("dotnet") is State.OFF

    changes().undo()
    for label, argv in SHELLS.items():
        assert shell_sees(home, argv, "DOTNET_CLI_TELEMETRY_OPTOUT") == "", label
    assert (home / ".profile").read_bytes() == profile
    assert (home / ".bashrc").read_bytes() == bashrc
    assert not (home / ".config/tracklight/env.sh").exists()
    assert not (home / ".config/environment.d/60-tracklight.conf").exists()
    assert state_of("dotnet") is State.ON


def test_optin_of_the_last_variable_removes_every_trace(home: Path) -> None:
    # no newline at the end and bytes that are not UTF-8: both must survive exactly
    profile = plant(home / ".profile", b"export LANG=de_DE.ISO-8859-1\n# Gr\xfc\xdfe\nexport PAGER=less")
    changes().optout(reports("dotnet", "strapi"))
    assert shell_sees(home, ["/bin/sh", "-lc"], "STRAPI_TELEMETRY_DISABLED") == "true"
    changes().optin(reports("dotnet"))
    assert b"# >>> tracklight" in (home / ".profile").read_bytes()  # strapi's variable is still set
    assert shell_sees(home, ["/bin/bash", "-lc"], "DOTNET_CLI_TELEMETRY_OPTOUT") == ""
    assert shell_sees(home, ["/bin/bash", "-lc"], "STRAPI_TELEMETRY_DISABLED") == "true"
    changes().optin(reports("strapi"))
    assert (home / ".profile").read_bytes() == profile
    assert not (home / ".config/tracklight/env.sh").exists()
    assert not (home / ".config/tracklight/env.fish").exists()


def test_a_profile_tracklight_created_is_removed_again(home: Path) -> None:
    changes().optout(reports("dotnet"))
    assert (home / ".profile").exists()
    assert shell_sees(home, ["/bin/bash", "-lc"], "DOTNET_CLI_TELEMETRY_OPTOUT") == "1"
    changes().optin(reports("dotnet"))
    assert not (home / ".profile").exists()


@pytest.mark.parametrize("login_file", [".bash_profile", ".bash_login"])
def test_bash_reads_its_own_login_file_instead_of_profile(login_file: str, home: Path) -> None:
    original = plant(home / login_file, "# my bash login file\nexport EDITOR=vi\n")
    changes().optout(reports("dotnet"))
    assert b"# >>> tracklight" in (home / login_file).read_bytes()
    assert shell_sees(home, ["/bin/bash", "-lc"], "DOTNET_CLI_TELEMETRY_OPTOUT") == "1"
    assert shell_sees(home, ["/bin/sh", "-lc"], "DOTNET_CLI_TELEMETRY_OPTOUT") == "1"
    changes().undo()
    assert (home / login_file).read_bytes() == original


def test_bash_profile_wins_over_bash_login(home: Path) -> None:
    plant(home / ".bash_profile", "export A=1\n")
    login = plant(home / ".bash_login", "export B=1\n")
    changes().optout(reports("dotnet"))
    assert b"tracklight" in (home / ".bash_profile").read_bytes()
    assert (home / ".bash_login").read_bytes() == login  # bash never reads it when .bash_profile exists


def test_zshenv_gets_the_block_only_where_it_exists(home: Path) -> None:
    changes().optout(reports("dotnet"))
    assert not (home / ".zshenv").exists()
    changes().undo()
    zshenv = plant(home / ".zshenv", "typeset -U path\n")
    changes().optout(reports("dotnet"))
    text = (home / ".zshenv").read_text()
    assert text.startswith("typeset -U path\n\n# >>> tracklight >>>")
    # the block is plain POSIX sh, which zsh runs as is
    done = subprocess.run(["/usr/bin/env", "-i", f"HOME={home}", "/bin/sh", "-c",
                           f'. "{home}/.zshenv" 2>/dev/null; printf %s "$DOTNET_CLI_TELEMETRY_OPTOUT"'],
                          check=False, capture_output=True, text=True, timeout=30)
    assert done.stdout == "1"
    changes().undo()
    assert (home / ".zshenv").read_bytes() == zshenv


def test_env_files_agree_with_each_other_and_the_core_reader(home: Path) -> None:
    (home / ".config/fish").mkdir(parents=True)
    changes().optout(reports("dotnet", "nextjs"), do_not_track=True)
    config = home / ".config"
    environment_d = parse_environment_d((config / "environment.d/60-tracklight.conf").read_text())
    assert environment_d == {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "NEXT_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1"}
    env_sh = (config / "tracklight/env.sh").read_text()
    assert "export DO_NOT_TRACK=1\n" in env_sh
    env_fish = (config / "tracklight/env.fish").read_text()
    assert "set -gx DOTNET_CLI_TELEMETRY_OPTOUT '1'\n" in env_fish
    loader = (config / "fish/conf.d/tracklight-env.fish").read_text()
    assert f"source '{config}/tracklight/env.fish'" in loader
    # sh agrees with the environment.d file, value for value
    done = subprocess.run(["/usr/bin/env", "-i", "/bin/sh", "-c", f'. "{config}/tracklight/env.sh"; env'],
                          check=False, capture_output=True, text=True, timeout=30)
    seen = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert {k: seen.get(k) for k in environment_d} == environment_d
    changes().undo()
    assert not (config / "fish/conf.d/tracklight-env.fish").exists()


class RecordingPlatform:
    """Stands in for launchctl / HKCU\\Environment: holds the session's variables and records every write the store
    makes (reads change nothing, so they are not recorded)."""

    def __init__(self, session: dict[str, SessionValue] | None = None, written_kind: str = "") -> None:
        self.calls: list[tuple[str, ...]] = []
        self.session: dict[str, SessionValue] = dict(session or {})
        self.written_kind = written_kind  # what set_session writes: "REG_SZ" in the registry, "" for launchctl

    def read_session(self, name: str) -> SessionValue | None:
        value = self.session.get(name)
        if value is not None and value.kind not in ("", "REG_SZ", "REG_EXPAND_SZ"):
            raise FormatError(f"HKCU\\Environment\\{name} holds a value of registry type {value.kind}, not text")
        return value

    def set_session(self, name: str, value: str) -> None:
        self.calls.append(("set", name, value))
        self.session[name] = SessionValue(value, self.written_kind)

    def restore_session(self, name: str, previous: SessionValue) -> None:
        self.calls.append(("restore", name, previous.value, previous.kind))
        self.session[name] = previous

    def unset_session(self, name: str) -> None:
        self.calls.append(("unset", name))
        self.session.pop(name, None)

    def announce(self) -> None:
        self.calls.append(("announce",))


def test_macos_writes_zshenv_and_a_launch_agent_and_sets_the_session(home: Path) -> None:
    recorder = RecordingPlatform()
    counter = iter(range(100))
    mac = Changes(os_=Os.MACOS, platform=recorder, now=lambda: FIXED_NOW.replace(second=next(counter)))
    dotnet = [r for r in scan(os_=Os.MACOS, only={"dotnet"}).reports]
    applied = mac.optout(dotnet).applied
    assert applied is not None
    written = {Path(c.path).relative_to(home).as_posix() for c in applied.files}
    assert {".zshenv", ".profile", "Library/LaunchAgents/org.tracklight.environment.plist",
            "Library/Application Support/Tracklight/env.sh"} <= written
    assert b". \"$HOME/Library/Application Support/Tracklight/env.sh\"" in (home / ".zshenv").read_bytes()
    agent = plistlib.loads((home / "Library/LaunchAgents/org.tracklight.environment.plist").read_bytes())
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"][:2] == ["/bin/sh", "-c"]
    assert "/bin/launchctl setenv DOTNET_CLI_TELEMETRY_OPTOUT 1" in agent["ProgramArguments"][2]
    assert recorder.calls == [("set", "DOTNET_CLI_TELEMETRY_OPTOUT", "1"), ("announce",)]
    assert scan(os_=Os.MACOS, only={"dotnet"}).reports[0].state is State.OFF

    mac.undo()
    assert recorder.calls[2:] == [("unset", "DOTNET_CLI_TELEMETRY_OPTOUT"), ("announce",)]
    assert not (home / ".zshenv").exists()
    assert not (home / "Library/LaunchAgents/org.tracklight.environment.plist").exists()


def test_windows_sets_and_clears_hkcu_environment_through_the_adapter(home: Path) -> None:
    recorder = RecordingPlatform()
    env = {"USERPROFILE": "C:\\Users\\me", "APPDATA": "C:\\Users\\me\\AppData\\Roaming"}
    store = EnvironmentStore(Os.WINDOWS, env, recorder)
    plan = store.plan([EnvChange("DOTNET_CLI_TELEMETRY_OPTOUT", None, "1", ("dotnet",))])
    # on Windows the only file is env.sh, which Tracklight reads back; no shell startup files
    assert [c.path for c in plan.files] == ["C:\\Users\\me\\AppData\\Roaming\\Tracklight\\env.sh"]
    store.after_apply(plan.env)
    store.after_undo(plan.env)
    assert recorder.calls == [("set", "DOTNET_CLI_TELEMETRY_OPTOUT", "1"), ("announce",),
                              ("unset", "DOTNET_CLI_TELEMETRY_OPTOUT"), ("announce",)]


def test_linux_startup_files_are_planned_only_where_they_belong(home: Path) -> None:
    store = EnvironmentStore(Os.LINUX, dict(os.environ))
    assert [Path(p).name for p, _create in store.startup_files()] == [".profile", ".bashrc", ".zshenv"]
    assert dict(store.startup_files())[str(home / ".profile")] is True
    assert dict(store.startup_files())[str(home / ".zshenv")] is False


# ---------------------------------------------------------------- the session's own values are put back

DOTNET = "DOTNET_CLI_TELEMETRY_OPTOUT"
WINDOWS_ENV = {"USERPROFILE": "C:\\Users\\Me", "APPDATA": "C:\\Users\\Me\\AppData\\Roaming",
               "LOCALAPPDATA": "C:\\Users\\Me\\AppData\\Local"}


def windows_store(registry: RecordingPlatform, tmp_path: Path) -> EnvironmentStore:
    # The record's own place on Windows is %LOCALAPPDATA%\Tracklight\state (test below); here it is a sandbox file.
    return EnvironmentStore(Os.WINDOWS, WINDOWS_ENV, registry, SessionRecord(str(tmp_path / "before.json")))


def opt_out(store: EnvironmentStore, name: str = DOTNET, value: str = "1") -> tuple[EnvChange, ...]:
    """What an opt-out applies: the store plans the change from its env files (none yet), then after_apply."""
    plan = store.plan([EnvChange(name, None, value, ("dotnet",))])
    store.after_apply(plan.env)
    return plan.env


def reverse(changes: tuple[EnvChange, ...]) -> list[EnvChange]:
    """The env changes undo applies (undo.plan_undo swaps old and new)."""
    return [EnvChange(c.name, c.new_value, c.old_value, c.tool_ids) for c in changes]


def test_windows_undo_puts_back_the_value_that_was_in_hkcu_environment(tmp_path: Path) -> None:
    registry = RecordingPlatform({DOTNET: SessionValue("0", "REG_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    applied = opt_out(store)
    assert registry.session[DOTNET] == SessionValue("1", "REG_SZ")
    assert store.record.load() == {DOTNET: SessionValue("0", "REG_SZ")}

    store.after_apply(reverse(applied))
    assert registry.session[DOTNET] == SessionValue("0", "REG_SZ")
    assert registry.calls == [("set", DOTNET, "1"), ("announce",), ("restore", DOTNET, "0", "REG_SZ"), ("announce",)]
    assert not (tmp_path / "before.json").exists()  # nothing left to put back


def test_windows_opt_in_puts_back_an_expandable_value_with_its_type(tmp_path: Path) -> None:
    theirs = SessionValue("%USERPROFILE%\\dotnet-optout", "REG_EXPAND_SZ")
    registry = RecordingPlatform({DOTNET: theirs, "PATH": SessionValue("%USERPROFILE%\\bin", "REG_EXPAND_SZ")},
                                 written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    opt_out(store)
    # opt-in: Tracklight's value goes (env.sh drops it), the store gets EnvChange(name, "1", None)
    store.after_apply([EnvChange(DOTNET, "1", None, ("dotnet",))])
    assert registry.session[DOTNET] == theirs
    assert registry.session["PATH"] == SessionValue("%USERPROFILE%\\bin", "REG_EXPAND_SZ")  # never touched
    assert ("unset", DOTNET) not in registry.calls


def test_windows_nothing_there_before_means_nothing_there_after(tmp_path: Path) -> None:
    registry = RecordingPlatform(written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    applied = opt_out(store)
    assert not (tmp_path / "before.json").exists()  # nothing to remember
    store.after_apply(reverse(applied))
    assert DOTNET not in registry.session
    assert registry.calls[-2:] == [("unset", DOTNET), ("announce",)]


def test_windows_a_value_changed_since_tracklight_set_it_is_left_alone(tmp_path: Path) -> None:
    registry = RecordingPlatform({DOTNET: SessionValue("0", "REG_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    applied = opt_out(store)
    registry.session[DOTNET] = SessionValue("true", "REG_SZ")  # the person (or an installer) set it since
    store.after_apply(reverse(applied))
    assert registry.session[DOTNET] == SessionValue("true", "REG_SZ")
    assert not (tmp_path / "before.json").exists()  # "0" is not kept to be put back over their choice later

    applied = opt_out(store)  # Tracklight takes "true" over now ...
    del registry.session[DOTNET]  # ... and the person removes the variable
    store.after_apply(reverse(applied))
    assert DOTNET not in registry.session  # removed stays removed
    assert not [call for call in registry.calls if call[0] in ("restore", "unset")]


def test_windows_each_take_over_records_what_is_there_then(tmp_path: Path) -> None:
    # opt out, opt in, undo the opt-in, undo the opt-out: the person's value is back at the end, with its type
    registry = RecordingPlatform({DOTNET: SessionValue("0", "REG_EXPAND_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    opt_out(store)
    optin = [EnvChange(DOTNET, "1", None, ("dotnet",))]
    store.after_apply(optin)
    assert registry.session[DOTNET] == SessionValue("0", "REG_EXPAND_SZ")
    store.after_apply(reverse(tuple(optin)))  # undo the opt-in: Tracklight takes it over again
    assert registry.session[DOTNET] == SessionValue("1", "REG_SZ")
    store.after_apply([EnvChange(DOTNET, "1", None, ("dotnet",))])  # undo the opt-out
    assert registry.session[DOTNET] == SessionValue("0", "REG_EXPAND_SZ")
    assert not (tmp_path / "before.json").exists()


def test_windows_a_new_value_of_tracklights_own_keeps_the_persons_value_on_record(tmp_path: Path) -> None:
    registry = RecordingPlatform({DOTNET: SessionValue("0", "REG_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    opt_out(store)
    store.after_apply([EnvChange(DOTNET, "1", "true", ("dotnet",))])  # Tracklight's value changes, still its own
    assert store.record.load() == {DOTNET: SessionValue("0", "REG_SZ")}
    store.after_apply([EnvChange(DOTNET, "true", None, ("dotnet",))])
    assert registry.session[DOTNET] == SessionValue("0", "REG_SZ")


def test_windows_the_previous_value_is_on_disk_before_it_is_replaced(tmp_path: Path) -> None:
    seen: list[dict[str, SessionValue]] = []

    class CheckingRegistry(RecordingPlatform):
        def set_session(self, name: str, value: str) -> None:
            seen.append(store.record.load())  # what a crash at this moment would leave on disk
            super().set_session(name, value)

    registry = CheckingRegistry({DOTNET: SessionValue("0", "REG_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    opt_out(store)
    assert seen == [{DOTNET: SessionValue("0", "REG_SZ")}]
    assert os.stat(tmp_path / "before.json").st_mode & 0o777 == 0o600


def test_windows_a_value_that_could_not_be_put_back_is_refused_when_planning(tmp_path: Path) -> None:
    registry = RecordingPlatform({DOTNET: SessionValue("1", "REG_DWORD")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    with pytest.raises(FormatError, match="REG_DWORD"):
        store.plan([EnvChange(DOTNET, None, "1", ("dotnet",))])
    assert registry.calls == []


def test_a_damaged_record_stops_env_changes_before_anything_is_written(tmp_path: Path) -> None:
    registry = RecordingPlatform({DOTNET: SessionValue("0", "REG_SZ")}, written_kind="REG_SZ")
    store = windows_store(registry, tmp_path)
    (tmp_path / "before.json").write_text('{"version": 1, "variables": {"X": {"value": 3}}}')
    with pytest.raises(TracklightError, match="damaged") as caught:
        store.plan([EnvChange(DOTNET, None, "1", ("dotnet",))])
    assert caught.value.path == str(tmp_path / "before.json")
    assert registry.calls == []


def test_windows_keeps_the_record_in_its_local_state_folder() -> None:
    assert EnvironmentStore(Os.WINDOWS, WINDOWS_ENV).record.path == (
        "C:\\Users\\Me\\AppData\\Local\\Tracklight\\state\\environment-before.json")


def test_macos_session_value_comes_back_after_undo_and_after_optin(home: Path) -> None:
    # launchctl already had the variable (the person's own agent set it); ~/.zshenv has their own line for it too.
    session = RecordingPlatform({DOTNET: SessionValue("0")})
    zshenv = plant(home / ".zshenv", f"export {DOTNET}=0\n")
    counter = iter(range(100))
    mac = Changes(os_=Os.MACOS, platform=session, now=lambda: FIXED_NOW.replace(second=next(counter)))

    def dotnet() -> list[ToolReport]:
        return scan(os_=Os.MACOS, only={"dotnet"}).reports

    mac.optout(dotnet())
    assert session.session[DOTNET] == SessionValue("1")
    record = home / "Library/Application Support/Tracklight/state/environment-before.json"
    assert json.loads(record.read_text())["variables"] == {DOTNET: {"value": "0", "kind": ""}}
    mac.undo()
    assert session.session[DOTNET] == SessionValue("0")
    assert session.calls[-2:] == [("restore", DOTNET, "0", ""), ("announce",)]
    assert (home / ".zshenv").read_bytes() == zshenv
    assert not record.exists()

    mac.optout(dotnet())
    mac.optin(dotnet())
    assert session.session[DOTNET] == SessionValue("0")
    assert (home / ".zshenv").read_bytes() == zshenv  # their own line was never touched; the block is gone
    assert not (home / "Library/LaunchAgents/org.tracklight.environment.plist").exists()
    assert not record.exists()


def test_launchctl_adapter_reads_and_restores_through_launchctl() -> None:
    ran: list[list[str]] = []
    outputs = {"DOTNET_CLI_TELEMETRY_OPTOUT": "0\n", "EMPTY": ""}
    adapter = LaunchctlPlatform(run=ran.append, output=lambda argv: outputs[argv[-1]])
    assert adapter.read_session("DOTNET_CLI_TELEMETRY_OPTOUT") == SessionValue("0")
    assert adapter.read_session("EMPTY") is None
    adapter.restore_session("A", SessionValue("x y"))
    adapter.set_session("B", "1")
    adapter.unset_session("C")
    assert ran == [["/bin/launchctl", "setenv", "A", "x y"], ["/bin/launchctl", "setenv", "B", "1"],
                   ["/bin/launchctl", "unsetenv", "C"]]


def test_linux_needs_no_record(home: Path) -> None:
    changes().optout(reports("dotnet"))
    changes().undo()
    assert not list(home.rglob("environment-before.json"))
