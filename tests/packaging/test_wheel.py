"""The wheel: built from a clean copy with `pip wheel . --no-deps`, it carries the catalog, the schema and the icons,
and installed (not editable) into a fresh venv it gives a `tracklight` that finds its catalog."""

from __future__ import annotations

import json
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging_helpers import ROOT, build_env, catalog_ids, make_venv, run, sandbox_env

# Builds install their dependencies from the index, which on a new machine can take longer than the default.
pytestmark = pytest.mark.timeout(1200)


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """The package list is written out (find cannot see resources/): a new folder must be added to it. That holds
    for data folders under resources/ too, or every install warns about them."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT / "app").parts) for p in (ROOT / "app" / "tracklight").rglob(
        "__init__.py")}
    on_disk.add("tracklight._resources")
    resources = ROOT / "resources"
    data_folders = [f for f in resources.rglob("*") if f.is_dir() and "__pycache__" not in f.parts
                    and any(child.is_file() for child in f.iterdir())]
    on_disk |= {".".join(("tracklight._resources", *f.relative_to(resources).parts)) for f in data_folders}
    assert listed == on_disk, "pyproject.toml [tool.setuptools] packages differs from the folders on disk"


def test_windows_gets_a_gui_entry_point_without_console() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tracklight"] == "tracklight.cli:main"
    assert project["gui-scripts"]["tracklight-gui"] == "tracklight.cli:main_gui"


@pytest.fixture(scope="session")
def wheel(clean_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(out)], build_env(), cwd=clean_copy)
    (built,) = out.glob("tracklight-*.whl")
    return built


@pytest.fixture(scope="session")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed the ordinary way (dependencies from the index, not editable)."""
    python = make_venv(tmp_path_factory.mktemp("wheel-venv") / "venv")
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], build_env())
    return python.parent


@pytest.mark.slow
def test_wheel_carries_catalog_schema_and_icons(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {Path(n).stem for n in names if n.startswith("tracklight/_resources/catalog/") and n.endswith(".toml")}
    assert shipped == catalog_ids()
    assert "tracklight/_resources/manifest/schema.json" in names
    assert "tracklight/_resources/manifest/SPEC.md" in names
    icons = {Path(n).name for n in names if n.startswith("tracklight/_resources/icons/")}
    assert icons == {p.name for p in (ROOT / "resources" / "icons").iterdir()}
    # Every resource file at any depth (folders added later, such as policy/, included).
    resources = {p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert {f"tracklight/_resources/{r}" for r in resources} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[gui_scripts]\ntracklight-gui = tracklight.cli:main_gui" in text


@pytest.mark.slow
def test_installed_wheel_scans_with_its_own_catalog(wheel_venv: Path, tmp_path: Path) -> None:
    env = sandbox_env()
    # Run from an unrelated folder, so nothing can come from the checkout.
    located = run([str(wheel_venv / "python"), "-c",
                   "from tracklight.resources import catalog_dir; print(catalog_dir())"], env, cwd=tmp_path)
    catalog = Path(located.stdout.strip())
    assert "site-packages" in catalog.parts and catalog.parts[-2:] == ("_resources", "catalog")

    scan = run([str(wheel_venv / "tracklight"), "scan", "--json"], env, cwd=tmp_path)
    report = json.loads(scan.stdout)
    assert report["problems"] == []
    assert isinstance(report["tools"], list)

    everything = json.loads(run([str(wheel_venv / "tracklight"), "scan", "--all", "--json"], env,
                                cwd=tmp_path).stdout)
    assert {tool["id"] for tool in everything["tools"]} == catalog_ids()
    assert {tool["source"] for tool in everything["tools"]} == {"catalog"}


@pytest.mark.slow
def test_installed_wheel_validates_a_manifest_against_its_schema(wheel_venv: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "acme-cli.toml"
    manifest.write_text((ROOT / "resources" / "catalog" / "nextjs.toml").read_text(encoding="utf-8")
                        .replace('id = "nextjs"', 'id = "acme-cli"'), encoding="utf-8")
    run([str(wheel_venv / "tracklight"), "manifest", "validate", str(manifest)], sandbox_env(), cwd=tmp_path)
