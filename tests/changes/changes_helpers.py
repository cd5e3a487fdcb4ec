"""Shared helpers of the change tests (a module of its own: conftest files are not for importing)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from tracklight.changes.environment_store import NoPlatformCalls
from tracklight.changes.operations import Changes
from tracklight.core.model import State, ToolReport
from tracklight.core.scan import scan

FIXED_NOW = dt.datetime(2026, 11, 30, 10, 15, 0, tzinfo=dt.UTC)


def plant(path: Path, content: str | bytes, mode: int | None = None) -> bytes:
    """Write a preference file the way the tool (or its user) would have; returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)
    return data


def reports(*ids: str) -> list[ToolReport]:
    result = scan(only=set(ids))
    found = {r.id: r for r in result.reports}
    missing = [i for i in ids if i not in found]
    assert not missing, f"not in the catalog: {missing}"
    return [found[i] for i in ids]


def state_of(tool_id: str) -> State:
    return reports(tool_id)[0].state


def changes(now: dt.datetime = FIXED_NOW) -> Changes:
    # A fresh `now` per call keeps change ids (and so the journal's order) distinct within one test.
    counter = iter(range(10**6))
    return Changes(platform=NoPlatformCalls(), now=lambda: now + dt.timedelta(seconds=next(counter)))


def tree_snapshot(*roots: Path, skip: tuple[str, ...] = ("/.cache/tracklight", "/.local/state/tracklight")
                  ) -> dict[str, bytes]:
    """Every file under the roots with its bytes (Tracklight's catalog cache and journal left out)."""
    result: dict[str, bytes] = {}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, _dirnames, filenames in os.walk(root):
            if any(s in dirpath + "/" for s in skip):
                continue
            for name in filenames:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    result[path] = b"-> " + os.readlink(path).encode()
                elif os.path.isfile(path):
                    with open(path, "rb") as handle:
                        result[path] = handle.read()
    return result
