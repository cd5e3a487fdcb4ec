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
            # The build's own import path too: an isolated build keeps its requirements (google-re2, which parsing
            # an entry needs) on a path of its own, which a bare PYTHONPATH would drop.
            path = [os.path.join(HERE, "app"), *(entry for entry in sys.path if entry)]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
            subprocess.run([sys.executable, "-m", "tracklight.core.catalog_index", folder], env=env, check=True,
                           stdout=subprocess.DEVNULL)


setup(cmdclass={"build_py": BuildPyWithCatalogIndex})
