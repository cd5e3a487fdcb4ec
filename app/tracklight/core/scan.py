"""One call -> every known tool's report. The only thing the CLI and the tray need to read."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from tracklight.core import locations
from tracklight.core.catalog import ToolIndex, load_index
from tracklight.core.detect import PathIndex, ScanContext, detect_state, is_installed
from tracklight.core.environment import environment_view
from tracklight.core.model import Os, Problem, ScanResult, ToolReport


def scan(env: Mapping[str, str] | None = None, os_: Os | None = None, root: str | None = None,
         index: ToolIndex | None = None, only: Collection[str] | None = None,
         locked: Collection[str] | None = None) -> ScanResult:
    """Scan this machine: every tool known to the catalog or a manifest, installed or not, with state and evidence.

    env defaults to the process environment; root (the folder treated as `/`) to TRACKLIGHT_SYSTEM_ROOT or `/`;
    `only` limits the scan to some tool ids (a rescan after a file change); `locked` marks tools an admin locks
    (None: read this machine's admin policy; an invalid policy locks nothing here and is reported as a problem,
    while opting in stays refused until it is fixed).
    """
    env = dict(os.environ) if env is None else env
    os_ = os_ or locations.current_os()
    root = root or locations.system_root(env)
    index = index or load_index(os_, env, root)
    policy_problems: tuple[Problem, ...] = ()
    if locked is None:
        locked, policy_problems = _policy_locks(index, os_, env, root)
    context = ScanContext(os_, env, root, environment_view(os_, env), PathIndex(env.get("PATH", ""), os_))
    reports = []
    for tool_id in sorted(index.tools):
        if only is not None and tool_id not in only:
            continue
        indexed = index.tools[tool_id]
        tool = indexed.tool
        state, evidence, problems = detect_state(tool, context)
        reports.append(ToolReport(
            tool=tool,
            installed=is_installed(tool, context),
            state=state,
            evidence=evidence,
            problems=(*index.tool_problems.get(tool_id, ()), *problems),
            conflict=indexed.conflict,
            catalog_entry=indexed.catalog_entry,
            locked=tool_id in locked,
        ))
    return ScanResult(tuple(reports), (*index.problems, *policy_problems))


def _policy_locks(index: ToolIndex, os_: Os, env: Mapping[str, str], root: str
                  ) -> tuple[frozenset[str], tuple[Problem, ...]]:
    """The ids this machine's admin policy locks (imported only here: a machine without a policy pays one stat)."""
    if not os.path.lexists(locations.policy_file(os_, env, root)):
        return frozenset(), ()
    from tracklight.admin.policy import locked_ids
    from tracklight.errors import PolicyError

    try:
        return locked_ids(index, os_, env, root), ()
    except PolicyError as exc:
        return frozenset(), (Problem(f"the admin policy is invalid, so no tool is shown locked: {exc.message}",
                                     exc.path, exc.line),)
