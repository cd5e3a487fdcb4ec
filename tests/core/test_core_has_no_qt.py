"""The core, the format editors and the change machinery never load Qt (the CLI must start fast)."""

from __future__ import annotations

import subprocess
import sys


def test_core_formats_changes_and_scan_cli_do_not_load_pyside6() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import tracklight.core, tracklight.formats, tracklight.changes\n"
        "for pkg in (tracklight.core, tracklight.formats, tracklight.changes):\n"
        "    for info in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{info.name}')\n"
        "from tracklight.cli import main\n"
        "main(['scan', '--json']) if False else None\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['scan', '--all', '--json'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"Qt modules loaded: {done.stdout}"
