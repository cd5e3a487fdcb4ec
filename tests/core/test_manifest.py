"""Manifest v1: the spec's example is valid; broken manifests are rejected with the right file:line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.core.manifest import load_manifest_file, parse_manifest
from tracklight.core.model import ControlKind, Default, Meaning, Os, Source, Tier

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "resources" / "manifest" / "SPEC.md"


def spec_example() -> str:
    """The TOML example in SPEC.md, exactly as published."""
    text = SPEC.read_text(encoding="utf-8")
    match = re.search(r"## Example\n\n```toml\n(.*?)```", text, re.DOTALL)
    assert match, "SPEC.md has an example"
    return match.group(1)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_spec_example_is_valid_and_parsed_fully(tmp_path: Path) -> None:
    result = load_manifest_file(write(tmp_path, "acme-cli.toml", spec_example()))
    assert result.problems == []
    tool = result.tool
    assert tool is not None
    assert (tool.id, tool.name, tool.vendor) == ("acme-cli", "Acme CLI", "Acme Inc.")
    assert tool.telemetry.tier is Tier.ANONYMIZED and tool.telemetry.default is Default.ON
    assert tool.telemetry.endpoints == ("telemetry.acme.example",)
    env, file = tool.telemetry.controls
    assert env.kind is ControlKind.ENV and env.name == "ACME_TELEMETRY" and env.rule.match == "casefold"
    assert file.kind is ControlKind.FILE and file.format == "json" and file.off is False and file.on is True
    assert file.paths_for(Os.MACOS) == ("~/Library/Preferences/acme/config.json",)
    assert file.paths_for(Os.WINDOWS) == ("%APPDATA%\\acme\\config.json",)


def test_cli_validate_accepts_the_spec_example(tmp_path: Path) -> None:
    path = write(tmp_path, "acme-cli.toml", spec_example())
    done = subprocess.run([sys.executable, "-m", "tracklight.cli", "manifest", "validate", str(path)],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


BROKEN = [
    # (file name, text, expected line, words in the message)
    ("bad.toml", 'manifest_version = 1\nid = "bad"\nname = "x\n', 3, "not valid TOML"),
    ("other.toml", spec_example(), 2, "file is named 'other.toml'"),
    ("acme-cli.toml", spec_example().replace("manifest_version = 1", "manifest_version = 2"), 1,
     "unknown manifest_version 2"),
    ("acme-cli.toml", spec_example().replace('tier = "anonymized"', 'tier = "sneaky"'), 13, "tier' must be one of"),
    ("acme-cli.toml", spec_example().replace('default = "on"', 'default = "maybe"'), 15, "default' must be one"),
    ("acme-cli.toml", spec_example().replace('kind = "env"', 'kind = "registry"'), 22, "kind' must be one of"),
    ("acme-cli.toml", spec_example().replace('format = "json"', 'format = "docx"'), 33, "format' must be one of"),
    ("acme-cli.toml", spec_example().replace('name = "ACME_TELEMETRY"', 'name = "ACME TELEMETRY"'), 23,
     "not a valid environment variable name"),
    ("acme-cli.toml", spec_example().replace('off = "0"\n', ''), 21, "missing required field"),
    ("acme-cli.toml", spec_example().replace('homepage = "https://acme.example"', 'homepage = "javascript:alert(1)"'),
     5, "http(s) URL"),
    ("acme-cli.toml", spec_example().replace('id = "acme-cli"', 'id = "Acme_CLI"'), 2, "must match"),
    ("acme-cli.toml", spec_example().replace('executables = ["acme"]\n',
                                             'executables = ["acme"]\nother_packages = ["Acme Tools"]\n'), 10,
     "invalid Debian package name: 'Acme Tools'"),
    ("acme-cli.toml", spec_example().replace('format = "json"', 'format = "presence"'), 35,
     "must be \"present\" for a presence control"),
    ("acme-cli.toml", spec_example().replace('format = "json"', 'format = "presence"'), 36,
     "is not for a presence control"),
]


@pytest.mark.parametrize("name,text,line,words", BROKEN)
def test_broken_manifests_are_rejected_with_file_and_line(tmp_path: Path, name: str, text: str, line: int,
                                                         words: str) -> None:
    path = write(tmp_path, name, text)
    result = load_manifest_file(path)
    assert result.tool is None
    assert any(words in p.message for p in result.problems), result.problems
    assert any(p.line == line for p in result.problems if words in p.message), result.problems
    done = subprocess.run([sys.executable, "-m", "tracklight.cli", "manifest", "validate", str(path)],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 1
    assert f"{path}:{line}: " in done.stdout


def test_unknown_fields_are_ignored_never_an_error(tmp_path: Path) -> None:
    text = spec_example().replace("[detect]", 'future_field = "x"\n[future_table]\nk = 1\n\n[detect]')
    text += '\nexperimental = true\n'
    result = load_manifest_file(write(tmp_path, "acme-cli.toml", text))
    assert result.problems == [] and result.tool is not None


def test_file_over_one_mebibyte_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, "acme-cli.toml", spec_example() + "#" * (1 << 20))
    result = load_manifest_file(path)
    assert result.tool is None and "larger than 1024 KiB" in result.problems[0].message


def test_unreadable_and_binary_files_are_problems_not_crashes(tmp_path: Path) -> None:
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b'manifest_version = 1\n\xff\xfe')
    assert load_manifest_file(binary).problems[0].message == "not valid UTF-8"
    assert load_manifest_file(binary).problems[0].line == 2
    missing = load_manifest_file(tmp_path / "missing.toml")
    assert missing.tool is None and "cannot read" in missing.problems[0].message


def test_hostile_values_are_bounded(tmp_path: Path) -> None:
    text = spec_example().replace('name = "ACME_TELEMETRY"', 'name = "ACME_TELEMETRY"\noff_pattern = "' +
                                  "(a+)+" * 50 + '"')
    result = load_manifest_file(write(tmp_path, "acme-cli.toml", text))
    assert result.tool is None and any("at most 200 characters" in p.message for p in result.problems)
    many = spec_example() + '\n[[telemetry.controls]]\nkind = "env"\nname = "X"\noff = "1"\n' * 40
    result = load_manifest_file(write(tmp_path, "acme-cli.toml", many))
    assert any("more than 32 controls" in p.message for p in result.problems)


def test_catalog_entries_need_sources_verified_and_a_tier_reason(tmp_path: Path) -> None:
    text = spec_example().replace('tier_reason = ', 'old_reason = ')
    result = parse_manifest(text, str(tmp_path / "acme-cli.toml"), Source.CATALOG)
    messages = " ".join(p.message for p in result.problems)
    assert "sources" in messages and "verified" in messages and "tier_reason" in messages


def test_value_rules_are_parsed(tmp_path: Path) -> None:
    text = spec_example().replace('match = "casefold"', 'match = "casefold"\noff_pattern = "^(true|[1-9][0-9]*)$"\n'
                                  'other = "off"')
    tool = load_manifest_file(write(tmp_path, "acme-cli.toml", text)).tool
    assert tool is not None
    rule = tool.telemetry.controls[0].rule
    assert rule.off_when == ("0", "false") and rule.on_when == ("1", "true") and rule.other == "off"
    assert rule.off_pattern == "^(true|[1-9][0-9]*)$"
    assert Meaning.OFF.value == "off"


def test_a_pattern_the_linear_time_engine_cannot_run_is_refused(tmp_path: Path) -> None:
    """Patterns run on RE2, in time linear in the value ((a+)+ is fine there); a backreference or a lookaround
    needs backtracking, which could stall the scan: refused with its line."""
    for pattern in ("(a)\\\\1", "(?=a)a+"):
        text = spec_example().replace('match = "casefold"', f'match = "casefold"\noff_pattern = "{pattern}"')
        result = load_manifest_file(write(tmp_path, "acme-cli.toml", text))
        assert result.tool is None
        assert any("linear-time engine" in p.message and p.line == 29 for p in result.problems), result.problems
