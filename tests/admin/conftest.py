"""Policies written as real files, and the sandbox system root (TRACKLIGHT_SYSTEM_ROOT, set by tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Tools whose controls cover every kind of system file: browser policies (JSON, created), a drop-in KEY=value file
# (Homebrew), an application's own system file edited only when present (popularity-contest), env-only (.NET),
# per-user files in JSON, JSONC and plain text (Next.js, VS Code, Go).
FLEET_POLICY = """\
policy_version = 1
revision = 1

[optout]
tools = ["firefox", "google-chrome", "chromium", "homebrew", "popularity-contest", "dotnet", "nextjs", "vscode", "go"]
do_not_track = true

[lock]
tools = ["vscode", "dotnet"]
"""


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    root = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"])
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "policy.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
