"""The tray app's own settings: `$XDG_CONFIG_HOME/tracklight/settings.toml`, read with tomllib, written with tomlkit.

Unknown keys (a newer version's, or a person's comment) are kept when a setting is saved. Writes go through the one
atomic-write function, like every other file Tracklight writes.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from tracklight.core import locations
from tracklight.core.model import Os


@dataclass(frozen=True)
class Settings:
    keep_opted_out: bool = False  # a tool that turns itself back on is opted out again without asking
    announce_new_tools: bool = True  # say so when a newly installed tool sends telemetry
    notify_changes: bool = True  # the "what changed / Undo" notice after a change
    welcomed: bool = False  # the window was shown once at the first start, so a new user sees what it found


_SAVING = threading.Lock()  # saves run on the worker pool: two quick toggles must not race on the same file


def settings_file(os_: Os, env: Mapping[str, str]) -> str:
    return locations.settings_path(os_, env)


def load_settings(os_: Os, env: Mapping[str, str]) -> Settings:
    """The saved settings; defaults for anything missing, mistyped, or when the file does not parse."""
    try:
        with open(settings_file(os_, env), "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):  # tomllib.load decodes: bytes may not be UTF-8
        return Settings()
    section = data.get("tray", {})
    if not isinstance(section, dict):
        return Settings()
    values = {}
    for item in fields(Settings):
        value = section.get(item.name)
        if isinstance(value, bool):
            values[item.name] = value
    return replace(Settings(), **values)


def save_settings(settings: Settings, os_: Os, env: Mapping[str, str]) -> None:
    """Write the [tray] table, keeping everything else in the file byte for byte."""
    import tomlkit

    from tracklight.changes.atomic import atomic_write, read_current

    path = settings_file(os_, env)
    with _SAVING:
        current = read_current(path)
        try:
            document = tomlkit.parse(current.decode("utf-8")) if current else tomlkit.document()
        except (UnicodeDecodeError, tomlkit.exceptions.ParseError):
            document = tomlkit.document()  # unreadable settings are replaced rather than left to block every save
        table = document.get("tray")
        if not isinstance(table, dict):
            table = tomlkit.table()
            document["tray"] = table
        for item in fields(Settings):
            table[item.name] = getattr(settings, item.name)
        atomic_write(path, tomlkit.dumps(document).encode("utf-8"), mode=0o600, expected_before=current,
                     make_parents=True)
