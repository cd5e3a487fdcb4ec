"""Apply a planned ChangeSet: check nothing moved, journal it, write every file atomically, mark it complete.

Order matters for "never lose a file": (1) under the writers' lock, every file is compared with the bytes the plan
read — if one changed, the plan is made again once, and a second mismatch is a ConflictError naming the file;
(2) the journal entry, with every previous byte, is written and fsynced; (3) each file is replaced through
atomic_write, which compares once more right before the rename; (4) the entry is marked complete. If a write fails
half-way, the files already written are put back at once and the entry is marked rolled-back; a crash leaves an
entry undo can still use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from tracklight.changes.atomic import (
    atomic_remove,
    atomic_write,
    read_current,
    remove_empty_dirs,
    sweep_temps,
    sync_dirs,
)
from tracklight.changes.changeset import ChangeSet, FileChange, Purpose
from tracklight.changes.environment_store import EnvironmentStore
from tracklight.changes.journal import Journal, Status
from tracklight.changes.safety import WriteGuard
from tracklight.errors import ConflictError, TracklightError


def stale_files(changeset: ChangeSet) -> list[FileChange]:
    """The files whose bytes are no longer what the plan read."""
    stale = []
    for change in changeset.files:
        if read_current(change.path) != change.before:
            stale.append(change)
    return stale


def _conflict(stale: list[FileChange]) -> ConflictError:
    first = stale[0]
    others = f" (and {len(stale) - 1} more: {', '.join(c.path for c in stale[1:])})" if len(stale) > 1 else ""
    return ConflictError(f"changed while Tracklight was planning{others}; nothing was written; try again",
                         path=first.path)


def recheck(changeset: ChangeSet, guard: WriteGuard) -> dict[str, str]:
    """Safety once more right before writing: a symlink could have been swapped in since the plan. Returns the real
    path approved for each file: the write lands there or nowhere (atomic_write's `approved`)."""
    approved: dict[str, str] = {}
    for change in changeset.files:
        if change.purpose is Purpose.ENV:
            approved[change.path] = guard.check_env_file(change.path, change.before, change.after)
        else:
            approved[change.path] = guard.check_tool_file(change.path, None)
    return approved


def write_change(change: FileChange, *, sync_dir: bool = False, approved: str | None = None) -> None:
    """Make one file go from `before` to `after` (create, replace or remove), checking it still holds `before`."""
    if change.after is None:
        atomic_remove(change.path, expected_before=change.before, sync_dir=sync_dir, approved=approved)
        remove_empty_dirs(change.remove_dirs)
    else:
        atomic_write(change.path, change.after, mode=change.mode, expected_before=change.before,
                     make_parents=change.before is None, sync_dir=sync_dir, approved=approved)


def revert_change(change: FileChange, approved: str | None = None) -> None:
    """Put one written file back (rolling back a half-applied change set)."""
    if change.before is None:
        atomic_remove(change.path, expected_before=change.after, approved=approved)
        remove_empty_dirs(change.created_dirs)
    else:
        atomic_write(change.path, change.before, expected_before=change.after, make_parents=True,
                     approved=approved)


RETRY_DELAYS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.5)
"""Backoff between attempts against a busy file (a tool rewriting it every few ms): about 1.1 s in all."""


class _Busy(Exception):
    """A file moved before anything was written: plan again and retry after a pause."""

    def __init__(self, error: ConflictError) -> None:
        super().__init__(str(error))
        self.error = error


def apply_changeset(changeset: ChangeSet, *, journal: Journal, guard: WriteGuard | None,
                    store: EnvironmentStore | None, replan: Callable[[], ChangeSet] | None = None,
                    after_journal: Callable[[ChangeSet], None] | None = None,
                    also_sweep: Sequence[str] = (),
                    check: Callable[[ChangeSet], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> ChangeSet:
    """Apply and journal a change set; returns what was applied (the re-made plan when the first one was stale).

    A file that moved before anything was written (a tool rewriting it as we go) makes the change give way and
    try again, planned afresh, after a growing pause (RETRY_DELAYS); when it never settles, a ConflictError names
    it. Without `replan` there is no second try. `after_journal` runs after the journal is durable and before the
    first file write (the crash tests use it); `also_sweep` names more files whose killed writers' temp files go
    (undo: every file of the undone change); `check` replaces the write guard's re-check right before writing
    (system scope brings its own); `store` None: no environment to update (system scope).
    """
    attempt = 0
    while True:
        if changeset.empty:
            return changeset
        try:
            applied = _apply_once(changeset, journal=journal, guard=guard, after_journal=after_journal,
                                  also_sweep=also_sweep, check=check)
        except _Busy as busy:
            if replan is None or attempt >= len(RETRY_DELAYS):
                raise busy.error from None
            sleep(RETRY_DELAYS[attempt])
            attempt += 1
            changeset = replan()
            continue
        if store is not None:
            store.after_apply(applied.env)
        return applied


def _apply_once(changeset: ChangeSet, *, journal: Journal, guard: WriteGuard | None,
                after_journal: Callable[[ChangeSet], None] | None, also_sweep: Sequence[str],
                check: Callable[[ChangeSet], None] | None) -> ChangeSet:
    with journal.lock():
        stale = stale_files(changeset)
        if stale:
            raise _Busy(_conflict(stale))
        approved: dict[str, str] = {}
        if check is not None:
            check(changeset)
        else:
            assert guard is not None, "user scope re-checks every file with its write guard"
            approved = recheck(changeset, guard)
        for path in (*(c.path for c in changeset.files), *also_sweep):
            sweep_temps(path)
        journal.sweep()
        journal.record(changeset)
        if after_journal is not None:
            after_journal(changeset)
        written: list[FileChange] = []
        try:
            for change in changeset.files:
                write_change(change, approved=approved.get(change.path))
                written.append(change)
        except ConflictError as exc:
            if not written:
                journal.forget(changeset.id)
                raise _Busy(exc) from None
            _roll_back(written, journal, changeset.id, approved)
            raise
        except TracklightError:
            _roll_back(written, journal, changeset.id, approved)
            raise
        sync_dirs({os.path.dirname(os.path.realpath(c.path)) for c in changeset.files})
        journal.mark(changeset.id, Status.COMPLETE)
    return changeset


def _roll_back(written: list[FileChange], journal: Journal, change_id: str, approved: dict[str, str]) -> None:
    try:
        for change in reversed(written):
            revert_change(change, approved.get(change.path))
    except TracklightError:
        return  # left interrupted: `tracklight undo` compares each file and finishes the job
    journal.mark(change_id, Status.ROLLED_BACK)
