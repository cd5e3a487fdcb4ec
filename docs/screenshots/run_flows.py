"""Runs issue 12's flows on a virtual desktop, keyboard only, as a new user would, and saves a PNG at each step.

    python3 docs/screenshots/run_flows.py OUT        (SIZE=1024x600 for a small screen; same packages as
                                                      take_screenshots.py)

Over demo-home.sh's sandbox home (plus a ~/.bashrc): a change from the tray menu, its notice, Tab to Undo and Alt+U;
the window opened from the tray (it should show the tool just changed); Tab through the window; "Opt out of
everything" with its exact changes, confirmed with Return, then Ctrl+Z; the History tab. It prints whether each
undo put the files back byte for byte. Look at the PNGs: that is the point.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "docs" / "screenshots"))
import take_screenshots as ts

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
n = [0]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["sh", str(REPO / "docs/screenshots/demo-home.sh"), str(work / "demo")], check=True)
        home = work / "demo" / "home"
        desk = ts.Desktop(work)
        def shot(name, window=None):
            n[0] += 1
            desk.shot(out / f"{n[0]:02d}-{name}.png", window=window)
        def files():
            return {p: (home / p).read_text() if (home / p).exists() else None for p in
                    (".config/Code/User/settings.json", ".profile", ".bashrc", ".config/tracklight/env.sh")}
        try:
            app_env = {k: v for k, v in desk.env.items() if not k.startswith("XDG_")}
            app_env.update(HOME=str(home), PATH=f"{work}/demo/bin:/usr/bin:/bin",
                           TRACKLIGHT_SYSTEM_ROOT=str(work / "demo" / "root"))
            (home / ".bashrc").write_text("# my bashrc\n")
            desk._start([str(REPO / ".venv" / "bin" / "tracklight")], "tracklight", app_env)
            desk.wait(desk.icon, 40, "Tracklight's tray icon")
            time.sleep(3)
            shot("first-start")
            desk.keys("ctrl+w")
            before = files()
            # flow 1: change from the tray -> notice -> undo, keyboard only
            desk.click_icon("3")
            shot("tray-menu")
            desk.keys("Down", "Down", "Down", "Down", "Return")
            time.sleep(2.5)
            shot("notice-after-change")
            desk.keys("Tab")
            shot("notice-tab-on-undo")
            mid = files()  # Visual Studio Code opted out (as it is again before "everything", below)
            print("vscode settings after change:", mid[".config/Code/User/settings.json"])
            desk.keys("alt+u")
            time.sleep(2.5)
            shot("after-undo-from-notice")
            print("vscode settings restored byte-exact:", files()[".config/Code/User/settings.json"] == before[".config/Code/User/settings.json"])
            desk.keys("Escape")
            # flow 2: the tray again, then open the window: it should show VS Code
            desk.click_icon("3")
            desk.keys("Down", "Down", "Down", "Down", "Return")
            time.sleep(2.5)
            desk.keys("Escape")
            desk.click_icon("1")
            time.sleep(2.5)
            shot("window-opened-after-tray-change", window="Tracklight")
            # keyboard only: Tab through the window, a shot each few steps
            for i in range(1, 9):
                desk.keys("Tab")
                if i in (1, 2, 4, 6, 8):
                    shot(f"keyboard-tab{i}", window="Tracklight")
            # flow 3: opt out of everything -> confirm -> undo
            desk.keys("alt+e")
            time.sleep(3)
            shot("everything-dialog", window="Opt out of everything")
            desk.keys("Tab", "space")
            time.sleep(1.5)
            shot("everything-dialog-exact-changes")
            desk.keys("Escape")
            time.sleep(1)
            desk.keys("alt+e")
            time.sleep(3)
            desk.keys("Return")
            time.sleep(4)
            shot("after-everything")
            after_all = files()
            print(".bashrc after everything:", repr(after_all[".bashrc"]))
            desk.keys("ctrl+z")
            time.sleep(4)
            shot("after-undo-everything")
            end = files()
            print("undo of everything restored .bashrc/.profile/env.sh:", {k: end[k] == mid[k] for k in end})
            desk.keys("alt+h")
            time.sleep(1.5)
            shot("history", window="Tracklight")
            desk.keys("alt+t")
            time.sleep(0.5)
            shot("desktop-end")
        finally:
            print("tracklight's output, last lines:\n" + (work / "tracklight.log").read_text()[-1500:])
            desk.close()

main()
