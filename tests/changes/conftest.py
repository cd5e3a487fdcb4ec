"""Helpers for the change tests: a quiet environment, a controlled PATH, planting real preference files."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The tests of this folder share changes_helpers.py; make it importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(__file__))

# Variables that may stay: the sandbox (root conftest) and what Python and pytest need. Everything else a developer's
# shell or this machine carries (TF_CLI_CONFIG_FILE, PIP_DISABLE_PIP_VERSION_CHECK, …) would change the plans.
_KEEP = ("HOME", "XDG_", "TRACKLIGHT_SYSTEM_ROOT", "LANG", "LC_", "TMPDIR", "PYTEST_", "QT_QPA_PLATFORM",
         "COVERAGE", "VIRTUAL_ENV", "SYSTEMROOT")


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sandbox_home: Path) -> Path:
    """Only the sandbox variables; PATH is a sandbox folder of fake executables. Returns that folder."""
    for name in list(os.environ):
        if not name.startswith(_KEEP):
            monkeypatch.delenv(name, raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


@pytest.fixture
def home(sandbox_home: Path) -> Path:
    return sandbox_home


@pytest.fixture
def install(quiet_environment: Path) -> Callable[..., None]:
    """Put fake executables on PATH so the scan counts those tools as installed."""

    def _install(*names: str) -> None:
        for name in names:
            exe = quiet_environment / name
            exe.write_text("#!/bin/sh\nexit 0\n")
            exe.chmod(0o755)

    return _install

