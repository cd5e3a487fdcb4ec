"""Only one addition to pyproject.toml's build: the catalog's JSON index, made from the entries being shipped.

The index lets a start read the parsed catalog instead of parsing every TOML entry (see
app/tracklight/core/catalog_index.py); it is built here, into the build tree, so a wheel always carries an index made
from exactly its own entries, and it is never committed.
"""

from __future__ import annotations

import os
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithCatalogIndex(build_py):
    def run(self) -> None:
        super().run()
        folder = os.path.join(self.build_lib, "tracklight", "_resources", "catalog")
        if os.path.isdir(folder):
            env = {**os.environ, "PYTHONPATH": os.path.join(HERE, "app")}
            subprocess.run([sys.executable, "-m", "tracklight.core.catalog_index", folder], env=env, check=True,
                           stdout=subprocess.DEVNULL)


setup(cmdclass={"build_py": BuildPyWithCatalogIndex})
