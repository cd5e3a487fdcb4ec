"""Which folders to watch, and which tools a changed path affects. No Qt and no watchdog: plain path logic.

A tool's state depends on its control files, its detect paths and executables (is it installed?), the env files
Tracklight manages, and — for which tools exist at all — the manifest folders. A folder that does not exist yet is
watched through its nearest existing parent, so creating `~/.config/acme/` is seen and the plan is then redrawn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracklight.core import locations
from tracklight.core.environment import managed_env_file
from tracklight.core.model import ControlKind, Os, ToolReport


@dataclass(frozen=True)
class Affected:
    """What a batch of changed paths means for the scan."""

    tool_ids: frozenset[str] = frozenset()
    everything: bool = False  # Tracklight's env files or the policy changed: any tool may read differently
    reload_index: bool = False  # a manifest was added, changed or removed: tools may have appeared or changed

    @property
    def nothing(self) -> bool:
        return not (self.tool_ids or self.everything or self.reload_index)


@dataclass(frozen=True)
class WatchPlan:
    """Folders to watch (non-recursively) and how to map a changed path back to tools."""

    folders: frozenset[str] = frozenset()
    tool_paths: Mapping[str, frozenset[str]] = field(default_factory=dict)  # path of interest -> tool ids
    executables: Mapping[str, frozenset[str]] = field(default_factory=dict)  # executable name -> tool ids
    path_dirs: frozenset[str] = frozenset()
    manifest_dirs: frozenset[str] = frozenset()
    global_files: frozenset[str] = frozenset()  # Tracklight's env files and the admin policy: any tool may change

    def affected(self, paths: Iterable[str]) -> Affected:
        """The tools a batch of changed paths (created, modified, removed or moved; either end) affects."""
        tools: set[str] = set()
        everything = False
        reload_index = False
        for path in paths:
            path = os.path.normpath(path)
            folder = os.path.dirname(path)
            if path in self.global_files:
                everything = True
            if folder in self.manifest_dirs and path.endswith(".toml"):
                reload_index = True
            elif path in self.manifest_dirs or any(_is_within(d, path) for d in self.manifest_dirs):
                reload_index = True  # a manifest folder itself (or a parent of it) appeared
            if folder in self.path_dirs:
                tools.update(self.executables.get(_executable_name(os.path.basename(path)), ()))
            for interest, ids in self.tool_paths.items():
                # the file itself, a file inside a watched folder path, or a parent folder of it appearing
                if interest == path or _is_within(path, interest) or _is_within(interest, path):
                    tools.update(ids)
        return Affected(frozenset(tools), everything, reload_index)


def _is_within(folder: str, path: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _executable_name(name: str) -> str:
    if os.name == "nt":
        stem, ext = os.path.splitext(name)
        return stem.lower() if ext.lower() in (".exe", ".cmd", ".bat", ".ps1") else name.lower()
    return name


def nearest_existing(folder: str) -> str | None:
    """The folder itself when it exists, else its closest existing parent (None when nothing above exists)."""
    current = os.path.normpath(folder)
    while True:
        if os.path.isdir(current):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def build_plan(reports: Iterable[ToolReport], env: Mapping[str, str], os_: Os, root: str) -> WatchPlan:
    """The watch plan for the tools of a snapshot (every known tool, so installing one is seen too)."""
    tool_paths: dict[str, set[str]] = {}
    executables: dict[str, set[str]] = {}
    for report in reports:
        tool = report.tool
        for item in report.evidence:
            if item.control.kind is ControlKind.FILE and os.path.isabs(item.where):
                tool_paths.setdefault(os.path.normpath(item.where), set()).add(tool.id)
        for candidate_os, templates in tool.detect.paths:
            if candidate_os is os_:
                for template in templates:
                    expanded = locations.expand_path(template, os_, env, root)
                    if os.path.isabs(expanded):
                        tool_paths.setdefault(os.path.normpath(expanded), set()).add(tool.id)
        for exe in tool.detect.executables:
            executables.setdefault(exe.lower() if os_ is Os.WINDOWS else exe, set()).add(tool.id)

    separator = ";" if os_ is Os.WINDOWS else os.pathsep
    path_dirs = {os.path.normpath(d) for d in env.get("PATH", "").split(separator) if d and os.path.isabs(d)}
    manifest_dirs = {os.path.normpath(folder) for folder, _scope in locations.manifest_dirs(os_, env, root)}
    global_files = {os.path.normpath(managed_env_file(os_, env)),
                    os.path.normpath(locations.env_sh_file(os_, env)),
                    os.path.normpath(locations.policy_file(os_, env, root))}

    wanted: set[str] = set(path_dirs) | manifest_dirs | {os.path.dirname(f) for f in global_files}
    for interest in tool_paths:
        # a detect path may be a folder (watch it: files appear inside) or a file (watch its folder)
        wanted.add(interest if os.path.isdir(interest) else os.path.dirname(interest))
        wanted.add(os.path.dirname(interest))
    folders = {existing for folder in wanted if (existing := nearest_existing(folder)) is not None}
    return WatchPlan(
        folders=frozenset(folders),
        tool_paths={path: frozenset(ids) for path, ids in tool_paths.items()},
        executables={name: frozenset(ids) for name, ids in executables.items()},
        path_dirs=frozenset(path_dirs),
        manifest_dirs=frozenset(manifest_dirs),
        global_files=frozenset(global_files),
    )
