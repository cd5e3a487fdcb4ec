"""Helpers of the packaging tests: the repository, environments for builds and for what they build, running.

Builds (wheel, pipx, bundle) are session fixtures: each is made once and several tests look at it. They run in a
build home under the checkout's build/ with one pip cache for all of them (a test's sandbox home would start
every download from nothing); what they build runs in the test's sandbox home.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from collections.abc import Mapping
from pathlib import Path

from moved_clock import installer_env

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.tracklight.Tracklight"
LINUX = ROOT / "packaging" / "linux"

# Builds get a home of their own under the checkout's build/ (ignored by git), never the real one: pip's cache
# and PyInstaller's stay there between local runs, and a fresh clone (CI) starts it empty.
BUILD_HOME = ROOT / "build" / "test-home"
PIP_CACHE = ROOT / "build" / "pip-cache"

# What a build subprocess does not inherit: the test venv (VIRTUAL_ENV, PYTHONPATH) and a resources override.
_BUILD_DROP = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV", "TRACKLIGHT_RESOURCES")


def build_env(**extra: str) -> dict[str, str]:
    """The environment of a build: this process's, with HOME, the XDG folders and pip's cache under build/."""
    env = {k: v for k, v in installer_env(os.environ).items() if k not in _BUILD_DROP and not k.startswith("XDG_")}
    env["HOME"] = str(BUILD_HOME)
    env["XDG_CACHE_HOME"] = str(BUILD_HOME / ".cache")
    env["XDG_CONFIG_HOME"] = str(BUILD_HOME / ".config")
    env["XDG_DATA_HOME"] = str(BUILD_HOME / ".local" / "share")
    env["XDG_STATE_HOME"] = str(BUILD_HOME / ".local" / "state")
    env["PIP_CACHE_DIR"] = str(PIP_CACHE)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    BUILD_HOME.mkdir(parents=True, exist_ok=True)
    return env


def sandbox_env(extra_path: list[str] | None = None, **extra: str) -> dict[str, str]:
    """The environment of a user in the current sandbox home (the autouse fixture has already set HOME, XDG_*)."""
    keep = ("HOME", "XDG_", "TRACKLIGHT_SYSTEM_ROOT", "LANG", "LC_", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
    env["PATH"] = os.pathsep.join([*(extra_path or []), "/usr/bin", "/bin"])
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(args: list[str], env: Mapping[str, str], timeout: float = 600, cwd: Path | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure the assertion shows its output."""
    result = subprocess.run(args, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            check=False)
    if check:
        assert result.returncode == 0, (
            f"{' '.join(map(str, args))} exited {result.returncode}\n--- stdout\n{result.stdout[-4000:]}"
            f"\n--- stderr\n{result.stderr[-4000:]}")
    return result


def make_venv(path: Path) -> Path:
    """A fresh venv with pip; returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def catalog_ids() -> set[str]:
    return {p.stem for p in (ROOT / "resources" / "catalog").glob("*.toml")}
