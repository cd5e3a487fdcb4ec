"""Persistent env settings: new login, interactive and sh shells see them; removing them leaves no trace."""

from __future__ import annotations

import os
import plistlib
import subprocess
from pathlib import Path

import pytest
from changes_helpers import FIXED_NOW, changes, plant, reports, state_of

from tracklight.changes.changeset import EnvChange
from tracklight.changes.environment_store import EnvironmentStore
from tracklight.changes.operations import Changes
from tracklight.core.environment import parse_environment_d
from tracklight.core.model import Os, State
from tracklight.core.scan import scan

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
    assert "export DO_NOT_TRACK='1'\n" in env_sh
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
    """Stands in for launchctl / the Windows registry: records the calls the store makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def set_session(self, name: str, value: str) -> None:
        self.calls.append(("set", name, value))

    def unset_session(self, name: str) -> None:
        self.calls.append(("unset", name))

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
    assert "/bin/launchctl setenv DOTNET_CLI_TELEMETRY_OPTOUT '1'" in agent["ProgramArguments"][2]
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
