"""What "opt out of everything" covers (the tray's menu entry and window button, and `tracklight optout --all`).

Everything means everything this person can switch off: each installed tool that collects something and has a
setting for it, unless an opt-out is already what decides its state. That takes in, besides the tools sending now,
those that only count on disk for now (Go's `local` mode) and those that ask on first use and have not been
answered (Angular CLI's prompt): their "no" is written ahead. Tools an admin's policy locks are the admin's to
change. Kept apart from the planner so the tray can show the list before loading the change machinery.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracklight.core.model import Default, Meaning, State, Tier, ToolReport


def everything_to_opt_out(reports: Iterable[ToolReport]) -> list[ToolReport]:
    """The tools "opt out of everything" writes an opt-out for (see the module docstring)."""
    return [r for r in reports if r.installed and not r.locked and _worth_opting_out(r)]


def _worth_opting_out(report: ToolReport) -> bool:
    telemetry = report.tool.telemetry
    if telemetry.tier is Tier.NONE or not telemetry.controls:
        return False
    if any(item.decisive and item.meaning is Meaning.OFF for item in report.evidence):
        return False  # switched off by a setting already
    if report.switch_state in (State.ON, State.LOCAL, State.UNKNOWN):
        return True
    return telemetry.default is Default.ASK  # off only until the person answers the prompt


def why_included(report: ToolReport) -> str:
    """A few words on why a tool is in "everything": what it does now."""
    if report.switch_state is State.ON:
        return "sends telemetry now"
    if report.switch_state is State.LOCAL:
        return "counts on this computer now; an opt-out stops that too"
    if report.switch_state is State.UNKNOWN:
        return "its state can't be read"
    return "asks on first use; Tracklight answers “no” ahead"
