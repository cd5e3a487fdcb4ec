"""Persistent environment settings (docs/ARCHITECTURE.md, "Files Tracklight writes"), so new shells and sessions
see them.

Linux: `~/.config/environment.d/60-tracklight.conf` (KEY=value; systemd user sessions and so GUI apps),
`~/.config/tracklight/env.sh` (POSIX `export`), `~/.config/tracklight/env.fish` (`set -gx`), and one marked block
that sources env.sh in `~/.profile` (created when missing), in `~/.bash_profile` or `~/.bash_login` (bash reads the
first of those *instead of* ~/.profile), and in `~/.bashrc` and `~/.zshenv` where they exist. Where fish is in use
(`~/.config/fish` exists) a small `conf.d/tracklight-env.fish` sources env.fish.
macOS: env.sh, env.fish, the same blocks plus a `~/.zshenv` block (zsh is the login shell there), and a LaunchAgent
that runs `launchctl setenv` at login for GUI apps; the running session is updated through the adapter.
Windows: env.sh (what Tracklight itself reads back) and `HKCU\\Environment` plus the WM_SETTINGCHANGE broadcast,
through the adapter.

The session's environment (launchctl, HKCU\\Environment) is shared with the person and other programs, so what it
held before Tracklight set a variable there is recorded, with its registry type, and put back exactly when
Tracklight lets go of the variable, by opt-in or undo (session_record.py); a value someone changed since Tracklight
set it is theirs and stays as it is. In files nothing like it is needed: Tracklight's env files are its own, and its
block in a startup file leaves the person's own lines alone.

The store only *plans* files (FileChange records): apply writes them through atomic_write and the journal like any
other file, so undo restores them byte for byte. Platform calls that are not files go through an injected adapter,
so their logic is tested on any OS with a recording adapter. The source of truth for "what is set" is the file
tracklight.core.environment reads (60-tracklight.conf on Linux, env.sh elsewhere), so a scan right after an opt-out
sees the new value.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tracklight.changes import shellblock
from tracklight.changes.atomic import missing_parents, read_current
from tracklight.changes.changeset import EnvChange, FileChange, Purpose
from tracklight.changes.difftext import unified_diff
from tracklight.changes.session_record import SessionRecord, SessionValue, record_path
from tracklight.core import env_file, locations
from tracklight.core.environment import read_managed_env
from tracklight.core.model import Os
from tracklight.errors import FormatError

LAUNCH_AGENT_LABEL = "org.tracklight.environment"
ENV_FILE_MODE = 0o644  # not secret; read by the user's shells and session manager

_HEADER = ("Written by Tracklight: telemetry opt-outs for new sessions. Change them with `tracklight optout`, "
           "`tracklight optin` or `tracklight undo`; edits by hand are replaced on the next change.")


class EnvPlatform(Protocol):
    """Platform calls beyond files. Linux needs none; macOS: launchctl; Windows: the registry and a broadcast."""

    def read_session(self, name: str) -> SessionValue | None:
        """The variable as the session's environment holds it now (None: not set).

        FormatError for a value that could not be put back exactly (a registry type other than REG_SZ or
        REG_EXPAND_SZ).
        """

    def set_session(self, name: str, value: str) -> None:
        """Set Tracklight's value (Windows: as REG_SZ)."""

    def restore_session(self, name: str, previous: SessionValue) -> None:
        """Put back a value exactly as read_session gave it (Windows: with its registry type)."""

    def unset_session(self, name: str) -> None: ...

    def announce(self) -> None:
        """Tell running programs the environment changed (Windows: WM_SETTINGCHANGE). No-op elsewhere."""


class NoPlatformCalls:
    """Linux: the files are all there is."""

    def read_session(self, name: str) -> SessionValue | None:
        return None

    def set_session(self, name: str, value: str) -> None:
        pass

    def restore_session(self, name: str, previous: SessionValue) -> None:
        pass

    def unset_session(self, name: str) -> None:
        pass

    def announce(self) -> None:
        pass


# ---------------------------------------------------------------- file contents (rendered by core.env_file)


def fish_loader_text(env_fish: str) -> str:
    quoted = env_file.fish_quote(env_fish)
    return f"# {_HEADER}\nif test -r {quoted}\n    source {quoted}\nend\n"


def _xml_text(text: str) -> str:
    # (xml.sax.saxutils.escape would do, but importing it pulls in urllib and http: 40 ms on every start)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def launch_agent_text(values: Mapping[str, str]) -> str:
    """A LaunchAgent that sets the variables for the GUI session at login (launchctl setenv, one pair per call)."""
    command = "; ".join(f"/bin/launchctl setenv {name} {shlex.quote(values[name])}" for name in sorted(values))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"\t<key>Label</key>\n\t<string>{LAUNCH_AGENT_LABEL}</string>\n"
        "\t<key>ProgramArguments</key>\n\t<array>\n"
        "\t\t<string>/bin/sh</string>\n\t\t<string>-c</string>\n"
        f"\t\t<string>{_xml_text(command)}</string>\n"
        "\t</array>\n\t<key>RunAtLoad</key>\n\t<true/>\n</dict>\n</plist>\n"
    )


# ---------------------------------------------------------------- the store


@dataclass(frozen=True)
class EnvPlan:
    files: tuple[FileChange, ...]
    env: tuple[EnvChange, ...]


class EnvironmentStore:
    """Plans the env files for a new set of variables; runs the platform calls after apply and undo."""

    def __init__(self, os_: Os, env: Mapping[str, str], platform: EnvPlatform | None = None,
                 record: SessionRecord | None = None) -> None:
        """`record`: where the session's previous values are kept (default: Tracklight's state folder)."""
        self.os_ = os_
        self.env = env
        self.platform: EnvPlatform = platform or NoPlatformCalls()
        self.home = locations.home(os_, env)
        self.record = record or SessionRecord(record_path(os_, env))

    # paths
    @property
    def env_sh(self) -> str:
        return locations.env_sh_file(self.os_, self.env)

    @property
    def env_fish(self) -> str:
        return locations.env_fish_file(self.os_, self.env)

    def _home_file(self, name: str) -> str:
        return posixpath.join(self.home, name)

    def current(self) -> dict[str, str]:
        """The variables Tracklight has set now (what the core reads back)."""
        return read_managed_env(self.os_, self.env)

    def startup_files(self) -> list[tuple[str, bool]]:
        """(path, create when missing) of every startup file that gets the block, on this OS."""
        if self.os_ is Os.WINDOWS:
            return []
        wanted: list[tuple[str, bool]] = [(self._home_file(".profile"), True)]
        # bash as a login shell reads the first of these that exists, and then not ~/.profile.
        for name in (".bash_profile", ".bash_login"):
            if os.path.lexists(self._home_file(name)):
                wanted.append((self._home_file(name), False))
                break
        wanted.append((self._home_file(".bashrc"), False))
        wanted.append((self._home_file(".zshenv"), self.os_ is Os.MACOS))
        return wanted

    def fish_loader(self) -> str | None:
        config = posixpath.join(locations.xdg_dir("XDG_CONFIG_HOME", self.env), "fish")
        if self.os_ is Os.WINDOWS or not os.path.isdir(config):
            return None
        return posixpath.join(config, "conf.d", "tracklight-env.fish")

    def launch_agent(self) -> str:
        return posixpath.join(self.home, "Library", "LaunchAgents", f"{LAUNCH_AGENT_LABEL}.plist")

    def runs_at_start(self) -> frozenset[str]:
        """The files among those Tracklight may write that a shell or the session runs at start (its blocks in
        ~/.profile and the like, the fish loader, the LaunchAgent): a person must be told before they change."""
        paths = {path for path, _create in self.startup_files()}
        loader = self.fish_loader()
        if loader is not None:
            paths.add(loader)
        if self.os_ is Os.MACOS:
            paths.add(self.launch_agent())
        return frozenset(paths)

    # planning
    def plan(self, changes: Sequence[EnvChange]) -> EnvPlan:
        """The file changes that make `changes` persistent (old values are taken from the files, not the caller)."""
        current = self.current()
        values = dict(current)
        env_changes: list[EnvChange] = []
        for change in changes:
            env_file.validate(change.name, change.new_value)
            old = current.get(change.name)
            if change.new_value is None:
                values.pop(change.name, None)
            else:
                values[change.name] = change.new_value
            if old != change.new_value:
                env_changes.append(EnvChange(change.name, old, change.new_value, change.tool_ids))
        if not env_changes:
            return EnvPlan((), ())
        self._check_session(env_changes)
        return EnvPlan(tuple(self._files_for(values)), tuple(env_changes))

    def _check_session(self, changes: Sequence[EnvChange]) -> None:
        """Refuse now, before any file is written, what after_apply could not do: a record that can't be read, a
        session value that could not be put back exactly."""
        self.record.load()
        for change in changes:
            if change.old_value is None and change.new_value is not None:
                self.platform.read_session(change.name)

    def _files_for(self, values: Mapping[str, str]) -> list[FileChange]:
        wanted: list[tuple[str, bytes | None]] = []
        if self.os_ is Os.LINUX:
            wanted.append((locations.environment_d_file(self.env), _text_or_none(env_file.render_environment_d,
                                                                                 values)))
        wanted.append((self.env_sh, _text_or_none(env_file.render_sh, values)))
        if self.os_ is not Os.WINDOWS:
            wanted.append((self.env_fish, _text_or_none(env_file.render_fish, values)))
            loader = self.fish_loader()
            if loader is not None:
                wanted.append((loader, fish_loader_text(self.env_fish).encode() if values else None))
        if self.os_ is Os.MACOS:
            wanted.append((self.launch_agent(), launch_agent_text(values).encode() if values else None))

        changes: list[FileChange] = []
        for path, after in wanted:
            before = read_current(path)
            if before != after:
                changes.append(_file_change(path, before, after))
        for path, create in self.startup_files():
            change = self._block_change(path, create, present=bool(values))
            if change is not None:
                changes.append(change)
        return changes

    def _block_change(self, path: str, create: bool, *, present: bool) -> FileChange | None:
        before = read_current(path)
        if before is None and not (create and present):
            return None
        text = shellblock.decode(before)
        if present:
            new_text = shellblock.add_block(text, self.env_sh, self.home, created=before is None)
            after: bytes | None = shellblock.encode(new_text)
        else:
            new_text, created = shellblock.remove_block(text)
            after = None if created and new_text == "" else shellblock.encode(new_text)
        if after == before:
            return None
        return _file_change(path, before, after)

    # platform calls
    def after_apply(self, changes: Sequence[EnvChange]) -> None:
        """Update the running session (macOS launchctl, Windows registry) to the new values.

        A variable Tracklight takes over (it had no value of Tracklight's) has the session's value recorded first;
        one it lets go of gets that value back, or is unset when there was none. Undo comes here too, with each
        change reversed, so it puts back the same way.
        """
        if not changes:
            return
        recorded = self.record.load()
        record = dict(recorded)
        for change in changes:
            if change.old_value is None and change.new_value is not None:
                # What is there now is the person's own value (or nothing): it goes on record before it is replaced,
                # and durably, so a crash right after cannot lose it.
                before = self.platform.read_session(change.name)
                if before is None:
                    record.pop(change.name, None)
                else:
                    record[change.name] = before
        if record != recorded:
            self.record.save(record)
        for change in changes:
            if change.new_value is not None:
                self.platform.set_session(change.name, change.new_value)
            else:
                self._let_go(change, record.pop(change.name, None))
        if record != recorded:
            self.record.save(record)
        self.platform.announce()

    def after_undo(self, changes: Sequence[EnvChange]) -> None:
        """Put the running session's values back as they were before `changes` (what undo does, change by change)."""
        self.after_apply([EnvChange(c.name, c.new_value, c.old_value, c.tool_ids) for c in changes])

    def _let_go(self, change: EnvChange, previous: SessionValue | None) -> None:
        current = self.platform.read_session(change.name)
        if current is None or current.value != change.old_value:
            # Not Tracklight's value any more: someone set or removed it since, and that choice stands.
            return
        if previous is None:
            self.platform.unset_session(change.name)
        else:
            self.platform.restore_session(change.name, previous)


def _text_or_none(render: Callable[[Mapping[str, str], Iterable[str]], str],
                  values: Mapping[str, str]) -> bytes | None:
    # No variable left: the file goes away entirely rather than staying as an empty shell.
    return render(values, (_HEADER,)).encode("utf-8") if values else None


def _file_change(path: str, before: bytes | None, after: bytes | None) -> FileChange:
    return FileChange(path=path, before=before, after=after, diff=unified_diff(path, before, after),
                      purpose=Purpose.ENV, mode=ENV_FILE_MODE,
                      created_dirs=missing_parents(path) if before is None else ())


# ---------------------------------------------------------------- real platform adapters


class LaunchctlPlatform:
    """macOS: `launchctl setenv` for the running GUI session (the LaunchAgent covers the next login)."""

    def __init__(self, run: Callable[[list[str]], object] | None = None,
                 output: Callable[[list[str]], str] | None = None) -> None:
        self._run = run or _run_quietly
        self._output = output or _output_of

    def read_session(self, name: str) -> SessionValue | None:
        # `launchctl getenv` prints the value and a newline, or nothing at all for a variable that is not set (so an
        # empty value reads as not set: launchctl does not tell them apart).
        text = self._output(["/bin/launchctl", "getenv", name])
        value = text.removesuffix("\n")
        return SessionValue(value) if value else None

    def set_session(self, name: str, value: str) -> None:
        self._run(["/bin/launchctl", "setenv", name, value])

    def restore_session(self, name: str, previous: SessionValue) -> None:
        self._run(["/bin/launchctl", "setenv", name, previous.value])

    def unset_session(self, name: str) -> None:
        self._run(["/bin/launchctl", "unsetenv", name])

    def announce(self) -> None:
        pass


def _run_quietly(argv: list[str]) -> object:
    import subprocess

    return subprocess.run(argv, check=False, capture_output=True, timeout=10)


def _output_of(argv: list[str]) -> str:
    import subprocess

    done = subprocess.run(argv, check=False, capture_output=True, timeout=10, text=True)
    return done.stdout if done.returncode == 0 else ""


def _winreg() -> Any:
    import importlib

    return importlib.import_module("winreg")  # Windows only; typed loosely so other systems type-check it


class WindowsRegistryPlatform:  # pragma: no cover - needs Windows
    """Windows: HKCU\\Environment (what new processes inherit) and the WM_SETTINGCHANGE broadcast."""

    def read_session(self, name: str) -> SessionValue | None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_QUERY_VALUE) as key:
                data, kind = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        kinds = {winreg.REG_SZ: "REG_SZ", winreg.REG_EXPAND_SZ: "REG_EXPAND_SZ"}
        if kind not in kinds or not isinstance(data, str):
            raise FormatError(f"HKCU\\Environment\\{name} holds a value of registry type {kind}, not text; "
                              "Tracklight does not replace a value it could not put back exactly")
        return SessionValue(data, kinds[kind])

    def set_session(self, name: str, value: str) -> None:
        self._write(name, value, "REG_SZ")

    def restore_session(self, name: str, previous: SessionValue) -> None:
        self._write(name, previous.value, previous.kind or "REG_SZ")

    def _write(self, name: str, value: str, kind: str) -> None:
        winreg = _winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, name, 0, getattr(winreg, kind), value)

    def unset_session(self, name: str) -> None:
        winreg = _winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_SET_VALUE) as key:
            try:
                winreg.DeleteValue(key, name)
            except FileNotFoundError:
                pass

    def announce(self) -> None:
        import ctypes

        hwnd_broadcast, wm_settingchange, smto_abortifhung = 0xFFFF, 0x001A, 0x0002
        result = ctypes.c_ulong()
        ctypes.windll.user32.SendMessageTimeoutW(  # type: ignore[attr-defined]
            hwnd_broadcast, wm_settingchange, 0, "Environment", smto_abortifhung, 5000, ctypes.byref(result))


def platform_for(os_: Os) -> EnvPlatform:
    """The real adapter for this OS."""
    if os_ is Os.MACOS:
        return LaunchctlPlatform()
    if os_ is Os.WINDOWS:
        return WindowsRegistryPlatform()
    return NoPlatformCalls()
