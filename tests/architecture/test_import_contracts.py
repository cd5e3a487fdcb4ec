"""The layers hold: formats <- core <- changes <- {admin, net} <- ui <- commands <- cli, with no import cycles.

The contracts live in pyproject.toml ([tool.importlinter]) and are checked by import-linter, which reads every import
statement, those inside functions included. The contract is proven to bite: each test below plants one forbidden
edge in a copy of the package and watches the check fail, naming it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "app" / "tracklight"


def lint_imports(project: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on `project`'s pyproject.toml against the package found in `package_parent`."""
    code = "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", code, "--no-cache", str(project / "pyproject.toml")],
        cwd=project, env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
        check=False, capture_output=True, text=True, timeout=120)


def test_the_project_keeps_every_import_contract() -> None:
    done = lint_imports(ROOT, ROOT / "app")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the project's package and contracts in which a test may plant one bad import."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PACKAGE, tmp_path / "app" / "tracklight", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def plant(copy: Path, module: str, line: str) -> None:
    """Add a function holding `line` (a lazy import, the kind that slips past a reader) to a module of the copy."""
    path = copy / "app" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _planted() -> None:\n    {line}\n",
                    encoding="utf-8")


@pytest.mark.parametrize(("module", "line", "named"), [
    # the edges the design review found, each put back
    ("tracklight.core.scan", "from tracklight.admin.browsers import BROWSERS", "tracklight.core.scan -> tracklight.admin"),
    ("tracklight.changes.plan", "from tracklight.admin.system import build_system_plan",
     "tracklight.changes.plan -> tracklight.admin"),
    ("tracklight.net.updates", "from tracklight.admin.install_updates import install_catalog",
     "tracklight.net.updates -> tracklight.admin"),
    ("tracklight.formats.toml_format", "from tracklight.core.model import Tier",
     "tracklight.formats.toml_format -> tracklight.core.model"),
    ("tracklight.core.detect", "import tracklight.ui.menu", "tracklight.core.detect -> tracklight.ui.menu"),
    ("tracklight.admin.system", "from tracklight.commands import scan_cmd",
     "tracklight.admin.system -> tracklight.commands"),
    ("tracklight.errors", "from tracklight.core import model", "tracklight.errors -> tracklight.core.model"),
])
def test_an_upward_import_breaks_the_contract(package_copy: Path, module: str, line: str, named: str) -> None:
    plant(package_copy, module, line)
    done = lint_imports(package_copy, package_copy / "app")
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout
    assert named in done.stdout.replace("\n", " ")


def test_a_circular_import_inside_a_layer_breaks_the_contract(package_copy: Path) -> None:
    # core.scan imports core.detect; the planted lazy import closes the loop
    plant(package_copy, "tracklight.core.detect", "from tracklight.core.scan import scan")
    done = lint_imports(package_copy, package_copy / "app")
    assert done.returncode == 1, done.stdout
    assert "No cycles are allowed in tracklight.core" in done.stdout
