"""Run by bench_tray.py in a sandbox home: open the window, report resident memory, then time external edits.

Prints one line of JSON: {"rss_mb": ..., "latencies_ms": [...], "rss_after_mb": ...}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from tracklight.core.model import State
from tracklight.ui.launch import make_qapplication
from tracklight.ui.tracklight_app import TracklightApp

EDITS = 40


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    settings_file = Path(sys.argv[1])
    app = make_qapplication([])
    tracklight = TracklightApp()
    tracklight.start(show_window=True)
    window = tracklight.window
    assert window is not None
    result: dict[str, object] = {}
    latencies: list[float] = []
    pending: dict[str, object] = {}

    def row_state() -> State:
        for row in range(window.tools.model.rowCount()):
            report = window.tools.model.report(row)
            if report.id == "vscode":
                return report.state
        raise AssertionError("vscode is not in the window")

    def redrawn(_snapshot: object) -> None:
        # connected after the app's own handler: the window and the icon have been redrawn when this runs
        want = pending.get("want")
        if want is not None and row_state() is want:
            latencies.append((time.perf_counter() - float(pending["t0"])) * 1000)  # type: ignore[arg-type]
            pending.clear()
            QTimer.singleShot(30, edit)  # let the burst settle before the next edit

    def edit() -> None:
        if len(latencies) >= EDITS:
            result["latencies_ms"] = latencies
            result["rss_after_mb"] = rss_mb()
            tracklight.quit()
            return
        want = State.OFF if row_state() is State.ON else State.ON
        level = b'"off"' if want is State.OFF else b'"all"'
        pending.update(want=want, t0=time.perf_counter())
        settings_file.write_bytes(b'{\n  "editor.fontSize": 14,\n  "telemetry.telemetryLevel": ' + level + b"\n}\n")

    def measure_memory() -> None:
        QCoreApplication.processEvents()
        result["rss_mb"] = rss_mb()
        tracklight.scanner.snapshot_changed.connect(redrawn)
        edit()

    def watching() -> None:
        if tracklight.watcher is None or not tracklight.watcher.folders:
            QTimer.singleShot(20, watching)
            return
        QTimer.singleShot(700, measure_memory)  # the window has been drawn and start-up work has settled

    QTimer.singleShot(0, watching)
    QTimer.singleShot(60000, tracklight.quit)  # a safety net, never reached when all goes well
    app.exec()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
