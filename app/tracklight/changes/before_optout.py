"""What a setting held before Tracklight opted a tool out, read from the journal: so "Allow" puts that back.

A person whose VS Code had `"telemetry.telemetryLevel": "error"` opted out; Allow must bring back "error", not the
catalog's `on` value ("all"), which would send more than before. The journal keeps each edit's old value; the one
that counts is the value before the first opt-out still in force (a later automatic re-opt-out saw only what the
tool itself had switched on). A completed opt-in ends that period; one that was interrupted (a crash, a kill)
may not have written anything, so it ends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tracklight.changes.changeset import Action, Purpose
from tracklight.changes.journal import JournalEntry, Status
from tracklight.core.model import Scalar

FileKey = tuple[str, str, str | None]  # (tool id, file path, key)
EnvKey = tuple[str, str]  # (tool id, variable name)


@dataclass(frozen=True)
class ValuesBeforeOptout:
    """The value each setting had before the opt-out in force (None: it was not set)."""

    files: dict[FileKey, Scalar | None] = field(default_factory=dict)
    env: dict[EnvKey, str | None] = field(default_factory=dict)

    def file_value(self, tool_id: str, path: str, key: str | None) -> tuple[bool, Scalar | None]:
        """(known, value): whether the journal knows the value before the opt-out, and that value."""
        found = (tool_id, path, key)
        return (found in self.files, self.files.get(found))

    def env_value(self, tool_id: str, name: str) -> tuple[bool, str | None]:
        found = (tool_id, name)
        return (found in self.env, self.env.get(found))


NOTHING_KNOWN = ValuesBeforeOptout()


def entries_that_matter(newest_first: Iterable[JournalEntry], tool_ids: Iterable[str]) -> list[JournalEntry]:
    """The entries `values_before_optout` needs for these tools, read newest first only as far as needed: back to
    each tool's last completed opt-in (before it, every record was spent), and the rest of that second (the order
    within one second is known only once loaded)."""
    open_tools = set(tool_ids)
    needed: list[JournalEntry] = []
    stop_second: str | None = None
    for entry in newest_first:
        second = entry.id[:15]
        if stop_second is not None and second < stop_second:
            break
        needed.append(entry)
        changeset = entry.changeset
        if stop_second is None and changeset.action is Action.OPTIN and entry.status is Status.COMPLETE:
            open_tools.difference_update(changeset.tool_ids)
            if not open_tools:
                stop_second = second
    return needed


def values_before_optout(entries: Iterable[JournalEntry]) -> ValuesBeforeOptout:
    """Read a history (any order) for the values before each opt-out still in force."""
    files: dict[FileKey, Scalar | None] = {}
    env: dict[EnvKey, str | None] = {}
    in_force = sorted((e for e in entries if e.in_force), key=lambda e: (e.changeset.created, e.id))
    for entry in in_force:
        changeset = entry.changeset
        if changeset.action is Action.UNDO:
            continue  # what it reverted is no longer in force, so it recorded nothing here
        if changeset.action is Action.OPTIN and entry.status is not Status.COMPLETE:
            continue
        for change in changeset.files:
            if change.purpose is not Purpose.TOOL:
                continue
            for edit in change.edits:
                key = (edit.tool_id, change.path, edit.key)
                if changeset.action is Action.OPTOUT:
                    files.setdefault(key, edit.old_value)
                else:
                    files.pop(key, None)
        for variable in changeset.env:
            for tool_id in variable.tool_ids:
                if changeset.action is Action.OPTOUT:
                    env.setdefault((tool_id, variable.name), variable.old_value)
                else:
                    env.pop((tool_id, variable.name), None)
    return ValuesBeforeOptout(files, env)
