"""`pipx install .` from a clean copy gives a working `tracklight` (pipx itself from the package index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging_helpers import build_env, catalog_ids, make_venv, run, sandbox_env

# Builds install their dependencies from the index, which on a new machine can take longer than the default.
pytestmark = pytest.mark.timeout(1200)


@pytest.mark.slow
def test_pipx_install_from_a_clean_copy(clean_copy: Path, tmp_path_factory: pytest.TempPathFactory,
                                        tmp_path: Path) -> None:
    tools = tmp_path_factory.mktemp("pipx")
    python = make_venv(tools / "venv")
    run([str(python), "-m", "pip", "install", "-q", "pipx"], build_env())

    # pipx keeps its venvs and puts its links where these say: nothing lands in a real home.
    homes = {"PIPX_HOME": str(tools / "home"), "PIPX_BIN_DIR": str(tools / "bin"),
             "PIPX_MAN_DIR": str(tools / "man"), "PIPX_DEFAULT_PYTHON": str(python)}
    installed = run([str(python), "-m", "pipx", "install", str(clean_copy)], build_env(**homes), timeout=900)
    assert "tracklight" in installed.stdout

    tracklight = tools / "bin" / "tracklight"
    assert tracklight.exists() and (tools / "bin" / "tracklight-gui").exists()
    env = sandbox_env()
    assert run([str(tracklight), "--version"], env, cwd=tmp_path).stdout.startswith("tracklight ")
    report = json.loads(run([str(tracklight), "scan", "--all", "--json"], env, cwd=tmp_path).stdout)
    assert {tool["id"] for tool in report["tools"]} == catalog_ids()
    assert report["problems"] == []
