"""Opt out, opt in, undo: planned and applied on the worker pool, one at a time, reported back by signal.

The tray menu, the window and the notifications all ask this object; it refuses what an admin locked before any
planning happens, and tells the scanner which tools to look at again once a change is on disk.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from tracklight.core.model import ToolReport
from tracklight.errors import TracklightError
from tracklight.ui import actions
from tracklight.ui.signals import emit
from tracklight.ui.worker import TaskRunner

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet, PlanResult


class Kind(enum.Enum):
    OPTOUT = "optout"
    OPTIN = "optin"
    OPTOUT_EVERYTHING = "optout-everything"
    UNDO = "undo"


@dataclass(frozen=True)
class Outcome:
    """What one operation did: the change set written (None when nothing needed writing) and what went wrong."""

    kind: Kind
    changeset: ChangeSet | None
    tool_ids: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    automatic: bool = False  # "Keep me opted out" did it, not a click

    @property
    def wrote(self) -> bool:
        return self.changeset is not None and not self.changeset.empty

    def describe(self, home: str = "") -> str:
        """A sentence or three for a notification: which files and variables changed, and what did not."""
        parts: list[str] = []
        changeset = self.changeset
        if changeset is not None and not changeset.empty:
            tool_files = [_short(c.path, home) for c in changeset.files if c.purpose.value == "tool"]
            if tool_files:
                shown = ", ".join(tool_files[:3]) + (f" and {len(tool_files) - 3} more" if len(tool_files) > 3 else "")
                verb = "Put back" if self.kind is Kind.UNDO else "Changed"
                parts.append(f"{verb} {shown}.")
            for change in changeset.env:
                if change.new_value is None:
                    parts.append(f"{change.name} unset for new sessions.")
                else:
                    parts.append(f"{change.name}={change.new_value} for new sessions.")
        elif self.unchanged and not self.failures:
            parts.append("Nothing needed changing.")
        if self.failures:
            parts.append("Not changed: " + "; ".join(self.failures))
        parts.extend(self.notes)
        return " ".join(parts) or "Nothing was changed."


def _short(path: str, home: str) -> str:
    """A path with the home folder written as ~."""
    if home and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


@dataclass(frozen=True)
class Preview:
    """A planned change, shown before anything is written."""

    kind: Kind
    reports: tuple[ToolReport, ...]
    plan: PlanResult


class Operations(QObject):
    """Runs changes off the UI thread. `finished(Outcome)`, `failed(str)`, `history_loaded(tuple[JournalEntry])`."""

    finished = Signal(object)
    failed = Signal(str)
    preview_ready = Signal(object)  # Preview
    history_loaded = Signal(object)
    history_failed = Signal(str)  # reading the journal failed: nothing was being changed
    busy_changed = Signal(bool)

    def __init__(self, runner: TaskRunner, target: actions.Target, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._target = target
        self._queue: list[Callable[[], None]] = []
        self._running = False
        self.last_changeset: ChangeSet | None = None
        self.expect_on: Callable[[Sequence[str]], None] = lambda _ids: None
        self.forget_expected: Callable[[Sequence[str]], None] = lambda _ids: None

    @property
    def busy(self) -> bool:
        return self._running

    # ------------------------------------------------------------ requests

    def toggle(self, report: ToolReport) -> None:
        """The menu's one click: a tool that sends telemetry is opted out, one that doesn't is opted back in."""
        if report.tracking:
            self.optout([report])
        else:
            self.optin([report])

    def optout(self, reports: Sequence[ToolReport], *, automatic: bool = False) -> None:
        reports = self._unlocked(reports, Kind.OPTOUT)
        if reports:
            self._enqueue(lambda: self._run_change(Kind.OPTOUT, reports, automatic))

    def optin(self, reports: Sequence[ToolReport]) -> None:
        reports = self._unlocked(reports, Kind.OPTIN)
        if reports:
            self._enqueue(lambda: self._run_change(Kind.OPTIN, reports, False))

    def optout_everything(self, reports: Sequence[ToolReport]) -> None:
        """Every installed tool that sends telemetry, plus DO_NOT_TRACK=1 for the tools that honour it."""
        unlocked = tuple(r for r in reports if not r.locked)
        self._enqueue(lambda: self._run_change(Kind.OPTOUT_EVERYTHING, unlocked, False))

    def undo(self, change_id: str | None = None) -> None:
        """Revert the last change set (or a named one)."""
        target = self._target

        def task() -> Outcome:
            changeset = actions.undo(target, change_id)
            return Outcome(Kind.UNDO, changeset, tuple(changeset.tool_ids))

        def start() -> None:
            self._runner.submit(task, self._done, self._error)

        self._enqueue(start)

    def preview(self, kind: Kind, reports: Sequence[ToolReport]) -> None:
        """Plan without writing; `preview_ready(Preview)` carries the diffs."""
        reports = tuple(reports)
        target = self._target

        def task() -> Preview:
            return Preview(kind, reports, _plan(kind, target, reports))

        self._runner.submit(task, lambda preview: emit(self.preview_ready, preview),
                            lambda exc: emit(self.failed, _message(exc)))

    def apply_preview(self, preview: Preview) -> None:
        """Write exactly what was shown (the change machinery refuses if a file changed since)."""
        if any(r.locked for r in preview.reports) and preview.kind is Kind.OPTIN:
            emit(self.failed, _locked_message([r for r in preview.reports if r.locked]))
            return
        target = self._target

        def task() -> Outcome:
            return _apply(preview.kind, target, preview.reports, preview.plan, False)

        self._enqueue(lambda: self._start_apply(preview.kind, preview.reports, task))

    def load_history(self) -> None:
        target = self._target
        self._runner.submit(lambda: actions.history(target), lambda entries: emit(self.history_loaded, entries),
                            lambda exc: emit(self.history_failed, f"The history can't be read: {_message(exc)}"))

    # ------------------------------------------------------------ running, one at a time

    def _unlocked(self, reports: Sequence[ToolReport], kind: Kind) -> tuple[ToolReport, ...]:
        locked = [r for r in reports if r.locked]
        if locked:
            emit(self.failed, _locked_message(locked))
        return tuple(r for r in reports if not r.locked)

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

    def _run_change(self, kind: Kind, reports: tuple[ToolReport, ...], automatic: bool) -> None:
        target = self._target

        def task() -> Outcome:
            plan = _plan(kind, target, reports)
            return _apply(kind, target, reports, plan, automatic)

        self._start_apply(kind, reports, task)

    def _start_apply(self, kind: Kind, reports: tuple[ToolReport, ...], task: Callable[[], Outcome]) -> None:
        if kind is Kind.OPTIN:
            self.expect_on([r.id for r in reports])
        self._runner.submit(task, self._done, lambda exc: self._error(exc, reports if kind is Kind.OPTIN else ()))

    def _done(self, outcome: Outcome) -> None:
        if outcome.wrote:
            self.last_changeset = outcome.changeset
        emit(self.finished, outcome)
        self._next()

    def _error(self, exc: BaseException, expected: Sequence[ToolReport] = ()) -> None:
        if expected:
            self.forget_expected([r.id for r in expected])
        emit(self.failed, _message(exc))
        self._next()


def _plan(kind: Kind, target: actions.Target, reports: Sequence[ToolReport]) -> PlanResult:
    if kind is Kind.OPTIN:
        return actions.plan_optin(target, reports)
    return actions.plan_optout(target, reports, everything=kind is Kind.OPTOUT_EVERYTHING)


def _apply(kind: Kind, target: actions.Target, reports: Sequence[ToolReport], plan: PlanResult,
           automatic: bool) -> Outcome:
    failures = tuple(str(failure) for failure in plan.failures)
    changeset = None if plan.changeset.empty else actions.apply_plan(target, plan, reports)
    return Outcome(kind, changeset, tuple(r.id for r in reports), failures, tuple(plan.unchanged),
                   tuple(plan.notes), automatic)


def _locked_message(locked: Sequence[ToolReport]) -> str:
    names = ", ".join(r.tool.name for r in locked)
    pronoun = "it" if len(locked) == 1 else "them"
    return f"{names}: locked by your organisation's policy; Tracklight can't change {pronoun}."


def _message(exc: BaseException) -> str:
    if isinstance(exc, TracklightError):
        return str(exc)
    return f"Unexpected error: {exc!r}"

