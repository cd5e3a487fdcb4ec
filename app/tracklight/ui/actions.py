"""The UI's one door to the change machinery (tracklight.changes) and the admin locks (tracklight.admin).

Everything the tray and the window change goes through these calls: plan (a typed ChangeSet with unified diffs),
apply, undo, history. The UI never writes a user's file itself. When the change API moves, only this module follows.
Every call here is blocking and runs on the worker pool, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracklight.core.model import Os, ToolReport
from tracklight.errors import TracklightError

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet, PlanResult


class ChangesUnavailable(TracklightError):
    """This build has no change machinery (an import failed); reading still works."""


@dataclass(frozen=True)
class Target:
    """Where the change machinery reads and writes: the environment, OS and system root of this session."""

    env: Mapping[str, str]
    os: Os
    root: str


def _changes() -> Any:
    try:
        from tracklight.changes import api
    except ImportError as exc:  # pragma: no cover - only while the change API is being written
        raise ChangesUnavailable(f"changing settings is not available in this build ({exc})") from None
    return api


def plan_optout(target: Target, reports: Sequence[ToolReport], *, everything: bool = False) -> PlanResult:
    """What opting these tools out would write (nothing is written). `everything` also sets DO_NOT_TRACK=1."""
    return _changes().plan_optout([r.id for r in reports], env=target.env, os_=target.os, root=target.root,
                                  do_not_track=everything)


def plan_optin(target: Target, reports: Sequence[ToolReport]) -> PlanResult:
    """What opting these tools back in would write (nothing is written)."""
    return _changes().plan_optin([r.id for r in reports], env=target.env, os_=target.os, root=target.root)


def apply_plan(target: Target, plan: PlanResult) -> ChangeSet:
    """Write a planned change set (atomically, journaled). ConflictError when a file changed since planning."""
    return _changes().apply(plan.changeset, env=target.env, os_=target.os, root=target.root)


def undo(target: Target, change_id: str | None = None) -> ChangeSet:
    """Revert the last change set (or a named one) byte-exact; ConflictError when a file changed since."""
    return _changes().undo(change_id, env=target.env, os_=target.os, root=target.root)


def history(target: Target) -> tuple[ChangeSet, ...]:
    """Every journaled change set, newest first."""
    return tuple(_changes().history(env=target.env, os_=target.os, root=target.root))


def locked_tools(index: Any, target: Target) -> Collection[str]:
    """The tools this machine's admin policy locks (none without a policy, or when the admin layer is absent)."""
    try:
        from tracklight.admin.policy import locked_ids
    except ImportError:  # pragma: no cover - builds without the admin layer
        return frozenset()
    try:
        return locked_ids(index, target.os, target.env, target.root)
    except TracklightError:
        # An invalid policy: opting in is refused by the change machinery (it fails closed); reading goes on.
        return frozenset()
