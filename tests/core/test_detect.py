"""State by each tool's own rule, with evidence: real preference files planted in a sandbox home."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tracklight.core.model import Meaning, State, ToolReport
from tracklight.core.scan import scan


def scan_one(tool_id: str, **extra_env: str) -> ToolReport:
    env = {k: v for k, v in os.environ.items()}
    env.update(extra_env)
    report = scan(env=env, only=[tool_id]).get(tool_id)
    assert report is not None, f"{tool_id} is in the catalog"
    return report


def plant(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def decisive(report: ToolReport):
    found = [e for e in report.evidence if e.decisive]
    assert len(found) == 1, report.evidence
    return found[0]


# ---------------------------------------------------------------- env values mean what the tool says they mean

@pytest.mark.parametrize("value,state", [("1", State.OFF), ("0", State.OFF), ("false", State.OFF), ("", State.ON)])
def test_next_telemetry_disabled_any_nonempty_value_disables(value: str, state: State) -> None:
    report = scan_one("nextjs", NEXT_TELEMETRY_DISABLED=value)
    assert report.state is state
    env = next(e for e in report.evidence if e.where == "env NEXT_TELEMETRY_DISABLED")
    assert env.is_set and env.raw == value and env.set_by == "process environment"


@pytest.mark.parametrize("value,meaning", [("true", Meaning.OFF), ("1", Meaning.OFF), ("7", Meaning.OFF),
                                           ("0", Meaning.DEFAULT), ("false", Meaning.DEFAULT)])
def test_gatsby_zero_and_false_do_not_disable(value: str, meaning: Meaning) -> None:
    """Older Gatsby releases read the variable this way; current ones send nothing whatever it says."""
    report = scan_one("gatsby", GATSBY_TELEMETRY_DISABLED=value)
    evidence = [e for e in report.evidence if e.control.name == "GATSBY_TELEMETRY_DISABLED"]
    assert evidence and evidence[0].meaning is meaning
    assert report.state is State.OFF


@pytest.mark.parametrize("value,state", [("0", State.OFF), ("true", State.OFF), ("false", State.OFF),
                                         ("1", State.ON)])
def test_sam_only_exactly_one_enables(value: str, state: State) -> None:
    assert scan_one("aws-sam-cli", SAM_CLI_TELEMETRY=value).state is state


@pytest.mark.parametrize("value,state", [("True", State.ON), ("true", State.OFF), ("False", State.OFF),
                                         ("no", State.OFF)])
def test_gradio_anything_but_exactly_True_disables(value: str, state: State) -> None:
    assert scan_one("gradio", GRADIO_ANALYTICS_ENABLED=value).state is state


@pytest.mark.parametrize("value,state", [("1", State.OFF), ("true", State.OFF), ("TRUE", State.OFF),
                                         ("yes", State.OFF), ("0", State.ON), ("no", State.ON)])
def test_dotnet_optout_values_any_case(value: str, state: State) -> None:
    report = scan_one("dotnet", DOTNET_CLI_TELEMETRY_OPTOUT=value)
    assert report.state is state


def test_env_beats_file_for_nextjs(sandbox_home: Path) -> None:
    plant(sandbox_home / ".config/nextjs-nodejs/config.json", '{"telemetry": {"enabled": true}}')
    assert scan_one("nextjs").state is State.ON
    report = scan_one("nextjs", NEXT_TELEMETRY_DISABLED="1")
    assert report.state is State.OFF
    assert decisive(report).where == "env NEXT_TELEMETRY_DISABLED"


def test_nextjs_file_off_with_evidence(sandbox_home: Path) -> None:
    path = plant(sandbox_home / ".config/nextjs-nodejs/config.json",
                 '{\n  "telemetry": {\n    "notifyDate": "1710000000000",\n    "anonymousId": "4f1c",\n'
                 '    "salt": "9e2b",\n    "enabled": false\n  }\n}\n')
    report = scan_one("nextjs")
    assert report.state is State.OFF
    evidence = decisive(report)
    assert evidence.where == str(path) and evidence.key == "telemetry.enabled"
    assert evidence.raw is False and evidence.meaning is Meaning.OFF and evidence.line == 6


def test_managed_env_file_counts_as_the_environment(sandbox_home: Path) -> None:
    conf = plant(sandbox_home / ".config/environment.d/60-tracklight.conf",
                 "# written by Tracklight\nDOTNET_CLI_TELEMETRY_OPTOUT=1\n")
    report = scan_one("dotnet")
    assert report.state is State.OFF
    assert decisive(report).set_by == str(conf)


# ---------------------------------------------------------------- files of every kind, by the tool's own rule

def test_go_mode_file(sandbox_home: Path) -> None:
    mode = sandbox_home / ".config/go/telemetry/mode"
    assert scan_one("go").state is State.LOCAL  # no file: Go counts locally, uploads nothing
    plant(mode, "off 2026-08-22")
    report = scan_one("go")
    assert report.state is State.OFF and decisive(report).raw == "off"
    plant(mode, "on 2026-08-22")
    assert scan_one("go").state is State.ON
    plant(mode, "local 2026-08-22")
    assert scan_one("go").state is State.LOCAL


VSCODE_SETTINGS = """{
    // Editor
    "editor.fontSize": 14,
    "telemetry.telemetryLevel": "all", /* reset below */
    "files.autoSave": "afterDelay",
    "telemetry.telemetryLevel": "%s",
}
"""


@pytest.mark.parametrize("level,state", [("off", State.OFF), ("error", State.ON), ("crash", State.ON),
                                         ("all", State.ON)])
def test_vscode_jsonc_with_comments_trailing_commas_and_duplicate_keys(sandbox_home: Path, level: str,
                                                                        state: State) -> None:
    plant(sandbox_home / ".config/Code/User/settings.json", VSCODE_SETTINGS % level)
    report = scan_one("vscode")
    assert report.state is state
    assert decisive(report).raw == level and decisive(report).line == 6  # the last duplicate wins


def test_vscode_legacy_setting_still_turns_it_off(sandbox_home: Path) -> None:
    plant(sandbox_home / ".config/Code/User/settings.json",
          '{\n  "telemetry.telemetryLevel": "all",\n  "telemetry.enableTelemetry": false\n}\n')
    report = scan_one("vscode")
    assert report.state is State.OFF
    assert decisive(report).key == '"telemetry.enableTelemetry"'


def test_sam_string_false_is_not_the_boolean(sandbox_home: Path) -> None:
    metadata = sandbox_home / ".aws-sam/metadata.json"
    plant(metadata, '{"installationId": "abc", "telemetryEnabled": "false"}')
    assert scan_one("aws-sam-cli").state is State.ON
    plant(metadata, '{"installationId": "abc", "telemetryEnabled": false}')
    assert scan_one("aws-sam-cli").state is State.OFF


def test_dart_flutter_file(sandbox_home: Path) -> None:
    path = sandbox_home / ".dart-tool/dart-flutter-telemetry.config"
    plant(path, "# The telemetry file\n#\nreporting=0\n")
    assert scan_one("flutter").state is State.OFF
    assert scan_one("dart").state is State.OFF
    plant(path, "reporting=1\n")
    assert scan_one("dart").state is State.ON


def test_flutter_suppress_needs_exactly_true() -> None:
    assert scan_one("flutter", FLUTTER_SUPPRESS_ANALYTICS="true").state is State.OFF
    assert scan_one("flutter", FLUTTER_SUPPRESS_ANALYTICS="1").state is State.ON


def test_azure_ini_and_env(sandbox_home: Path) -> None:
    plant(sandbox_home / ".azure/config", "[cloud]\nname = AzureCloud\n\n[core]\ncollect_telemetry = false\n")
    assert scan_one("azure-cli").state is State.OFF
    plant(sandbox_home / ".azure/config", "[core]\ncollect_telemetry = true\n")
    assert scan_one("azure-cli").state is State.ON
    assert scan_one("azure-cli", AZURE_CORE_COLLECT_TELEMETRY="no").state is State.OFF


def test_terraform_hcl(sandbox_home: Path) -> None:
    plant(sandbox_home / ".terraformrc",
          'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\n'
          'credentials "app.terraform.io" {\n  token = "xxxx"\n}\ndisable_checkpoint = true\n')
    assert scan_one("terraform").state is State.OFF
    assert scan_one("terraform", CHECKPOINT_DISABLE="").state is State.OFF


def test_syncthing_xml(sandbox_home: Path) -> None:
    path = sandbox_home / ".local/state/syncthing/config.xml"
    body = ('<configuration version="37">\n    <options>\n        <urAccepted>%s</urAccepted>\n'
            '        <crashReportingEnabled>false</crashReportingEnabled>\n    </options>\n</configuration>\n')
    plant(path, body % "-1")
    assert scan_one("syncthing").state is State.OFF
    plant(path, body % "3")
    assert scan_one("syncthing").state is State.ON


def test_homebrew_analytics_any_nonempty_env() -> None:
    assert scan_one("homebrew", HOMEBREW_NO_ANALYTICS="0").state is State.OFF


def test_conda_yaml(sandbox_home: Path) -> None:
    # Two senders with two keys: anaconda_anon_usage alone leaves conda-anaconda-telemetry's headers on.
    plant(sandbox_home / ".condarc", "channels:\n  - conda-forge\n# privacy\nanaconda_anon_usage: false\n")
    assert scan_one("conda").state is State.ON
    plant(sandbox_home / ".condarc",
          "channels:\n  - conda-forge\n# privacy\nanaconda_anon_usage: false\nplugins:\n  anaconda_telemetry: false\n")
    assert scan_one("conda").state is State.OFF


def test_streamlit_toml(sandbox_home: Path) -> None:
    plant(sandbox_home / ".streamlit/config.toml", '[server]\nport = 8502\n\n[browser]\ngatherUsageStats = false\n')
    assert scan_one("streamlit").state is State.OFF


# ---------------------------------------------------------------- installed?

def test_installed_by_executable_on_path(sandbox_home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    exe = plant(bin_dir / "dotnet", "#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    assert not scan_one("dotnet", PATH=str(tmp_path / "empty")).installed
    assert scan_one("dotnet", PATH=str(bin_dir)).installed


def _executable(path: Path) -> Path:
    exe = plant(path, "#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def test_a_same_named_program_of_another_debian_package_is_not_the_tool(sandbox_home: Path, tmp_path: Path) -> None:
    """Debian's cmdtest installs /usr/bin/yarn, a test runner: dpkg's file list says so, and Yarn is not shown
    installed for it; a Yarn on PATH elsewhere (npm's global bin) still is, and so is the same /usr/bin/yarn when
    dpkg does not list it as cmdtest's."""
    root = tmp_path / "root"
    _executable(root / "usr/bin/yarn")
    (root / "bin").symlink_to("usr/bin")  # a merged /usr: PATH may name /bin, dpkg lists /usr/bin
    env = dict(os.environ)

    def installed(path: str) -> bool:
        report = scan(env={**env, "PATH": path}, root=str(root), only=["yarn"]).get("yarn")
        assert report is not None
        return report.installed

    assert installed(str(root / "usr/bin"))  # no dpkg list: the name counts
    plant(root / "var/lib/dpkg/info/cmdtest.list", "/.\n/usr\n/usr/bin\n/usr/bin/yarn\n/usr/share/doc/cmdtest\n")
    assert not installed(str(root / "usr/bin"))
    assert not installed(str(root / "bin"))
    npm_bin = tmp_path / "npm-global/bin"
    _executable(npm_bin / "yarn")
    assert installed(os.pathsep.join([str(root / "bin"), str(npm_bin)]))
    plant(root / "var/lib/dpkg/info/cmdtest.list", "/.\n/usr\n/usr/bin\n/usr/bin/yarn-tests\n")
    assert installed(str(root / "usr/bin"))  # dpkg lists another file: this yarn is no cmdtest's


def test_a_marker_file_opts_out_by_existing(sandbox_home: Path, tmp_path: Path) -> None:
    """vLLM stops when ~/.config/vllm/do_not_track exists (empty or not), whatever its variables say; Netdata when
    .opt-out-from-anonymous-statistics is in its config folder, which the installer creates empty."""
    assert scan_one("vllm").state is State.ON
    marker = plant(sandbox_home / ".config/vllm/do_not_track", "")
    report = scan_one("vllm", VLLM_DO_NOT_TRACK="0", DO_NOT_TRACK="1")
    assert report.state is State.OFF
    assert decisive(report).where == str(marker) and decisive(report).raw == "present"
    marker.unlink()
    assert scan_one("vllm", VLLM_DO_NOT_TRACK="0", DO_NOT_TRACK="1").state is State.ON  # the variable hides DNT

    root = tmp_path / "root"
    env = {**os.environ, "TRACKLIGHT_SYSTEM_ROOT": str(root)}
    plant(root / "etc/netdata/netdata.conf", "[global]\n")
    def netdata() -> ToolReport:
        report = scan(env=env, only=["netdata"]).get("netdata")
        assert report is not None and report.installed
        return report

    assert netdata().state is State.ON
    plant(root / "etc/netdata/.opt-out-from-anonymous-statistics", "")
    assert netdata().state is State.OFF


def test_installed_by_path(sandbox_home: Path) -> None:
    (sandbox_home / ".config/Code").mkdir(parents=True)
    assert scan_one("vscode", PATH="").installed


# ---------------------------------------------------------------- bad input is a problem on that tool

def test_malformed_file_is_a_problem_and_state_unknown(sandbox_home: Path) -> None:
    path = plant(sandbox_home / ".config/nextjs-nodejs/config.json", '{\n  "telemetry": {\n    "enabled": fals\n}\n')
    result = scan(only=["nextjs", "dotnet"])
    report = result.get("nextjs")
    assert report is not None and report.state is State.UNKNOWN
    assert report.problems and report.problems[0].path == str(path) and report.problems[0].line == 3
    other = result.get("dotnet")
    assert other is not None and other.state is State.ON and not other.problems
    assert path.read_text() == '{\n  "telemetry": {\n    "enabled": fals\n}\n'  # nothing written


def test_a_broken_file_read_by_several_controls_is_one_problem(sandbox_home: Path) -> None:
    # VS Code reads three keys of settings.json: one broken file is one thing to fix, not three.
    path = plant(sandbox_home / ".config/Code/User/settings.json", '{"telemetry.telemetryLevel": "off",,}')
    report = scan_one("vscode")
    assert report.state is State.UNKNOWN
    assert [(p.path, p.line) for p in report.problems] == [(str(path), 1)]
    assert all(e.note for e in report.evidence)  # each control still says why it was not read


def test_env_decides_even_when_file_is_broken(sandbox_home: Path) -> None:
    plant(sandbox_home / ".config/nextjs-nodejs/config.json", "{{{")
    report = scan_one("nextjs", NEXT_TELEMETRY_DISABLED="1")
    assert report.state is State.OFF and report.problems


def test_oversized_and_unreadable_files(sandbox_home: Path) -> None:
    big = plant(sandbox_home / ".config/nextjs-nodejs/config.json", " " * ((1 << 20) + 10))
    report = scan_one("nextjs")
    assert report.state is State.UNKNOWN and "larger than" in report.problems[0].message
    big.unlink()
    folder = sandbox_home / ".azure/config"
    folder.mkdir(parents=True)
    report = scan_one("azure-cli")
    assert "is a folder" in report.problems[0].message


def test_a_pipe_in_place_of_a_file_is_a_problem_not_a_hang(sandbox_home: Path) -> None:
    # Opening a FIFO for reading waits for a writer: a scan must never wait on a user's odd file.
    import subprocess
    import sys

    fifo = sandbox_home / ".config/Code/User/settings.json"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    for args in (["show", "vscode"], ["optout", "vscode"]):
        done = subprocess.run([sys.executable, "-m", "tracklight.cli", *args], check=False, capture_output=True, text=True,
                              timeout=30)
        assert "not a regular file" in done.stdout + done.stderr, args
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_syncthing_is_on_while_either_channel_sends(sandbox_home: Path) -> None:
    path = sandbox_home / ".local/state/syncthing/config.xml"
    plant(path, '<configuration version="37">\n    <options>\n        <urAccepted>-1</urAccepted>\n'
                '    </options>\n</configuration>\n')
    assert scan_one("syncthing").state is State.ON  # crash reports are on until switched off
    plant(path, '<configuration version="37">\n    <options>\n        <urAccepted>0</urAccepted>\n'
                '        <crashReportingEnabled>false</crashReportingEnabled>\n    </options>\n</configuration>\n')
    assert scan_one("syncthing").state is State.OFF


def test_a_byte_order_mark_hides_the_first_line_from_tools_that_do_not_skip_it(sandbox_home: Path) -> None:
    path = sandbox_home / ".dart-tool/dart-flutter-telemetry.config"
    plant(path, "\ufeffreporting=0\n")
    assert scan_one("dart").state is State.ON  # Dart reads "\ufeffreporting=0", which is not its key
    plant(path, "\ufeff# Dart telemetry\nreporting=0\n")
    assert scan_one("dart").state is State.OFF


def test_a_vscode_extension_is_detected_by_its_own_folder_only(sandbox_home: Path) -> None:
    extensions = sandbox_home / ".vscode/extensions"
    (extensions / "ms-python.python-2026.10.0").mkdir(parents=True)
    assert not scan_one("gitlens", PATH="").installed
    (extensions / "eamodio.gitlens-17.2.0").mkdir()
    assert scan_one("gitlens", PATH="").installed


def test_a_pipe_where_the_env_file_should_be_does_not_hang_the_scan(sandbox_home: Path) -> None:
    conf = sandbox_home / ".config/environment.d/60-tracklight.conf"
    conf.parent.mkdir(parents=True)
    os.mkfifo(conf)
    assert scan_one("dotnet").state is State.ON  # read as no managed variables, at once


_MB_ANON_OFF = {"MB_ANON_TRACKING_ENABLED": "false"}
_MB_CHECK_OFF = {"MB_CHECK_FOR_UPDATES": "false"}


@pytest.mark.parametrize("env,state", [(_MB_ANON_OFF, State.ON), (_MB_CHECK_OFF, State.ON),
                                       ({**_MB_ANON_OFF, **_MB_CHECK_OFF}, State.OFF)])
def test_metabase_sends_until_both_the_analytics_and_the_version_check_are_off(env: dict[str, str],
                                                                             state: State) -> None:
    """The version check sends its own instance uuid; only check-for-updates stops it (upgrade_checks.clj)."""
    assert scan_one("metabase", **env).state is state


# ---------------------------------------------------------------- a prompt's answer Tracklight cannot read

def test_a_prompt_whose_answer_is_kept_out_of_reach_is_unknown_not_off(sandbox_home: Path) -> None:
    """Entire CLI asks on first use and keeps the answer where no control reads it: a "yes" may be in force."""
    assert scan_one("entire-cli").state is State.UNKNOWN
    assert scan_one("entire-cli", ENTIRE_TELEMETRY_OPTOUT="1").state is State.OFF


def test_a_prompt_whose_answer_file_is_read_is_off_until_answered(sandbox_home: Path) -> None:
    """Nuxt keeps its answer in ~/.nuxtrc: nothing there means not answered yet, and nothing is sent."""
    assert scan_one("nuxt").state is State.OFF


def test_casefold_means_lower_case_as_tools_compare_not_unicode_folding() -> None:
    # Tools lower-case a value before comparing it (Python lower(), JavaScript toLowerCase()); Unicode case folding
    # would also take the long s of "falſe" for an s and read as off a value the tool still reads as on.
    from tracklight.core.detect import meaning_of
    from tracklight.core.model import Control, ControlKind, ValueRule

    control = Control(kind=ControlKind.ENV, name="ACME_TELEMETRY", off="false", on="true",
                      rule=ValueRule(off_when=("0", "false"), match="casefold"))
    assert meaning_of(control, "FALSE") is Meaning.OFF
    assert meaning_of(control, "False") is Meaning.OFF
    assert meaning_of(control, "TRUE") is Meaning.ON
    assert meaning_of(control, "falſe") is Meaning.DEFAULT
    assert meaning_of(control, "ｆａｌｓｅ") is Meaning.DEFAULT


def test_casefold_patterns_match_lower_cased_text_too() -> None:
    # RE2's case-insensitive matching folds the long s into s: "yeſ" matched (?i)yes while the tool, lower-casing
    # it, still read it as no "yes" at all. The Kelvin sign lower-cases to k in the tools, and matches k here too.
    from tracklight.core.detect import meaning_of
    from tracklight.core.model import Control, ControlKind, ValueRule

    control = Control(kind=ControlKind.ENV, name="ACME_TELEMETRY_DISABLED", off="1",
                      rule=ValueRule(off_pattern=r"\s*(1|yes|ok)\s*", match="casefold"))
    assert meaning_of(control, " YES ") is Meaning.OFF
    assert meaning_of(control, "Ok") is Meaning.OFF
    assert meaning_of(control, "O\u212a") is Meaning.OFF, "the Kelvin sign lower-cases to k, as in the tools"
    assert meaning_of(control, "yeſ") is Meaning.DEFAULT
    assert meaning_of(control, "YEſ") is Meaning.DEFAULT
