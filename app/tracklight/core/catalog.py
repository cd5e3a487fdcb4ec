"""One index of every known tool: the built-in catalog (or a verified update of it) and the manifests on this machine.

Precedence: a tool's own manifest, installed on this machine, describes it; the catalog entry for the same id is kept
beside it, and when the two disagree on the tier the conflict is recorded so the UI can show both. Among manifest
folders the earlier one wins (locations.manifest_dirs gives the order).

What is read depends on the scope (core/trust.py): in system scope and as root only root-owned inputs count, and
every input left out is named among the index's problems. Parsed entries come from the catalog's JSON index or the
user's JSON cache (catalog_index.py), never from pickle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracklight.core import locations
from tracklight.core.catalog_index import ManifestCache, entry_files, load_catalog_folder, many_objects
from tracklight.core.model import (
    Default,
    ManifestResult,
    Os,
    Problem,
    Source,
    Telemetry,
    Tier,
    TierConflict,
    Tool,
)
from tracklight.core.trust import ReadScope
from tracklight.resources import catalog_path as builtin_catalog_path

__all__ = ["IndexedTool", "ToolIndex", "build_index", "catalog_folders", "discover_manifests", "load_catalog",
           "load_catalog_folder", "load_index", "system_index", "updated_catalog_path"]


@dataclass(frozen=True)
class IndexedTool:
    """One known tool: the description in force, and what the catalog and root-owned files say beside it."""

    tool: Tool  # the description in force (a manifest's when there is one)
    catalog_entry: Tool | None = None  # the catalog's description, when a manifest overrides it
    conflict: TierConflict | None = None
    system_tool: Tool | None = None  # the description from root-owned sources (a system manifest, else the catalog)
    unreadable: bool = False  # only a broken manifest names it: installed (its manifest is), state unknown

    @property
    def from_user(self) -> bool:
        """Whether the description in force comes from a user's own manifest (which a lock overrules)."""
        return self.tool is not self.system_tool


@dataclass
class ToolIndex:
    """Every known tool by id, with the problems of the files read to know them."""

    tools: dict[str, IndexedTool] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # belong to no known tool
    tool_problems: dict[str, list[Problem]] = field(default_factory=dict)  # by tool id
    ignored: list[Problem] = field(default_factory=list)  # inputs this scope did not read (also among problems)


def updated_catalog_path(os_: Os, env: Mapping[str, str]) -> str:
    """Where a verified catalog update is installed (tracklight.admin writes it atomically, VERSION last)."""
    return os.path.join(locations.data_dir(os_, env), "catalog")


def catalog_folders(os_: Os, env: Mapping[str, str], scope: ReadScope | None = None,
                    ignored: list[Problem] | None = None) -> list[str]:
    """The catalog folders in force, first wins: an installed verified update, then the built-in catalog.

    In a restricted scope an update that root did not install is left out (and named in `ignored`)."""
    scope = scope or ReadScope.current()
    folders = []
    updated = updated_catalog_path(os_, env)
    if os.path.isfile(os.path.join(updated, "VERSION")):
        refusal = scope.refusal(updated)
        if refusal is None:
            folders.append(updated)
        elif ignored is not None:
            ignored.append(Problem(f"catalog update {refusal}; the built-in catalog is used", updated))
    folders.append(_builtin_folder(scope, ignored))
    return folders


def _builtin_folder(scope: ReadScope, ignored: list[Problem] | None) -> str:
    """The shipped catalog; a TRACKLIGHT_RESOURCES override counts in a restricted scope only when root owns it."""
    folder = builtin_catalog_path()
    if scope.restricted and os.environ.get("TRACKLIGHT_RESOURCES"):
        refusal = scope.refusal(folder)
        if refusal is not None:
            if ignored is not None:
                ignored.append(Problem(f"TRACKLIGHT_RESOURCES catalog {refusal}; the installed one is used", folder))
            folder = builtin_catalog_path(override=False)
    return folder


def _cache_folder(os_: Os, env: Mapping[str, str], scope: ReadScope) -> str | None:
    """The user's cache, only in the user's own scope: root never reads or writes a cache."""
    return None if scope.restricted else locations.cache_dir(os_, env)


def load_catalog(os_: Os, env: Mapping[str, str], scope: ReadScope | None = None,
                 ignored: list[Problem] | None = None) -> list[ManifestResult]:
    """Every entry of the catalog folders in force, update first."""
    scope = scope or ReadScope.current()
    cache = _cache_folder(os_, env, scope)
    catalog: list[ManifestResult] = []
    for folder in catalog_folders(os_, env, scope, ignored):
        catalog.extend(load_catalog_folder(folder, cache))
    return catalog


def _load_manifest(path: str) -> ManifestResult:
    from tracklight.core.manifest import load_manifest_file  # parsing is needed only for new or changed files

    return load_manifest_file(path, Source.MANIFEST)


def discover_manifests(os_: Os, env: Mapping[str, str], root: str = "/", cache_folder: str | None = None,
                       scope: ReadScope | None = None, ignored: list[Problem] | None = None
                       ) -> list[tuple[ManifestResult, str]]:
    """Every manifest in the disclosure folders, in precedence order, each with its folder's scope.

    System scope reads only the system folders; a restricted scope only root-owned files (the rest is named in
    `ignored`)."""
    scope = scope or ReadScope()
    with many_objects():
        return _discover(os_, env, root, ManifestCache(None if scope.restricted else cache_folder), scope, ignored)


def _discover(os_: Os, env: Mapping[str, str], root: str, cache: ManifestCache, scope: ReadScope,
              ignored: list[Problem] | None) -> list[tuple[ManifestResult, str]]:
    found = []
    for folder, folder_scope in locations.manifest_dirs(os_, env, root):
        files = entry_files(folder)
        if scope.system and folder_scope == "user":
            if files and ignored is not None:
                ignored.append(Problem(f"{len(files)} manifest(s) here not read: system scope reads only system "
                                       "manifest folders", folder))
            continue
        for file in files:
            refusal = scope.refusal(file.path)
            if refusal is not None:
                if ignored is not None:
                    ignored.append(Problem(f"manifest {refusal}", file.path))
                continue
            found.append((cache.load(file.path, _load_manifest, (file.size, file.mtime)), folder_scope))
    cache.save()
    return found


def build_index(catalog: Iterable[ManifestResult], manifests: Iterable[tuple[ManifestResult, str]]) -> ToolIndex:
    """Merge catalog entries and manifests into one index (see the module docstring for precedence)."""
    index = ToolIndex()

    def attach(result: ManifestResult) -> None:
        # A broken file that still names a known tool is a problem on that tool; else it belongs to no tool.
        tool_id = result.declared_id
        if tool_id and (tool_id in index.tools or result.tool is None):
            index.tool_problems.setdefault(tool_id, []).extend(result.problems)
        else:
            index.problems.extend(result.problems)

    for result in catalog:
        if result.tool is not None and result.tool.id not in index.tools:
            index.tools[result.tool.id] = IndexedTool(result.tool, system_tool=result.tool)
        elif result.problems:
            attach(result)

    manifests = list(manifests)
    # What root-owned files say, whatever a user's folder says first: a lock keeps these controls in force.
    system_tools: dict[str, Tool] = {tool_id: t.tool for tool_id, t in index.tools.items()}
    system_seen: set[str] = set()
    for result, scope in manifests:
        if result.tool is not None and scope == "system" and result.tool.id not in system_seen:
            system_seen.add(result.tool.id)
            system_tools[result.tool.id] = result.tool

    seen_manifests: set[str] = set()
    broken: dict[str, ManifestResult] = {}
    for result, _scope in manifests:
        tool = result.tool
        if tool is None:
            tool_id = _named_id(result)
            if tool_id is not None:
                broken.setdefault(tool_id, result)
            attach(result)
            continue
        if tool.id in seen_manifests:
            continue  # an earlier folder already declared this tool
        seen_manifests.add(tool.id)
        existing = index.tools.get(tool.id)
        catalog_entry = existing.tool if existing and existing.tool.source is Source.CATALOG else None
        conflict = None
        if catalog_entry is not None and catalog_entry.telemetry.tier is not tool.telemetry.tier:
            conflict = TierConflict(tool.telemetry.tier, catalog_entry.telemetry.tier, tool.origin,
                                    catalog_entry.origin)
        index.tools[tool.id] = IndexedTool(tool, catalog_entry, conflict, system_tools.get(tool.id))
    # A tool whose only description is a broken manifest stays in the list, as unknown, with its problems: its
    # manifest is installed here, so the tool is too (a tool that vanished would hide the very problem to fix).
    for tool_id, result in broken.items():
        if tool_id not in index.tools:
            index.tools[tool_id] = IndexedTool(_unreadable_tool(tool_id, result), unreadable=True)
    # Problems of files that named a tool we now know (a broken manifest for a catalog tool) stay on that tool;
    # those naming an unknown id go to the top-level list.
    for tool_id in list(index.tool_problems):
        if tool_id not in index.tools:
            index.problems.extend(index.tool_problems.pop(tool_id))
    return index


_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def _named_id(result: ManifestResult) -> str | None:
    """The tool a broken manifest names beyond doubt: the id it declares, when that is its file name (`<id>.toml`,
    as the spec asks). One that doesn't parse, or names another id, is too broken to name a tool; one that asks for
    a write Tracklight refuses names none either (a refusal stays a top-level problem, in plain view)."""
    path = next((p.path for p in result.problems if p.path), None)
    declared = result.declared_id
    if result.refused or not declared or path is None or not _ID.fullmatch(declared):
        return None
    return declared if os.path.basename(path) == f"{declared}.toml" else None


def _unreadable_tool(tool_id: str, result: ManifestResult) -> Tool:
    """What is known of a tool whose manifest can't be read: its id, and that its manifest is installed here."""
    origin = next((p.path for p in result.problems if p.path), "")
    return Tool(id=tool_id, name=tool_id, telemetry=Telemetry(Tier.UNKNOWN, Default.UNKNOWN), source=Source.MANIFEST,
                origin=origin)


def system_index(os_: Os, env: Mapping[str, str], root: str) -> ToolIndex:
    """The catalog plus root-owned manifests from system folders only: what system scope and the policy's "*" go by.

    Nothing a user can write (a manifest, a catalog folder, a cache) steers a system write or widens a lock; what
    was left out is named in the index's `ignored` (and problems).
    """
    return load_index(os_, env, root, ReadScope.current(system=True))


def load_index(os_: Os, env: Mapping[str, str], root: str = "/", scope: ReadScope | None = None) -> ToolIndex:
    """The full index for this machine: catalog (update first, then built-in) and discovered manifests.

    `scope` defaults to the user's own scope, restricted when running as root; every input it leaves out is among
    the index's problems."""
    scope = scope or ReadScope.current()
    ignored: list[Problem] = []
    catalog = load_catalog(os_, env, scope, ignored)
    manifests = discover_manifests(os_, env, root, _cache_folder(os_, env, scope), scope, ignored)
    index = build_index(catalog, manifests)
    index.ignored = ignored
    index.problems.extend(ignored)
    return index
