"""Every test runs in a sandbox home: HOME and every XDG_* variable point into tmp_path, never the real home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt tests run headless; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SANDBOX_VARS = (
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_DIRS",
    "XDG_CONFIG_DIRS", "XDG_RUNTIME_DIR", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "USERPROFILE",
)


@pytest.fixture(autouse=True)
def sandbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and XDG_* into tmp_path for every test; return the sandbox home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in _SANDBOX_VARS[1:]:
        monkeypatch.delenv(var, raising=False)
    # System data dirs point into the sandbox too, so a manifest installed on this machine can't leak in.
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "usr-share"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    # Variables a developer's shell may carry that would change what a scan reports.
    for var in list(os.environ):
        if var == "DO_NOT_TRACK" or "TELEMETRY" in var or "ANALYTICS" in var or var.startswith("TRACKLIGHT_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRACKLIGHT_SYSTEM_ROOT", str(tmp_path / "sysroot"))
    return home
