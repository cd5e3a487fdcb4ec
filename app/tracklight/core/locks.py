"""The one lock function: which tools this machine's policy keeps opted out, and the words that say so.

`machine_locks` is the one answer to "which tools may not be turned back on": the scan marks them, the planner
refuses to opt them in, undo refuses to turn them back on, the CLI and the tray say why in the same words. A policy
that does not parse fails closed: every tool counts as locked until it is fixed, since nobody can tell which tools
the organisation meant to lock. A machine without a policy pays one stat: the policy reader (core/policy.py) is
loaded only when there is a file to read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from tracklight.core import locations
from tracklight.core.model import Os, Problem
from tracklight.errors import PolicyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tracklight.core.policy import Policy

ALL = "*"  # the policy's word for every tool (core.policy.ALL)

INVALID = "your organisation's policy is invalid, so every tool counts as locked until it is fixed"


@dataclass(frozen=True)
class Locks:
    """Which tools this machine's policy locks (`tool_id in locks`), and the words that say so.

    An invalid policy locks every tool (fail closed); `problem` then says why, for the scan's problem list.
    """

    path: str | None = None  # the policy file (None: this machine has none)
    policy: Policy | None = None
    invalid: PolicyError | None = None
    known: frozenset[str] = frozenset()  # the ids "*" stands for: tools the system itself knows

    def __contains__(self, tool_id: object) -> bool:
        if self.invalid is not None:
            return True
        if self.policy is None or not isinstance(tool_id, str):
            return False
        if ALL in self.policy.optout and tool_id not in self.known:
            return False  # "*" means the tools the system knows, never one only a user's manifest names
        from tracklight.core.policy import is_locked

        return is_locked(self.policy, tool_id)

    def ids(self, candidates: Collection[str]) -> frozenset[str]:
        """The locked ones among `candidates`."""
        return frozenset(tool_id for tool_id in candidates if tool_id in self)

    def refusal(self, tool_id: str) -> PolicyError | None:
        """Why turning this tool back on is refused (None: it is not locked). The same words in every front end."""
        if self.invalid is not None:
            return PolicyError(f"{tool_id} is locked: {INVALID} ({self.invalid})", path=self.path)
        if self.policy is None or tool_id not in self:
            return None
        line = self.policy.line_of("lock.tools", tool_id) or self.policy.line_of("lock.tools", ALL)
        where = f"{self.path}:{line}" if line else self.path
        return PolicyError(f"{tool_id} is locked by your organisation's policy ({where})")

    def refusal_of_locked(self, tool_id: str) -> PolicyError:
        """Why a tool the scan saw locked is refused: this policy's words, or, when the policy has dropped the lock
        since, that it is locked (asked again, with the policy read afresh, before anything is written)."""
        return self.refusal(tool_id) or PolicyError(f"{tool_id} is locked by your organisation's policy")

    def check(self, tool_ids: Collection[str]) -> None:
        """PolicyError for the first locked tool among `tool_ids` (nothing when none is locked)."""
        for tool_id in tool_ids:
            refusal = self.refusal(tool_id)
            if refusal is not None:
                raise refusal

    @property
    def problem(self) -> Problem | None:
        """The invalid policy as a scan problem (file and line), or None."""
        if self.invalid is None:
            return None
        return Problem(f"{INVALID}: {self.invalid.message}", self.invalid.path or self.path, self.invalid.line)


NO_LOCKS = Locks()

KnownIds = Collection[str] | Callable[[], Collection[str]]
"""The ids the system knows, or a function that loads them (called only when the policy says "*")."""


def machine_locks(os_: Os, env: Mapping[str, str], root: str | None = None, known: KnownIds | None = None) -> Locks:
    """This machine's locks: one stat when there is no policy; an invalid policy locks everything.

    `known` gives the ids "*" stands for; by default the system index (catalog and system manifests, never a
    user's) is loaded, and only when the policy says "*".
    """
    path = locations.policy_file(os_, env, root if root is not None else locations.system_root(env))
    if not os.path.lexists(path):
        return NO_LOCKS
    from tracklight.core.policy import read_policy_file

    try:
        policy = read_policy_file(path)
    except PolicyError as exc:
        return Locks(path, invalid=exc)
    if not policy.lock or ALL not in policy.optout:
        return Locks(path, policy)
    if known is None:
        from tracklight.core.catalog import system_index

        ids: Collection[str] = system_index(os_, env, root or locations.system_root(env)).tools
    else:
        ids = known() if callable(known) else known
    return Locks(path, policy, known=frozenset(ids))
