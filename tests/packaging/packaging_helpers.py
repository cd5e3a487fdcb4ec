"""Helpers of the packaging tests: the repository, environments for builds and for what they build, running.

Builds (wheel, pipx, bundle) are session fixtures: each is made once and several tests look at it. They run with
the real pip cache (the sandbox home of each test would otherwise start every download from nothing); what they
build runs in the test's sandbox home.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.tracklight.Tracklight"
LINUX = ROOT / "packaging" / "linux"

# Read at import, before any test's sandbox replaces HOME.
_REAL_HOME = os.environ.get("HOME", str(Path.home()))
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or os.path.join(_REAL_HOME, ".cache", "pip")

# What a build subprocess inherits: nothing of the test venv (VIRTUAL_ENV, PYTHONPATH), the real home for the
# pip cache and pip's own configuration.
_BUILD_DROP = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV", "TRACKLIGHT_RESOURCES")


def build_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BUILD_DROP}
    env["HOME"] = _REAL_HOME
    env["PIP_CACHE_DIR"] = PIP_CACHE
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
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
