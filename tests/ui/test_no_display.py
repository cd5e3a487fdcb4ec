"""`tracklight` on a Linux machine with no display says so and exits 1, instead of Qt aborting with a core dump."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.ui.launch import no_display_problem


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux sessions can lack a display")
def test_linux_without_display_is_explained_not_aborted(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_RUNTIME_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    tracklight = Path(sys.executable).parent / "tracklight"  # the installed command, as `make run` starts it
    done = subprocess.run([str(tracklight)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "no graphical session" in done.stderr
    assert "tracklight scan" in done.stderr
    assert "Aborted" not in done.stderr and "platform plugin" not in done.stderr


def test_a_display_or_a_chosen_platform_is_trusted():
    assert no_display_problem({"DISPLAY": ":0"}, (), "linux") is None
    assert no_display_problem({"WAYLAND_DISPLAY": "wayland-0"}, (), "linux") is None
    assert no_display_problem({"QT_QPA_PLATFORM": "offscreen"}, (), "linux") is None
    assert no_display_problem({}, ("-platform", "offscreen"), "linux") is None
    assert no_display_problem({}, (), "darwin") is None
    assert no_display_problem({}, (), "win32") is None
    assert no_display_problem({}, (), "linux") is not None
