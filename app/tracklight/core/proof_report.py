"""The catalog's proof report (resources/catalog/AUDIT.md), generated from the entries and their `[[proofs]]`.

It counts proofs by method, lists every failed run and every fact still without a proof, and every entry whose facts
changed since the proof work began, with why: the notes of the proofs that cover the changed facts (the catalog
engineers write there what the code showed). "Changed" is measured against a baseline: each entry's facts as they
stood before (resources/catalog/baseline.json, taken once from git), so the report needs no git to be rebuilt.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracklight.core.assurance import Assurance, summarize
from tracklight.core.model import Proof, ProofMethod, ProofResult, Tool
from tracklight.core.proofs import uncovered_facts

_TELEMETRY_FACTS = ("tier", "default", "endpoints", "collects", "retention")


def _control_word(control: Mapping[str, Any]) -> str:
    if control.get("kind") == "env":
        return f"env:{control.get('name')}"
    if control.get("key"):
        return f"file:{control.get('key')}"
    path = control.get("path")
    first = next(iter(path.values()), "") if isinstance(path, dict) else path
    first = first[0] if isinstance(first, list) and first else first
    return "file:" + str(first).replace("\\", "/").rsplit("/", 1)[-1]


def fact_snapshot(document: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's facts from its parsed TOML, in a form that compares and stores as JSON (notes and wording left out)."""
    telemetry = document.get("telemetry", {})
    facts: dict[str, Any] = {name: telemetry.get(name) for name in _TELEMETRY_FACTS}
    facts["detect"] = document.get("detect")
    controls: dict[str, Any] = {}
    for control in telemetry.get("controls", []):
        if isinstance(control, dict):
            controls[_control_word(control)] = {k: v for k, v in control.items() if k != "note"}
    facts["controls"] = controls
    stored: dict[str, Any] = json.loads(json.dumps(facts, sort_keys=True, default=str))  # as baseline.json keeps them
    return stored


@dataclass(frozen=True)
class Change:
    fact: str  # "tier", "default", "env:NAME", "detect", …
    before: Any  # None: added
    after: Any  # None: removed


def changes_since(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    if before is None:
        return [Change("entry", None, "added")]
    found = [Change(name, before.get(name), after.get(name)) for name in (*_TELEMETRY_FACTS, "detect")
             if before.get(name) != after.get(name)]
    old, new = before.get("controls", {}), after.get("controls", {})
    for word in sorted(set(old) | set(new)):
        if old.get(word) != new.get(word):
            found.append(Change(word, old.get(word), new.get(word)))
    return found


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict) and "kind" in value:
        shown = {k: v for k, v in value.items() if k in ("off", "on", "off_when", "on_when", "other", "path", "key")}
        text = ", ".join(f"{k}={json.dumps(v)}" for k, v in shown.items())
    else:
        text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 90 else text[:89] + "…"


def _why(tool: Tool, change: Change) -> list[str]:
    """The notes of the proofs that cover a changed fact (its new state), deduplicated."""
    fact = change.fact if change.fact not in ("detect", "entry") else ""
    name = fact.partition(":")[2]  # a removed control is covered by no proof, but a note may name it
    notes = []
    for proof in tool.proofs:
        if not proof.note or proof.note in notes:
            continue
        if not fact or fact in proof.covers or (name and name in proof.note):
            notes.append(proof.note)
    return notes


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _package(proof: Proof) -> str:
    return f"`{proof.package}`"


def render_report(entries: Sequence[tuple[Tool, Mapping[str, Any]]], baseline: Mapping[str, Any]) -> str:
    """AUDIT.md: `entries` are each tool with its parsed TOML; `baseline` is baseline.json's content."""
    tools = sorted(entries, key=lambda e: e[0].id)
    base_entries: Mapping[str, Any] = baseline.get("entries", {})
    proofs = [p for tool, _ in tools for p in tool.proofs]
    methods = Counter(p.method for p in proofs)
    runs = [p for p in proofs if p.method is ProofMethod.RUN]
    run_results = Counter(p.result for p in runs)
    levels = Counter(summarize(tool).level for tool, _ in tools)
    missing = {tool.id: uncovered_facts(tool) for tool, _ in tools if uncovered_facts(tool)}
    changed = {tool.id: (tool, changes_since(base_entries.get(tool.id), fact_snapshot(document)))
               for tool, document in tools}
    changed = {k: v for k, v in changed.items() if v[1]}
    removed = sorted(set(base_entries) - {tool.id for tool, _ in tools})

    out = [
        "# Catalog proof report",
        "",
        ("Generated by `tracklight catalog audit > resources/catalog/AUDIT.md` from the entries' `[[proofs]]`; do not "
        "edit by hand (a test checks it is current, and `make prove` rewrites it). How proofs work: "
        "[SPEC.md, Proofs](../manifest/SPEC.md#proofs)."),
        "",
        "## Counts",
        "",
        (f"- {len(tools)} entries; {len(tools) - len(missing)} have every fact (tier, default, each control) proven, "
        f"{len(missing)} do not yet."),
        (f"- {len(proofs)} proofs: {methods[ProofMethod.RUN]} run ({run_results[ProofResult.PASS]} passed, "
        f"{run_results[ProofResult.FAIL]} failed), {methods[ProofMethod.SOURCE]} source, "
        f"{methods[ProofMethod.DOCS]} docs."),
        (f"- Entries by their strongest proof: {levels[Assurance.RUN]} proven by running the tool, "
        f"{levels[Assurance.FAILED]} whose last run failed, {levels[Assurance.SOURCE]} read in the source, "
        f"{levels[Assurance.DOCS]} vendor documentation only, {levels[Assurance.NONE]} without any proof."),
        (f"- {len(changed)} entries changed since the proof work began (baseline: commit "
        f"{baseline.get('commit', '?')[:12]}), {len(removed)} removed."),
        "",
        "## Failed run proofs",
        "",
    ]
    failed = [(tool, p) for tool, _ in tools for p in tool.proofs
              if p.method is ProofMethod.RUN and p.result is ProofResult.FAIL]
    if failed:
        out += ["| entry | package | date | what the tool did |", "|---|---|---|---|"]
        out += [f"| {tool.id} | {_package(p)} | {p.date.isoformat()} | {_cell(p.note)} |" for tool, p in failed]
    else:
        out.append("None.")
    out += ["", "## Facts without a proof", ""]
    if missing:
        out += ["| entry | facts no proof establishes |", "|---|---|"]
        out += [f"| {tool_id} | {', '.join(f'`{f}`' for f in facts)} |" for tool_id, facts in missing.items()]
    else:
        out.append("None: every fact of every entry is proven.")
    out += ["", "## Execution proofs", ""]
    if runs:
        out += ["| entry | package | date | oracle | result |", "|---|---|---|---|---|"]
        out += [f"| {tool.id} | {_package(p)} | {p.date.isoformat()} | {_cell(p.oracle)} | "
                f"{p.result.value if p.result else ''} |"
                for tool, _ in tools for p in tool.proofs if p.method is ProofMethod.RUN]
    else:
        out.append("None yet.")
    out += ["", "## Entries changed since the baseline, and why", "",
            "Each change is the fact before → after; *why* quotes the notes of the proofs that cover the fact now.", ""]
    for tool_id, (tool, found) in changed.items():
        out.append(f"### {tool_id}")
        out.append("")
        for change in found:
            if change.fact == "entry":
                out.append("- new entry")
            else:
                out.append(f"- `{change.fact}`: {_cell(_short(change.before))} → {_cell(_short(change.after))}")
            for note in _why(tool, change):
                out.append(f"  - why: {_cell(note)}")
        out.append("")
    if removed:
        out += ["### Removed entries", "", *[f"- {tool_id}" for tool_id in removed], ""]
    return "\n".join(out).rstrip("\n") + "\n"
