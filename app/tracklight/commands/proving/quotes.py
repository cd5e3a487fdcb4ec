"""`tracklight catalog quotes` (`make quotes`): re-read the source proofs that cite a released package.

A source proof pinned to a package (`package = "npm:next@16.5.0"`, `file = "dist/telemetry/flush.js#L42"`) says
that this line of that release reads the control. That is re-checkable without trusting the person who wrote it:
download the release, unpack it, and look. For each such proof this module finds its quote in the cited file:

- `at line` — the quote is within the cited lines;
- `moved`  — it is elsewhere in the file (the proof names the wrong line, or, under --latest, the code moved);
- `missing` — it is nowhere in the file: the proof quotes code the release does not have;
- `no file` — the release has no such file (under --latest: the tool was reorganised; re-read it);
- `not fetched` — the package could not be downloaded or unpacked here (named, never hidden).

Lines are counted as GitHub and editors count them: at "\\n" only (a U+2028 inside minified JavaScript does not
start a line). White space is compared collapsed. A quote may leave out code between two parts it keeps with "…"
or "...", and mark a line break with " / "; the parts must then appear in that order. Nothing else is skipped, so a
comment the quote leaves out needs a "…".
"""

from __future__ import annotations

import bisect
import concurrent.futures
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tracklight.commands.proving.install import run_checked
from tracklight.core.oracle import Package, parse_package
from tracklight.errors import InstallError

FETCH_TIMEOUT = 900
NEWER_PYTHONS = ("3.14.99", "3.13.99")  # whose wheels to ask for when this Python is too old, newest first
# (the last patch release of each: pip takes "3.13" as 3.13.0, which a release needing 3.13.2 refuses, as Home
# Assistant 2026.2 does; wheel tags name only major.minor, so ".99" matches every 3.13 wheel)
_FILE_LINES = re.compile(r"(?P<path>[^#]+)#L(?P<first>\d+)(?:-L(?P<last>\d+))?")
_SEPARATORS = re.compile(r"\s*(?:…|\.\.\.|\s/\s)\s*")
STATUSES = ("at line", "moved", "missing", "no file", "not fetched")


@dataclass(frozen=True)
class QuoteTarget:
    """One source proof that cites a line of a released package."""

    entry: str
    package: Package
    path: str  # inside the package; "omni.ja!/modules/x.mjs" reads a member of a zip inside it
    first: int
    last: int
    quote: str

    @property
    def cited(self) -> str:
        return f"{self.path}#L{self.first}" + (f"-L{self.last}" if self.last != self.first else "")


@dataclass(frozen=True)
class QuoteResult:
    target: QuoteTarget
    status: str  # one of STATUSES
    version: str  # the version read (the newest one under --latest)
    found: str = ""  # "L12-L14" where the quote is, for `at line` and `moved`
    detail: str = ""  # why it was not fetched

    @property
    def holds(self) -> bool:
        return self.status == "at line"


def quote_targets(catalog: Path, only: Iterable[str] = ()) -> list[QuoteTarget]:
    """Every source proof in the catalog folder that names a pinned package and a file with its line(s)."""
    wanted = set(only)
    targets = []
    for entry_path in sorted(catalog.glob("*.toml")):
        entry = entry_path.stem
        if wanted and entry not in wanted:
            continue
        document = tomllib.loads(entry_path.read_text(encoding="utf-8"))
        for proof in document.get("proofs", []):
            if not isinstance(proof, dict) or proof.get("method") != "source":
                continue
            package = parse_package(str(proof.get("package", "")))
            cited = _FILE_LINES.fullmatch(str(proof.get("file", "")))
            if package is None or cited is None or not proof.get("quote"):
                continue
            first = int(cited["first"])
            targets.append(QuoteTarget(entry, package, cited["path"], first, int(cited["last"] or first),
                                       str(proof["quote"])))
    return targets


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Every place the quote is in `text`, as (first line, last line), 1-based, lines split at "\\n" only."""
    parts = [" ".join(part.split()) for part in _SEPARATORS.split(quote)]
    parts = [part for part in parts if part]
    if not parts:
        return []
    # The text with its white space collapsed (blank lines too), and where each line starts in it.
    pieces: list[str] = []
    starts: list[int] = []
    offset = 0
    for line in text.split("\n"):
        flat = " ".join(line.split())
        if flat and pieces:
            pieces.append(" ")
            offset += 1
        starts.append(offset)
        pieces.append(flat)
        offset += len(flat)
    flat_text = "".join(pieces)

    def line_of(position: int) -> int:
        return bisect.bisect_right(starts, position)

    places = []
    begin = flat_text.find(parts[0])
    while begin >= 0:
        end = begin + len(parts[0])
        for part in parts[1:]:
            found = flat_text.find(part, end)
            if found < 0:
                return places
            end = found + len(part)
        places.append((line_of(begin), line_of(max(begin, end - 1))))
        begin = flat_text.find(parts[0], begin + 1)
    return places


def judge(target: QuoteTarget, text: str | None, version: str) -> QuoteResult:
    """The result for one target, given the cited file's text (None: the release has no such file)."""
    if text is None:
        return QuoteResult(target, "no file", version)
    places = find_quote(text, target.quote)
    if not places:
        return QuoteResult(target, "missing", version)
    inside = [p for p in places if target.first <= p[0] and p[1] <= target.last]
    first, last = (inside or sorted(places, key=lambda p: abs(p[0] - target.first)))[0]
    found = f"L{first}" + (f"-L{last}" if last != first else "")
    return QuoteResult(target, "at line" if inside else "moved", version, found)


class PackageFiles:
    """Released packages downloaded (never installed) and unpacked into `cache`/sources, reused while they last."""

    def __init__(self, cache: Path, env: Mapping[str, str]) -> None:
        self.root = cache / "sources"
        self.env = dict(env)
        self.env.update(PIP_CACHE_DIR=str(cache / "pip-cache"), PIP_DISABLE_PIP_VERSION_CHECK="1",
                        npm_config_cache=str(cache / "npm-cache"), npm_config_update_notifier="false")

    def unpack(self, package: Package) -> tuple[list[Path], str]:
        """The folders the package's files are in (a wheel has two: its root and its .data/purelib), and the
        version unpacked. An empty version asks for the newest release."""
        label = re.sub(r"[^A-Za-z0-9.+_-]", "_", package.base_name)
        folder = self.root / package.registry / (f"{label}-{package.version}" if package.version else f"{label}-latest")
        stamp = folder / ".tracklight-unpacked"
        if not stamp.exists() or not package.version:
            if folder.exists():
                shutil.rmtree(folder)
            (folder / "download").mkdir(parents=True)
            fetch = {"pypi": self._pypi, "npm": self._npm, "debian": self._debian}[package.registry]
            version = fetch(package, folder / "download", folder / "files")
            stamp.write_text(json.dumps({"version": version}), encoding="utf-8")
        version = json.loads(stamp.read_text(encoding="utf-8"))["version"]
        files = folder / "files"
        roots = [files, *sorted(files.glob("*.data/purelib")), *sorted(files.glob("*.data/platlib"))]
        return [r for r in roots if r.is_dir()], version

    def sdist(self, package: Package, version: str) -> list[Path]:
        """The folder of a PyPI release's source archive, for files its wheels leave out (a Rust extension's
        sources). pip downloads an sdist only after building its metadata, which needs the project's build tools;
        so ask pip (without build isolation, which fails fast) where the archive is, and fetch that file."""
        label = re.sub(r"[^A-Za-z0-9.+_-]", "_", package.base_name)
        folder = self.root / "pypi-sdist" / f"{label}-{version}"
        stamp = folder / ".tracklight-unpacked"
        if not stamp.exists():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            spec = f"{package.base_name}=={version}"
            done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                                   "--no-build-isolation", "-vvv", "-d", str(folder / "download"), spec],
                                  env=self.env, capture_output=True, text=True, check=False, timeout=FETCH_TIMEOUT)
            wanted = re.compile(r"[-_.]+".join(map(re.escape, re.split(r"[-_.]+", package.base_name)))
                                + "-" + re.escape(version) + r"\.tar\.gz", re.IGNORECASE)
            links = [url for url in re.findall(r"Found link (\S+) \(from", done.stdout + done.stderr)
                     if wanted.fullmatch(url.rsplit("/", 1)[-1].split("#", 1)[0])]
            if not links or not links[0].startswith("https://"):
                raise InstallError(f"could not find the source archive of {spec}")
            archive = folder / "source.tar.gz"
            with urllib.request.urlopen(links[0], timeout=FETCH_TIMEOUT) as response:  # noqa: S310 - https only
                archive.write_bytes(response.read())
            with tarfile.open(archive) as unpacked:
                unpacked.extractall(folder / "unpacked", filter="data")
            stamp.write_text("", encoding="utf-8")
        tops = [p for p in (folder / "unpacked").iterdir() if p.is_dir()]
        return tops if len(tops) == 1 else [folder / "unpacked"]

    def _run(self, argv: list[str], what: str, cwd: Path | None = None) -> str:
        return run_checked(argv, self.env, f"download {what}", FETCH_TIMEOUT, cwd)

    def _pypi(self, package: Package, download: Path, files: Path) -> str:
        spec = f"{package.base_name}=={package.version}" if package.version else package.base_name
        base = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--no-input", "-d", str(download)]
        # Wheels for this Python first, then for a newer one: a release that needs a newer Python than this one still
        # has readable files. The newest release is asked for as a newer Python sees it, or pip would settle for the
        # newest one this Python can install (giskard-core 0.1.7 where 1.0.3 is out).
        newer = [["--only-binary=:all:", "--python-version", version] for version in NEWER_PYTHONS]
        attempts = [["--only-binary=:all:"], *newer[::-1]] if package.version else [*newer, ["--only-binary=:all:"]]
        for attempt, extra in enumerate(attempts):
            try:
                self._run([*base, *extra, spec], spec)
                break
            except InstallError:
                if attempt == len(attempts) - 1:
                    raise
        wheel = next(download.glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(files)
        return wheel.name.split("-")[1]

    def _npm(self, package: Package, download: Path, files: Path) -> str:
        npm = shutil.which("npm", path=self.env.get("PATH"))
        if npm is None:
            raise InstallError("npm is not installed on this machine")
        spec = f"{package.name}@{package.version or 'latest'}"
        self._run([npm, "pack", "--silent", spec], spec, cwd=download)
        tarball = next(download.glob("*.tgz"))
        unpacked = download / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        top = [p for p in unpacked.iterdir() if p.is_dir()]
        (top[0] if len(top) == 1 else unpacked).rename(files)
        return str(json.loads((files / "package.json").read_text(encoding="utf-8"))["version"])

    def _debian(self, package: Package, download: Path, files: Path) -> str:
        spec = f"{package.name}={package.version}" if package.version else package.name
        self._run(["apt-get", "download", "-q", spec], spec + " (run `apt-get update` first?)", cwd=download)
        deb = next(download.glob("*.deb"))
        self._run(["dpkg-deb", "-x", str(deb), str(files)], deb.name)
        return self._run(["dpkg-deb", "-f", str(deb), "Version"], deb.name).strip()


def read_cited(roots: list[Path], path: str) -> str | None:
    """The text of `path` under the first root that has it; "a.ja!/b" reads member b of the zip a.ja."""
    outer, _, member = path.partition("!/")
    for root in roots:
        file = root / outer
        if not file.is_file():
            continue
        if not member:
            return file.read_bytes().decode("utf-8", errors="replace")
        try:
            with zipfile.ZipFile(file) as archive:
                return archive.read(member).decode("utf-8", errors="replace")
        except (KeyError, zipfile.BadZipFile):
            return None
    return None


@dataclass(frozen=True)
class QuoteReport:
    results: list[QuoteResult]
    latest: bool

    @property
    def exit_code(self) -> int:
        """1: a quote is not where its proof says; 2: every checked quote holds but some could not be checked."""
        if any(r.status not in ("at line", "not fetched") for r in self.results):
            return 1
        return 2 if self.count("not fetched") else 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def check_quotes(targets: list[QuoteTarget], files: PackageFiles, latest: bool = False, jobs: int = 2,
                 log: Callable[[str], None] = lambda line: None) -> QuoteReport:
    """Download each package once, then judge every target that cites it."""
    by_package: dict[Package, list[QuoteTarget]] = {}
    for target in targets:
        package = target.package.latest() if latest else target.package
        by_package.setdefault(Package(package.registry, package.base_name, package.version), []).append(target)

    def check(package: Package) -> list[QuoteResult]:
        cited = by_package[package]
        try:
            roots, version = files.unpack(package)
        except (InstallError, OSError, StopIteration, zipfile.BadZipFile, tarfile.TarError, ValueError) as exc:
            detail = _short(str(exc)) or "nothing was downloaded"
            return [QuoteResult(t, "not fetched", package.version, detail=detail) for t in cited]
        texts = [read_cited(roots, t.path) for t in cited]
        if package.registry == "pypi" and None in texts:
            try:
                sources = files.sdist(package, version)
            except (InstallError, OSError, tarfile.TarError, ValueError):
                sources = []
            texts = [text if text is not None else read_cited(sources, t.path) for t, text in zip(cited, texts)]
        results = [judge(t, text, version) for t, text in zip(cited, texts)]
        log(f"{package.spec if package.version else package.registry + ':' + package.name + ' ' + version}: "
            f"{sum(r.holds for r in results)}/{len(results)} at their lines")
        return results

    results: list[QuoteResult] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for found in pool.map(check, sorted(by_package, key=lambda p: (p.registry, p.name))):
            results.extend(found)
    results.sort(key=lambda r: (r.target.entry, r.target.package.spec, r.target.cited))
    return QuoteReport(results, latest)


def _short(message: str, width: int = 300) -> str:
    """A download error as one readable line: pip lists every version it ignored before the error that matters."""
    parts = [part.strip() for part in message.replace("\n", " | ").split(" | ") if part.strip()]
    errors = [part for part in parts if part.startswith(("ERROR: No matching", "E: "))]
    text = " | ".join(errors or parts[-1:])
    if errors and parts and not parts[0].startswith(("ERROR:", "E:")):
        text = f"{parts[0].split(':')[0]}: {text}"
    return text if len(text) <= width else text[: width - 1] + "…"


def render_report(report: QuoteReport) -> str:
    """Every quote that is not at its line, then the counts."""
    lines = []
    for result in report.results:
        if result.holds:
            continue
        target = result.target
        where = f" (found at {result.found})" if result.found else ""
        read = f"{target.package.registry}:{target.package.name} {result.version}" if result.version else \
            target.package.spec
        lines.append(f"{result.status:<11}  {target.entry}: {read} {target.cited}{where}"
                     + (f" — {result.detail}" if result.detail else ""))
    counts = ", ".join(f"{report.count(s)} {s}" for s in STATUSES)
    against = "the newest releases" if report.latest else "the pinned releases"
    lines.append(f"{len(report.results)} quotes of source proofs checked against {against}: {counts}")
    return "\n".join(lines) + "\n"
