"""What an entry's proofs establish: which facts need a proof, which are covered, and a fingerprint of the facts.

A fact is named as in a proof's `covers`: "tier", "default", "env:NAME", "file:KEY" (see `control_fact`),
"no_switch". Every catalog entry must cover its tier, its default, each of its controls and, where it names senders
that have no switch, that claim, with a proof that establishes it (a source or docs proof, or a run proof that passed).

A run proof stores the fingerprint of the facts it covers, taken from the entry's own TOML when the proof was made.
When someone edits one of those facts later, the fingerprint no longer matches and the proof is stale: the check
needs no clock and no git history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from tracklight.core.manifest import control_fact
from tracklight.core.model import Proof, ProofMethod, Tool

REQUIRED_FACTS = ("tier", "default")
_IGNORED_CONTROL_FIELDS = ("note",)  # wording, not a fact: editing a note does not make a proof stale


def required_facts(tool: Tool) -> tuple[str, ...]:
    """The facts every proven entry must cover: tier, default, senders without a switch (when it names any), and one
    per control (in the entry's order)."""
    facts = list(REQUIRED_FACTS) + (["no_switch"] if tool.telemetry.no_switch else [])
    for control in tool.telemetry.controls:
        fact = control_fact(control)
        if fact not in facts:
            facts.append(fact)
    return tuple(facts)


def covered_facts(proofs: Iterable[Proof]) -> set[str]:
    """The facts established by proofs that count (a failed run proof establishes nothing)."""
    return {fact for proof in proofs if proof.passed for fact in proof.covers}


def uncovered_facts(tool: Tool) -> list[str]:
    """The required facts of `tool` that no proof establishes, in the entry's order."""
    covered = covered_facts(tool.proofs)
    return [fact for fact in required_facts(tool) if fact not in covered]


def newest_proof_date(tool: Tool) -> dt.date | None:
    return max((proof.date for proof in tool.proofs), default=None)


def _fact_value(document: Mapping[str, Any], fact: str) -> Any:
    telemetry = document.get("telemetry", {})
    if fact in ("tier", "default", "endpoints", "collects", "retention", "no_switch"):
        return telemetry.get(fact)
    kind, _, name = fact.partition(":")
    matching = []
    for control in telemetry.get("controls", []):
        if not isinstance(control, dict) or control.get("kind") != kind:
            continue
        if kind == "env":
            found = control.get("name") == name
        elif control.get("key"):
            found = control.get("key") == name
        else:
            found = name in _base_names(control.get("path"))
        if found:
            matching.append({k: v for k, v in control.items() if k not in _IGNORED_CONTROL_FIELDS})
    return matching


def _base_names(path: Any) -> set[str]:
    values: list[Any] = list(path.values()) if isinstance(path, dict) else [path]
    names = set()
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                names.add(item.replace("\\", "/").rsplit("/", 1)[-1])
    return names


def fact_fingerprint(document: Mapping[str, Any], covers: Iterable[str]) -> str:
    """16 hex digits that change when any of the covered facts changes in the entry's TOML (parsed by tomllib)."""
    facts = [[fact, _fact_value(document, fact)] for fact in sorted(set(covers))]
    text = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stale_proofs(document: Mapping[str, Any], tool: Tool) -> list[Proof]:
    """Proofs carrying a fingerprint that no longer matches the entry: made for facts that have since changed."""
    return [proof for proof in tool.proofs
            if proof.fingerprint and proof.fingerprint != fact_fingerprint(document, proof.covers)]


def run_proofs(tool: Tool) -> list[Proof]:
    return [proof for proof in tool.proofs if proof.method is ProofMethod.RUN]
