"""The UI's one door to the change machinery (tracklight.changes) and the admin locks (tracklight.core.policy).

Everything the tray and the window change goes through these calls: plan (a typed ChangeSet with unified diffs),
apply, undo, history. The UI never writes a user's file itself. When the change API moves, only this module follows.
Every call here is blocking and runs on the worker pool, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracklight.core.model import Os, ToolReport
from tracklight.errors import PolicyError

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet, PlanResult
    from tracklight.changes.operations import Changes
    from tracklight.changes.journal import JournalEntry
    from tracklight.core.catalog import ToolIndex
    from tracklight.core.locks import Locks


@dataclass(frozen=True)
class Target:
    """Where the change machinery reads and writes: the environment, OS and system root of this session."""

    env: Mapping[str, str]
    os: Os
    root: str


def _changes(target: Target) -> Changes:
    from tracklight.changes.operations import Changes

    return Changes(dict(target.env), target.os, target.root)


def _action(optout: bool) -> Any:
    from tracklight.changes.changeset import Action

    return Action.OPTOUT if optout else Action.OPTIN


def plan_optout(target: Target, reports: Sequence[ToolReport], *, everything: bool = False) -> PlanResult:
    """What opting these tools out would write (nothing is written). `everything` also sets DO_NOT_TRACK=1.

    With `everything`, a tool that offers no opt-out this user can write is a note, not a failure: the rest
    still goes through (as `tracklight optout --all` does; changes.plan.unwritable_as_notes).
    """
    plan = _changes(target).plan(_action(True), reports, do_not_track=everything)
    if not everything:
        return plan
    from tracklight.changes.plan import unwritable_as_notes

    return unwritable_as_notes(plan)


def plan_optin(target: Target, reports: Sequence[ToolReport]) -> PlanResult:
    """What opting these tools back in would write (nothing is written). PolicyError for a locked tool."""
    _refuse_locked(target, reports)
    return _changes(target).plan(_action(False), reports)


def apply_plan(target: Target, plan: PlanResult, reports: Sequence[ToolReport]) -> ChangeSet:
    """Write a planned change set (atomically, journaled) and return what was written.

    When a file moved between planning and writing, the change machinery plans once more from the same reports
    and refuses (ConflictError) if that is stale too.
    """
    from tracklight.changes.apply import apply_changeset

    changes = _changes(target)
    changeset = plan.changeset
    if changeset.empty:
        return changeset
    if changeset.action.value == "optin":
        _refuse_locked(target, reports)
    everything = any(c.name == "DO_NOT_TRACK" and not c.tool_ids for c in changeset.env)
    context = changes.context()
    return apply_changeset(
        changeset, journal=changes.journal, guard=context.guard, store=context.env_store(),
        replan=lambda: changes.plan(changeset.action, reports, do_not_track=everything).changeset)


def undo(target: Target, change_id: str | None = None) -> ChangeSet:
    """Revert the last change set still in force (or a named one) byte-exact; ConflictError when a file changed."""
    return _changes(target).undo(change_id)


def history(target: Target) -> tuple[JournalEntry, ...]:
    """Every journaled change set with its status, newest first."""
    return tuple(_changes(target).history())


def can_undo(entry: JournalEntry) -> bool:
    """Whether a history entry can still be reverted (in force: not undone, not rolled back)."""
    from tracklight.changes.journal import Status

    return entry.status in (Status.COMPLETE, Status.INTERRUPTED)


def locked_tools(index: ToolIndex, target: Target) -> Locks:
    """This machine's locks (core.policy.machine_locks: the one lock function; an invalid policy locks all)."""
    from tracklight.core.locks import machine_locks
    from tracklight.core.scan import system_known_ids

    return machine_locks(target.os, target.env, target.root, known=lambda: system_known_ids(index))


def _refuse_locked(target: Target, reports: Sequence[ToolReport]) -> None:
    from tracklight.core.locks import machine_locks

    locks = machine_locks(target.os, target.env, target.root)
    for report in reports:
        refusal = locks.refusal(report.id)
        if refusal is None and report.locked:
            refusal = PolicyError(f"{report.id} is locked by your organisation's policy")
        if refusal is not None:
            raise refusal
