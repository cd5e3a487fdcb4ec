"""Undo a change set: every file back to its previous bytes exactly (a created file removed), or a clear refusal.

Each file must hold exactly what the change wrote; a file that already holds its previous bytes is left alone (an
interrupted change never got to it, or someone put it back by hand). Any other content means the file was changed
since, and the whole undo is refused, naming every such file: restoring the old bytes would throw that edit away.
The undo itself is a change set, journaled like any other, so it can be undone in turn.

An admin's lock holds here too: undoing a change that switched a locked tool off (or redoing one that switched it
on) is refused with the lock's own words, and nothing is undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tracklight.changes.apply import apply_changeset
from tracklight.changes.atomic import read_current, sweep_temps
from tracklight.changes.changeset import Action, ChangeSet, EnvChange, FileChange, Purpose, new_change_id
from tracklight.changes.difftext import unified_diff
from tracklight.changes.environment_store import EnvironmentStore
from tracklight.changes.journal import Journal, JournalEntry, Status
from tracklight.changes.safety import WriteGuard
from tracklight.core.locks import NO_LOCKS, Locks
from tracklight.errors import ConflictError, NothingToUndo, PolicyError, TracklightError


def pick_entry(journal: Journal, change_id: str | None) -> JournalEntry:
    """The named entry, or the newest change that is still in force (not undone, not itself an undo)."""
    if change_id is not None:
        entry = journal.load(change_id)
        if entry.status is Status.UNDONE:
            raise TracklightError(f"change {change_id} was already undone by {entry.undone_by}")
        if entry.status is Status.ROLLED_BACK:
            raise TracklightError(f"change {change_id} failed and was rolled back at once; nothing to undo")
        return entry
    for entry in journal.entries():
        if entry.status in (Status.COMPLETE, Status.INTERRUPTED) and entry.changeset.action is not Action.UNDO:
            return entry
    raise NothingToUndo("nothing to undo (see `tracklight history`)")


def turns_tools_on(journal: Journal, entry: JournalEntry) -> bool:
    """Whether reverting `entry` switches its tools back on: undoing an opt-out, or undoing the undo of an opt-in."""
    changeset = entry.changeset
    if changeset.action is Action.OPTOUT:
        return True
    if changeset.action is Action.UNDO and changeset.reverts:
        try:
            reverted = journal.load(changeset.reverts)
        except TracklightError:
            return True  # can't tell what it re-does: the locked side is the safe side
        return not turns_tools_on(journal, reverted)
    return False


def refuse_crossing_locks(journal: Journal, entry: JournalEntry, locks: Locks) -> None:
    """PolicyError when reverting `entry` would switch a tool the policy locks back on."""
    if not turns_tools_on(journal, entry):
        return
    for tool_id in entry.changeset.tool_ids:
        refusal = locks.refusal(tool_id)
        if refusal is not None:
            raise PolicyError(f"{refusal.message}; undoing change {entry.id} would turn it back on, so nothing "
                              "was undone", path=refusal.path, line=refusal.line)


def plan_undo(entry: JournalEntry, now: dt.datetime) -> ChangeSet:
    """The change set that reverts `entry`; ConflictError naming every file changed since."""
    original = entry.changeset
    files: list[FileChange] = []
    changed: list[str] = []
    for change in original.files:
        current = read_current(change.path)
        if current == change.before:
            continue
        if current != change.after:
            changed.append(change.path)
            continue
        files.append(FileChange(
            path=change.path, before=change.after, after=change.before,
            diff=unified_diff(change.path, change.after, change.before), purpose=change.purpose,
            edits=change.edits, mode=change.mode,
            created_dirs=change.remove_dirs, remove_dirs=change.created_dirs,
        ))
    if changed:
        more = f"; also changed: {', '.join(changed[1:])}" if len(changed) > 1 else ""
        raise ConflictError(f"changed since change {original.id} ({original.summary}); undoing would lose that "
                            f"edit, so nothing was undone{more}", path=changed[0])
    # The variables changed only if their files did (an interrupted change may not have got that far).
    restores_env = any(f.purpose is Purpose.ENV for f in files)
    env = tuple(EnvChange(c.name, c.new_value, c.old_value, c.tool_ids) for c in original.env) if restores_env else ()
    return ChangeSet(new_change_id(now), now, Action.UNDO, f"undo {original.id}: {original.summary}",
                     original.tool_ids, tuple(files), env, reverts=original.id)


def undo(journal: Journal, guard: WriteGuard | None, store: EnvironmentStore | None, change_id: str | None = None,
         *, now: dt.datetime | None = None, after_journal: Callable[[ChangeSet], None] | None = None,
         locks: Locks = NO_LOCKS, check: Callable[[ChangeSet], None] | None = None) -> ChangeSet:
    """Revert a change set (the last one still in force when no id is given); returns the undo's own record.

    System scope passes no guard or store and its own `check` (see changes.apply.apply_changeset)."""
    now = now or dt.datetime.now().astimezone()
    entry = pick_entry(journal, change_id)
    refuse_crossing_locks(journal, entry, locks)
    undo_set = plan_undo(entry, now)
    touched = [c.path for c in entry.changeset.files]
    if undo_set.empty:
        with journal.lock():
            for path in touched:
                sweep_temps(path)
        journal.mark(entry.id, Status.UNDONE, undo_set.id)
        return undo_set
    applied = apply_changeset(undo_set, journal=journal, guard=guard, store=store,
                              replan=lambda: plan_undo(journal.load(entry.id), now), after_journal=after_journal,
                              also_sweep=touched, check=check)
    journal.mark(entry.id, Status.UNDONE, applied.id)
    return applied
