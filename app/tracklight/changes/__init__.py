"""Plan (what to write, as diffs) -> apply (atomic write, journal) -> undo; and persistent env settings.

No Qt here, ever. The public face:

    Changes(env, os_, root, scope, platform)   .optout / .optin / .undo / .history (operations.py)
    ChangeSet, FileChange, EnvChange, KeyEdit, PlanResult, ToolFailure   the typed records (changeset.py)
    atomic_write, atomic_remove                 the one function that writes a user's file (atomic.py)
    WriteGuard, Scope                           the one place that decides where writing is allowed (safety.py,
                                                with the per-OS path rules in pathrules.py)
    environment_store.py                        persistent env settings; session_record.py keeps the value a
                                                variable had before Tracklight took it over (macOS, Windows)

Modules are imported on first use, so `tracklight scan` does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Changes": "operations",
    "RunResult": "operations",
    "Action": "changeset",
    "ChangeSet": "changeset",
    "EnvChange": "changeset",
    "FileChange": "changeset",
    "KeyEdit": "changeset",
    "PlanResult": "changeset",
    "Purpose": "changeset",
    "ToolFailure": "changeset",
    "atomic_write": "atomic",
    "atomic_remove": "atomic",
    "Scope": "safety",
    "WriteGuard": "safety",
}

__all__ = [
    "Action", "ChangeSet", "Changes", "EnvChange", "FileChange", "KeyEdit", "PlanResult", "Purpose", "RunResult",
    "Scope", "ToolFailure", "WriteGuard", "atomic_remove", "atomic_write",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"tracklight.changes.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
