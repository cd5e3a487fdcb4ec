"""One index of every known tool: the built-in catalog (or a verified update of it) and the manifests on this machine.

Precedence: a tool's own manifest, installed on this machine, describes it; the catalog entry for the same id is kept
beside it, and when the two disagree on the tier the conflict is recorded so the UI can show both. Among manifest
folders the earlier one wins (locations.manifest_dirs gives the order).

Parsing 250 TOML files costs tens of milliseconds, so the parsed catalog is cached on disk (keyed by each file's
name, size and mtime) and in memory for in-process rescans.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tracklight import __version__
from tracklight.core import locations
from tracklight.core.manifest import ManifestResult, load_manifest_file
from tracklight.core.model import Os, Problem, Source, TierConflict, Tool
from tracklight.resources import catalog_dir as builtin_catalog_dir


@dataclass(frozen=True)
class IndexedTool:
    tool: Tool  # the description in force (a manifest's when there is one)
    catalog_entry: Tool | None = None  # the catalog's description, when a manifest overrides it
    conflict: TierConflict | None = None


@dataclass
class ToolIndex:
    tools: dict[str, IndexedTool] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # belong to no known tool
    tool_problems: dict[str, list[Problem]] = field(default_factory=dict)  # by tool id


def _entry_files(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if e.name.endswith(".toml") and e.is_file()), key=lambda e: e.name)
    except OSError:
        return []


def _fingerprint(files: Iterable[os.DirEntry[str]]) -> str:
    digest = hashlib.sha256(__version__.encode())
    for entry in files:
        stat = entry.stat()
        digest.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


_memory_cache: dict[str, list[ManifestResult]] = {}


def load_catalog_folder(folder: Path, cache_folder: str | None = None) -> list[ManifestResult]:
    """Every entry of one catalog folder, parsed (from the on-disk cache when no file changed)."""
    files = _entry_files(folder)
    key = _fingerprint(files)
    if key in _memory_cache:
        return _memory_cache[key]
    cache_file = os.path.join(cache_folder, f"catalog-{key[:24]}.pickle") if cache_folder else None
    if cache_file:
        try:
            with open(cache_file, "rb") as handle:
                results: list[ManifestResult] = pickle.load(handle)
            _memory_cache[key] = results
            return results
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
            pass
    results = [load_manifest_file(entry.path, Source.CATALOG) for entry in files]
    _memory_cache[key] = results
    if cache_file:
        _write_cache(cache_file, results)
    return results


def _write_cache(cache_file: str, results: list[ManifestResult]) -> None:
    """Best effort: a cache that can't be written only costs speed. Old cache files are removed."""
    folder = os.path.dirname(cache_file)
    try:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.startswith("catalog-") and name.endswith(".pickle"):
                os.unlink(os.path.join(folder, name))
        temp = f"{cache_file}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, cache_file)
    except OSError:
        pass


def updated_catalog_dir(os_: Os, env: Mapping[str, str]) -> Path:
    """Where a verified catalog update is installed (tracklight.net writes it atomically, VERSION last)."""
    return Path(locations.data_dir(os_, env)) / "catalog"


def catalog_folders(os_: Os, env: Mapping[str, str]) -> list[Path]:
    """The catalog folders in force, first wins: an installed verified update, then the built-in catalog."""
    folders = []
    updated = updated_catalog_dir(os_, env)
    if (updated / "VERSION").is_file():
        folders.append(updated)
    folders.append(builtin_catalog_dir())
    return folders


def discover_manifests(os_: Os, env: Mapping[str, str], root: str = "/") -> list[tuple[ManifestResult, str]]:
    """Every manifest in the disclosure folders, in precedence order, each with its folder's scope."""
    found = []
    for folder, scope in locations.manifest_dirs(os_, env, root):
        for entry in _entry_files(Path(folder)):
            found.append((load_manifest_file(entry.path, Source.MANIFEST), scope))
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
            index.tools[result.tool.id] = IndexedTool(result.tool)
        elif result.problems:
            attach(result)

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
        index.tools[tool.id] = IndexedTool(tool, catalog_entry, conflict)
    # Problems of files that named a tool we now know (a broken manifest for a catalog tool) stay on that tool;
    # those naming an unknown id go to the top-level list.
    for tool_id in list(index.tool_problems):
        if tool_id not in index.tools:
            index.problems.extend(index.tool_problems.pop(tool_id))
    return index


def load_index(os_: Os, env: Mapping[str, str], root: str = "/") -> ToolIndex:
    """The full index for this machine: catalog (update first, then built-in) and discovered manifests."""
    cache = locations.cache_dir(os_, env)
    catalog: list[ManifestResult] = []
    for folder in catalog_folders(os_, env):
        catalog.extend(load_catalog_folder(folder, cache))
    return build_index(catalog, discover_manifests(os_, env, root))
