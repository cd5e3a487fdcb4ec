"""`[[proofs]]` in a manifest: the spec's proofs example parses into typed records; a sloppy proof is named with its
file and line, and the schema refuses what the parser refuses."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the schema check of test_schema.py, whatever pytest's import mode
from test_schema import validate

from tracklight.core.assurance import summarize
from tracklight.core.manifest import load_manifest_file, parse_manifest
from tracklight.core.model import ProofMethod, ProofResult, Source

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "resources" / "manifest" / "SPEC.md").read_text(encoding="utf-8")


def _block(heading: str) -> str:
    match = re.search(rf"## {heading}\n\n[^`]*```toml\n(.*?)```", SPEC, re.DOTALL)
    assert match, heading
    return match.group(1)


MANIFEST = _block("Example")
PROOFS = _block("Proofs")
# The spec's manifest carrying the spec's proofs (a top-level key goes before the first table).
_VERIFIED, _, _PROOF_TABLES = PROOFS.partition("\n")
WITH_PROOFS = MANIFEST.replace("[detect]", _VERIFIED.split("#")[0].strip() + "\n\n[detect]", 1) + "\n" + _PROOF_TABLES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "acme-cli.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The line of the first line holding `needle`; "[[proofs]]#2" is the second proof's header."""
    needle, _, nth = needle.partition("#")
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][int(nth or 1) - 1]


def test_the_spec_proofs_example_parses_into_typed_records(tmp_path: Path) -> None:
    result = load_manifest_file(write(tmp_path, WITH_PROOFS))
    assert result.problems == [] and result.tool is not None
    source, run = result.tool.proofs
    assert source.method is ProofMethod.SOURCE and source.covers == ("env:ACME_TELEMETRY", "default")
    assert source.date == dt.date(2026, 12, 5) and source.commit.startswith("0123456789ab")
    assert source.url.endswith("#L42") and "ACME_TELEMETRY" in source.quote and source.passed
    assert run.method is ProofMethod.RUN and run.result is ProofResult.PASS and run.package == "pypi:acme-cli==2.3.0"
    assert result.tool.verified is None  # a vendor's manifest need not say verified
    assert validate(tomllib.loads(WITH_PROOFS)) == []


def test_a_failed_run_proof_is_kept_but_establishes_nothing(tmp_path: Path) -> None:
    tool = load_manifest_file(write(tmp_path, WITH_PROOFS.replace('result = "pass"', 'result = "fail"'))).tool
    assert tool is not None and tool.proofs[1].result is ProofResult.FAIL and not tool.proofs[1].passed


def test_a_catalog_entry_may_carry_proofs(tmp_path: Path) -> None:
    text = WITH_PROOFS.replace('[detect]', 'sources = ["https://acme.example/docs"]\n\n[detect]', 1)
    text = text.replace("verified = 2026-12-05", "verified = 2026-12-06")
    result = parse_manifest(text, str(tmp_path / "acme-cli.toml"), Source.CATALOG)
    assert result.problems == [] and result.tool is not None and len(result.tool.proofs) == 2


SOURCE_LINE = "url = \"https://github.com/acme/acme-cli/blob/0123456789abcdef0123456789abcdef01234567/acme/telemetry.py#L42\""
BROKEN = [
    # (replace this, with that, the line of which key, words in the message)
    ('method = "source"', 'method = "hearsay"', 'method = "hearsay"', "must be one of run | source | docs"),
    ('covers = ["env:ACME_TELEMETRY", "default"]\ndate = 2026-12-05',
     'covers = ["env:ACME_TELEMETRY", "colour"]\ndate = 2026-12-05', '"colour"', "invalid fact"),
    ('covers = ["env:ACME_TELEMETRY", "default"]\ndate = 2026-12-05',
     'covers = ["env:ACME_TRACKING"]\ndate = 2026-12-05', "ACME_TRACKING", "no control of this entry"),
    ("date = 2026-12-05\n", 'date = "last week"\n', '"last week"', "must be a TOML date"),
    ("date = 2026-12-05\n", "", "[[proofs]]", "missing required field 'proofs[0].date'"),
    ('commit = "0123456789abcdef0123456789abcdef01234567"', 'commit = "0123456"', 'commit = "0123456"',
     "full commit hash"),
    (SOURCE_LINE, SOURCE_LINE.replace("0123456789abcdef0123456789abcdef01234567", "main"), "blob/main",
     "pinned to the commit"),
    ("telemetry.py#L42", "telemetry.py", "telemetry.py\"", "to the line"),
    ("quote = 'enabled", "quote = '" + "x" * 200 + "enabled", "quote = ", "longer than 200"),
    ("quote = 'enabled", "unquoted = 'enabled", "[[proofs]]", "needs 'proofs[0].quote'"),
    ('package = "pypi:acme-cli==2.3.0"', 'package = "acme-cli==2.3.0"', 'package = "acme', "must be pypi:"),
    ('result = "pass"', 'result = "mostly"', 'result = "mostly"', "must be one of pass | fail"),
    ('result = "pass"\n', "", "[[proofs]]#2", "missing required field 'proofs[1].result'"),
    ('fingerprint = "3f0c9a1d5be27e48"', 'fingerprint = "abc"', 'fingerprint = "abc"', "16 hex digits"),
]


@pytest.mark.parametrize("old,new,at,words", BROKEN, ids=[b[3] for b in BROKEN])
def test_a_malformed_proof_is_named_with_file_and_line(tmp_path: Path, old: str, new: str, at: str,
                                                        words: str) -> None:
    assert old in WITH_PROOFS
    text = WITH_PROOFS.replace(old, new, 1)
    path = write(tmp_path, text)
    result = load_manifest_file(path)
    assert result.tool is None
    lines = {p.line for p in result.problems if words in p.message}
    assert lines == {line_of(text, at)}, result.problems
    done = subprocess.run([sys.executable, "-m", "tracklight.cli", "manifest", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and f"{path}:{line_of(text, at)}: " in done.stdout
    if words not in ("no control of this entry", "pinned to the commit"):  # (cross-references a schema can't express)
        assert validate(tomllib.loads(text)) != []


def test_a_file_control_without_a_key_is_covered_by_its_file_name(tmp_path: Path) -> None:
    text = MANIFEST + '''
[[telemetry.controls]]
kind = "file"
path = "~/.config/acme/mode"
format = "plain"
off = "off"

[[proofs]]
method = "docs"
covers = ["file:mode", "tier"]
date = 2026-12-05
url = "https://acme.example/telemetry"
'''
    result = load_manifest_file(write(tmp_path, text))
    assert result.problems == [] and result.tool is not None
    assert result.tool.proofs[0].covers == ("file:mode", "tier")


PACKAGE_SOURCE = '''
[[proofs]]
method = "source"
covers = ["env:ACME_TELEMETRY"]
date = 2026-12-06
version = "2.3.0"
package = "pypi:acme-cli==2.3.0"
file = "acme/telemetry.py#L42"
quote = 'enabled = os.environ.get("ACME_TELEMETRY", "1") not in ("0", "false")'
'''


def test_a_source_proof_may_be_read_in_a_pinned_release_package(tmp_path: Path) -> None:
    result = load_manifest_file(write(tmp_path, WITH_PROOFS + PACKAGE_SOURCE))
    assert result.problems == [] and result.tool is not None
    proof = result.tool.proofs[2]
    assert proof.method is ProofMethod.SOURCE and proof.passed and proof.commit == "" and proof.url == ""
    assert (proof.package, proof.file) == ("pypi:acme-cli==2.3.0", "acme/telemetry.py#L42")
    assert validate(tomllib.loads(WITH_PROOFS + PACKAGE_SOURCE)) == []
    # what scan and the window say about it
    only = load_manifest_file(write(tmp_path, MANIFEST + PACKAGE_SOURCE)).tool
    assert only is not None and summarize(only).text == "read in its source (the acme-cli 2.3.0 package, 2026-12-06)"


def test_the_package_read_is_named_with_its_own_version_not_the_products_inside(tmp_path: Path) -> None:
    # VS Code 1.139.1 was read in code-server 4.139.1: a user looking for that package must find 4.139.1.
    inside = PACKAGE_SOURCE.replace('version = "2.3.0"', 'version = "1.139.1"').replace(
        "pypi:acme-cli==2.3.0", "npm:code-server@4.139.1")
    only = load_manifest_file(write(tmp_path, MANIFEST + inside)).tool
    assert only is not None
    assert summarize(only).text == "read in its source (the code-server 4.139.1 package, 2026-12-06)"


PACKAGE_BROKEN = [
    ('package = "pypi:acme-cli==2.3.0"', 'package = "pypi:acme-cli"', "must pin a version"),
    ('package = "pypi:acme-cli==2.3.0"', 'package = "debian:acme-cli"', "must pin a version"),
    ('file = "acme/telemetry.py#L42"', 'file = "acme/telemetry.py"', "to the line in the package"),
    ('file = "acme/telemetry.py#L42"\n', "", "needs 'proofs[2].file'"),
]


@pytest.mark.parametrize("old,new,words", PACKAGE_BROKEN, ids=[f"{b[2]}-{n}" for n, b in enumerate(PACKAGE_BROKEN)])
def test_a_package_source_proof_must_pin_the_package_and_the_line(tmp_path: Path, old: str, new: str,
                                                                   words: str) -> None:
    text = WITH_PROOFS + PACKAGE_SOURCE.replace(old, new, 1)
    result = load_manifest_file(write(tmp_path, text))
    assert result.tool is None and any(words in p.message for p in result.problems), result.problems
    assert validate(tomllib.loads(text)) != []
