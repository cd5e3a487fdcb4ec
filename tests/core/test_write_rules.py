"""The allow-list of what a manifest may make Tracklight write (core/write_rules.py), as `manifest validate` applies
it: every attack of issue 13 (hole 2) is a problem with its line, and the shipped catalog passes the same rules."""

from __future__ import annotations

import ntpath
import posixpath

import pytest

from tracklight.core import locations, write_rules
from tracklight.core.manifest import load_manifest_file, parse_manifest, path_template_problem
from tracklight.core.model import ControlKind, Os, Source
from tracklight.resources import catalog_path

HEADER = """manifest_version = 1
id = "acme"
name = "Acme"
[telemetry]
tier = "anonymized"
default = "on"
"""


def env_manifest(name: str, off: str = "1") -> str:
    return HEADER + f'[[telemetry.controls]]\nkind = "env"\nname = "{name}"\noff = "{off}"\n'


def file_manifest(path: str, fmt: str = "json", key: str = "telemetry.enabled", off: str = "false") -> str:
    return HEADER + (f'[[telemetry.controls]]\nkind = "file"\npath = "{path}"\nformat = "{fmt}"\nkey = "{key}"\n'
                     f"off = {off}\n")


def problems(text: str) -> list[str]:
    result = parse_manifest(text, "/x/acme.toml")
    return [f"{p.line}: {p.message}" for p in result.problems]


@pytest.mark.parametrize("name", ["BASH_ENV", "ENV", "LD_PRELOAD", "PROMPT_COMMAND", "PATH", "NODE_OPTIONS",
                                  "JAVA_TOOL_OPTIONS", "PYTHONPATH", "DYLD_INSERT_LIBRARIES", "ACME_TELEMETRY_PRELOAD",
                                  "GIT_SSH_COMMAND", "npm_config_script_shell", "ACME_TELEMETRY_HOME"])
def test_an_env_name_that_changes_how_programs_run_is_refused(name: str) -> None:
    found = problems(env_manifest(name))
    assert found and "changes how programs load or run" in found[0] and found[0].startswith("9:")


def test_an_env_name_that_is_no_telemetry_switch_is_refused_but_a_telemetry_name_passes() -> None:
    assert "is not a telemetry switch" in problems(env_manifest("ACME_COLOR"))[0]
    assert problems(env_manifest("ACME_TELEMETRY_DISABLED")) == []
    assert problems(env_manifest("DO_NOT_TRACK")) == []
    assert problems(env_manifest("ACME_NOPING")) == []  # a switch for a phone-home ping (Wave's WAVETERM_NOPING)
    assert "is not a telemetry switch" in problems(env_manifest("ACME_SHIPPING"))[0]
    assert problems(env_manifest("ACME_CHECK_FOR_UPDATES")) == []  # an update check sending an id (Metabase)


def test_a_read_only_env_control_needs_no_telemetry_name_but_the_never_list_holds() -> None:
    # Fly's synthetics agent is switched back on by FLY_SYNTHETICS_AGENT=1: worth reading, never worth setting.
    assert problems(env_manifest("ACME_SYNTHETICS_AGENT") + "write = false\n") == []
    assert "is not a telemetry switch" in problems(env_manifest("ACME_SYNTHETICS_AGENT"))[0]
    found = problems(env_manifest("LD_PRELOAD") + "write = false\n")
    assert found and "changes how programs load or run" in found[0]


@pytest.mark.parametrize("value", ["x\u2028EVIL=1", "x\u0085EVIL=1", "x\u2029y", "a\nb", "$(id)", "`id`",
                                   "/tmp/evil.so", "a'b", 'a"b', "a\\b", "x" * 65, "\ufeff1", "a;b"])
def test_a_value_that_is_not_a_switch_is_refused(value: str) -> None:
    escaped = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}"
                      for c in value)
    found = problems(env_manifest("ACME_TELEMETRY", escaped))
    assert found and "is not a switch value" in found[0]


def test_an_empty_env_name_is_a_problem_not_a_crash_later() -> None:
    """Issue 13 hole 4: `name = ""` passed validate and then failed an assertion in detect.py."""
    assert "not a valid environment variable name" in problems(env_manifest(""))[0]


@pytest.mark.parametrize("path, expected", [
    ("~/.local/lib/python3.11/site-packages/acme.pth", "not in a tool's config place"),
    ("~/.local/share/acme/site-packages/x.pth", "'site-packages' folder"),
    ("~/.config/acme/hooks/pre-commit.json", "'hooks' folder"),
    ("~/.bashrc", "shell startup"),
    ("~/.config/autostart/acme.json", "shell startup or autostart"),
    ("~/.config/systemd/user/acme.json", "shell startup or autostart"),
    ("~/.config/environment.d/90-acme.json", "shell startup or autostart"),
    ("~/.ssh/acme.json", "credentials"),
    ("~/project/.git/hooks/acme.json", "not in a tool's config place"),
    ("~/.acme/.git/hooks/post-checkout.json", "git repository"),
    ("~/Documents/acme.json", "not in a tool's config place"),
    ("~/.config/acme/run.py", "program or script"),
    ("~/.config/acme/settings.yaml", "not json"),
    ("~/.vimrc", "code that runs by design"),
    ("~/.config/tracklight/settings.json", "Tracklight's own files"),
    ("~/.local/share/telemetry-disclosures/other.json", "Tracklight's own files"),
    ("acme/config.json", "not absolute"),
    ("/etc/environment.d/90-acme.conf", "sets the environment for everyone"),
    ("/etc/profile.d/acme.json", "never writes"),
    ("/usr/local/lib/python3.11/dist-packages/acme.pth", "runs code"),
])
def test_a_file_outside_a_tools_config_place_or_that_runs_code_is_refused(path: str, expected: str) -> None:
    found = problems(file_manifest(path))
    assert found and expected in found[0], found


@pytest.mark.parametrize("key", ["core.fsmonitor", "core.pager", "include.path", 'includeIf."gitdir:~/".path',
                                 "alias.st", "filter.acme.clean", "credential.helper", "hook.acme.command",
                                 "CORE.FSMONITOR"])
def test_a_git_setting_of_git_itself_is_refused(key: str) -> None:
    escaped = key.replace('"', '\\"')
    found = problems(file_manifest("~/.gitconfig", "gitconfig", escaped, '"false"'))
    assert found and "git's own settings" in found[0]


def test_a_tools_own_git_section_passes() -> None:
    assert problems(file_manifest("~/.gitconfig", "gitconfig", "acme.telemetry", '"false"')) == []


@pytest.mark.parametrize("key", ["node-options", "script-shell", "LD_PRELOAD", "PROMPT_COMMAND"])
def test_a_key_that_names_a_loader_or_shell_variable_is_refused(key: str) -> None:
    found = problems(file_manifest("~/.npmrc", "keyvalue", key, '"x"'))
    assert found and "names how a program loads or runs" in found[0]


def test_the_preference_places_tools_use_pass() -> None:
    for path in ("~/.npmrc", "~/.config/acme/config.json", "$XDG_CONFIG_HOME/acme/config.json",
                 "~/.local/share/acme/settings.json", "~/.acme/config.json", "~/.linuxbrew/Homebrew/.git/config",
                 "${ACME_HOME:-~/.acme}/config.json"):
        fmt = "gitconfig" if path.endswith(".git/config") else "json"
        assert problems(file_manifest(path, fmt, "acme.telemetry" if fmt == "gitconfig" else "telemetry",
                                      '"false"')) == [], path
    assert path_template_problem("~/Library/Application Support/Acme/config.json", Os.MACOS, "json") is None
    assert path_template_problem("~/Library/LaunchAgents/acme.json", Os.MACOS, "json")
    assert path_template_problem("%APPDATA%\\Acme\\config.json", Os.WINDOWS, "json") is None
    assert path_template_problem("%APPDATA%\\Microsoft\\Windows\\Start Menu\\x.json", Os.WINDOWS, "json")


def test_control_characters_and_nul_in_paths_are_problems() -> None:
    """Issue 13 hole 4: a NUL in a path passed validate, then scan/show/optout crashed (embedded null byte)."""
    text = file_manifest("~/.config/acme/a\\u0000b.json")
    assert "control character" in problems(text)[0]
    detect = HEADER.replace("[telemetry]", '[detect]\npaths = ["~/.acme\\u0000x"]\n[telemetry]')
    assert "control character" in problems(detect)[0]


# ---------------------------------------------------------------- the catalog keeps the same rules


def _catalog_tools():  # type: ignore[no-untyped-def]
    from pathlib import Path

    for entry in sorted(Path(catalog_path()).glob("*.toml")):
        result = load_manifest_file(entry, Source.CATALOG)
        assert result.tool is not None, result.problems
        yield result.tool


def test_every_catalog_env_name_would_pass_in_a_vendors_own_manifest() -> None:
    """A vendor may copy its catalog entry as its manifest: the telemetry-name pattern admits the catalog's names
    of every variable Tracklight may set (a read-only one is only read, and needs no telemetry-like name)."""
    refused = [(tool.id, c.name) for tool in _catalog_tools() for c in tool.telemetry.controls
               if c.kind is ControlKind.ENV and c.write is not False and write_rules.env_name_refusal(c.name or "")]
    assert refused == []


def test_every_catalog_file_in_a_home_folder_passes_the_allow_list() -> None:
    homes = {Os.LINUX: {"HOME": "/home/u"}, Os.MACOS: {"HOME": "/Users/u"}, Os.WINDOWS: {"USERPROFILE": "C:\\U\\u"}}
    refused = []
    for tool in _catalog_tools():
        for control in tool.telemetry.controls:
            for os_, templates in control.paths:
                for template in templates:
                    path = locations.expand_path(template, os_, homes[os_])
                    home = locations.home(os_, homes[os_])
                    sep = ntpath if os_ is Os.WINDOWS else posixpath
                    if path.lower().startswith(home.lower() + sep.sep):
                        relative = path[len(home) + 1:].replace("\\", "/")
                        reason = write_rules.home_path_refusal(relative, control.format, os_)
                        if reason:
                            refused.append((tool.id, reason))
    assert refused == []
