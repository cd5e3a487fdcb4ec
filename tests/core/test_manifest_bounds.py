"""Parsing a manifest is bounded: depth, size and time. Every odd file is a problem on that file (with its line
where there is one), never a crash or a hang of `manifest validate` or of the scan (issue 13, hole 4)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracklight.core.detect import meaning_of
from tracklight.core.manifest import load_manifest_file, parse_manifest
from tracklight.core.model import Control, ControlKind, Meaning, ValueRule
from tracklight.core.scan import scan

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
HEADER = """manifest_version = 1
id = "{id}"
name = "Acme"
[telemetry]
tier = "anonymized"
default = "on"
"""

HOSTILE = {
    "deep-nesting": HEADER + "x = " + "[" * 600 + "]" * 600 + "\n",
    "deep-tables": HEADER + "x = " + "{a = " * 600 + "1" + "}" * 600 + "\n",
    "nul-in-path": HEADER + '[[telemetry.controls]]\nkind = "file"\npath = "~/.acme/a\\u0000b.json"\n'
                            'format = "json"\nkey = "telemetry"\noff = false\n',
    "nul-in-detect": HEADER.replace("[telemetry]", '[detect]\npaths = ["~/.acme\\u0000"]\n[telemetry]'),
    "empty-name": HEADER + '[[telemetry.controls]]\nkind = "env"\nname = ""\noff = "1"\n',
    "empty-tool-name": HEADER.replace('name = "Acme"', 'name = ""'),
    "catastrophic-pattern": HEADER + '[[telemetry.controls]]\nkind = "env"\nname = "ACME_TELEMETRY"\noff = "1"\n'
                                     'off_pattern = "(([^!])+)+!"\n',
    "lookaround": HEADER + '[[telemetry.controls]]\nkind = "env"\nname = "ACME_TELEMETRY"\noff = "1"\n'
                           'off_pattern = "(?!x).+"\n',
    "escape-sequence": HEADER.replace('name = "Acme"', 'name = "Acme\\u001b[2J"'),
    "not-utf8": None,
}


def write(folder: Path, case: str) -> Path:
    tool_id = f"bad-{case}"
    path = folder / f"{tool_id}.toml"
    text = HOSTILE[case]
    if text is None:
        path.write_bytes(HEADER.format(id=tool_id).encode() + b'notes = "\xff\xfe"\n')
    else:
        path.write_text(text.replace("{id}", tool_id), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(c for c, t in HOSTILE.items() if t is not None and "pattern" not in c
                                        and c != "lookaround"))
def test_validate_names_the_problem(case: str, tmp_path: Path) -> None:
    result = load_manifest_file(write(tmp_path, case))
    assert result.tool is None and result.problems


def test_a_catastrophic_pattern_is_run_in_linear_time() -> None:
    """`(([^!])+)+!` passed the old nested-quantifier check and hung scan for over 60 s on a 98-character PATH."""
    result = parse_manifest(HOSTILE["catastrophic-pattern"].replace("{id}", "acme"), "/x/acme.toml")
    assert result.tool is not None  # RE2 runs it safely: it is allowed
    control = result.tool.telemetry.controls[0]
    started = time.perf_counter()
    assert meaning_of(control, "/usr/local/bin:" * 7 + "x" * 5000) is Meaning.DEFAULT
    assert time.perf_counter() - started < 1.0


def test_a_pattern_the_linear_engine_cannot_run_is_a_problem() -> None:
    result = parse_manifest(HOSTILE["lookaround"].replace("{id}", "acme"), "/x/acme.toml")
    assert result.tool is None and "linear-time engine" in result.problems[0].message
    assert result.problems[0].line == 11


def test_every_hostile_manifest_together_leaves_scan_and_validate_working(sandbox_home: Path) -> None:
    folder = sandbox_home / ".local/share/telemetry-disclosures"
    folder.mkdir(parents=True)
    paths = [write(folder, case) for case in HOSTILE]
    result = scan(env={"HOME": str(sandbox_home), "PATH": "/usr/local/bin:/usr/bin:" + "x" * 98})
    assert result.get("go") is not None
    done = subprocess.run([TRACKLIGHT, "manifest", "validate", *map(str, paths)], check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len([line for line in done.stdout.splitlines() if "bad-" in line]) >= len(HOSTILE) - 1
    done = subprocess.run([TRACKLIGHT, "scan", "--json"], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tools"]


def test_fastlane_and_storybook_read_their_values_as_before() -> None:
    """Their catalog patterns were lookaheads ("anything but these"), which RE2 cannot run; they now say it with
    default_pattern and other = "off" (checked against Python's reading of the old patterns over every string of
    up to five characters from their alphabets when they were rewritten, as were h2o's and reprozip's)."""
    from tracklight.core.catalog import load_index
    from tracklight.core.model import Os

    index = load_index(Os.LINUX, {"HOME": "/nonexistent"})
    fastlane = index.tools["fastlane"].tool.telemetry.controls[0]
    for value, meaning in {"no": Meaning.DEFAULT, "false": Meaning.DEFAULT, "off": Meaning.DEFAULT,
                           "0": Meaning.DEFAULT, "YES": Meaning.OFF, "1": Meaning.OFF, "nope": Meaning.OFF,
                           "offline": Meaning.OFF}.items():
        assert meaning_of(fastlane, value) is meaning, value
    storybook = next(c for c in index.tools["storybook"].tool.telemetry.controls if c.kind is ControlKind.ENV)
    for value, meaning in {"false": Meaning.DEFAULT, "FaLsE": Meaning.DEFAULT, "0": Meaning.DEFAULT,
                           "1": Meaning.OFF, "true": Meaning.OFF, "00": Meaning.OFF, "falsey": Meaning.OFF}.items():
        assert meaning_of(storybook, value) is meaning, value


def test_an_invalid_pattern_never_decides() -> None:
    control = Control(ControlKind.ENV, off="1", name="ACME_TELEMETRY", rule=ValueRule(off_pattern="(?!x).+"))
    assert meaning_of(control, "y") is Meaning.DEFAULT


def test_an_empty_pattern_matches_only_the_empty_value() -> None:
    """`default_pattern = ""` passes validation, so it means what it says (the empty value), not nothing."""
    control = Control(ControlKind.ENV, off="1", name="ACME_TELEMETRY",
                      rule=ValueRule(default_pattern="", other="off"))
    assert meaning_of(control, "") is Meaning.DEFAULT
    assert meaning_of(control, "0") is Meaning.OFF
    assert meaning_of(control, "1") is Meaning.OFF
