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


def system_autostart_files(env: Mapping[str, str]) -> list[str]:
    """An admin's autostart entries of the same name ($XDG_CONFIG_DIRS/autostart, default /etc/xdg/autostart)."""
    dirs = [d for d in env.get("XDG_CONFIG_DIRS", "").split(":") if d.startswith("/")] or ["/etc/xdg"]
    return [os.path.join(d, "autostart", "tracklight.desktop") for d in dirs]


def _entry_enabled(path: str) -> bool | None:
    """None when there is no entry; else whether it starts (not switched off with Hidden=true)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(65536)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return False
    return "\nHidden=true" not in f"\n{text}"


def _system_entry(env: Mapping[str, str]) -> bool:
    return any(_entry_enabled(path) for path in system_autostart_files(env))


def is_enabled(env: Mapping[str, str]) -> bool:
    """True when the user's entry starts Tracklight, or there is none and an admin's entry of the same name does
    (the user's file of the same name overrides the admin's, as the XDG autostart spec says)."""
    user = _entry_enabled(autostart_file(env))
    return user if user is not None else _system_entry(env)


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
    """Remove the user's autostart entry; where an admin's entry would still start it, write one that hides it."""
    from tracklight.changes.atomic import atomic_remove, atomic_write

    path = autostart_file(env)
    if _system_entry(env):
        hidden = desktop_entry(launch_command()) + "Hidden=true\n"
        atomic_write(path, hidden.encode("utf-8"), mode=0o644, make_parents=True)
    elif os.path.lexists(path):
        atomic_remove(path)

