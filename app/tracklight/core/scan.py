"""One call -> every known tool's report. The only thing the CLI and the tray need to read."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from tracklight.core import locations
from tracklight.core.catalog import IndexedTool, ToolIndex, load_index
from tracklight.core.detect import PathIndex, ScanContext, controls_state, effective_state, is_installed
from tracklight.core.environment import environment_view
from tracklight.core.locks import Locks, machine_locks
from tracklight.core.model import Os, Problem, ScanResult, Tool, ToolReport


def scan(env: Mapping[str, str] | None = None, os_: Os | None = None, root: str | None = None,
         index: ToolIndex | None = None, only: Collection[str] | None = None,
         locked: Locks | Collection[str] | None = None) -> ScanResult:
    """Scan this machine: every tool known to the catalog or a manifest, installed or not, with state and evidence.

    env defaults to the process environment; root (the folder treated as `/`) to TRACKLIGHT_SYSTEM_ROOT or `/`;
    `only` limits the scan to some tool ids (a rescan after a file change); `locked` marks tools an admin locks
    (None: this machine's locks, core.policy.machine_locks; an invalid policy locks every tool and is reported as
    a problem). A locked tool is described by root-owned files only: a user's manifest reusing its id is set aside.
    """
    env = dict(os.environ) if env is None else env
    os_ = os_ or locations.current_os()
    root = root or locations.system_root(env)
    index = index or load_index(os_, env, root)
    if locked is None:
        locked = machine_locks(os_, env, root, known=lambda: system_known_ids(index))
    top_problems: list[Problem] = list(index.problems)
    if isinstance(locked, Locks) and locked.problem is not None:
        top_problems.append(locked.problem)
    context = ScanContext(os_, env, root, environment_view(os_, env), PathIndex(env.get("PATH", ""), os_))
    reports = []
    for tool_id in sorted(index.tools):
        if only is not None and tool_id not in only:
            continue
        indexed = index.tools[tool_id]
        is_locked = tool_id in locked
        tool, set_aside = _description_in_force(indexed, is_locked)
        said, evidence, problems = controls_state(tool, context)
        reports.append(ToolReport(
            tool=tool,
            installed=indexed.unreadable or is_installed(tool, context),
            state=effective_state(tool, said),
            controls_state=said,
            evidence=evidence,
            problems=(*index.tool_problems.get(tool_id, ()), *set_aside, *problems),
            conflict=indexed.conflict if not set_aside else None,
            catalog_entry=indexed.catalog_entry if not set_aside else None,
            locked=is_locked,
        ))
    return ScanResult(tuple(reports), tuple(top_problems))


def system_known_ids(index: ToolIndex) -> set[str]:
    """The ids root-owned files describe: what a policy's "*" stands for."""
    return {tool_id for tool_id, indexed in index.tools.items() if indexed.system_tool is not None}


def _description_in_force(indexed: IndexedTool, locked: bool) -> tuple[Tool, tuple[Problem, ...]]:
    """A locked tool keeps the catalog's (or a system manifest's) controls; a user's manifest can't change them."""
    if not locked or not indexed.from_user or indexed.system_tool is None:
        return indexed.tool, ()
    mine = indexed.tool
    return indexed.system_tool, (Problem(
        f"not used: your organisation's policy locks {mine.id}, so the catalog's description of it stays in force",
        mine.origin, None, mine.id),)
