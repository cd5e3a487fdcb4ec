"""Takes the README's screenshots: Tracklight on a virtual desktop, driven from the keyboard as a person would.

    python3 docs/screenshots/take_screenshots.py [OUT]      (OUT defaults to docs/screenshots)

It builds the sandbox home of demo-home.sh in a temporary folder, starts Xvfb (1280 × 800) with the openbox window
manager and the trayer tray (Debian packages: xvfb openbox trayer xdotool imagemagick x11-utils), runs
.venv/bin/tracklight over that home, and saves:
  tray-menu.png   the menu, opened by a right-click on the icon
  notice.png      the notice after a click on "Visual Studio Code" in the menu, with its Undo
  window.png      the window, with that change in its message bar
  everything.png  the confirmation "Opt out of everything" asks, before anything is written
Set QT_SCALE_FACTOR=2 (and SIZE=2560x1600) to look at it at 200 %. Nothing outside the temporary folder is touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SIZE = os.environ.get("SIZE", "1280x800")


class Desktop:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []
        read, write = os.pipe()
        with open(work / "xvfb.log", "wb") as log:
            self.procs.append(subprocess.Popen(
                ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SIZE}x24", "-nolisten", "tcp"],
                pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=log))
        os.close(write)
        number = b""
        while not number.endswith(b"\n"):  # Xvfb writes the number, then a newline: read both before closing
            chunk = os.read(read, 16)
            if not chunk:
                raise SystemExit(f"take_screenshots: Xvfb did not start (see {work / 'xvfb.log'})")
            number += chunk
        os.close(read)
        display = ":" + number.decode().strip()
        self.env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY")}
        self.env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        self._start(["openbox", "--sm-disable"], "openbox")
        time.sleep(1)
        self._start(["trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request", "--height", "32",
                     "--SetDockType", "true", "--tint", "0x333333", "--transparent", "true", "--alpha", "0"], "trayer")
        self.wait(lambda: '"trayer"' in self.run("xwininfo", "-root", "-tree"), what="the tray")

    def _start(self, cmd: list[str], log: str, env: dict[str, str] | None = None) -> None:
        with open(self.work / f"{log}.log", "wb") as out:
            self.procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               env=env or self.env))

    def run(self, *cmd: str) -> str:
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=False).stdout

    @staticmethod
    def wait(ready, seconds: float = 20, what: str = "the desktop"):  # type: ignore[no-untyped-def]
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            value = ready()
            if value:
                return value
            time.sleep(0.1)
        raise SystemExit(f"take_screenshots: {what} did not appear in time")

    def icon(self) -> tuple[int, int, int, int] | None:
        for line in self.run("xwininfo", "-root", "-tree").splitlines():
            match = re.search(r'\("tracklight" .*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(\d+)\+(\d+)', line)
            if match and int(match[1]) <= 128:
                return int(match[3]), int(match[4]), int(match[1]), int(match[2])
        return None

    def click_icon(self, button: str) -> None:
        x, y, w, h = self.wait(self.icon)
        self.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", button)
        time.sleep(1)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("xdotool", "key", key)
            time.sleep(0.4)

    def shot(self, path: Path, crop: str | None = None, window: str | None = None) -> None:
        if window is not None:
            wid = self.wait(lambda: self.run("xdotool", "search", "--onlyvisible", "--name", window).split())[0]
            self.run("import", "-frame", "-window", wid, str(path))
        else:
            self.run("import", "-window", "root", *(["-crop", crop, "+repage"] if crop else []), str(path))
        print(path)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["sh", str(HERE / "demo-home.sh"), str(work / "demo")], check=True)
        desk = Desktop(work)
        try:
            app_env = {k: v for k, v in desk.env.items() if not k.startswith("XDG_")}
            app_env.update(HOME=str(work / "demo" / "home"), PATH=f"{work}/demo/bin:/usr/bin:/bin",
                           TRACKLIGHT_SYSTEM_ROOT=str(work / "demo" / "root"))
            desk._start([str(REPO / ".venv" / "bin" / "tracklight")], "tracklight", app_env)
            try:
                desk.wait(desk.icon, 30, "Tracklight's tray icon")
            except SystemExit:
                sys.stderr.write((work / "tracklight.log").read_text())
                raise
            time.sleep(2)
            desk.keys("ctrl+w")  # the first start's welcome window: Tracklight stays in the tray
            width, height = (int(n) for n in SIZE.split("x"))
            scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
            menu_w, menu_h, notice_w, notice_h = (round(n * scale) for n in (420, 340, 420, 210))
            desk.click_icon("3")
            desk.shot(out / "tray-menu.png", crop=f"{menu_w}x{menu_h}+{width - menu_w}+{height - menu_h}")
            # Visual Studio Code, the fourth entry: the worst few come first (Azure CLI and Heroku CLI are "full")
            desk.keys("Down", "Down", "Down", "Down", "Return")
            time.sleep(2.5)
            desk.shot(out / "notice.png", crop=f"{notice_w}x{notice_h}+{width - notice_w}+{height - notice_h}")
            desk.keys("Escape")
            desk.click_icon("3")
            desk.keys("Up", "Up", "Return")  # Open Tracklight… (Quit is the last entry)
            time.sleep(2)
            desk.shot(out / "window.png", window="Tracklight")
            desk.keys("alt+e")
            time.sleep(3)
            desk.shot(out / "everything.png", window="Opt out of everything")
            desk.keys("Escape")
        finally:
            desk.close()


if __name__ == "__main__":
    main()
