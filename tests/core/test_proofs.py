"""What proofs establish: the facts an entry must cover, a failed run proving nothing, and the fingerprint that makes
a proof stale when the facts it covered are edited (and only then)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tracklight.core.manifest import parse_manifest
from tracklight.core.model import Source, Tool
from tracklight.core.proofs import fact_fingerprint, required_facts, stale_proofs, uncovered_facts

ENTRY = '''manifest_version = 1
id = "acme"
name = "Acme"
sources = ["https://acme.example/docs"]
verified = 2026-12-06

[telemetry]
tier = "anonymized"
tier_reason = "a random install id"
default = "on"

[[telemetry.controls]]
kind = "env"
name = "ACME_NO_TELEMETRY"
off = "1"
note = "read at start"

[[telemetry.controls]]
kind = "file"
path = "~/.config/acme/mode"
format = "plain"
off = "off"

[[proofs]]
method = "run"
covers = ["env:ACME_NO_TELEMETRY", "default"]
date = 2026-12-06
package = "pypi:acme==1.0"
version = "1.0"
oracle = "acme status"
result = "pass"
fingerprint = "FINGERPRINT"

[[proofs]]
method = "docs"
covers = ["tier"]
date = 2026-12-05
url = "https://acme.example/telemetry"
'''


def load(text: str) -> tuple[dict, Tool]:
    result = parse_manifest(text, str(Path("/catalog/acme.toml")), Source.CATALOG)
    assert result.tool is not None, result.problems
    return tomllib.loads(text), result.tool


def stamped(text: str) -> str:
    document, _ = load(text.replace("FINGERPRINT", "0" * 16))
    return text.replace("FINGERPRINT", fact_fingerprint(document, ["env:ACME_NO_TELEMETRY", "default"]))


def test_an_entry_must_cover_its_tier_its_default_and_each_control() -> None:
    _, tool = load(stamped(ENTRY))
    assert required_facts(tool) == ("tier", "default", "env:ACME_NO_TELEMETRY", "file:mode")
    assert uncovered_facts(tool) == ["file:mode"]


def test_a_failed_run_proof_covers_nothing() -> None:
    _, tool = load(stamped(ENTRY).replace('result = "pass"', 'result = "fail"'))
    assert uncovered_facts(tool) == ["default", "env:ACME_NO_TELEMETRY", "file:mode"]


def test_a_fresh_run_proof_is_not_stale() -> None:
    assert stale_proofs(*load(stamped(ENTRY))) == []


def test_editing_a_covered_fact_makes_the_proof_stale() -> None:
    text = stamped(ENTRY)
    for old, new in [('off = "1"', 'off = "true"'), ('default = "on"', 'default = "ask"'),
                     ('name = "ACME_NO_TELEMETRY"\noff', 'name = "ACME_NO_TELEMETRY"\nother = "off"\noff')]:
        assert old in text
        document, tool = load(text.replace(old, new, 1))
        assert [p.covers for p in stale_proofs(document, tool)] == [("env:ACME_NO_TELEMETRY", "default")], new


def test_editing_what_the_proof_does_not_cover_leaves_it_fresh() -> None:
    text = stamped(ENTRY)
    for old, new in [('tier = "anonymized"', 'tier = "full"'), ('note = "read at start"', 'note = "reworded"'),
                     ('off = "off"', 'off = "no"'), ('name = "Acme"', 'name = "Acme CLI"')]:
        assert old in text
        assert stale_proofs(*load(text.replace(old, new, 1))) == [], new
