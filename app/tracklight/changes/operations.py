"""The four things a person asks for — opt out, opt in, undo, history — as calls the CLI and the tray share.

Each returns typed records (PlanResult, ChangeSet, JournalEntry); nothing here prints or knows about Qt. The tray
plans first (to show the diff), then applies that plan; the CLI does both in one `run`. Either way the same
`apply` writes: re-planning once when a file moved in between, and asking the policy again before an opt-in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from tracklight.changes.apply import apply_changeset
from tracklight.changes.before_optout import entries_that_matter, values_before_optout
from tracklight.changes.changeset import Action, ChangeSet, PlanResult, ToolFailure
from tracklight.changes.environment_store import EnvPlatform
from tracklight.changes.everything import everything_to_opt_out
from tracklight.changes.journal import Journal, JournalEntry
from tracklight.changes.plan import (
    DO_NOT_TRACK,
    PlanContext,
    plan_changes,
    unwritable_as_notes,
)
from tracklight.changes.safety import Scope
from tracklight.changes.undo import undo as undo_change
from tracklight.core.model import Os, ToolReport


@dataclass(frozen=True)
class RunResult:
    """What an opt-out/opt-in planned, and what was written (None for a dry run or when nothing was needed)."""

    plan: PlanResult
    applied: ChangeSet | None


class Changes:
    """Opt-out, opt-in, undo and history for one user (or, with Scope.SYSTEM, the machine)."""

    def __init__(self, env: Mapping[str, str] | None = None, os_: Os | None = None, root: str | None = None,
                 scope: Scope = Scope.USER, platform: EnvPlatform | None = None,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self._env = env
        self._os = os_
        self._root = root
        self._scope = scope
        self._platform = platform
        self._now = now or (lambda: dt.datetime.now().astimezone())
        ctx = self.context()
        self.journal = Journal.for_env(ctx.os_, ctx.env)

    def context(self) -> PlanContext:
        platform = self._platform
        if platform is None:
            from tracklight.changes.environment_store import platform_for
            from tracklight.core import locations

            platform = platform_for(self._os or locations.current_os())
        return PlanContext.create(self._env, self._os, self._root, self._scope, self._now(), platform)

    def plan(self, action: Action, reports: Sequence[ToolReport], *, do_not_track: bool = False) -> PlanResult:
        """What the change would write (nothing is written). An opt-in puts back each value the journal kept from
        before the opt-out in force (changes.before_optout); where it kept none, the tool's `on` value, or the
        setting removed."""
        env = {DO_NOT_TRACK: "1"} if do_not_track else None
        ctx = self.context()
        if action is Action.OPTIN:
            needed = entries_that_matter(self.journal.newest_first(), [r.id for r in reports])
            ctx = replace(ctx, before_optout=values_before_optout(needed))
        return plan_changes(action, reports, ctx, env=env)

    def plan_everything(self, reports: Sequence[ToolReport]) -> PlanResult:
        """"Opt out of everything": every installed tool that tracks you (`everything_to_opt_out`), plus
        DO_NOT_TRACK=1. A tool this user has no way to switch off is a note, not a failure (unwritable_as_notes)."""
        return unwritable_as_notes(self.plan(Action.OPTOUT, everything_to_opt_out(reports), do_not_track=True))

    def apply(self, plan: PlanResult, reports: Sequence[ToolReport], *, do_not_track: bool = False,
              automatic: bool = False, after_journal: Callable[[ChangeSet], None] | None = None) -> ChangeSet:
        """Write a planned change set (atomically, journaled) and return what was written.

        When a file moved since planning, the same request (`reports`, `do_not_track`) is planned once more and a
        second mismatch is a ConflictError. An opt-in asks the admin policy again first (PolicyError when it now
        locks one of the tools, or is invalid: it fails closed). `automatic` marks a change nobody asked for right
        then ("Keep me opted out" re-applying an opt-out): the journal and every history view say so."""
        changeset = _marked(plan.changeset, automatic)
        if changeset.empty:
            return changeset
        ctx = self.context()
        if changeset.action is Action.OPTIN:
            ctx.locks.check(changeset.tool_ids)
        action = changeset.action
        return apply_changeset(
            changeset, journal=self.journal, guard=ctx.guard, store=ctx.env_store(),
            replan=lambda: _marked(self.plan(action, reports, do_not_track=do_not_track).changeset, automatic),
            after_journal=after_journal)

    def runs_at_start(self) -> frozenset[str]:
        """Shell startup files (and the like) a change of the environment would add Tracklight's block to."""
        return self.context().env_store().runs_at_start()

    def run(self, action: Action, reports: Sequence[ToolReport], *, do_not_track: bool = False,
            dry_run: bool = False, after_journal: Callable[[ChangeSet], None] | None = None) -> RunResult:
        """Plan, and unless dry_run, apply and journal (re-planning once if a file moved in between)."""
        result = self.plan(action, reports, do_not_track=do_not_track)
        if dry_run or result.changeset.empty:
            return RunResult(result, None)
        return RunResult(result, self.apply(result, reports, do_not_track=do_not_track, after_journal=after_journal))

    def not_off_after(self, tool_ids: Sequence[str]) -> list[ToolFailure]:
        """The tools of an opt-out that still do not read off, by their own rule (changes/verify.py)."""
        from tracklight.changes.verify import not_off_after

        return not_off_after(tool_ids, env=self._env, os_=self._os, root=self._root)

    def optout(self, reports: Sequence[ToolReport], *, do_not_track: bool = False, dry_run: bool = False) -> RunResult:
        return self.run(Action.OPTOUT, reports, do_not_track=do_not_track, dry_run=dry_run)

    def optin(self, reports: Sequence[ToolReport], *, dry_run: bool = False) -> RunResult:
        return self.run(Action.OPTIN, reports, dry_run=dry_run)

    def undo(self, change_id: str | None = None,
             after_journal: Callable[[ChangeSet], None] | None = None) -> ChangeSet:
        ctx = self.context()
        return undo_change(self.journal, ctx.guard, ctx.env_store(), change_id, now=self._now(),
                           after_journal=after_journal, locks=ctx.locks)

    def history(self) -> list[JournalEntry]:
        return self.journal.entries()

    def turned_back_on(self, tool_ids: Collection[str], since: dt.datetime) -> dict[str, str]:
        """For those of these tools whose newest change in force, made since `since`, is Tracklight turning them
        back on — an opt-in, or the undo of an opt-out, from the tray or the CLI — that change's id, by tool id.

        A tool found sending again because of such a change is doing what the person asked: not something to warn
        about, nor to opt out again. The journal entry is written before any file is, so a scan that sees the new
        value always finds the change that wrote it."""
        return turned_back_on(self.journal.entries(), tool_ids, since)


def turned_back_on(entries: Sequence[JournalEntry], tool_ids: Collection[str], since: dt.datetime) -> dict[str, str]:
    """`Changes.turned_back_on` over a history (newest first)."""
    by_id = {entry.id: entry for entry in entries}
    found: dict[str, str] = {}
    for tool_id in tool_ids:
        for entry in entries:
            changeset = entry.changeset
            if not entry.in_force or tool_id not in changeset.tool_ids:
                continue
            turns_on = changeset.action is Action.OPTIN
            if changeset.action is Action.UNDO:
                reverted = by_id.get(changeset.reverts or "")
                turns_on = reverted is not None and reverted.changeset.action is Action.OPTOUT
            if turns_on and changeset.created >= since:
                found[tool_id] = changeset.id
            break  # only the newest change in force for this tool counts
    return found


def _marked(changeset: ChangeSet, automatic: bool) -> ChangeSet:
    if not automatic or changeset.empty:
        return changeset
    return replace(changeset, automatic=True,
                   summary=f"{changeset.summary} (automatic: it turned its telemetry back on, and "
                           "“Keep me opted out” is on)")
