"""Apply, check, preview and undo a system plan on a machine (or under `--root`), through the one atomic writer.

Every file's next content is computed before anything is written, so a file that doesn't parse stops the whole
apply with nothing changed. A shared file's keys are only rewritten when they don't already mean "off" by the tool's
own rule, so a second apply writes nothing. What is written is journaled like a user's change, in the system state
folder (/var/lib/tracklight, under `--root` when given), so `tracklight undo --system` puts every byte back.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from tracklight import formats
from tracklight.admin.system import KeySetting, SystemFile, SystemPlan
from tracklight.changes.apply import apply_changeset
from tracklight.changes.atomic import missing_parents, read_current
from tracklight.changes.changeset import Action, ChangeSet, FileChange, Purpose, new_change_id
from tracklight.changes.difftext import unified_diff
from tracklight.changes.journal import Journal, JournalEntry
from tracklight.changes.undo import undo
from tracklight.core import locations
from tracklight.core.catalog import ToolIndex
from tracklight.core.detect import meaning_of
from tracklight.core.model import Meaning, Os, Scalar
from tracklight.errors import FormatError, PolicyError, UnsafePathError, WriteError

SYSTEM_DIR_MODE = 0o755  # system folders must stay readable by every user (a browser reads its policy as the user)


@dataclass(frozen=True)
class FileOutcome:
    """One planned file on this machine: what it holds now and what it must hold (None: left absent)."""

    file: SystemFile
    target: str  # the path written (under root)
    before: bytes | None
    after: bytes | None

    @property
    def changes(self) -> bool:
        return self.after is not None and self.after != self.before

    @property
    def status(self) -> str:
        if self.after is None:
            return "absent (only edited when it exists)"
        if self.before is None:
            return "create"
        return "update" if self.after != self.before else "ok"


def _same(found: Scalar | None, wanted: Scalar) -> bool:
    return type(found) is type(wanted) and found == wanted


def _satisfied(setting: KeySetting, found: Scalar | None) -> bool:
    if found is None:
        return False
    if setting.control is not None:
        return meaning_of(setting.control, found) is Meaning.OFF
    return _same(found, setting.value)


def new_shared_text(file: SystemFile) -> str:
    """A shared file created from nothing: the first key as a new document, the others set into it."""
    assert file.format is not None
    module = formats.get(file.format)
    text = module.new_document(file.settings[0].key, file.settings[0].value)
    for setting in file.settings[1:]:
        text = module.set_value(text, setting.key, setting.value)
    return text


def desired_bytes(file: SystemFile, current: bytes | None, path: str = "") -> bytes | None:
    """The bytes a file must hold; `current` when it already complies, None when it stays absent."""
    if file.content is not None:
        return file.content.encode("utf-8")
    assert file.format is not None
    if current is None:
        return new_shared_text(file).encode("utf-8") if file.create else None
    module = formats.get(file.format)
    text, style = formats.decode_for(current, file.format, path)  # the scan's BOM rule (one place)
    edited = text
    for setting in file.settings:
        try:
            lookup = module.read(edited, setting.key)
        except FormatError as exc:
            raise FormatError(f"{exc.message}; not changed", path=path or file.path, line=exc.line) from None
        if lookup.found and _satisfied(setting, lookup.value):
            continue
        edited = module.set_value(edited, setting.key, setting.value)
    return current if edited == text else formats.dump_text(edited, style)


def _target(root: str, path: str) -> str:
    return locations.under_root(root, path)


def _check_inside_root(root: str, target: str, path: str) -> None:
    if root in ("", "/"):
        return
    real_root = os.path.realpath(root)
    real = os.path.realpath(target)
    if real != real_root and not real.startswith(real_root.rstrip("/") + "/"):
        raise UnsafePathError(f"resolves to {real}, outside the root {root}; not followed", path=path)


def outcomes(plan: SystemPlan, root: str = "/") -> list[FileOutcome]:
    """Every planned file with its current and next bytes; raises (FormatError, …) before anything is written."""
    result = []
    for file in plan.files:
        target = _target(root, file.path)
        _check_inside_root(root, target, target)
        before = read_current(target)
        result.append(FileOutcome(file, target, before, desired_bytes(file, before, target)))
    return result


def _check_allowed(outcome: FileOutcome, index: ToolIndex, root: str) -> None:
    """Shared files go through the system-scope write guard for each tool that asks for them."""
    from tracklight.changes.safety import Scope, WriteGuard

    if outcome.file.owned:
        return
    guard = WriteGuard.for_env({"HOME": "/nonexistent"}, Os.LINUX, Scope.SYSTEM, root)
    for tool_id in outcome.file.tools:
        indexed = index.tools.get(tool_id)
        if indexed is not None:
            guard.check_tool_file(outcome.target, indexed.tool)


def _make_dirs(folder: str, display: str) -> None:
    """Create the folders a system file needs, readable by all; WriteError (naming the folder) when one can't be."""
    for path in missing_parents(os.path.join(folder, "x")):
        try:
            os.mkdir(path, SYSTEM_DIR_MODE)
            os.chmod(path, SYSTEM_DIR_MODE)  # the umask must not narrow it
        except FileExistsError:
            continue
        except OSError as exc:
            # A dangling link on the way, a read-only file system, no permission: say which folder, no traceback.
            raise WriteError(f"cannot create folder {path}: {exc.strerror or exc}; files earlier in the plan may "
                             "be written already (`tracklight policy check` lists what still differs)",
                             path=display) from None


@dataclass(frozen=True)
class SystemApplied:
    """What `policy apply` did: every planned file, and the journaled change (None when nothing differed)."""

    outcomes: list[FileOutcome]
    changeset: ChangeSet | None


def system_journal(root: str = "/") -> Journal:
    """The journal of system-scope changes: /var/lib/tracklight (under `root`)."""
    return Journal(locations.system_state_dir(root))


def _inside_root_check(root: str) -> Callable[[ChangeSet], None]:
    """The re-check right before writing: no file may have come to resolve outside the root since it was planned."""
    def check(changeset: ChangeSet) -> None:
        for change in changeset.files:
            _check_inside_root(root, change.path, change.path)

    return check


def apply_system_plan(plan: SystemPlan, index: ToolIndex, root: str = "/",
                      now: dt.datetime | None = None) -> SystemApplied:
    """Write every file that differs from the plan, journaled so `tracklight undo --system` can revert it.

    Nothing is written when any file can't be planned.
    """
    planned = outcomes(plan, root)
    changed = [o for o in planned if o.changes]
    for outcome in changed:
        _check_allowed(outcome, index, root)
    if not changed:
        return SystemApplied(planned, None)
    now = now or dt.datetime.now().astimezone()
    files = []
    for outcome in changed:
        files.append(FileChange(
            path=outcome.target, before=outcome.before, after=outcome.after,
            diff=unified_diff(outcome.target, outcome.before, outcome.after), purpose=Purpose.SYSTEM,
            mode=outcome.file.mode, created_dirs=missing_parents(outcome.target) if outcome.before is None else ()))
    tools = tuple(dict.fromkeys(t for o in changed for t in o.file.tools))
    changeset = ChangeSet(new_change_id(now), now, Action.POLICY_APPLY,
                          f"policy apply: {len(files)} file(s) from {plan.policy.path}", tools, tuple(files), ())
    for outcome in changed:
        _make_dirs(posixpath.dirname(outcome.target), outcome.target)
    applied = apply_changeset(changeset, journal=system_journal(root), guard=None, store=None,
                              check=_inside_root_check(root))
    return SystemApplied(planned, applied)


def undo_system(root: str = "/", change_id: str | None = None, now: dt.datetime | None = None) -> ChangeSet:
    """Revert the last system-scope change still in force (or a named one) byte for byte."""
    return undo(system_journal(root), None, None, change_id, now=now, check=_inside_root_check(root))


def system_history(root: str = "/") -> list[JournalEntry]:
    """Every journaled system-scope change, newest first."""
    return system_journal(root).entries()


def require_linux_root_writable(root: str) -> None:
    """System scope writes under /etc: say so plainly instead of failing on the first file."""
    if root in ("", "/") and hasattr(os, "geteuid") and os.geteuid() != 0:
        raise PolicyError("applying a policy to this machine writes system files: run it as root (sudo), "
                          "or use --root DIR to build an image, or --dry-run to preview")
