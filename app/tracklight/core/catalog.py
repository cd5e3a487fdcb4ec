"""One index of every known tool: the built-in catalog (or a verified update of it) and the manifests on this machine.

Precedence: a tool's own manifest, installed on this machine, describes it; the catalog entry for the same id is kept
beside it, and when the two disagree on the tier the conflict is recorded so the UI can show both. Among manifest
folders the earlier one wins (locations.manifest_dirs gives the order).

Parsing 250 TOML files costs tens of milliseconds, so the parsed catalog is cached on disk (keyed by each file's
name, size and mtime) and in memory for in-process rescans.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracklight import __version__
from tracklight.core import locations
from tracklight.core.model import ManifestResult, Os, Problem, Source, TierConflict, Tool
from tracklight.resources import catalog_path as builtin_catalog_path


@dataclass(frozen=True)
class IndexedTool:
    tool: Tool  # the description in force (a manifest's when there is one)
    catalog_entry: Tool | None = None  # the catalog's description, when a manifest overrides it
    conflict: TierConflict | None = None
    system_tool: Tool | None = None  # the description from root-owned sources (a system manifest, else the catalog)

    @property
    def from_user(self) -> bool:
        """Whether the description in force comes from a user's own manifest (which a lock overrules)."""
        return self.tool is not self.system_tool


@dataclass
class ToolIndex:
    tools: dict[str, IndexedTool] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # belong to no known tool
    tool_problems: dict[str, list[Problem]] = field(default_factory=dict)  # by tool id


def _entry_files(folder: str | os.PathLike[str]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if e.name.endswith(".toml") and e.is_file()), key=lambda e: e.name)
    except OSError:
        return []


def _fingerprint(files: Iterable[os.DirEntry[str]]) -> str:
    parts = [__version__]
    for entry in files:
        stat = entry.stat()
        parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


_memory_cache: dict[tuple[str, str], list[ManifestResult]] = {}


def load_catalog_folder(folder: str | os.PathLike[str], cache_folder: str | None = None) -> list[ManifestResult]:
    """Every entry of one catalog folder, parsed (from the on-disk cache when no file changed)."""
    files = _entry_files(folder)
    key = (str(folder), _fingerprint(files))
    if key in _memory_cache:
        return _memory_cache[key]
    cache_file = None
    if cache_folder:
        cache_file = os.path.join(cache_folder, f"catalog-{zlib.crc32(str(folder).encode()):08x}.pickle")
        try:
            with open(cache_file, "rb") as handle:
                cached: tuple[str, list[ManifestResult]] = pickle.load(handle)
            cached_key, results = cached
            if cached_key == key[1]:
                _memory_cache[key] = results
                return results
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
    from tracklight.core.manifest import load_manifest_file  # parsing is needed only when the cache is stale

    results = [load_manifest_file(entry.path, Source.CATALOG) for entry in files]
    _memory_cache[key] = results
    if cache_file:
        _write_cache(cache_file, (key[1], results))
    return results


def _write_cache(cache_file: str, payload: object) -> None:
    """Best effort: a cache that can't be written only costs speed."""
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        temp = f"{cache_file}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, cache_file)
    except OSError:
        pass


def updated_catalog_path(os_: Os, env: Mapping[str, str]) -> str:
    """Where a verified catalog update is installed (tracklight.admin writes it atomically, VERSION last)."""
    return os.path.join(locations.data_dir(os_, env), "catalog")


def catalog_folders(os_: Os, env: Mapping[str, str]) -> list[str]:
    """The catalog folders in force, first wins: an installed verified update, then the built-in catalog."""
    folders = []
    updated = updated_catalog_path(os_, env)
    if os.path.isfile(os.path.join(updated, "VERSION")):
        folders.append(updated)
    folders.append(builtin_catalog_path())
    return folders


class _ManifestCache:
    """Parsed manifests by (path, size, mtime): discovery re-parses only files that are new or changed.

    The cache is tagged with Tracklight's version: another version parses (and pickles) differently."""

    def __init__(self, cache_folder: str | None) -> None:
        self.file = os.path.join(cache_folder, "manifests.pickle") if cache_folder else None
        self.entries: dict[str, tuple[int, int, ManifestResult]] = {}
        self.dirty = False
        if self.file:
            try:
                with open(self.file, "rb") as handle:
                    version, entries = pickle.load(handle)
                if version == __version__ and isinstance(entries, dict):
                    self.entries = entries
            except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
                self.entries = {}
        self.used: set[str] = set()

    def load(self, entry: os.DirEntry[str]) -> ManifestResult:
        from tracklight.core.manifest import load_manifest_file

        try:
            stat = entry.stat()
        except OSError:
            return load_manifest_file(entry.path, Source.MANIFEST)
        self.used.add(entry.path)
        cached = self.entries.get(entry.path)
        if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
            return cached[2]
        result = load_manifest_file(entry.path, Source.MANIFEST)
        self.entries[entry.path] = (stat.st_size, stat.st_mtime_ns, result)
        self.dirty = True
        return result

    def save(self) -> None:
        if set(self.entries) != self.used:
            self.entries = {path: self.entries[path] for path in self.used if path in self.entries}
            self.dirty = True
        if self.file and self.dirty:
            _write_cache(self.file, (__version__, self.entries))


def discover_manifests(os_: Os, env: Mapping[str, str], root: str = "/",
                       cache_folder: str | None = None) -> list[tuple[ManifestResult, str]]:
    """Every manifest in the disclosure folders, in precedence order, each with its folder's scope."""
    cache = _ManifestCache(cache_folder)
    found = []
    for folder, scope in locations.manifest_dirs(os_, env, root):
        for entry in _entry_files(folder):
            found.append((cache.load(entry), scope))
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
    for result, _scope in manifests:
        tool = result.tool
        if tool is None:
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
    # Problems of files that named a tool we now know (a broken manifest for a catalog tool) stay on that tool;
    # those naming an unknown id go to the top-level list.
    for tool_id in list(index.tool_problems):
        if tool_id not in index.tools:
            index.problems.extend(index.tool_problems.pop(tool_id))
    return index


def system_index(os_: Os, env: Mapping[str, str], root: str) -> ToolIndex:
    """The catalog plus manifests from system folders only: what system scope and the policy's "*" go by.

    A user's own manifest never steers a system write or widens a lock.
    """
    catalog: list[ManifestResult] = []
    for folder in catalog_folders(os_, env):
        catalog.extend(load_catalog_folder(folder, locations.cache_dir(os_, env)))
    manifests = [(m, scope) for m, scope in discover_manifests(os_, env, root) if scope == "system"]
    return build_index(catalog, manifests)


def load_index(os_: Os, env: Mapping[str, str], root: str = "/") -> ToolIndex:
    """The full index for this machine: catalog (update first, then built-in) and discovered manifests."""
    cache = locations.cache_dir(os_, env)
    catalog: list[ManifestResult] = []
    for folder in catalog_folders(os_, env):
        catalog.extend(load_catalog_folder(folder, cache))
    return build_index(catalog, discover_manifests(os_, env, root, cache))
