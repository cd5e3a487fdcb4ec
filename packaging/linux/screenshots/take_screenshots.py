"""Draw the AppStream screenshots (window.png, details.png) from the real window over a made-up machine.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/linux/screenshots/take_screenshots.py [OUT_DIR]

The machine is a temporary home with a few tools "installed" (empty executables on PATH) and their settings files
as a developer's laptop might have them; the window shows what a real scan of it finds. Nothing outside the
temporary folder is read for tool state, and nothing is written outside it except the two PNGs (into this folder,
or OUT_DIR).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (1000, 640)  # the size the metainfo declares

INSTALLED = ("code", "dotnet", "next", "go", "az", "gh", "npm", "pip", "conda", "terraform", "flutter", "brew")
SETTINGS = {
    ".config/Code/User/settings.json": '{\n  "editor.fontSize": 13,\n  "telemetry.telemetryLevel": "all"\n}\n',
    ".azure/config": "[core]\noutput = json\ncollect_telemetry = false\n",
    ".config/go/telemetry/mode": "local\n",
}


def fake_machine(root: Path) -> dict[str, str]:
    home = root / "home"
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    for name in INSTALLED:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    for relative, text in SETTINGS.items():
        (home / relative).parent.mkdir(parents=True, exist_ok=True)
        (home / relative).write_text(text, encoding="utf-8")
    return {"HOME": str(home), "PATH": str(bin_dir), "TRACKLIGHT_SYSTEM_ROOT": str(root / "sysroot"),
            "XDG_DATA_DIRS": str(root / "usr-share")}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(HERE.parents[2] / "app"))
    from PySide6.QtWidgets import QApplication

    from tracklight.core.scan import scan
    from tracklight.ui.snapshot import Snapshot
    from tracklight.ui.window import MainWindow

    app = QApplication.instance() or QApplication(["tracklight"])
    with tempfile.TemporaryDirectory() as temp:
        env = fake_machine(Path(temp))
        snapshot = Snapshot.from_scan(scan(env=env))
        window = MainWindow(env["HOME"])  # paths are written from ~, as the person sees them
        window.resize(*SIZE)
        window.show()
        window.show_snapshot(snapshot)
    for name, tool_id in (("window.png", None), ("details.png", "vscode")):
        if tool_id is None:
            window.tools.table.selectRow(0)
        elif not window.select_tool(tool_id):
            raise SystemExit(f"{tool_id} is not in the window")
        app.processEvents()
        if not window.grab().save(str(out / name), "PNG"):
            raise SystemExit(f"could not write {out / name}")
        print(out / name)
    # Qt objects go before the interpreter tears down the bindings (else a crash at exit).
    window.close()
    window.deleteLater()
    app.processEvents()
    del window
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
