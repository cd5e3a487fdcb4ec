"""The Flatpak manifest: the narrowest permissions, each one explained in packaging/README.md; the build commands
install the desktop entry, metainfo and hicolor icon under the app id; the launcher maps the host's folders.

Flatpak runtimes cannot be downloaded here, so the build commands run outside flatpak-builder, into a folder
standing in for /app, with the same variables it sets.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging_helpers import APP_ID, LINUX, ROOT, build_env, make_venv, run, sandbox_env

# Builds install their dependencies from the index, which on a new machine can take longer than the default.
pytestmark = pytest.mark.timeout(1200)

MANIFEST = LINUX / f"{APP_ID}.yml"
README = ROOT / "packaging" / "README.md"

# The whole list: a new permission must be added here and explained in the README, on purpose.
EXPECTED_PERMISSIONS = [
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--talk-name=org.kde.StatusNotifierWatcher",
    "--filesystem=home",
    "--filesystem=host-os:ro",
    "--filesystem=host-etc:ro",
]


def manifest() -> dict[str, Any]:
    from ruamel.yaml import YAML

    data: dict[str, Any] = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    return data


def app_module() -> dict[str, Any]:
    return next(m for m in manifest()["modules"] if isinstance(m, dict) and m.get("name") == "tracklight")


def test_permissions_are_the_narrow_set_and_each_is_explained() -> None:
    permissions = manifest()["finish-args"]
    assert permissions == EXPECTED_PERMISSIONS
    assert "--share=network" not in permissions, "Tracklight sends nothing; updates get the network by override"
    assert not [p for p in permissions if p in ("--filesystem=host", "--filesystem=host:ro", "--device=all")]
    readme = README.read_text(encoding="utf-8")
    for permission in permissions:
        row = re.search(rf"^\| `{re.escape(permission)}` \|(.+)\|$", readme, re.MULTILINE)
        assert row and len(row.group(1).strip()) > 20, f"{permission} has no explanation in packaging/README.md"
    assert "--share=network" in readme  # the README says why it is absent and how to grant it


def test_build_commands_install_under_the_app_id() -> None:
    data = manifest()
    assert data["id"] == APP_ID and data["command"] == "tracklight"
    commands = "\n".join(app_module()["build-commands"])
    assert "${FLATPAK_DEST}/share/icons/hicolor/scalable/apps/${FLATPAK_ID}.svg" in commands
    assert "${FLATPAK_DEST}/share/applications/${FLATPAK_ID}.desktop" in commands
    assert "${FLATPAK_DEST}/share/metainfo/${FLATPAK_ID}.metainfo.xml" in commands
    # Every file the commands take from the source tree exists.
    for source in re.findall(r"install -Dm\d+ (\S+) ", commands):
        assert (ROOT / source).is_file(), source


def test_python_requirements_follow_pyproject() -> None:
    """The Flatpak gets PySide6 from the BaseApp and everything else from flatpak/requirements.txt."""
    wanted = [d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
              if not d.lower().startswith("pyside6")]
    lines = [line.strip() for line in (LINUX / "flatpak" / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert [line for line in lines if not line.startswith(("setuptools", "wheel"))] == wanted
    assert manifest()["base"] == "io.qt.PySide.BaseApp"
    assert "flatpak/python3-requirements.json" in manifest()["modules"]


@pytest.fixture(scope="session")
def flatpak_app(clean_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app as the manifest's build commands leave it (pip3 is a venv's pip with what the build needs)."""
    work = tmp_path_factory.mktemp("flatpak")
    python = make_venv(work / "sdk")
    # What the requirements module puts into the SDK before the app is built (--no-build-isolation): setuptools,
    # wheel, and google-re2, which building the catalog index needs (its patterns are checked with RE2).
    run([str(python), "-m", "pip", "install", "-q", "setuptools>=77", "wheel", "google-re2>=1.1"], build_env())
    dest = work / "app"
    script = "set -eu\n" + "\n".join(app_module()["build-commands"]) + "\n"
    env = build_env(FLATPAK_DEST=str(dest), FLATPAK_ID=APP_ID, PATH=f"{python.parent}:/usr/bin:/bin")
    # The SDK's pip3 is Python's own pip; --prefix puts the package under /app/lib/python3.x/site-packages.
    (python.parent / "pip3").write_text(f'#!/bin/sh\nexec "{python}" -m pip "$@"\n')
    (python.parent / "pip3").chmod(0o755)
    run(["bash", "-c", script], env, cwd=clean_copy)
    return dest


@pytest.mark.slow
def test_build_commands_lay_out_the_app(flatpak_app: Path) -> None:
    bin_dir = flatpak_app / "bin"
    assert sorted(p.name for p in bin_dir.iterdir()) == ["tracklight", "tracklight-real"]
    assert (bin_dir / "tracklight").read_bytes() == (LINUX / "flatpak" / "tracklight-launcher.sh").read_bytes()
    icon = flatpak_app / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "tracklight.svg").read_bytes()
    assert (flatpak_app / "share" / "applications" / f"{APP_ID}.desktop").is_file()
    assert (flatpak_app / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()


@pytest.mark.slow
def test_launcher_reads_the_hosts_config_not_the_sandboxes(flatpak_app: Path, sandbox_home: Path,
                                                             tmp_path: Path) -> None:
    """Inside the sandbox XDG_CONFIG_HOME is ~/.var/app/<id>/config; the launcher points Tracklight back at the
    ~/.config where VS Code keeps its settings."""
    settings = sandbox_home / ".config" / "Code" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{\n  "telemetry.telemetryLevel": "off"\n}\n')
    private = sandbox_home / ".var" / "app" / APP_ID
    (site_packages,) = flatpak_app.glob("lib/python3*/site-packages")
    env = sandbox_env(XDG_CONFIG_HOME=str(private / "config"), XDG_DATA_HOME=str(private / "data"),
                      XDG_STATE_HOME=str(private / ".local" / "state"), XDG_CACHE_HOME=str(private / "cache"),
                      PYTHONPATH=str(site_packages))
    shown = json.loads(run([str(flatpak_app / "bin" / "tracklight"), "show", "vscode", "--json"], env,
                           cwd=tmp_path).stdout)
    assert shown["state"] == "off"
    assert str(settings) in json.dumps(shown["evidence"])

    # And the journal of an opt-out lands in the real ~/.local/state, where `tracklight undo` outside finds it.
    settings.write_text('{\n  "telemetry.telemetryLevel": "all"\n}\n')
    run([str(flatpak_app / "bin" / "tracklight"), "optout", "vscode"], env, cwd=tmp_path)
    assert (sandbox_home / ".local" / "state" / "tracklight").is_dir()
    assert not (private / ".local" / "state" / "tracklight").exists()


def test_launcher_is_posix_sh() -> None:
    result = subprocess.run(["sh", "-n", str(LINUX / "flatpak" / "tracklight-launcher.sh")], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
