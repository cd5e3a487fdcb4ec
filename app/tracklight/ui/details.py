"""The details pane: one tool's disclosure, the evidence for its state, its controls, and the buttons to change it.

The text is rendered as HTML in a read-only QTextBrowser (links open in the browser; screen readers read it as a
document); the buttons sit below it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from tracklight.core.model import ControlKind, Evidence, Scalar, State, Tool, ToolReport
from tracklight.formats import scalar_text
from tracklight.ui.signals import emit
from tracklight.ui.snapshot import TIER_WORDS
from tracklight.ui.tool_table import state_text

_STATE_SENTENCE = {
    State.ON: "Sends telemetry now.",
    State.OFF: "Doesn't send telemetry now.",
    State.LOCAL: "Collects on this computer only; sends nothing unless it is turned on.",
    State.UNKNOWN: "Its state can't be read (see the problems below).",
}


def _value(value: Scalar | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return f'"{escape(value)}"'
    return escape(scalar_text(value))


def _list(items: tuple[str, ...], empty: str) -> str:
    if not items:
        return f"<p><i>{escape(empty)}</i></p>"
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _link(url: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'


def _evidence_row(item: Evidence) -> str:
    if item.control.kind is ControlKind.ENV:
        where = f"<code>{escape(item.control.name or '')}</code>"
        if item.set_by:
            where += f"<br/><small>set by {escape(item.set_by)}</small>"
    else:
        where = f"<code>{escape(item.where)}</code>"
        if item.key:
            where += f"<br/><small>key <code>{escape(item.key)}</code>"
            where += f" line {item.line}</small>" if item.line else "</small>"
    found = _value(item.raw) if item.is_set else f"<i>{escape(item.note or 'not set')}</i>"
    means = escape(item.meaning.value)
    if item.decisive:
        means = f"<b>{means} — decides</b>"
    return f"<tr><td>{where}</td><td>{found}</td><td>{means}</td></tr>"


def _disclosure(tool: Tool, heading: str) -> str:
    telemetry = tool.telemetry
    parts = [f"<h3>{escape(heading)}</h3>"]
    parts.append(f"<p><b>Tier:</b> {escape(telemetry.tier.value)} — {escape(TIER_WORDS[telemetry.tier])}")
    if telemetry.tier_reason:
        parts.append(f"<br/><small>{escape(telemetry.tier_reason)}</small>")
    parts.append(f"</p><p><b>Default:</b> {escape(telemetry.default.value)}</p>")
    parts.append("<p><b>What it collects</b></p>" + _list(telemetry.collects, "not declared"))
    parts.append("<p><b>Where it sends it</b></p>" + _list(telemetry.endpoints, "not declared"))
    parts.append(f"<p><b>How long it keeps it:</b> {escape(telemetry.retention or 'not declared')}</p>")
    parts.append("<p><b>Who it shares it with</b></p>" + _list(telemetry.shared_with, "nobody declared"))
    policy = _link(tool.privacy_policy) if tool.privacy_policy else "<i>none given</i>"
    parts.append(f"<p><b>Privacy policy:</b> {policy}</p>")
    source = f"{tool.source.value}: {tool.origin}"
    if tool.verified:
        source += f" (checked {tool.verified.isoformat()})"
    parts.append(f"<p><small><b>Source:</b> {escape(source)}</small></p>")
    if tool.sources:
        parts.append("<p><small><b>Facts from:</b> " + ", ".join(_link(u) for u in tool.sources) + "</small></p>")
    return "".join(parts)


def report_html(report: ToolReport) -> str:
    """The details of one tool as HTML: state, conflict, disclosure, evidence, controls, notes, problems."""
    tool = report.tool
    telemetry = tool.telemetry
    parts = [f"<p>{escape(_STATE_SENTENCE[report.state])}"]
    if not report.installed:
        parts.append(" <i>Not installed on this computer.</i>")
    parts.append("</p>")
    if report.locked:
        parts.append("<p><b>🔒 Locked:</b> your organisation's policy keeps this tool opted out.</p>")
    if report.conflict is not None:
        conflict = report.conflict
        parts.append(
            "<p><b>The tool and Tracklight's catalog disagree.</b> "
            f"The tool's own manifest says <b>{escape(conflict.manifest_tier.value)}</b> "
            f"({escape(conflict.manifest_origin)}); the catalog says <b>{escape(conflict.catalog_tier.value)}</b> "
            f"({escape(conflict.catalog_origin)}). Both are shown below.</p>"
        )
    heading = "What the tool declares" if report.catalog_entry is not None else "What it discloses"
    parts.append(_disclosure(tool, heading))
    if report.catalog_entry is not None:
        parts.append(_disclosure(report.catalog_entry, "What Tracklight's catalog says"))
    parts.append("<h3>Why Tracklight says so</h3>")
    if report.evidence:
        parts.append('<table cellspacing="0" cellpadding="4" border="1" style="border-collapse: collapse">'
                     "<tr><th align=left>Setting</th><th align=left>Found</th><th align=left>Means</th></tr>")
        parts.extend(_evidence_row(item) for item in report.evidence)
        parts.append("</table>")
        if not any(item.decisive for item in report.evidence):
            parts.append(f"<p><small>Nothing is set, so the tool's default applies "
                         f"({escape(telemetry.default.value)}).</small></p>")
    else:
        parts.append("<p><i>This tool has no setting Tracklight can read.</i></p>")
    parts.append("<h3>How to switch it off</h3><ul>")
    files = {id(item.control): item.where for item in report.evidence if item.control.kind is ControlKind.FILE}
    for control in telemetry.controls:
        if control.kind is ControlKind.ENV:
            text = f"environment variable <code>{escape(control.name or '')}={escape(scalar_text(control.off))}</code>"
        else:
            # the file as this computer names it (the evidence resolved it), else the declared templates
            path = files.get(id(control)) or ", ".join(t for _os, templates in control.paths for t in templates[:1])
            text = (f"<code>{escape(control.key or '')}</code> = {_value(control.off)} in {escape(control.format or '')}"
                    f" file <code>{escape(path)}</code>")
        if control.note:
            text += f"<br/><small>{escape(control.note)}</small>"
        parts.append(f"<li>{text}</li>")
    parts.append("</ul>")
    if telemetry.notes:
        parts.append(f"<p><b>Notes:</b> {escape(telemetry.notes)}</p>")
    if report.problems:
        parts.append("<h3>Problems</h3>" + _list(tuple(str(p) for p in report.problems), ""))
    return "".join(parts)


class DetailsPane(QWidget):
    """Shows one report; its buttons ask for a change (the window forwards them to Operations)."""

    optout_requested = Signal(object)  # ToolReport
    optin_requested = Signal(object)
    preview_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: ToolReport | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Choose a tool")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setAccessibleName("Tool details")
        layout.addWidget(self.text, 1)
        buttons = QHBoxLayout()
        self.optout_button = QPushButton("Opt &out")
        self.optout_button.setAccessibleName("Opt out")
        self.optout_button.setToolTip("Switch this tool's telemetry off (its own setting is written)")
        self.optin_button = QPushButton("&Allow")
        self.optin_button.setAccessibleName("Allow telemetry")
        self.optin_button.setToolTip("Undo the opt-out: the tool's setting goes back to on")
        self.preview_button = QPushButton("Show what will &change…")
        self.preview_button.setAccessibleName("Show what will change")
        self.preview_button.setToolTip("See the exact edits as a diff before anything is written")
        for button in (self.optout_button, self.optin_button, self.preview_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.optout_button.clicked.connect(lambda: self._emit(self.optout_requested))
        self.optin_button.clicked.connect(lambda: self._emit(self.optin_requested))
        self.preview_button.clicked.connect(lambda: self._emit(self.preview_requested))
        self.show_report(None)

    def show_report(self, report: ToolReport | None, busy: bool = False) -> None:
        same_tool = report is not None and self.report is not None and report.id == self.report.id
        self.report = report
        if report is None:
            self.heading.setText("Choose a tool")
            self.summary.setText("Pick a tool in the list to see what it collects and why Tracklight says so.")
            self.text.clear()
            for button in (self.optout_button, self.optin_button, self.preview_button):
                button.setEnabled(False)
            return
        tool = report.tool
        vendor = f" — {tool.vendor}" if tool.vendor else ""
        self.heading.setText(f"{tool.name}{vendor}")
        summary = (f"State: {state_text(report)} · tier {tool.telemetry.tier.value} · default "
                   f"{tool.telemetry.default.value} · source {tool.source.value}")
        if report.locked:
            summary += " · 🔒 locked by policy"
        self.summary.setText(summary)
        # a redraw of the same tool (after a rescan) keeps the reader's place; another tool starts at the top
        scroll = self.text.verticalScrollBar().value() if same_tool else 0
        self.text.setHtml(report_html(report))
        self.text.verticalScrollBar().setValue(scroll)
        self.text.setAccessibleDescription(f"Details of {tool.name}")
        switchable = bool(tool.telemetry.controls) and not report.locked and not busy
        self.optout_button.setEnabled(switchable and report.state is not State.OFF)
        self.optin_button.setEnabled(switchable and report.state is State.OFF)
        self.preview_button.setEnabled(switchable)

    def _emit(self, signal: SignalInstance) -> None:
        if self.report is not None:
            emit(signal, self.report)
