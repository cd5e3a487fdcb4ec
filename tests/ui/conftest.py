"""A sandbox desktop for the tray tests: fake executables on a PATH inside tmp_path and real preference files.

Every test gets the sandbox home from tests/conftest.py; these fixtures add the tools a person might have installed,
and build the tray app over that home (offscreen, so no display is needed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracklight.core.scan import scan

VSCODE_SETTINGS = b'{\n  // my editor settings\n  "editor.fontSize": 14,\n  "telemetry.telemetryLevel": "all"\n}\n'
NEXT_CONFIG = b'{\n  "telemetry": {\n    "notifiedAt": "1700000000000",\n    "enabled": true\n  }\n}\n'


@dataclass
class Desk:
    """The sandbox: its home, its PATH folder and the preference files planted in it."""

    home: Path
    bin: Path
    root: Path

    @property
    def vscode_settings(self) -> Path:
        return self.home / ".config" / "Code" / "User" / "settings.json"

    @property
    def next_config(self) -> Path:
        return self.home / ".config" / "nextjs-nodejs" / "config.json"

    @property
    def policy(self) -> Path:
        return self.root / "etc" / "tracklight" / "policy.toml"

    def install(self, *names: str) -> None:
        """Put fake executables on the sandbox PATH."""
        for name in names:
            exe = self.bin / name
            exe.write_text("#!/bin/sh\nexit 0\n")
            exe.chmod(0o755)

    def plant(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def scan(self):
        return scan()


@pytest.fixture
def desk(sandbox_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """VS Code, Next.js and the .NET SDK installed, each sending telemetry by its own files' say-so."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    desk = Desk(sandbox_home, bin_dir, Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"]))
    desk.install("code", "next", "dotnet")
    desk.plant(desk.vscode_settings, VSCODE_SETTINGS)
    desk.plant(desk.next_config, NEXT_CONFIG)
    return desk


@pytest.fixture
def make_app(qtbot, desk: Desk) -> Iterator:
    """Build (and afterwards shut down) TracklightApps over the sandbox."""
    from tracklight.ui.tracklight_app import TracklightApp

    apps: list[TracklightApp] = []

    def build(tray: bool = True, show_window: bool = False, watch: bool = True) -> TracklightApp:
        app = TracklightApp(tray=tray)
        apps.append(app)
        app.start(show_window=show_window)
        if watch:
            qtbot.waitUntil(lambda: app.watcher is not None and bool(app.watcher.folders), timeout=5000)
        return app

    yield build
    for app in apps:
        app.shutdown()
        if app.window is not None:
            app.window.close()
            app.window.deleteLater()
        app.deleteLater()  # results still queued for it are dropped with it
