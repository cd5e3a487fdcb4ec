"""Users see how sure Tracklight is of each tool: a PROOF column in `scan`, a line and the records in `show`, a
"proof" field in `scan --json`; a tool whose last run failed is shown as failed, not hidden."""

from __future__ import annotations

import json
from pathlib import Path

from tracklight.cli import main

MANIFEST = '''manifest_version = 1
id = "acme-cli"
name = "Acme CLI"

[telemetry]
tier = "anonymized"
default = "on"

[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
off = "0"

[[proofs]]
method = "source"
covers = ["env:ACME_TELEMETRY", "default", "tier"]
date = 2026-12-05
version = "2.3.0"
commit = "0123456789abcdef0123456789abcdef01234567"
url = "https://github.com/acme/acme-cli/blob/0123456789abcdef0123456789abcdef01234567/acme/telemetry.py#L42"
quote = 'enabled = os.environ.get("ACME_TELEMETRY", "1") != "0"'
'''
RUN = '''
[[proofs]]
method = "run"
covers = ["env:ACME_TELEMETRY", "default"]
date = 2026-12-07
package = "pypi:acme-cli==2.3.0"
version = "2.3.0"
oracle = "acme telemetry status"
result = "RESULT"
note = "still on after `tracklight optout acme-cli` (wrote env:ACME_TELEMETRY); more"
'''


def install_manifest(home: Path, text: str) -> None:
    """A vendor's own manifest, carrying its proofs, installed in the user's disclosures folder."""
    folder = home / ".local/share/telemetry-disclosures"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme-cli.toml").write_text(text, encoding="utf-8")


def scan_row(capsys, tool_id: str) -> list[str]:
    assert main(["scan", "--all"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert "PROOF" in header
    row = next(line for line in out.splitlines() if f" {tool_id} " in line)
    return row.split()


def test_source_proof_is_shown_in_scan_show_and_json(sandbox_home: Path, capsys) -> None:
    install_manifest(sandbox_home, MANIFEST)
    assert "source" in scan_row(capsys, "acme-cli")
    assert main(["show", "acme-cli"]) == 0
    out = capsys.readouterr().out
    assert "proof:     read in its source (commit 0123456, 2026-12-05)" in out
    assert "source 2026-12-05 [env:ACME_TELEMETRY, default, tier] https://github.com/acme/acme-cli/blob/" in out
    assert main(["scan", "--all", "--json"]) == 0
    tool = next(t for t in json.loads(capsys.readouterr().out)["tools"] if t["id"] == "acme-cli")
    assert tool["proof"]["level"] == "source" and tool["proof"]["opt_out_proven"] is False
    assert tool["proof"]["proof"]["commit"] == "0123456789abcdef0123456789abcdef01234567"


def test_a_passing_run_proof_says_the_opt_out_is_proven(sandbox_home: Path, capsys) -> None:
    install_manifest(sandbox_home, MANIFEST + RUN.replace("RESULT", "pass"))
    assert "run" in scan_row(capsys, "acme-cli")
    assert main(["show", "acme-cli", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["proof"]["summary"] == "proven by running acme-cli 2.3.0 on 2026-12-07"
    assert data["proof"]["opt_out_proven"] is True
    assert [p["method"] for p in data["disclosure"]["proofs"]] == ["source", "run"]


def test_a_failed_run_is_shown_as_failed_not_hidden(sandbox_home: Path, capsys) -> None:
    install_manifest(sandbox_home, MANIFEST + RUN.replace("RESULT", "fail"))
    assert "FAILED" in scan_row(capsys, "acme-cli")
    assert main(["show", "acme-cli"]) == 0
    out = capsys.readouterr().out
    assert ("proof:     its last run FAILED: acme-cli 2.3.0 on 2026-12-07 did not do what this entry says "
            "(still on after `tracklight optout acme-cli` (wrote env:ACME_TELEMETRY))") in out


def test_an_entry_without_proofs_says_so(sandbox_home: Path, capsys) -> None:
    install_manifest(sandbox_home, MANIFEST.split("[[proofs]]")[0])
    assert scan_row(capsys, "acme-cli")[-2] == "-"
    assert main(["show", "acme-cli"]) == 0
    assert "proof:     not proven yet: no proof recorded" in capsys.readouterr().out
