"""Install pinned packages into a cache outside the repository: one folder per package set, reused while it lasts.

PyPI packages go into their own venv (so each tool's console scripts and interpreter work as installed), npm
packages into their own prefix, Debian packages are downloaded and unpacked (never installed into the system).
A folder counts as installed only once its stamp is written, so an interrupted install is redone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracklight.core.oracle import Oracle, Package
from tracklight.errors import InstallError

STAMP = ".tracklight-installed"
INSTALL_TIMEOUT = 1800


@dataclass(frozen=True)
class Installed:
    """What an oracle runs against: the package as installed (with its real version) and where."""

    package: Package  # version filled in (the newest one under --latest)
    prefix: Path
    bin: Path  # where the tool's executables are
    python: str  # the interpreter that sees the installed modules (the base python for npm and Debian)


def default_cache(env: Mapping[str, str]) -> Path:
    """$TRACKLIGHT_PROVE_CACHE, else $XDG_CACHE_HOME/tracklight-prove (~/.cache/tracklight-prove)."""
    if env.get("TRACKLIGHT_PROVE_CACHE"):
        return Path(env["TRACKLIGHT_PROVE_CACHE"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return Path(base) / "tracklight-prove"


def run_checked(argv: list[str], env: Mapping[str, str], doing: str, timeout: float, cwd: Path | None = None) -> str:
    """Run a package client; its output, or InstallError "could not <doing>: <its last lines>"."""
    try:
        done = subprocess.run(argv, env=dict(env), cwd=cwd, capture_output=True, text=True, check=False,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"could not {doing}: {exc}") from exc
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise InstallError(f"could not {doing}: {tail}")
    return done.stdout


def _base_python() -> str:
    """The interpreter venvs are made from: the one under Tracklight's own venv, not the venv itself."""
    return getattr(sys, "_base_executable", None) or sys.executable


class Installer:
    """Installs what oracles need into `cache`; safe to call from several threads (one lock per folder)."""

    def __init__(self, cache: Path, env: Mapping[str, str]) -> None:
        self.cache = cache
        self.env = dict(env)
        self.env.update(PIP_CACHE_DIR=str(cache / "pip-cache"), PIP_DISABLE_PIP_VERSION_CHECK="1",
                        npm_config_cache=str(cache / "npm-cache"), npm_config_update_notifier="false",
                        npm_config_fund="false", npm_config_audit="false")
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def folder(self, oracle: Oracle, latest: bool) -> Path:
        packages = [oracle.package, *oracle.also]
        if latest:
            packages = [p.latest() for p in packages]
        key = json.dumps([[p.spec for p in packages], oracle.no_deps])
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        label = oracle.package.base_name.replace("/", "+").lstrip("@")
        return self.cache / ("latest" if latest else oracle.package.registry) / f"{label}-{digest}"

    def install(self, oracle: Oracle, latest: bool = False) -> Installed:
        folder = self.folder(oracle, latest)
        with self._guard:
            lock = self._locks.setdefault(folder, threading.Lock())
        with lock:
            stamp = folder / STAMP
            if stamp.exists() and not latest:
                return self._installed(oracle, folder, json.loads(stamp.read_text())["version"])
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            packages = [oracle.package, *oracle.also]
            if latest:
                packages = [p.latest() for p in packages]
            install = {"pypi": self._pypi, "npm": self._npm, "debian": self._debian}[oracle.package.registry]
            version = install(oracle, packages, folder)
            stamp.write_text(json.dumps({"version": version, "packages": [p.spec for p in packages]}))
            return self._installed(oracle, folder, version)

    def _installed(self, oracle: Oracle, folder: Path, version: str) -> Installed:
        package = Package(oracle.package.registry, oracle.package.name, version)
        if oracle.package.registry == "pypi":
            return Installed(package, folder, folder / "venv" / "bin", str(folder / "venv" / "bin" / "python"))
        if oracle.package.registry == "npm":
            return Installed(package, folder, folder / "node_modules" / ".bin", _base_python())
        return Installed(package, folder, folder / "root" / "usr" / "bin", _base_python())

    def _run(self, argv: list[str], what: str, cwd: Path | None = None) -> str:
        return run_checked(argv, self.env, f"install {what}", INSTALL_TIMEOUT, cwd)

    def _pypi(self, oracle: Oracle, packages: list[Package], folder: Path) -> str:
        venv = folder / "venv"
        self._run([_base_python(), "-m", "venv", str(venv)], "a venv")
        specs = [f"{p.name}=={p.version}" if p.version else p.name for p in packages]
        argv = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input", *specs]
        if oracle.no_deps:
            argv.insert(5, "--no-deps")
        self._run(argv, ", ".join(specs))
        probe = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
        return self._run([str(venv / "bin" / "python"), "-c", probe, oracle.package.base_name], "(version)").strip()

    def _npm(self, oracle: Oracle, packages: list[Package], folder: Path) -> str:
        npm = shutil.which("npm", path=self.env.get("PATH"))
        if npm is None:
            raise InstallError("npm is not installed on this machine")
        # Under --latest ask for the `latest` dist-tag by name: a bare name makes npm pick the newest release whose
        # engines fit this machine's Node.js, which can be older than the pin (an exact tag installs regardless).
        specs = [f"{p.name}@{p.version or 'latest'}" for p in packages]
        self._run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error", *specs],
                  ", ".join(specs))
        manifest = folder / "node_modules" / oracle.package.name / "package.json"
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])

    def _debian(self, oracle: Oracle, packages: list[Package], folder: Path) -> str:
        debs = folder / "debs"
        debs.mkdir()
        specs = [f"{p.name}={p.version}" if p.version else p.name for p in packages]
        self._run(["apt-get", "download", "-q", *specs], ", ".join(specs) + " (run `apt-get update` first?)",
                  cwd=debs)
        version = ""
        for deb in sorted(debs.glob("*.deb")):
            self._run(["dpkg-deb", "-x", str(deb), str(folder / "root")], deb.name)
            fields = self._run(["dpkg-deb", "-f", str(deb), "Package", "Version"], deb.name)
            found = dict(line.split(": ", 1) for line in fields.splitlines() if ": " in line)
            if found.get("Package") == oracle.package.name:
                version = found.get("Version", "")
        return version
