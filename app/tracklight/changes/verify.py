"""An opt-out is done only when each tool, by its own rule, reads off afterwards: the scan is asked again.

A tool with senders that no setting stops (manifest `no_switch`) keeps sending through them: its opt-out is done
when every sender its controls switch reads off (the planner's note says what keeps sending).

Used by every caller that reports an opt-out (the CLI's `optout`, the tray and window), so none of them can say
"opted out" while the tool still reads on — because the person's own environment says on and the tool reads that
first, or a setting elsewhere wins. What was written stays written and journaled: undo reverts it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from tracklight.changes.changeset import ToolFailure
from tracklight.core.model import Os, State
from tracklight.errors import TracklightError


def not_off_after(tool_ids: Collection[str], *, env: Mapping[str, str] | None = None, os_: Os | None = None,
                  root: str | None = None) -> list[ToolFailure]:
    """A failure for each tool that does not read off now, naming the file and line (or variable) it reads."""
    from tracklight.core.scan import scan

    if not tool_ids:
        return []
    failures = []
    for report in scan(env=env, os_=os_, root=root, only=set(tool_ids)).reports:
        if report.switch_state is State.OFF:
            continue
        decisive = next((e for e in report.evidence if e.decisive), None)
        if decisive is not None:
            where = decisive.where + (f":{decisive.line}" if decisive.line else "")
            why = f"{where}: {decisive.key or 'the value'} = {decisive.raw!r} means {decisive.meaning.value}"
        else:
            why = f"nothing it reads is set, so its default ({report.tool.telemetry.default.value}) applies"
        failures.append(ToolFailure(report.id, TracklightError(
            f"still reads {report.switch_state.value} after this change ({why}); not done — "
            f"see `tracklight show {report.id}`, and `tracklight undo` reverts what was written")))
    return failures
