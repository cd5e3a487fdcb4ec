"""The four things a person asks for — opt out, opt in, undo, history — as calls the CLI and the tray share.

Each returns typed records (PlanResult, ChangeSet, JournalEntry); nothing here prints or knows about Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tracklight.changes.apply import apply_changeset
from tracklight.changes.changeset import Action, ChangeSet, PlanResult
from tracklight.changes.environment_store import EnvPlatform
from tracklight.changes.journal import Journal, JournalEntry
from tracklight.changes.plan import DO_NOT_TRACK, PlanContext, plan_changes
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
        env = {DO_NOT_TRACK: "1"} if do_not_track else None
        return plan_changes(action, reports, self.context(), env=env)

    def run(self, action: Action, reports: Sequence[ToolReport], *, do_not_track: bool = False,
            dry_run: bool = False, after_journal: Callable[[ChangeSet], None] | None = None) -> RunResult:
        """Plan, and unless dry_run, apply and journal (re-planning once if a file moved in between)."""
        result = self.plan(action, reports, do_not_track=do_not_track)
        if dry_run or result.changeset.empty:
            return RunResult(result, None)
        ctx = self.context()
        applied = apply_changeset(
            result.changeset, journal=self.journal, guard=ctx.guard, store=ctx.env_store(),
            replan=lambda: self.plan(action, reports, do_not_track=do_not_track).changeset,
            after_journal=after_journal)
        return RunResult(result, applied)

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
