"""`tracklight scan` and `tracklight show`: what tracks you, and one tool's full disclosure."""

from __future__ import annotations

import json
import sys

from tracklight.core.assurance import summarize
from tracklight.core.model import Proof, ProofMethod, ScanResult, State, ToolReport
from tracklight.core.scan import scan
from tracklight.core.serialize import problem_json, report_json, show_json

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    import argparse
    from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("scan", help="tools found on this machine with tier, state, default and source")
    parser.add_argument("--all", action="store_true", help="every known tool, installed or not")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run_scan)

    parser = subparsers.add_parser("show", help="one tool's full disclosure and the evidence for its state")
    parser.add_argument("id", metavar="ID", help="tool id (see `tracklight scan --all`)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run_show)


def _state_label(report: ToolReport) -> str:
    if report.tracking:
        return "on  (partly off)" if report.partly_off else "on  (tracking)"
    return report.state.value


def render_table(result: ScanResult, include_all: bool) -> str:
    reports = [r for r in result.reports if include_all or r.installed]
    header = ("TOOL", "ID", "TIER", "STATE", "DEFAULT", "SOURCE", "PROOF") + (("INSTALLED",) if include_all else ())
    rows = [header]
    for report in reports:
        tool = report.tool
        name = tool.name if len(tool.name) <= 34 else tool.name[:33] + "…"
        if report.problems:
            name += " [!]"
        if report.locked:
            name += " [locked]"
        row = (name, tool.id, tool.telemetry.tier.value, _state_label(report), tool.telemetry.default.value,
               tool.source.value, summarize(tool).level.label)
        rows.append(row + (("yes" if report.installed else "no",) if include_all else ()))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    tracking = [r for r in reports if r.tracking]
    lines.append("")
    if not reports:
        lines.append("No known tool found on this machine. `tracklight scan --all` lists every known tool.")
    else:
        lines.append(f"{len(reports)} tools, {len(tracking)} tracking now."
                     + ("" if include_all else " `tracklight scan --all` lists every known tool."))
        lines.append("PROOF: run = opt-out proven by running the tool; FAILED = the tool's last run disagreed with "
                     "the entry; source = read in its code; docs = vendor documentation only.")
    problems = [p for r in reports for p in r.problems] + list(result.problems)
    if problems:
        lines.append("")
        lines.append("Problems ([!]):")
        lines.extend(f"  {p}" for p in problems)
    return "\n".join(lines)


def run_scan(args: argparse.Namespace) -> int:
    result = scan()
    if args.json:
        reports = [r for r in result.reports if args.all or r.installed]
        payload = {"tools": [report_json(r) for r in reports],
                   "problems": [problem_json(p) for p in result.problems]}
        # One write: json.dump with indent writes each token on its own (a system call each when unbuffered).
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        print(render_table(result, args.all))
    return 0


def _lines(label: str, items: Any) -> list[str]:
    if not items:
        return []
    if isinstance(items, str):
        return [f"{label}: {items}"]
    return [f"{label}:"] + [f"  - {item}" for item in items]


def render_show(report: ToolReport) -> str:
    tool = report.tool
    telemetry = tool.telemetry
    out = [f"{tool.name} ({tool.id})" + (f" — {tool.vendor}" if tool.vendor else "")]
    out.append(f"installed: {'yes' if report.installed else 'no'}")
    out.append(f"tier:      {telemetry.tier.value}" + (f" — {telemetry.tier_reason}" if telemetry.tier_reason else ""))
    if report.conflict is not None:
        out.append(f"           the tool's own manifest says {report.conflict.manifest_tier.value}; "
                   f"Tracklight's catalog says {report.conflict.catalog_tier.value}")
    out.append(f"default:   {telemetry.default.value}")
    out.append(f"state:     {report.state.value}" + ("  [locked by your organisation's policy]" if report.locked else ""))
    out.append(f"source:    {tool.source.value} ({tool.origin})")
    out.append(f"proof:     {summarize(tool).text}")
    out += _lines("collects", telemetry.collects)
    out += _lines("sends to", telemetry.endpoints)
    out += _lines("keeps it", telemetry.retention)
    out += _lines("shares with", telemetry.shared_with)
    out += _lines("privacy policy", tool.privacy_policy)
    if telemetry.notes:
        import textwrap

        out.append("notes:")
        out += textwrap.wrap(telemetry.notes, 100, initial_indent="  ", subsequent_indent="  ")
    out.append("evidence:")
    if not report.evidence:
        out.append("  (no controls: this tool offers no documented way to opt out)"
                   if telemetry.tier.value != "none" else "  (no controls: nothing to switch off)")
    for item in report.evidence:
        mark = "=>" if item.decisive else "  "
        sender = f"[{item.control.sender}] " if item.control.sender else ""
        if item.is_set:
            where = f"{sender}{item.where}" + (f" key {item.key}" if item.key else "")
            if item.line:
                where += f" (line {item.line})"
            by = f", set by {item.set_by}" if item.set_by else ""
            out.append(f"  {mark} {where} = {json.dumps(item.raw)}  -> means {item.meaning.value}{by}")
        else:
            what = sender + item.where + (f" key {item.key}" if item.key else "")
            out.append(f"  {mark} {what}: {item.note or 'not set'}")
    for sender in report.keeps_sending:
        out.append(f"  => [{sender}] no setting stops it: sends whatever is set")
    if not any(e.decisive for e in report.evidence) and telemetry.tier.value != "none":
        if report.state is State.UNKNOWN and report.problems:
            out.append("  => unknown: a file the tool reads can't be read (see the problem below), so what the tool "
                       "would do can't be told")
        else:
            out.append(f"  => nothing decides: the tool's default ({telemetry.default.value}) applies")
    for problem in report.problems:
        out.append(f"problem: {problem}")
    out += _lines("sources", tool.sources)
    if tool.verified:
        out.append(f"verified: {tool.verified.isoformat()}")
    out += _lines("proofs", [_proof_line(p) for p in tool.proofs])
    return "\n".join(out)


def _proof_line(proof: Proof) -> str:
    """One proof in `show`: method, date, what it covers, and where to check it."""
    covers = ", ".join(proof.covers)
    if proof.method is ProofMethod.RUN:
        result = proof.result.value.upper() if proof.result else ""
        where = f"ran {proof.package}: {proof.oracle} -> {result}"
    elif proof.method is ProofMethod.SOURCE:
        where = f"{proof.url or f'{proof.package} {proof.file}'}\n      {proof.quote}"
    else:
        where = proof.url
    note = f"\n      {proof.note}" if proof.note else ""
    return f"{proof.method.value} {proof.date.isoformat()} [{covers}] {where}{note}"


def run_show(args: argparse.Namespace) -> int:
    result = scan()
    report = result.get(args.id)
    if report is None:
        print(f"tracklight: unknown tool id {args.id!r} (see `tracklight scan --all` for the known ids)",
              file=sys.stderr)
        return 1
    if args.json:
        sys.stdout.write(json.dumps(show_json(report), indent=2) + "\n")
    else:
        print(render_show(report))
    return 0
