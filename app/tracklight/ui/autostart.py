"""Start at login: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/tracklight.desktop` (Linux and BSD desktops).

The file's presence is the setting: Settings shows a checkbox that writes or removes it. The entry is written
through the one atomic-write function.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping

from tracklight.core import locations
from tracklight.resources import icons_dir


def autostart_file(env: Mapping[str, str]) -> str:
    return os.path.join(locations.xdg_dir("XDG_CONFIG_HOME", env), "autostart", "tracklight.desktop")


def is_enabled(env: Mapping[str, str]) -> bool:
    """True when the autostart entry exists and is not switched off with Hidden=true."""
    try:
        with open(autostart_file(env), encoding="utf-8") as handle:
            text = handle.read(65536)
    except (OSError, UnicodeDecodeError):
        return False
    return "\nHidden=true" not in f"\n{text}"


def launch_command() -> list[str]:
    """How this Tracklight is started again: the bundle's own executable, the installed `tracklight` script, else
    this Python with -m."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable), "tray"]
    script = shutil.which("tracklight")
    if script:
        return [os.path.abspath(script), "tray"]
    return [sys.executable, "-m", "tracklight.cli", "tray"]


def _exec_quote(argument: str) -> str:
    """Quote one argument for a desktop entry's Exec key (double quotes; \", \\, ` and $ escaped)."""
    if argument and all(c.isalnum() or c in "-_./+=:@," for c in argument):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(_exec_quote(part).replace("%", "%%") for part in command)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Tracklight\n"
        "Comment=See which installed software tracks you, and switch it off\n"
        f"Exec={exec_line}\n"
        f"Icon={icons_dir() / 'tracklight.svg'}\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def enable(env: Mapping[str, str], command: list[str] | None = None) -> str:
    """Write the autostart entry; returns its path."""
    from tracklight.changes.atomic import atomic_write

    path = autostart_file(env)
    atomic_write(path, desktop_entry(command or launch_command()).encode("utf-8"), mode=0o644, make_parents=True)
    return path


def disable(env: Mapping[str, str]) -> None:
    """Remove the autostart entry (nothing to do when there is none)."""
    from tracklight.changes.atomic import atomic_remove

    path = autostart_file(env)
    if os.path.lexists(path):
        atomic_remove(path)

