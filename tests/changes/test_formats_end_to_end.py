"""Plan -> apply -> scan -> undo through real catalog tools, one per file format, on real planted files.

Each file is what the tool (or a person) writes, with comments and other settings around the key. The opt-out
must change only the lines of that key, the scan must then say off, and undo must give back every byte.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State


@dataclass(frozen=True)
class Case:
    tool_id: str
    path: str  # relative to home
    content: str
    keys: tuple[str, ...]  # every changed line must mention one of these
    format_module: str
    newline: str = "\n"
    bom: bool = False


CASES = [
    Case("nextjs", ".config/nextjs-nodejs/config.json",
         '{\n  "telemetry": {\n    "notifiedAt": "1764496800000",\n    "anonymousId": "3f1c0a",\n'
         '    "salt": "9b2e",\n    "enabled": true\n  }\n}', ("enabled",), "json"),
    Case("vscode", ".config/Code/User/settings.json",
         '// Place your settings in this file to overwrite the default settings\n{\n'
         '\t"editor.fontSize": 13, // my eyes\n\t/* keep */ "telemetry.telemetryLevel": "all",\n'
         '\t"files.autoSave": "afterDelay",\n}\n', ("telemetryLevel",), "jsonc", newline="\r\n", bom=True),
    Case("gcloud", ".config/gcloud/configurations/config_default",
         "[core]\naccount = someone@example.org\ndisable_usage_reporting = false\nproject = demo\n\n"
         "[compute]\nregion = europe-west1\n", ("disable_usage_reporting",), "ini"),
    Case("azure-cli", ".azure/config",
         "[cloud]\nname = AzureCloud\n\n[core]\n; written by az configure\ncollect_telemetry = true\n"
         "output = table\n", ("collect_telemetry",), "ini"),
    Case("homebrew", ".linuxbrew/Homebrew/.git/config",
         '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n[remote "origin"]\n'
         "\turl = https://example.org/Homebrew/brew\n[homebrew]\n\tanalyticsdisabled = false\n",
         ("analyticsdisabled",), "gitconfig"),
    Case("go", ".config/go/telemetry/mode", "local", ("off 2026-11-30", "local"), "plain"),
    Case("tilt", ".tilt-dev/analytics/user/choice.txt", "opt-in\n", ("opt-",), "plain_line"),
    Case("dart", ".dart-tool/dart-flutter-telemetry.config",
         "# INTRODUCTION\n#\n# This is the Flutter and Dart telemetry reporting\n# configuration file.\n#\n"
         "reporting=1\n\n# Dart-tools that have run.\ndart-tool=1764496800\n", ("reporting",), "keyvalue"),
    Case("nuxt", ".nuxtrc", "# nuxi settings\ntelemetry.consent=1\ntelemetry.enabled=true\n",
         ("telemetry.enabled",), "keyvalue"),
    Case("syncthing", ".local/state/syncthing/config.xml",
         '<configuration version="37">\n    <folder id="default" path="/home/me/Sync"></folder>\n'
         "    <options>\n        <listenAddress>default</listenAddress>\n"
         "        <urAccepted>3</urAccepted>\n        <urSeen>3</urSeen>\n"
         "        <crashReportingEnabled>true</crashReportingEnabled>\n    </options>\n</configuration>\n",
         ("urAccepted", "crashReportingEnabled"), "xml"),
    Case("terraform", ".terraformrc",
         '# Terraform CLI configuration\nplugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\n'
         "disable_checkpoint = false\n\ncredentials_helper \"example\" {\n  args = []\n}\n",
         ("disable_checkpoint",), "hcl"),
    Case("dlt", ".dlt/config.toml",
         '# dlt global settings\n[runtime]\nlog_level = "WARNING"  # quieter\ndlthub_telemetry = true\n\n'
         '[normalize]\nworkers = 3\n', ("dlthub_telemetry",), "toml"),
    Case("yarn", ".yarnrc.yml", "# global settings\nenableTelemetry: true\nnodeLinker: node-modules  # classic\n",
         ("enableTelemetry",), "yaml"),
]


def _needs(module: str) -> None:
    if importlib.util.find_spec(f"tracklight.formats.{module}_format") is None:
        pytest.skip(f"the {module} format module is not written yet")


def _encode(case: Case) -> bytes:
    text = case.content.replace("\n", case.newline)
    return (("\ufeff" if case.bom else "") + text).encode("utf-8")


def _changed_lines(before: bytes, after: bytes) -> list[str]:
    old = before.decode("utf-8-sig").splitlines()
    new = after.decode("utf-8-sig").splitlines()
    return [line[1:] for line in difflib.ndiff(old, new) if line[:2] in ("- ", "+ ")]


@pytest.mark.parametrize("case", CASES, ids=[c.tool_id for c in CASES])
def test_optout_changes_only_the_key_and_undo_gives_back_every_byte(case: Case, home: Path) -> None:
    _needs(case.format_module)
    path = home / case.path
    original = plant(path, _encode(case))
    assert state_of(case.tool_id) is not State.OFF

    tool = changes()
    outcome = tool.optout(reports(case.tool_id))
    assert outcome.plan.failures == ()
    applied = outcome.applied
    assert applied is not None
    [change] = [c for c in applied.files if c.path == str(path)]
    after = path.read_bytes()
    assert change.before == original and change.after == after
    changed = _changed_lines(original, after)
    assert changed, "the opt-out changed nothing"
    assert all(any(key in line for key in case.keys) for line in changed), changed
    # the file keeps its style: BOM and line endings
    assert after.startswith(b"\xef\xbb\xbf") == case.bom
    assert (b"\r\n" in after) == (case.newline == "\r\n")
    assert state_of(case.tool_id) is State.OFF

    tool.undo()
    assert path.read_bytes() == original
    assert state_of(case.tool_id) is not State.OFF


def test_go_mode_is_written_as_go_writes_it(home: Path) -> None:
    mode = home / ".config/go/telemetry/mode"
    changes().optout(reports("go"))
    assert mode.read_bytes() == b"off 2026-11-30"
    # reading it back, the mode is "off" and nothing more is written next time
    again = changes().optout(reports("go"))
    assert again.applied is None and again.plan.unchanged == ("go",)


def test_a_new_file_is_created_private_and_undo_removes_it_and_its_folders(home: Path) -> None:
    outcome = changes().optout(reports("nextjs"))
    config = home / ".config/nextjs-nodejs/config.json"
    assert outcome.applied is not None
    assert config.read_text() and (config.stat().st_mode & 0o777) == 0o600
    changes().undo()
    assert not config.exists()
    assert not (home / ".config/nextjs-nodejs").exists()


def test_several_tools_in_one_file_make_one_change(home: Path) -> None:
    settings = home / ".config/Code/User/settings.json"
    original = plant(settings, '{\n  "editor.tabSize": 2\n}\n')
    outcome = changes().optout(reports("vscode", "gitlens", "redhat-vscode"))
    applied = outcome.applied
    assert applied is not None
    [change] = [c for c in applied.files if c.path == str(settings)]
    assert set(change.tool_ids) == {"vscode", "gitlens", "redhat-vscode"}
    text = settings.read_text()
    assert '"telemetry.telemetryLevel": "off"' in text
    assert '"gitlens.telemetry.enabled": false' in text and '"redhat.telemetry.enabled": false' in text
    assert all(state_of(t) is State.OFF for t in ("vscode", "gitlens", "redhat-vscode"))
    changes().undo()
    assert settings.read_bytes() == original


def test_a_file_that_does_not_parse_fails_only_its_tool(home: Path) -> None:
    settings = home / ".config/Code/User/settings.json"
    broken = plant(settings, '{\n  "editor.tabSize": 2,\n  "oops": [1, 2\n}\n')
    outcome = changes().optout(reports("vscode", "dotnet"))
    [failure] = outcome.plan.failures
    assert failure.tool_id == "vscode"
    assert failure.error.path == str(settings) and failure.error.line is not None
    assert f"{settings}:{failure.error.line}:" in str(failure.error)
    assert settings.read_bytes() == broken
    assert outcome.applied is not None and outcome.applied.tool_ids == ("dotnet",)
    assert state_of("dotnet") is State.OFF


def test_a_key_already_off_is_not_touched(home: Path) -> None:
    settings = home / ".config/Code/User/settings.json"
    original = plant(settings, '{ "telemetry.telemetryLevel": "off" }')
    outcome = changes().optout(reports("vscode"))
    assert outcome.applied is None and outcome.plan.unchanged == ("vscode",)
    assert settings.read_bytes() == original


def test_mode_and_owner_of_an_existing_file_are_kept(home: Path) -> None:
    import os

    config = home / ".azure/config"
    plant(config, "[core]\ncollect_telemetry = true\n", mode=0o640)
    if os.geteuid() == 0:
        os.chown(config, 4321, 4321)
    changes().optout(reports("azure-cli"))
    info = config.stat()
    assert (info.st_mode & 0o777) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (4321, 4321)


def test_a_settings_file_kept_in_a_dotfiles_folder_stays_a_link(home: Path) -> None:
    import os

    real = home / "dotfiles/vscode/settings.json"
    original = plant(real, '{\n  "editor.tabSize": 4\n}\n')
    link = home / ".config/Code/User/settings.json"
    link.parent.mkdir(parents=True)
    os.symlink(real, link)
    changes().optout(reports("vscode"))
    assert link.is_symlink() and '"telemetry.telemetryLevel": "off"' in real.read_text()
    changes().undo()
    assert link.is_symlink() and real.read_bytes() == original


def test_optin_after_optout_turns_the_tool_back_on(home: Path) -> None:
    config = home / ".config/nextjs-nodejs/config.json"
    original = plant(config, '{\n  "telemetry": {\n    "anonymousId": "3f1c0a"\n  }\n}\n')
    changes().optout(reports("nextjs"))
    assert state_of("nextjs") is State.OFF
    outcome = changes().optin(reports("nextjs"))
    assert outcome.applied is not None
    assert config.read_bytes() == original  # the key was not set before the opt-out: unset again, Next.js's default
    assert [e.name for e in outcome.applied.env] == ["NEXT_TELEMETRY_DISABLED"]
    assert outcome.applied.env[0].new_value is None
    assert state_of("nextjs") is State.ON


def test_optin_of_a_tool_that_is_local_by_default_sets_on(home: Path) -> None:
    mode = home / ".config/go/telemetry/mode"
    changes().optin(reports("go"))
    assert mode.read_bytes() == b"on 2026-11-30"
    assert state_of("go") is State.ON


def test_system_files_in_user_scope_point_to_policy_apply(home: Path) -> None:
    outcome = changes().optout(reports("popularity-contest"))
    [failure] = outcome.plan.failures
    assert "tracklight policy apply" in str(failure.error)
    assert outcome.applied is None


def test_a_tool_locked_by_policy_cannot_be_opted_back_in(home: Path) -> None:
    import dataclasses

    changes().optout(reports("dotnet"))
    locked = dataclasses.replace(reports("dotnet")[0], locked=True)
    outcome = changes().optin([locked, *reports("nextjs")])
    [failure] = outcome.plan.failures
    assert failure.tool_id == "dotnet" and "policy" in str(failure.error)
    assert state_of("dotnet") is State.OFF


@pytest.mark.parametrize("damage", ["read-only", "folder instead of file", "file instead of folder"])
def test_a_file_that_cannot_be_written_fails_its_tool_at_plan_time(damage: str, home: Path) -> None:
    settings = home / ".config/Code/User/settings.json"
    if damage == "read-only":
        plant(settings, "{}\n", mode=0o444)
    elif damage == "folder instead of file":
        settings.mkdir(parents=True)
    else:
        plant(home / ".config/Code", "not a folder")
    outcome = changes().optout(reports("vscode", "dotnet"))
    [failure] = outcome.plan.failures
    assert failure.tool_id == "vscode" and str(settings) in str(failure.error)
    assert {"read-only": "read-only", "folder instead of file": "is a folder",
            "file instead of folder": "not a folder"}[damage] in str(failure.error)
    assert outcome.applied is not None and outcome.applied.tool_ids == ("dotnet",)


def test_the_file_the_tool_reads_is_the_one_written_among_candidates(home: Path) -> None:
    """Podman Desktop on a new Linux install keeps its settings in the XDG folder: the opt-out edits that file and
    creates no older folder (which would make Podman Desktop leave the XDG settings behind at its next start)."""
    xdg = home / ".config" / "containers" / "podman-desktop" / "settings.json"
    original = plant(xdg, '{\n  "telemetry.enabled": true,\n  "telemetry.check": true\n}\n')
    assert state_of("podman-desktop") is State.ON
    done = changes().optout(reports("podman-desktop"))
    assert done.applied is not None
    assert xdg.read_bytes() == original.replace(b"true,", b"false,", 1)
    assert not (home / ".local" / "share" / "containers").exists()
    assert state_of("podman-desktop") is State.OFF
    changes().undo()
    assert xdg.read_bytes() == original


def test_podman_desktop_yes_is_stored_as_the_check_alone(home: Path) -> None:
    """Podman Desktop drops settings equal to their default (telemetry.enabled defaults to true): after a yes,
    settings.json holds only "telemetry.check": true. That is on, not "not asked yet"; the opt-out adds
    false."""
    settings = home / ".local/share/containers/podman-desktop/configuration/settings.json"
    original = plant(settings, '{\n  "telemetry.check": true\n}\n')
    assert state_of("podman-desktop") is State.ON
    done = changes().optout(reports("podman-desktop"))
    assert done.applied is not None
    assert json.loads(settings.read_text()) == {"telemetry.check": True, "telemetry.enabled": False}
    assert state_of("podman-desktop") is State.OFF
    changes().undo()
    assert settings.read_bytes() == original
