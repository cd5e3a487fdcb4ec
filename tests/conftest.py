"""Every test runs in a sandbox home: HOME and every XDG_* variable point into tmp_path, never the real home."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Helpers shared by every test folder (moved_clock.py) are importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(__file__))

# Qt tests run headless; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw the same examples on every run, so CI's verdict never depends on luck; the fuzz suite
# (`make fuzz`) is where new inputs are explored. HYPOTHESIS_PROFILE=explore draws fresh ones here too.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

_SANDBOX_VARS = (
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_DIRS",
    "XDG_CONFIG_DIRS", "XDG_RUNTIME_DIR", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "USERPROFILE",
)


_ROOT = Path(__file__).resolve().parents[1]


def _catalog_variables() -> set[str]:
    """Every variable the catalog reads (env controls and ${VAR:-…} path overrides): a test must set them itself."""
    names: set[str] = set()
    for entry in (_ROOT / "resources" / "catalog").glob("*.toml"):
        text = entry.read_text(encoding="utf-8", errors="replace")
        names.update(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
        names.update(re.findall(r'^name\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"', text, re.MULTILINE))
    return names


_CATALOG_VARIABLES = _catalog_variables()


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
    # (This machine, for one, sets TF_CLI_CONFIG_FILE, which moves Terraform's config file.)
    for var in list(os.environ):
        if (var in _CATALOG_VARIABLES or var == "DO_NOT_TRACK" or "TELEMETRY" in var or "ANALYTICS" in var
                or var.startswith("TRACKLIGHT_")):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRACKLIGHT_SYSTEM_ROOT", str(tmp_path / "sysroot"))
    return home
