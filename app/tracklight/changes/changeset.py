"""The typed record of a change: what the CLI prints, what the tray shows, what the journal keeps and undo reads.

A ChangeSet holds one FileChange per file (however many tools edit that file: VS Code's settings.json serves several
catalog entries) and one EnvChange per environment variable. Each FileChange carries the whole previous and next
content, so applying, journaling and undoing never need to re-derive anything.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
from dataclasses import dataclass, field

from tracklight.core.model import Scalar
from tracklight.errors import TracklightError


class Action(enum.Enum):
    OPTOUT = "optout"
    OPTIN = "optin"
    UNDO = "undo"
    POLICY_APPLY = "policy apply"  # system scope: the files an organisation's policy needs


class Purpose(enum.Enum):
    """Why a file is written: a tool's own preference file, one of Tracklight's env files/blocks, or a system file."""

    TOOL = "tool"
    ENV = "env"
    SYSTEM = "system"  # a file `tracklight policy apply` writes (judged by the system plan's own checks)


@dataclass(frozen=True)
class KeyEdit:
    """One key set or removed in a file, on behalf of one tool's control."""

    tool_id: str
    key: str | None  # the control's key (None where the format ignores it: plain files)
    control: str  # Control.describe(): "jsonc key "telemetry.telemetryLevel""
    old_value: Scalar | None  # None: was not set
    new_value: Scalar | None  # None: removed


@dataclass(frozen=True)
class FileChange:
    """One file's full previous and next content. `before` None: the file is created; `after` None: removed."""

    path: str
    before: bytes | None
    after: bytes | None
    diff: str  # unified diff, for people
    purpose: Purpose = Purpose.TOOL
    edits: tuple[KeyEdit, ...] = ()
    mode: int | None = None  # permissions of a created file (an existing file keeps its own)
    created_dirs: tuple[str, ...] = ()  # folders created for a new file (outermost first); undo removes them
    remove_dirs: tuple[str, ...] = ()  # folders to remove, when empty, after removing the file (undo of a creation)

    @property
    def tool_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(edit.tool_id for edit in self.edits))

    @property
    def tool_id(self) -> str | None:
        """The first tool this change is for (None for Tracklight's own env files)."""
        return self.edits[0].tool_id if self.edits else None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(edit.key for edit in self.edits if edit.key is not None)

    @property
    def creates(self) -> bool:
        return self.before is None and self.after is not None

    @property
    def removes(self) -> bool:
        return self.before is not None and self.after is None


@dataclass(frozen=True)
class EnvChange:
    """One variable in Tracklight's persistent environment. None: not set (before) / unset (after)."""

    name: str
    old_value: str | None
    new_value: str | None
    tool_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeSet:
    """Everything one opt-out, opt-in or undo changes, as one unit that is journaled and undone together."""

    id: str
    created: dt.datetime
    action: Action
    summary: str
    tool_ids: tuple[str, ...] = ()
    files: tuple[FileChange, ...] = ()
    env: tuple[EnvChange, ...] = ()
    reverts: str | None = None  # for an undo: the change set it reverted
    automatic: bool = False  # made by "Keep me opted out" after a tool turned itself back on, not by a request

    @property
    def empty(self) -> bool:
        return not self.files and not self.env

    @property
    def diff(self) -> str:
        """All files' diffs, in order."""
        return "".join(change.diff for change in self.files)


@dataclass(frozen=True)
class ToolFailure:
    """One tool that could not be planned or applied, and why (the error names file and line)."""

    tool_id: str
    error: TracklightError

    def __str__(self) -> str:
        return f"{self.tool_id}: {self.error}"


@dataclass(frozen=True)
class PlanResult:
    """A planned change set, plus the tools that failed (the others still go through) and those already done."""

    changeset: ChangeSet
    failures: tuple[ToolFailure, ...] = ()
    unchanged: tuple[str, ...] = ()  # tools that needed nothing (already off / already on)
    notes: tuple[str, ...] = field(default=())  # things a person should know ("set in your shell, not by us")


def new_change_id(now: dt.datetime) -> str:
    """An id that sorts by time and reads well: 20261130-101500-ab12."""
    return f"{now.strftime('%Y%m%d-%H%M%S')}-{os.urandom(2).hex()}"
