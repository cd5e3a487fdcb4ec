"""Reports as plain JSON-ready data (the `--json` shape: docs/ARCHITECTURE.md, "The command line's JSON")."""

from __future__ import annotations

from tracklight.core.assurance import summarize
from tracklight.core.model import Control, ControlKind, Evidence, Problem, Proof, Tool, ToolReport

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Any


def problem_json(problem: Problem) -> dict[str, Any]:
    return {"file": problem.path, "line": problem.line, "message": problem.message, "text": str(problem)}


def evidence_json(item: Evidence) -> dict[str, Any]:
    return {
        "control": item.control.kind.value,
        "where": item.where,
        "key": item.key,
        "set": item.is_set,
        "value": item.raw,
        "means": item.meaning.value,
        "set_by": item.set_by,
        "line": item.line,
        "decisive": item.decisive,
        "note": item.note,
    }


def proof_json(proof: Proof) -> dict[str, Any]:
    data: dict[str, Any] = {"method": proof.method.value, "covers": list(proof.covers), "date": proof.date.isoformat()}
    for key in ("version", "commit", "url", "quote", "package", "oracle", "note", "fingerprint"):
        if getattr(proof, key):
            data[key] = getattr(proof, key)
    if proof.result is not None:
        data["result"] = proof.result.value
    return data


def assurance_json(tool: Tool) -> dict[str, Any]:
    """How sure the facts are (`scan --json`'s "proof"): the level, the line users read, the proof it rests on."""
    summary = summarize(tool)
    return {"level": summary.level.value, "summary": summary.text, "opt_out_proven": summary.opt_out_proven,
            "proof": proof_json(summary.proof) if summary.proof is not None else None}


def report_json(report: ToolReport) -> dict[str, Any]:
    """One tool in `scan --json`."""
    tool = report.tool
    data: dict[str, Any] = {
        "id": tool.id,
        "name": tool.name,
        "installed": report.installed,
        "tier": tool.telemetry.tier.value,
        "state": report.state.value,
        "controls_state": (report.controls_state or report.state).value,
        "no_switch": list(report.keeps_sending),  # senders no setting stops: on whatever controls_state says
        "default": tool.telemetry.default.value,
        "source": tool.source.value,
        "proof": assurance_json(tool),
        "evidence": [evidence_json(e) for e in report.evidence],
        "problems": [problem_json(p) for p in report.problems],
    }
    if report.locked:
        data["locked"] = True
    if report.conflict is not None:
        data["conflict"] = {
            "manifest_tier": report.conflict.manifest_tier.value,
            "catalog_tier": report.conflict.catalog_tier.value,
            "manifest": report.conflict.manifest_origin,
            "catalog": report.conflict.catalog_origin,
        }
    return data


def control_json(control: Control) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": control.kind.value, "off": control.off, "on": control.on}
    if control.kind is ControlKind.ENV:
        data["name"] = control.name
    else:
        data["paths"] = {os_.value: list(templates) for os_, templates in control.paths}
        data["format"] = control.format
        data["key"] = control.key
    rule = control.rule
    data["off_when"] = "nonempty" if rule.off_nonempty else list(rule.off_when)
    data.update(on_when=list(rule.on_when), off_pattern=rule.off_pattern, on_pattern=rule.on_pattern,
                default_pattern=rule.default_pattern,
                other=rule.other, match=rule.match, write=control.write, note=control.note)
    return data


def disclosure_json(tool: Tool) -> dict[str, Any]:
    """Everything declared about a tool (for `show --json`)."""
    telemetry = tool.telemetry
    return {
        "id": tool.id,
        "name": tool.name,
        "vendor": tool.vendor,
        "homepage": tool.homepage,
        "privacy_policy": tool.privacy_policy,
        "category": tool.category,
        "source": tool.source.value,
        "origin": tool.origin,
        "tier": telemetry.tier.value,
        "tier_reason": telemetry.tier_reason,
        "default": telemetry.default.value,
        "collects": list(telemetry.collects),
        "endpoints": list(telemetry.endpoints),
        "retention": telemetry.retention,
        "shared_with": list(telemetry.shared_with),
        "precedence": telemetry.precedence,
        "notes": telemetry.notes,
        "no_switch": list(telemetry.no_switch),
        "controls": [control_json(c) for c in telemetry.controls],
        "sources": list(tool.sources),
        "verified": tool.verified.isoformat() if tool.verified else None,
        "proofs": [proof_json(p) for p in tool.proofs],
    }


def show_json(report: ToolReport) -> dict[str, Any]:
    data = report_json(report)
    data["disclosure"] = disclosure_json(report.tool)
    if report.catalog_entry is not None:
        data["catalog"] = disclosure_json(report.catalog_entry)
    return data
