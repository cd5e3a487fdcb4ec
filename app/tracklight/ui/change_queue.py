"""Opt out, opt in, undo: planned and applied on the worker pool, one at a time, reported back by signal.

The tray menu, the window and the notices all ask this queue; it is a thin Qt shell over the one facade below
(tracklight.changes.Changes), which plans, applies (re-planning once when a file moved), refuses opt-ins the admin
policy forbids, undoes and reads the history. It refuses what an admin locked before any planning happens, and
tells which tools found sending again were turned back on by Tracklight itself (an Allow, an Undo) and which by
something else.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from tracklight.core.model import Os, State, ToolReport
from tracklight.errors import TracklightError
from tracklight.ui.signals import emit
from tracklight.ui.worker import TaskRunner

if TYPE_CHECKING:  # the change machinery is loaded on the worker pool at the first change, not at start-up
    from tracklight.changes.changeset import ChangeSet, PlanResult, ToolFailure
    from tracklight.changes.operations import Changes


class ChangeKind(enum.Enum):
    OPTOUT = "optout"
    OPTIN = "optin"
    OPTOUT_EVERYTHING = "optout-everything"
    UNDO = "undo"


@dataclass(frozen=True)
class Target:
    """Where the change machinery reads and writes: the environment, OS and system root of this session."""

    env: Mapping[str, str]
    os: Os
    root: str

    def changes(self) -> Changes:
        from tracklight.changes.operations import Changes

        return Changes(dict(self.env), self.os, self.root)


@dataclass(frozen=True)
class ChangeDone:
    """What one change did: the change set written (None when nothing needed writing) and what went wrong."""

    kind: ChangeKind
    changeset: ChangeSet | None
    tool_ids: tuple[str, ...] = ()
    failures: tuple[ToolFailure, ...] = ()
    unchanged: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    automatic: bool = False  # "Keep me opted out" did it, not a click

    @property
    def wrote(self) -> bool:
        return self.changeset is not None and not self.changeset.empty


@dataclass(frozen=True)
class Preview:
    """A planned change, shown before anything is written."""

    kind: ChangeKind
    reports: tuple[ToolReport, ...]  # for "everything": the tools it covers (changes.everything)
    plan: PlanResult
    runs_at_start: frozenset[str] = frozenset()  # shell startup files among those it writes: called out

    @property
    def startup_files(self) -> tuple[str, ...]:
        """The shell startup files (and the like) this change writes."""
        return tuple(c.path for c in self.plan.changeset.files if c.path in self.runs_at_start)


class ChangeQueue(QObject):
    """Runs changes off the UI thread, one at a time.

    Signals: `finished(ChangeDone)`, `failed(str)`, `preview_ready(Preview)`, `history_loaded(tuple[JournalEntry])`,
    `history_failed(str)`, `busy_changed(bool)`, `reenabled_checked(tuple[ToolReport])`.
    """

    finished = Signal(object)
    failed = Signal(str)
    preview_ready = Signal(object)
    history_loaded = Signal(object)
    history_failed = Signal(str)  # reading the journal failed: nothing was being changed
    busy_changed = Signal(bool)
    reenabled_checked = Signal(object)  # the tools that turned their telemetry back on by themselves

    def __init__(self, runner: TaskRunner, target: Target, parent: QObject | None = None,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone()) -> None:
        super().__init__(parent)
        self._runner = runner
        self._target = target
        self._queue: list[Callable[[], None]] = []
        self._running = False
        self._started = now()  # changes made before this can't explain what this app sees switch on
        self._explained: set[tuple[str, str]] = set()  # (change id, tool id): each explains one switch-on

    @property
    def busy(self) -> bool:
        return self._running

    # ------------------------------------------------------------ requests

    def toggle(self, report: ToolReport) -> None:
        """The menu's one click: a tool that sends telemetry is opted out, one that doesn't is opted back in (a tool
        with senders no setting stops: by what its switches say)."""
        if report.tracking and report.switch_state is not State.OFF:
            self.optout([report])
        else:
            self.optin([report])

    def optout(self, reports: Sequence[ToolReport], *, automatic: bool = False) -> None:
        reports = self._unlocked(reports)
        if reports:
            self._enqueue(lambda: self._run_change(ChangeKind.OPTOUT, reports, automatic))

    def optin(self, reports: Sequence[ToolReport]) -> None:
        reports = self._unlocked(reports)
        if reports:
            self._enqueue(lambda: self._run_change(ChangeKind.OPTIN, reports, False))

    def undo(self, change_id: str | None = None) -> None:
        """Revert the last change set (or a named one)."""
        target = self._target

        def task() -> ChangeDone:
            from tracklight.errors import NothingToUndo

            try:
                changeset = target.changes().undo(change_id)
            except NothingToUndo:
                return ChangeDone(ChangeKind.UNDO, None)  # said as a fact (notice_presenter), not as an error
            return ChangeDone(ChangeKind.UNDO, changeset, tuple(changeset.tool_ids))

        def start() -> None:
            self._runner.submit(task, self._done, self._error)

        self._enqueue(start)

    def preview(self, kind: ChangeKind, reports: Sequence[ToolReport]) -> None:
        """Plan without writing; `preview_ready(Preview)` carries the diffs. For "everything", `reports` are all
        the tools known; the preview covers those changes.everything picks, and is what is asked about."""
        if kind is ChangeKind.OPTOUT_EVERYTHING:
            from tracklight.changes.everything import everything_to_opt_out

            reports = everything_to_opt_out(reports)
        reports = tuple(reports)
        target = self._target

        def task() -> Preview:
            changes = target.changes()
            return Preview(kind, reports, _plan(kind, changes, reports), changes.runs_at_start())

        self._runner.submit(task, lambda preview: emit(self.preview_ready, preview),
                            lambda exc: emit(self.failed, _message(exc)))

    def apply_preview(self, preview: Preview) -> None:
        """Write exactly what was shown (the facade re-plans once, or refuses, if a file changed since)."""
        if preview.kind is ChangeKind.OPTIN and any(r.locked for r in preview.reports):
            self._refuse([r for r in preview.reports if r.locked])
            return
        target = self._target

        def task() -> ChangeDone:
            return _apply(preview.kind, target.changes(), preview.reports, preview.plan, False)

        self._enqueue(lambda: self._start_apply(preview.kind, preview.reports, task))

    def check_reenabled(self, reports: Sequence[ToolReport]) -> None:
        """Tools found sending again after they were off: `reenabled_checked` with those that did it by
        themselves. One Tracklight turned back on (an Allow, an Undo, here or from the CLI) is left out: each such
        change explains one switch-on of each of its tools, so a later switch-on by the tool itself still counts."""
        reports = tuple(reports)
        target, since = self._target, self._started

        def task() -> dict[str, str]:
            return target.changes().turned_back_on([r.id for r in reports], since)

        def done(explained: dict[str, str]) -> None:
            surprising = []
            for report in reports:
                change_id = explained.get(report.id)
                if change_id is not None and (change_id, report.id) not in self._explained:
                    self._explained.add((change_id, report.id))
                else:
                    surprising.append(report)
            emit(self.reenabled_checked, tuple(surprising))

        # A journal that can't be read holds no Allow or Undo either: the switch-on is the tool's own.
        self._runner.submit(task, done, lambda _exc: emit(self.reenabled_checked, reports))

    def load_history(self) -> None:
        target = self._target
        self._runner.submit(lambda: tuple(target.changes().history()),
                            lambda entries: emit(self.history_loaded, entries),
                            lambda exc: emit(self.history_failed, f"The history can't be read: {_message(exc)}"))

    # ------------------------------------------------------------ running, one at a time

    def _unlocked(self, reports: Sequence[ToolReport]) -> tuple[ToolReport, ...]:
        locked = [r for r in reports if r.locked]
        if locked:
            self._refuse(locked)
        return tuple(r for r in reports if not r.locked)

    def _refuse(self, locked: Sequence[ToolReport]) -> None:
        """`failed` with the one lock message (core.locks, the words the CLI prints), read off the UI thread."""
        target, ids = self._target, tuple(r.id for r in locked)
        self._runner.submit(lambda: _lock_refusals(target, ids), lambda text: emit(self.failed, text),
                            lambda exc: emit(self.failed, _message(exc)))

    def _enqueue(self, start: Callable[[], None]) -> None:
        self._queue.append(start)
        if not self._running:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            if self._running:
                self._running = False
                emit(self.busy_changed, False)
            return
        if not self._running:
            self._running = True
            emit(self.busy_changed, True)
        self._queue.pop(0)()

    def _run_change(self, kind: ChangeKind, reports: tuple[ToolReport, ...], automatic: bool) -> None:
        target = self._target

        def task() -> ChangeDone:
            changes = target.changes()
            return _apply(kind, changes, reports, _plan(kind, changes, reports), automatic)

        self._start_apply(kind, reports, task)

    def _start_apply(self, kind: ChangeKind, reports: tuple[ToolReport, ...], task: Callable[[], ChangeDone]) -> None:
        self._runner.submit(task, self._done, self._error)

    def _done(self, done: ChangeDone) -> None:
        emit(self.finished, done)
        self._next()

    def _error(self, exc: BaseException) -> None:
        emit(self.failed, _message(exc))
        self._next()


def _plan(kind: ChangeKind, changes: Changes, reports: Sequence[ToolReport]) -> PlanResult:
    from tracklight.changes.changeset import Action

    if kind is ChangeKind.OPTIN:
        return changes.plan(Action.OPTIN, reports)
    if kind is ChangeKind.OPTOUT_EVERYTHING:
        return changes.plan_everything(reports)
    return changes.plan(Action.OPTOUT, reports)


def _apply(kind: ChangeKind, changes: Changes, reports: Sequence[ToolReport], plan: PlanResult,
           automatic: bool) -> ChangeDone:
    changeset = None
    failures = tuple(plan.failures)
    if not plan.changeset.empty:
        changeset = changes.apply(plan, reports, do_not_track=kind is ChangeKind.OPTOUT_EVERYTHING,
                                  automatic=automatic)
        if kind is not ChangeKind.OPTIN:  # an opt-out is done only when the tool reads off now, by its own rule
            failures += tuple(changes.not_off_after(changeset.tool_ids))
    return ChangeDone(kind, changeset, tuple(r.id for r in reports), failures, plan.unchanged, plan.notes,
                      automatic)


def _lock_refusals(target: Target, tool_ids: Sequence[str]) -> str:
    """Why each tool is refused, in core.locks' words (the planner's fallback when the policy dropped the lock since
    the scan saw it: it is asked again before anything is written)."""
    from tracklight.core.locks import machine_locks

    locks = machine_locks(target.os, target.env, target.root)
    return "\n".join(str(locks.refusal_of_locked(tool_id)) for tool_id in tool_ids)


def _message(exc: BaseException) -> str:
    if isinstance(exc, TracklightError):
        return str(exc)
    return f"Unexpected error: {exc!r}"
