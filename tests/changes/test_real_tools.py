"""Real tools agree: install them, opt out with Tracklight in the sandbox home, and ask each tool itself.

huggingface_hub and Streamlit come from PyPI (pip --target), Next.js and the Angular CLI from npm (npm --prefix),
into a temporary folder at test time. Each tool is asked through its own code or status command, offline, in a
fresh environment (`env -i HOME=… bash -lc …`, as a new login would have it): telemetry on before, off after the
opt-out, on again after undo. Skipped with the reason when the package registry cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from changes_helpers import changes, reports, state_of

from moved_clock import installer_env
from tracklight.core.model import State

# Installing takes a minute or two on a slow network; the default per-test timeout would cut it short.
pytestmark = [pytest.mark.realtools, pytest.mark.timeout(1200)]

# Captured at import, before the fixtures empty the environment: the installers need the machine's proxy and
# index settings (but never its real home: HOME and the caches point into a temporary folder).
INSTALL_ENV = dict(os.environ)
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def _installer_env(folder: Path) -> dict[str, str]:
    env = installer_env(INSTALL_ENV)
    env.update(HOME=str(folder / "installer-home"), PIP_CACHE_DIR=str(folder / "pip-cache"),
               npm_config_cache=str(folder / "npm-cache"), npm_config_update_notifier="false",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _install(argv: list[str], folder: Path, what: str) -> None:
    try:
        done = subprocess.run(argv, env=_installer_env(folder), check=False, capture_output=True, text=True,
                              timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not install {what}: {exc}")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        pytest.skip(f"could not install {what} (registry unreachable?): {' | '.join(tail)}")


@pytest.fixture(scope="session")
def install_folder() -> Iterator[Path]:
    # Not under pytest's basetemp: other pytest runs on the same machine rotate those folders away.
    folder = Path(tempfile.mkdtemp(prefix="tracklight-realtools-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def python_packages(install_folder: Path) -> Path:
    folder = install_folder / "pypi"
    target = folder / "site"
    _install([sys.executable, "-m", "pip", "install", "--quiet", "--no-input", "--target", str(target),
              "huggingface_hub", "streamlit"], folder, "huggingface_hub and streamlit from PyPI")
    return target


@pytest.fixture(scope="session")
def node_bin(install_folder: Path) -> Path:
    npm = shutil.which("npm", path=INSTALL_ENV.get("PATH"))
    if npm is None:
        pytest.skip("npm is not installed on this machine")
    folder = install_folder / "npm"
    _install([npm, "install", "--prefix", str(folder / "prefix"), "--no-audit", "--no-fund", "--loglevel=error",
              "next", "@angular/cli"], folder, "next and @angular/cli from npm")
    bin_dir = folder / "prefix" / "node_modules" / ".bin"
    if not (bin_dir / "next").exists() or not (bin_dir / "ng").exists():
        pytest.skip(f"npm reported success but installed no next/ng in {bin_dir}")
    return bin_dir


def login_shell(home: Path, command: str) -> str:
    """Run a command the way a new login would: nothing inherited but HOME and PATH; the profile is read."""
    done = subprocess.run(["/usr/bin/env", "-i", f"HOME={home}", f"PATH={SYSTEM_PATH}", "/bin/bash", "-lc", command],
                          cwd=home, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def plain_env(home: Path, argv: list[str], path: str) -> str:
    """Run without a login shell: only what the tool's own files say counts (how a GUI-launched tool runs)."""
    done = subprocess.run(["/usr/bin/env", "-i", f"HOME={home}", f"PATH={path}", *argv],
                          cwd=home, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _container_or_ci() -> bool:
    """Next.js's own test (ci-info and is-docker): CI set, /.dockerenv, or docker in our cgroups."""
    if INSTALL_ENV.get("CI") or os.path.exists("/.dockerenv"):
        return True
    try:
        return "docker" in Path("/proc/self/cgroup").read_text()
    except OSError:
        return False


def test_huggingface_hub_agrees(home: Path, python_packages: Path) -> None:
    ask = (f"PYTHONPATH={python_packages} {sys.executable} -c "
           "'import huggingface_hub.constants as c; print(c.HF_HUB_DISABLE_TELEMETRY)'")
    assert login_shell(home, ask).strip() == "False"
    changes().optout(reports("huggingface-hub"))
    assert login_shell(home, ask).strip() == "True"
    assert state_of("huggingface-hub") is State.OFF
    changes().undo()
    assert login_shell(home, ask).strip() == "False"


def test_streamlit_agrees(home: Path, python_packages: Path) -> None:
    ask = (f"PYTHONPATH={python_packages} {sys.executable} -c "
           "'from streamlit import config; print(config.get_option(\"browser.gatherUsageStats\"))'")
    assert login_shell(home, ask).strip() == "True"
    outcome = changes().optout(reports("streamlit"))
    assert outcome.applied is not None
    assert [c.path for c in outcome.applied.files] == [str(home / ".streamlit/config.toml")]
    assert login_shell(home, ask).strip() == "False"
    changes().undo()
    assert login_shell(home, ask).strip() == "True"


def test_nextjs_agrees(home: Path, node_bin: Path) -> None:
    # (the login profile may reset PATH, so the tool is named by its full path)
    status = f"{node_bin}/next telemetry status"
    assert "Status: Enabled" in login_shell(home, status)
    changes().optout(reports("nextjs"))
    assert "Status: Disabled" in login_shell(home, status)
    # Without a login shell only its config file speaks; Next.js reads that file except in a container or CI,
    # where it keeps the setting in the project's cache instead (which is why the catalog writes the variable too).
    if not _container_or_ci():
        assert "Status: Disabled" in plain_env(home, [f"{node_bin}/next", "telemetry", "status"], SYSTEM_PATH)
    changes().undo()
    assert "Status: Enabled" in login_shell(home, status)


def test_angular_cli_agrees(home: Path, node_bin: Path) -> None:
    info = f"{node_bin}/ng analytics info"
    # The user once said yes: Angular writes its own global setting.
    plain_env(home, [f"{node_bin}/ng", "analytics", "enable", "--global"], SYSTEM_PATH)
    assert "Effective status: enabled" in login_shell(home, info)
    assert state_of("angular-cli") is State.ON
    changes().optout(reports("angular-cli"))
    assert "Effective status: disabled" in login_shell(home, info)
    assert state_of("angular-cli") is State.OFF
    changes().undo()
    assert "Effective status: enabled" in login_shell(home, info)
