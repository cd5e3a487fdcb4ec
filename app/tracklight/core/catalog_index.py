"""Parsed catalog entries and manifests, kept as JSON so a start does not parse hundreds of TOML files.

Two kinds of file hold them, in one layout (tool_codec.py: data only, nothing in them can run):
- the catalog's own index, `index.json` beside the entries, built when Tracklight is built or installed
  (`python -m tracklight.core.catalog_index FOLDER`; `make` and the wheel build run it) and only read afterwards;
- the user's cache, `$XDG_CACHE_HOME/tracklight/*.json`, written when an index is missing or stale. It is never read
  or written in system scope or as root (core/trust.py): a cache is the user's, and steers only the user's own scans.

Each entry is used only while its file is unchanged: same size and modification time, or (when only the time
differs, as after a wheel install, which does not keep file times) the same SHA-256 of its bytes. Entries parsed by
another version of the parser are not used: the key names the parser's own source. Anything odd in an index or cache
(not JSON, another layout, a wrong type) only means the TOML is parsed again.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator

from tracklight import __version__
from tracklight.core.model import ManifestResult, Source
from tracklight.core.tool_codec import CODEC_VERSION, CodecError, decode_result, encode_result

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Any

INDEX_NAME = "index.json"
MAX_INDEX_BYTES = 64 << 20
_PARSER_MODULES = ("manifest.py", "model.py", "tool_codec.py", "write_rules.py", "patterns.py", "toml_positions.py")


def _read_bounded(path: str, limit: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):
        return None
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


_parser_key: str | None = None


def parser_key() -> str:
    """Names the parser that made an entry: Tracklight's version, the codec and a checksum of the parser's source.

    The checksum (CRC-32 and Adler-32 of the sources, from zlib) only tells one parser version from another; it
    guards nothing against a writer (whoever can write a cache can write any key; the codec checks every entry), so
    it need not be SHA-256, whose module (OpenSSL's) would cost every start about 2 ms to load."""
    global _parser_key
    if _parser_key is None:
        here = os.path.dirname(os.path.abspath(__file__))
        source = b"\0".join(_read_bounded(os.path.join(here, name), 1 << 22) or b"-" for name in _PARSER_MODULES)
        _parser_key = f"{__version__}/{CODEC_VERSION}/{zlib.crc32(source):08x}{zlib.adler32(source):08x}"
    return _parser_key


class _File:
    """One entry file as listed now."""

    __slots__ = ("mtime", "name", "path", "size")

    def __init__(self, entry: os.DirEntry[str]) -> None:
        info = entry.stat()
        self.name, self.path, self.size, self.mtime = entry.name, entry.path, info.st_size, info.st_mtime_ns


def entry_files(folder: str) -> list[_File]:
    """The `.toml` files of a folder, sorted by name."""
    try:
        with os.scandir(folder) as entries:
            listed = sorted((e for e in entries if e.name.endswith(".toml") and e.is_file()), key=lambda e: e.name)
            return [_File(e) for e in listed]
    except OSError:
        return []


def _sha256(path: str) -> str | None:
    import hashlib  # only for a file whose time changed (or is new): a start with an index that fits needs none

    data = _read_bounded(path, MAX_INDEX_BYTES)
    return None if data is None else hashlib.sha256(data).hexdigest()


def _load_entries(path: str) -> dict[str, Any]:
    """The entries of an index or cache file ({} when it is missing, damaged or from another parser)."""
    data = _read_bounded(path, MAX_INDEX_BYTES)
    if data is None:
        return {}
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    if type(document) is not dict or document.get("parser") != parser_key():
        return {}
    entries = document.get("entries")
    return entries if type(entries) is dict else {}


def _entry(entries: dict[str, Any], name: str) -> tuple[int, int, str, Any] | None:
    found = entries.get(name)
    if type(found) is not list or len(found) != 4:
        return None
    size, mtime, sha, encoded = found
    if type(size) is not int or type(mtime) is not int or type(sha) is not str:
        return None
    return size, mtime, sha, encoded


def _decode(encoded: Any, path: str) -> ManifestResult | None:
    try:
        return decode_result(encoded, path)
    except CodecError:
        return None


def _document(records: dict[str, list[Any]]) -> bytes:
    return json.dumps({"parser": parser_key(), "entries": records}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def write_private(path: str, data: bytes) -> bool:
    """Best effort, for Tracklight's own cache files: a new file beside `path` (never through a planted link),
    then renamed over it. False when it could not be written; a cache that can't be written only costs speed."""
    folder = os.path.dirname(path)
    temp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0), 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return True
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
        return False


Parse = Callable[[str], ManifestResult]


@contextlib.contextmanager
def many_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while entries are decoded or parsed in bulk.

    Each entry leaves dozens of long-lived objects (a Tool, its controls and proofs) and makes no reference cycles;
    the collector, run every 700 allocations, would walk the growing heap again and again: 18% of the time of a
    first discovery of 10,000 manifests, 5% of a cold scan's instructions. Reference counting still frees
    everything at once; the collector runs again afterwards (its state is process-wide: it is switched back on
    only by the call that switched it off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _load_folder(files: Iterable[_File], sources: list[dict[str, Any]], verify: dict[str, Any],
                 parse: Parse) -> tuple[list[ManifestResult], dict[str, list[Any]], bool]:
    """Each file's parsed entry: from the first source that has it unchanged, else from `verify` when its bytes
    match, else parsed. Returns the results, the records for a cache, and whether any record is new."""
    results: list[ManifestResult] = []
    records: dict[str, list[Any]] = {}
    fresh = False
    for file in files:
        result = None
        for entries in sources:
            found = _entry(entries, file.name)
            if found and found[0] == file.size and found[1] == file.mtime:
                result = _decode(found[3], file.path)
                if result is not None:
                    records[file.name] = [file.size, file.mtime, found[2], found[3]]
                    break
        if result is None:
            sha = _sha256(file.path)
            found = _entry(verify, file.name)
            if found and sha is not None and found[0] == file.size and found[2] == sha:
                result = _decode(found[3], file.path)
            if result is None:
                result = parse(file.path)
            records[file.name] = [file.size, file.mtime, sha or "", encode_result(result, file.path)]
            fresh = True
        results.append(result)
    return results, records, fresh


def _parse_catalog_entry(path: str) -> ManifestResult:
    from tracklight.core.manifest import load_manifest_file  # only when an entry is not indexed

    return load_manifest_file(path, Source.CATALOG)


_memory: dict[tuple[str, tuple[tuple[str, int, int], ...]], list[ManifestResult]] = {}


def load_catalog_folder(folder: str, cache_folder: str | None = None) -> list[ManifestResult]:
    """Every entry of one catalog folder, parsed: from the user's cache (when `cache_folder` is given), the folder's
    index, or the TOML itself; the cache is written when something had to be checked or parsed."""
    files = entry_files(folder)
    key = (folder, tuple((f.name, f.size, f.mtime) for f in files))
    if key in _memory:
        return _memory[key]
    cache_file = None
    sources: list[dict[str, Any]] = []
    if cache_folder:
        cache_file = os.path.join(cache_folder, f"catalog-{zlib.crc32(folder.encode()):08x}.json")
        sources.append(_load_entries(cache_file))
    with many_objects():
        results = _all_unchanged(files, sources[0]) if sources else None
        if results is None:
            index = _load_entries(os.path.join(folder, INDEX_NAME))  # read only when the cache can't serve
            results, records, fresh = _load_folder(files, [*sources, index], index, _parse_catalog_entry)
            if cache_file and fresh:
                write_private(cache_file, _document(records))
    _memory[key] = results
    return results


def _all_unchanged(files: list[_File], entries: dict[str, Any]) -> list[ManifestResult] | None:
    """Every file's entry, when each one is there for the file as it is now; else None."""
    if len(entries) != len(files):
        return None
    results = []
    for file in files:
        found = _entry(entries, file.name)
        if not found or found[0] != file.size or found[1] != file.mtime:
            return None
        result = _decode(found[3], file.path)
        if result is None:
            return None
        results.append(result)
    return results


def build_folder_index(folder: str) -> list[ManifestResult]:
    """Write `index.json` for a catalog folder (build and install time); returns every entry as parsed.

    A folder with an entry that does not parse, or that has problems, gets no index: the catalog Tracklight ships
    must be valid, so a build stops at it (see the __main__ block) instead of shipping an index that lists it broken."""
    files = entry_files(folder)
    results, records, _fresh = _load_folder(files, [], {}, _parse_catalog_entry)
    if all(result.ok for result in results):
        with open(os.path.join(folder, INDEX_NAME), "wb") as handle:
            handle.write(_document(records))
    return results


class ManifestCache:
    """Parsed manifests by path, size and time (the user's cache; None folder: nothing is cached)."""

    def __init__(self, cache_folder: str | None) -> None:
        self.file = os.path.join(cache_folder, "manifests.json") if cache_folder else None
        self.entries = _load_entries(self.file) if self.file else {}
        self.records: dict[str, list[Any]] = {}
        self.fresh = False

    def load(self, path: str, parse: Parse, listed: tuple[int, int] | None = None) -> ManifestResult:
        """The parsed manifest at `path`: cached while its size and time are unchanged. `listed`: its size and time
        (ns) as its folder's listing just read them, which spares a second stat."""
        if listed is None:
            try:
                info = os.stat(path)
            except (OSError, ValueError):
                return parse(path)
            listed = info.st_size, info.st_mtime_ns
        size, mtime = listed
        found = _entry(self.entries, path)
        if found and found[0] == size and found[1] == mtime:
            result = _decode(found[3], path)
            if result is not None:
                self.records[path] = list(found)
                return result
        result = parse(path)
        self.records[path] = [size, mtime, "", encode_result(result, path)]
        self.fresh = True
        return result

    def save(self) -> None:
        if self.file and (self.fresh or set(self.records) != set(self.entries)):
            write_private(self.file, _document(self.records))


if __name__ == "__main__":
    import importlib.util
    import sys

    if importlib.util.find_spec("re2") is None:  # entries' patterns are checked with RE2: without it, every
        sys.exit("catalog_index: the google-re2 package is missing; not building an index")  # pattern fails

    broken = 0
    for target in sys.argv[1:] or [__import__("tracklight.resources").resources.catalog_path()]:
        built = build_folder_index(target)
        problems = [problem for result in built for problem in result.problems]
        for problem in problems:
            print(f"catalog_index: {problem}", file=sys.stderr)
        if not all(result.ok for result in built):  # the same rule build_folder_index writes the index by
            broken += 1
            print(f"catalog_index: {target}: {len(problems)} problem(s); no index written", file=sys.stderr)
        else:
            print(f"{os.path.join(target, INDEX_NAME)}: {len(built)} entries")
    sys.exit(1 if broken else 0)
