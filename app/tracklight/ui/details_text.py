"""What the details pane says about one tool, as text (no widgets here: tested without a display).

The pane answers three questions first, in this order, each in one line of `answer()`:
  1. is it sending?        the state, with the tier in plain words
  2. why does Tracklight say so?   the setting that decided, or the file that can't be read, or the default
  3. how sure is that?     the strongest proof of these facts, in the CLI's words (core.assurance; a failed run is
                           said, never hidden)
  4. what can I do?        the buttons; `allow_line()` says what Allow would write
Everything else — every setting read, what it collects, where it sends it, where the facts come from, how to switch
it off — follows in `report_html()`. Paths are written with ~ for the home folder, as in the notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from tracklight.core.assurance import Assurance, summarize
from tracklight.core.detect import NO_FILE, asks_where_unreadable
from tracklight.core.model import (
    Control,
    ControlKind,
    Default,
    Evidence,
    Meaning,
    Problem,
    Proof,
    ProofMethod,
    ProofResult,
    Scalar,
    State,
    Tier,
    Tool,
    ToolReport,
)
from tracklight.formats import scalar_text
from tracklight.ui.snapshot import TIER_WORDS
from tracklight.ui.words import short_path, value_text

if TYPE_CHECKING:
    from tracklight.changes.before_optout import ValuesBeforeOptout

_STATE_WORDS = {
    State.ON: "Sends telemetry now",
    State.OFF: "Doesn't send telemetry now",
    State.LOCAL: "Collects on this computer only; sends nothing unless it is turned on",
    State.UNKNOWN: "Tracklight can't tell whether it sends telemetry",
}
_DEFAULT_WORDS = {
    Default.ON: "it sends telemetry",
    Default.OFF: "it sends nothing unless you opt in",
    Default.ASK: "it asks first, and sends nothing until you answer",
    Default.LOCAL: "it counts on this computer and uploads nothing",
    Default.UNKNOWN: "nobody has said what it does",
}


@dataclass(frozen=True)
class Answer:
    """The first lines of the pane: is it sending, and why Tracklight says so."""

    state: str  # plain text
    why: str  # plain text
    unreadable: str | None = None  # a file that can't be read: the pane offers to open it
    assurance: str = ""  # plain text: how sure Tracklight is of these facts
    assurance_failed: bool = False  # the tool's last run disagreed with what is said about it


def assurance_line(report: ToolReport) -> tuple[str, bool]:
    """"How sure: proven by running meltano 4.4.1 on 2026-12-05." — the words of `tracklight show`'s proof line
    (core.assurance.summarize, of the description in force); True when the last run of the real tool FAILED."""
    summary = summarize(report.tool)
    text = f"How sure: {summary.text}"
    return (text if text.endswith((".", ")")) else text + "."), summary.level is Assurance.FAILED


def unreadable_evidence(report: ToolReport) -> Evidence | None:
    """The first setting whose file could not be read (it then hides what the tool would read)."""
    broken = {problem.path for problem in report.problems if problem.path}
    return next((item for item in report.evidence
                 if item.control.kind is ControlKind.FILE and item.where in broken), None)


def answer(report: ToolReport, home: str) -> Answer:
    tool = report.tool
    tier = tool.telemetry.tier
    if not report.installed:
        state = "Not installed on this computer"
    else:
        state = _STATE_WORDS[report.state]
    if tier is not Tier.NONE:
        state += f" · {tier.value}: {TIER_WORDS[tier]}"
    state += "."
    unreadable = unreadable_evidence(report)
    if tier is Tier.NONE:
        why = f"{tool.name} collects nothing, so there is nothing to switch off."
    elif unreadable is not None and report.state is State.UNKNOWN:
        problem = next(p for p in report.problems if p.path == unreadable.where)
        where = f"line {problem.line}: " if problem.line else ""
        why = (f"{short_path(unreadable.where, home)} can't be read ({where}{problem.message}), so what "
               f"{tool.name} reads there is unknown.")
    else:
        decisive = [item for item in report.evidence if item.decisive]
        undecided = _senders_left_to_default(report)
        if undecided and report.state is State.ON and not decisive:
            # several senders, all switched off but these, which nothing set decides: their default is on
            why = (f"Nothing is set for {tool.name}'s {' or '.join(undecided)}, so its default applies: "
                   f"{_DEFAULT_WORDS[tool.telemetry.default]}.")
        elif decisive:
            why = " ".join(f"{_sender_prefix(item)}{_setting(item, home)} means {item.meaning.value}."
                           for item in decisive)
        elif asks_where_unreadable(tool):
            why = (f"{tool.name} asks first and keeps your answer where Tracklight can't read it, so if you said "
                   "yes it may be sending.")
        else:
            default = tool.telemetry.default
            why = f"Nothing is set, so {tool.name}'s default applies: {_DEFAULT_WORDS[default]}."
    if report.keeps_sending:
        why += f" No setting stops {tool.name}'s {' or '.join(report.keeps_sending)}."
    if report.locked:
        why += " Your organisation's policy keeps it opted out."
    assurance, failed = assurance_line(report)
    return Answer(state, why, unreadable.where if unreadable is not None else None, assurance, failed)


def _senders_left_to_default(report: ToolReport) -> list[str]:
    """The senders (manifest `sender`) that no setting decides, where a tool has several: their default applies."""
    senders = list(dict.fromkeys(item.control.sender for item in report.evidence))
    if len(senders) < 2:
        return []
    decided = {item.control.sender for item in report.evidence if item.meaning is not Meaning.DEFAULT}
    return [sender for sender in senders if sender not in decided]


def _sender_prefix(item: Evidence) -> str:
    return f"{item.control.sender[:1].upper()}{item.control.sender[1:]}: " if item.control.sender else ""


def _setting(item: Evidence, home: str) -> str:
    """"~/.config/Code/User/settings.json sets "telemetry.telemetryLevel" to "all", which", or the variable; a control
    that decides by not being set (manifest `unset`, `missing_key`) says so instead of showing an empty value."""
    if item.control.kind is ControlKind.ENV:
        if not item.is_set:
            return f"{item.control.name} is not set, which"
        where = f" (set by {short_path(item.set_by, home)})" if item.set_by else ""
        return f"{item.control.name}={scalar_text(item.raw) if item.raw is not None else ''}{where}"
    path = short_path(item.where, home)
    if not item.is_set:
        if item.note == NO_FILE:
            return f"There is no {path}, which"
        return f"{path} has no {item.key or 'setting'}, which"
    return f"{path} sets {item.key or 'its setting'} to {value_text(item.raw)}, which"


def allow_line(report: ToolReport, before: ValuesBeforeOptout, today: str) -> str:
    """What Allow would write for this tool, in one sentence: the value from before the opt-out when the journal
    has it (changes.before_optout), else the tool's own `on` value, else the setting removed."""
    switched_off = [e for e in report.evidence if e.meaning is Meaning.OFF and e.is_set]
    if not switched_off:
        return ""
    first = _allow_sentence(report, switched_off[0], before, today)
    more = list(dict.fromkeys(_setting_name(e) for e in switched_off[1:] if e.control.write is not False))
    if not more:
        return first
    return f"{first} It turns back {', '.join(more)} the same way."


def _setting_name(item: Evidence) -> str:
    return (item.control.key if item.control.kind is ControlKind.FILE else item.control.name) or ""


def _allow_sentence(report: ToolReport, item: Evidence, before: ValuesBeforeOptout, today: str) -> str:
    control: Control = item.control
    known: bool
    value: Scalar | None
    if control.kind is ControlKind.FILE:
        known, value = before.file_value(report.id, item.where, control.key)
    else:
        known, value = before.env_value(report.id, control.name or "")
    name = _setting_name(item)
    if known and value is None:
        return f"Allow removes {name} again: it was not set before the opt-out."
    if known:
        return f"Allow puts back {name} = {value_text(value)}, your setting before the opt-out."
    on_value = control.on_to_write(today)
    if on_value is None:
        return f"Allow removes {name}; {report.tool.name}'s default then applies."
    return (f"Allow writes {name} = {value_text(on_value)} ({report.tool.name}'s own \"on\"; Tracklight has no "
            "record of a setting of yours from before).")


# ---------------------------------------------------------------- the rest, as HTML


def _list(items: tuple[str, ...], empty: str) -> str:
    if not items:
        return f"<p><i>{escape(empty)}</i></p>"
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _link(url: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'


def _evidence_row(item: Evidence, home: str, broken: set[str]) -> str:
    if item.control.kind is ControlKind.ENV:
        where = f"<code>{escape(item.control.name or '')}</code>"
        if item.set_by:
            where += f"<br/><small>set by {escape(short_path(item.set_by, home))}</small>"
    else:
        where = f"<code>{escape(short_path(item.where, home))}</code>"
        if item.key:
            where += f"<br/><small>key <code>{escape(item.key)}</code>"
            where += f" line {item.line}</small>" if item.line else "</small>"
    if item.is_set:
        found = escape(value_text(item.raw))
    elif item.where in broken:
        found = f"<b>can't be read:</b> {escape(item.note)}"
    else:
        found = f"<i>{escape(item.note or 'not set')}</i>"
    if item.control.sender:
        where += f"<br/><small>switches the {escape(item.control.sender)}</small>"
    means = "unknown" if item.where in broken else escape(item.meaning.value)
    if item.decisive:
        means = f"<b>{means} — decides</b>"
    return f"<tr><td>{where}</td><td>{found}</td><td>{means}</td></tr>"


def _disclosure(tool: Tool, heading: str, home: str) -> str:
    telemetry = tool.telemetry
    parts = [f"<h3>{escape(heading)}</h3>"]
    parts.append(f"<p><b>Tier:</b> {escape(telemetry.tier.value)} — {escape(TIER_WORDS[telemetry.tier])}")
    if telemetry.tier_reason:
        parts.append(f"<br/><small>{escape(telemetry.tier_reason)}</small>")
    parts.append(f"</p><p><b>Default:</b> {escape(telemetry.default.value)} — "
                 f"{escape(_DEFAULT_WORDS[telemetry.default])}</p>")
    parts.append("<p><b>What it collects</b></p>" + _list(telemetry.collects, "not declared"))
    parts.append("<p><b>Where it sends it</b></p>" + _list(telemetry.endpoints, "not declared"))
    parts.append(f"<p><b>How long it keeps it:</b> {escape(telemetry.retention or 'not declared')}</p>")
    parts.append("<p><b>Who it shares it with</b></p>" + _list(telemetry.shared_with, "nobody declared"))
    policy = _link(tool.privacy_policy) if tool.privacy_policy else "<i>none given</i>"
    parts.append(f"<p><b>Privacy policy:</b> {policy}</p>")
    return "".join(parts)


def _facts_from(tool: Tool, home: str) -> str:
    """Where the facts about the tool come from (the place for how sure we are of them, too)."""
    words = {"catalog": "Tracklight's catalog", "manifest": "the tool's own manifest", "policy": "an admin's policy"}
    source = f"{words.get(tool.source.value, tool.source.value)}: {short_path(tool.origin, home)}"
    if tool.verified:
        source += f" (checked {tool.verified.isoformat()})"
    parts = [f"<h3>Where these facts come from</h3><p><small>{escape(source)}</small></p>"]
    if tool.sources:
        parts.append("<p><small>" + "<br/>".join(_link(u) for u in tool.sources) + "</small></p>")
    if tool.proofs:
        summary = summarize(tool)
        parts.append(f"<p><b>How sure:</b> {escape(summary.text)}</p>")
        proofs = sorted(tool.proofs, key=lambda p: p.date, reverse=True)
        parts.append("<ul>" + "".join(f"<li><small>{_proof_html(p)}</small></li>" for p in proofs) + "</ul>")
    return "".join(parts)


_METHOD_WORDS = {ProofMethod.RUN: "ran the real tool", ProofMethod.SOURCE: "read its source",
                 ProofMethod.DOCS: "vendor documentation"}


def _proof_html(proof: Proof) -> str:
    """One proof record: how, when, what it covers, and what it rests on (package and question, or code line)."""
    words = f"{proof.date.isoformat()}: {_METHOD_WORDS[proof.method]}"
    if proof.method is ProofMethod.RUN:
        outcome = "passed" if proof.result is ProofResult.PASS else "FAILED"
        words += f" ({proof.package}, asked: {proof.oracle}) — {outcome}"
    elif proof.file:
        words += f" ({proof.package}, {proof.file})"
    elif proof.version:
        words += f" ({proof.version})"
    text = f"<b>{escape(words)}</b>" if proof.result is ProofResult.FAIL else escape(words)
    if proof.covers:
        text += f"; covers {escape(', '.join(proof.covers))}"
    if proof.quote:
        text += f"<br/><code>{escape(proof.quote)}</code>"
    if proof.note:
        text += f"<br/>{escape(proof.note)}"
    if proof.url:
        text += f"<br/>{_link(proof.url)}"
    return text


def report_html(report: ToolReport, home: str) -> str:
    """Everything after the answer: the settings read, the disclosure, the facts' sources, controls, problems."""
    tool = report.tool
    telemetry = tool.telemetry
    broken = {problem.path for problem in report.problems if problem.path}
    parts: list[str] = []
    if report.conflict is not None:
        conflict = report.conflict
        parts.append(
            "<p><b>The tool and Tracklight's catalog disagree.</b> "
            f"The tool's own manifest says <b>{escape(conflict.manifest_tier.value)}</b> "
            f"({escape(short_path(conflict.manifest_origin, home))}); the catalog says "
            f"<b>{escape(conflict.catalog_tier.value)}</b> ({escape(short_path(conflict.catalog_origin, home))}). "
            "Both are shown below.</p>")
    if report.problems:
        parts.append("<h3>Problems</h3>" + _list(tuple(_problem_text(p, home) for p in report.problems), ""))
    parts.append("<h3>Every setting Tracklight read</h3>")
    if report.evidence or report.keeps_sending:
        parts.append('<table cellspacing="0" cellpadding="4" border="1" style="border-collapse: collapse">'
                     "<tr><th align=left>Setting</th><th align=left>Found</th><th align=left>Means</th></tr>")
        parts.extend(_evidence_row(item, home, broken) for item in report.evidence)
        parts.extend(f"<tr><td><i>none</i><br/><small>for the {escape(sender)}</small></td>"
                     "<td><i>no setting stops it</i></td><td><b>on — always</b></td></tr>"
                     for sender in report.keeps_sending)
        parts.append("</table>")
    else:
        parts.append("<p><i>This tool has no setting Tracklight can read.</i></p>")
    heading = "What the tool declares" if report.catalog_entry is not None else "What it collects and where it goes"
    parts.append(_disclosure(tool, heading, home))
    if report.catalog_entry is not None:
        parts.append(_disclosure(report.catalog_entry, "What Tracklight's catalog says", home))
    parts.append("<h3>How to switch it off</h3><ul>")
    files = {id(item.control): item.where for item in report.evidence if item.control.kind is ControlKind.FILE}
    for control in telemetry.controls:
        if control.kind is ControlKind.ENV:
            text = f"environment variable <code>{escape(control.name or '')}={escape(scalar_text(control.off))}</code>"
        else:
            path = files.get(id(control)) or ", ".join(t for _os, templates in control.paths for t in templates[:1])
            text = (f"<code>{escape(control.key or '')}</code> = {escape(value_text(control.off))} in "
                    f"{escape(control.format or '')} file <code>{escape(short_path(path, home))}</code>")
        if control.note:
            text += f"<br/><small>{escape(control.note)}</small>"
        parts.append(f"<li>{text}</li>")
    parts.append("</ul>")
    if telemetry.notes:
        parts.append(f"<p><b>Notes:</b> {escape(telemetry.notes)}</p>")
    parts.append(_facts_from(tool, home))
    return "".join(parts)


def _problem_text(problem: Problem, home: str) -> str:
    text = str(problem)
    return text.replace(problem.path, short_path(problem.path, home), 1) if problem.path else text
