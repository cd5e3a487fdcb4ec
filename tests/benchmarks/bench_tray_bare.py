"""The yardstick for bench_tray.py: a bare PySide6 tray app that shows an SVG icon and says "ready".

It does what any tray app must do before its icon is up (import Qt, create the QApplication, load an icon, show
it), and nothing of Tracklight's own (no scan), so tracklight's start-up is compared with this in the same run.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

app = QApplication(["bare-tray", *sys.argv[1:]])
app.setQuitOnLastWindowClosed(False)
tray = QSystemTrayIcon(QIcon(sys.argv[1]) if len(sys.argv) > 1 else QIcon())
tray.setToolTip("bare")
tray.show()
QTimer.singleShot(0, lambda: (print("tracklight-ready", flush=True), app.quit()))
sys.exit(app.exec())
