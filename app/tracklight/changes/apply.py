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


def recheck(changeset: ChangeSet, guard: WriteGuard) -> None:
    """Safety once more right before writing: a symlink could have been swapped in since the plan."""
    for change in changeset.files:
        if change.purpose is Purpose.ENV:
            guard.check_env_file(change.path, change.before, change.after)
        else:
            guard.check_tool_file(change.path, None)


def write_change(change: FileChange, *, sync_dir: bool = False) -> None:
    """Make one file go from `before` to `after` (create, replace or remove), checking it still holds `before`."""
    if change.after is None:
        atomic_remove(change.path, expected_before=change.before, sync_dir=sync_dir)
        remove_empty_dirs(change.remove_dirs)
    else:
        atomic_write(change.path, change.after, mode=change.mode, expected_before=change.before,
                     make_parents=change.before is None, sync_dir=sync_dir)


def revert_change(change: FileChange) -> None:
    """Put one written file back (rolling back a half-applied change set)."""
    if change.before is None:
        atomic_remove(change.path, expected_before=change.after)
        remove_empty_dirs(change.created_dirs)
    else:
        atomic_write(change.path, change.before, expected_before=change.after, make_parents=True)


def apply_changeset(changeset: ChangeSet, *, journal: Journal, guard: WriteGuard | None,
                    store: EnvironmentStore | None, replan: Callable[[], ChangeSet] | None = None,
                    after_journal: Callable[[ChangeSet], None] | None = None,
                    also_sweep: Sequence[str] = (),
                    check: Callable[[ChangeSet], None] | None = None) -> ChangeSet:
    """Apply and journal a change set; returns what was applied (the re-made plan when the first one was stale).

    `after_journal` runs after the journal is durable and before the first file write (the crash tests use it);
    `also_sweep` names more files whose killed writers' temp files go (undo: every file of the undone change);
    `check` replaces the write guard's re-check right before writing (system scope brings its own); `store` None:
    no environment to update (system scope).
    """
    if changeset.empty:
        return changeset
    with journal.lock():
        stale = stale_files(changeset)
        if stale:
            if replan is None:
                raise _conflict(stale)
            changeset = replan()
            if changeset.empty:
                return changeset
            stale = stale_files(changeset)
            if stale:
                raise _conflict(stale)
        if check is not None:
            check(changeset)
        else:
            assert guard is not None, "user scope re-checks every file with its write guard"
            recheck(changeset, guard)
        for path in (*(c.path for c in changeset.files), *also_sweep):
            sweep_temps(path)
        journal.sweep()
        journal.record(changeset)
        if after_journal is not None:
            after_journal(changeset)
        written: list[FileChange] = []
        try:
            for change in changeset.files:
                write_change(change)
                written.append(change)
        except TracklightError:
            _roll_back(written, journal, changeset.id)
            raise
        sync_dirs({os.path.dirname(os.path.realpath(c.path)) for c in changeset.files})
        journal.mark(changeset.id, Status.COMPLETE)
    if store is not None:
        store.after_apply(changeset.env)
    return changeset


def _roll_back(written: list[FileChange], journal: Journal, change_id: str) -> None:
    try:
        for change in reversed(written):
            revert_change(change)
    except TracklightError:
        return  # left interrupted: `tracklight undo` compares each file and finishes the job
    journal.mark(change_id, Status.ROLLED_BACK)
