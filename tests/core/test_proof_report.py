"""The proof report says what a reader needs: counts by method, each failed run, each fact without a proof, and each
entry changed since the baseline with the proof notes that say why."""

from __future__ import annotations

import tomllib

from tracklight.core.manifest import parse_manifest
from tracklight.core.model import Source
from tracklight.core.proof_report import fact_snapshot, render_report

BEFORE = '''manifest_version = 1
id = "acme"
name = "Acme"
sources = ["https://acme.example/docs"]
verified = 2026-11-30

[telemetry]
tier = "anonymized"
tier_reason = "a random install id"
default = "on"

[[telemetry.controls]]
kind = "env"
name = "ACME_DISABLE_TRACKING"
off = "1"
'''
AFTER = BEFORE.replace("ACME_DISABLE_TRACKING", "ACME_SEND_USAGE").replace('off = "1"', 'off = "false"').replace(
    "verified = 2026-11-30", "verified = 2026-12-07") + '''
[[proofs]]
method = "source"
covers = ["env:ACME_SEND_USAGE"]
date = 2026-12-05
version = "2.0"
commit = "0123456789abcdef0123456789abcdef01234567"
url = "https://github.com/acme/acme/blob/0123456789abcdef0123456789abcdef01234567/acme/track.py#L9"
quote = 'if not settings.send_usage: return'
note = "only send_usage is read; ACME_DISABLE_TRACKING is read nowhere since 1.4"

[[proofs]]
method = "run"
covers = ["default", "env:ACME_SEND_USAGE"]
date = 2026-12-07
package = "pypi:acme==2.0"
version = "2.0"
oracle = "acme.tracking_enabled()"
result = "fail"
note = "still on after `tracklight optout acme` (wrote env:ACME_SEND_USAGE)"
'''


def report(after: str = AFTER) -> str:
    tool = parse_manifest(after, "/catalog/acme.toml", Source.CATALOG).tool
    assert tool is not None
    baseline = {"commit": "9ef4c0ed5727aaaa", "entries": {"acme": fact_snapshot(tomllib.loads(BEFORE)),
                                                           "gone": fact_snapshot(tomllib.loads(BEFORE))}}
    return render_report([(tool, tomllib.loads(after))], baseline)


def test_counts_by_method_and_the_strongest_proof() -> None:
    text = report()
    assert "- 1 entries; 0 have every fact (tier, default, each control) proven, 1 do not yet." in text
    assert "- 2 proofs: 1 run (0 passed, 1 failed), 1 source, 0 docs." in text
    assert "1 whose last run failed" in text


def test_a_failed_run_and_the_facts_without_proof_are_listed() -> None:
    text = report()
    assert ("| acme | `pypi:acme==2.0` | 2026-12-07 | still on after `tracklight optout acme` "
            "(wrote env:ACME_SEND_USAGE) |") in text
    assert "| acme | `tier`, `default` |" in text  # the failed run proves no default; nothing covers the tier


def test_a_changed_entry_says_what_changed_and_why() -> None:
    text = report()
    assert "### acme" in text
    assert '- `env:ACME_DISABLE_TRACKING`: off="1" → —' in text
    assert '- `env:ACME_SEND_USAGE`: — → off="false"' in text
    assert "  - why: only send_usage is read; ACME_DISABLE_TRACKING is read nowhere since 1.4" in text
    assert "### Removed entries\n\n- gone" in text


def test_an_unchanged_entry_is_not_listed_as_changed() -> None:
    assert "### acme" not in report(BEFORE)
