"""Fixtures of the packaging tests: a clean copy of the repository (what a fresh clone has)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The tests of this folder share packaging_helpers.py; make it importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(__file__))

from packaging_helpers import ROOT


@pytest.fixture(scope="session")
def clean_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a fresh clone would have (tracked plus new, unignored ones): no .venv, build/ or caches."""
    target = tmp_path_factory.mktemp("clone") / "tracklight"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a tracked file someone just deleted is not in a fresh clone's future either
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
