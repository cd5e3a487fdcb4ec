"""The journal: every change set with the previous (and next) bytes of every file, under $XDG_STATE_HOME/tracklight/.

`journal/<id>.json` holds the whole ChangeSet (file contents base64) and is written and fsynced BEFORE the first
user file is replaced; `journal/<id>.status` is written after: `complete`, `rolled-back` (a failure mid-way was
undone at once), or `undone <undo-id>`. An entry without a status was interrupted (a crash, a kill): undo can still
use it, because it compares each file with both its before and after bytes.

A lock file serialises writers (the tray and the CLI may run at once).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracklight.changes.atomic import atomic_write, sweep_temps
from tracklight.changes.changeset import Action, ChangeSet, EnvChange, FileChange, KeyEdit, Purpose
from tracklight.core import locations
from tracklight.core.model import Os
from tracklight.errors import TracklightError, WriteError

JOURNAL_VERSION = 1


class Status(enum.Enum):
    INTERRUPTED = "interrupted"  # journaled, never marked: a crash or kill during apply
    COMPLETE = "complete"
    ROLLED_BACK = "rolled-back"
    UNDONE = "undone"


@dataclass(frozen=True)
class JournalEntry:
    changeset: ChangeSet
    status: Status
    undone_by: str | None = None

    @property
    def id(self) -> str:
        return self.changeset.id

    @property
    def in_force(self) -> bool:
        """Whether this change can still be undone: applied (or interrupted), not undone, not rolled back."""
        return self.status in (Status.COMPLETE, Status.INTERRUPTED)


# ---------------------------------------------------------------- (de)serialisation


def _blob(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unblob(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text.encode("ascii"), validate=True)


def changeset_to_json(changeset: ChangeSet) -> dict[str, Any]:
    return {
        "journal_version": JOURNAL_VERSION,
        "id": changeset.id,
        "created": changeset.created.isoformat(),
        "action": changeset.action.value,
        "summary": changeset.summary,
        "tool_ids": list(changeset.tool_ids),
        "reverts": changeset.reverts,
        "automatic": changeset.automatic,
        "files": [
            {
                "path": f.path, "purpose": f.purpose.value, "mode": f.mode, "before": _blob(f.before),
                "after": _blob(f.after), "diff": f.diff, "created_dirs": list(f.created_dirs),
                "remove_dirs": list(f.remove_dirs),
                "edits": [{"tool_id": e.tool_id, "key": e.key, "control": e.control, "old": e.old_value,
                           "new": e.new_value} for e in f.edits],
            }
            for f in changeset.files
        ],
        "env": [{"name": e.name, "old": e.old_value, "new": e.new_value, "tool_ids": list(e.tool_ids)}
                for e in changeset.env],
    }


def changeset_from_json(data: dict[str, Any]) -> ChangeSet:
    return ChangeSet(
        id=data["id"],
        created=dt.datetime.fromisoformat(data["created"]),
        action=Action(data["action"]),
        summary=data["summary"],
        tool_ids=tuple(data["tool_ids"]),
        reverts=data.get("reverts"),
        automatic=data.get("automatic") is True,
        files=tuple(
            FileChange(
                path=f["path"], before=_unblob(f["before"]), after=_unblob(f["after"]), diff=f["diff"],
                purpose=Purpose(f["purpose"]), mode=f["mode"], created_dirs=tuple(f["created_dirs"]),
                remove_dirs=tuple(f.get("remove_dirs", ())),
                edits=tuple(KeyEdit(e["tool_id"], e["key"], e["control"], e["old"], e["new"]) for e in f["edits"]),
            )
            for f in data["files"]
        ),
        env=tuple(EnvChange(e["name"], e["old"], e["new"], tuple(e["tool_ids"])) for e in data["env"]),
    )


# ---------------------------------------------------------------- the journal


class Journal:
    def __init__(self, state_dir: str) -> None:
        self.state_dir = state_dir
        self.folder = os.path.join(state_dir, "journal")

    @classmethod
    def for_env(cls, os_: Os, env: dict[str, str] | Any) -> Journal:
        return cls(locations.state_dir(os_, env))

    def _json_path(self, change_id: str) -> str:
        return os.path.join(self.folder, f"{change_id}.json")

    def _status_path(self, change_id: str) -> str:
        return os.path.join(self.folder, f"{change_id}.status")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writers' lock (blocking). A crashed holder releases it when its process ends."""
        try:
            os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
            fd = os.open(os.path.join(self.state_dir, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise WriteError(f"cannot use Tracklight's state folder: {exc.strerror or exc}; nothing was changed",
                             path=self.state_dir) from None
        try:
            try:
                import fcntl
            except ImportError:  # Windows: one writer at a time is the tray's job there
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def sweep(self) -> None:
        """Remove temp files a killed writer left in the journal folder (under the lock)."""
        if os.path.isdir(self.folder):
            sweep_temps(self.folder)

    def record(self, changeset: ChangeSet) -> None:
        """Write the entry durably, before any user file is touched."""
        data = json.dumps(changeset_to_json(changeset), ensure_ascii=False, indent=None).encode("utf-8")
        atomic_write(self._json_path(changeset.id), data, mode=0o600, make_parents=True)

    def mark(self, change_id: str, status: Status, undone_by: str | None = None) -> None:
        text = status.value if undone_by is None else f"{status.value} {undone_by}"
        # Not fsynced: a status lost in a power cut reads as "interrupted", which undo handles all the same.
        atomic_write(self._status_path(change_id), (text + "\n").encode(), mode=0o600, make_parents=True,
                     durable=False)

    def forget(self, change_id: str) -> None:
        """Drop an entry whose change wrote nothing at all (a busy file made it give way before the first write, and
        it is tried again): keeping it would list a change that never happened. Under the lock."""
        for path in (self._json_path(change_id), self._status_path(change_id)):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def status(self, change_id: str) -> tuple[Status, str | None]:
        try:
            with open(self._status_path(change_id), encoding="utf-8") as handle:
                words = handle.read().split()
        except (OSError, UnicodeDecodeError):
            return Status.INTERRUPTED, None  # no status (or an unreadable one): undo treats both alike
        if not words:
            return Status.INTERRUPTED, None
        try:
            status = Status(words[0])
        except ValueError:
            return Status.INTERRUPTED, None
        return status, words[1] if len(words) > 1 else None

    def load(self, change_id: str) -> JournalEntry:
        """One entry; TracklightError when there is no such change or its entry is damaged."""
        path = self._json_path(change_id)
        if os.path.basename(change_id) != change_id or change_id.startswith("."):
            raise TracklightError(f"{change_id!r} is not a change id (see `tracklight history`)")
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            changeset = changeset_from_json(data)
        except FileNotFoundError:
            raise TracklightError(f"no change {change_id!r} in the journal (see `tracklight history`)") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TracklightError(f"journal entry is damaged: {exc}", path=path) from None
        status, undone_by = self.status(change_id)
        return JournalEntry(changeset, status, undone_by)

    def ids(self) -> list[str]:
        """Every change id in the journal; TracklightError when its folder exists but can't be listed."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise TracklightError(f"cannot read the journal: {exc.strerror or exc}", path=self.folder) from None
        return [name[:-5] for name in names if name.endswith(".json") and not name.startswith(".")]

    def newest_first(self) -> Iterator[JournalEntry]:
        """Entries loaded one at a time, newest id first (ids start with the second they were made in; within
        one second their order is not known), damaged ones skipped."""
        for change_id in sorted(self.ids(), reverse=True):
            try:
                yield self.load(change_id)
            except TracklightError:
                continue

    def entries(self) -> list[JournalEntry]:
        """Every entry, newest first (damaged ones skipped); TracklightError when the journal can't be listed."""
        result = []
        for change_id in self.ids():
            try:
                result.append(self.load(change_id))
            except TracklightError:
                continue
        result.sort(key=lambda e: (e.changeset.created, e.id), reverse=True)
        return result
