"""Where things are, per OS: pure functions of (os, environment), so all three systems are testable anywhere.

Nothing here touches the disk. `root` is the folder treated as `/` for system-wide paths (the tests' sandbox, or
`--root DIR` when building an image).
"""

from __future__ import annotations

import ntpath
import posixpath
import re
import sys
from collections.abc import Mapping

from tracklight.core.model import Os

Env = Mapping[str, str]


def current_os() -> Os:
    if sys.platform == "darwin":
        return Os.MACOS
    if sys.platform == "win32":
        return Os.WINDOWS
    return Os.LINUX


def _join(os_: Os, *parts: str) -> str:
    return ntpath.join(*parts) if os_ is Os.WINDOWS else posixpath.join(*parts)


def home(os_: Os, env: Env) -> str:
    """The user's home folder: HOME (USERPROFILE on Windows)."""
    if os_ is Os.WINDOWS:
        return env.get("USERPROFILE") or env.get("HOME") or "C:\\Users\\Default"
    return env.get("HOME") or "/"


def under_root(root: str, path: str) -> str:
    """A system path (`/etc/x`) placed under `root` (`/tmp/r/etc/x`); unchanged when root is `/`."""
    if root in ("", "/"):
        return path
    return posixpath.join(root, path.lstrip("/"))


_XDG_DEFAULTS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
}


def xdg_dir(name: str, env: Env, os_: Os = Os.LINUX) -> str:
    """An XDG base folder, honouring the variable when it is an absolute path (as the spec says), else its default.

    Tools that use XDG folders on every OS (Node's xdg-basedir, Go's os.UserConfigDir on Linux only) fall back to
    the same folders under the user's home on macOS and Windows.
    """
    value = env.get(name, "")
    if os_ is Os.WINDOWS:
        if ntpath.isabs(value):
            return value
        return ntpath.join(home(os_, env), *_XDG_DEFAULTS[name].split("/"))
    if value.startswith("/"):
        return value
    return posixpath.join(home(os_, env), _XDG_DEFAULTS[name])


def _windows_folder(name: str, env: Env) -> str:
    value = env.get(name)
    if value:
        return value
    user = home(Os.WINDOWS, env)
    return {
        "APPDATA": ntpath.join(user, "AppData", "Roaming"),
        "LOCALAPPDATA": ntpath.join(user, "AppData", "Local"),
        "PROGRAMDATA": "C:\\ProgramData",
        "USERPROFILE": user,
    }[name]


# ---------------------------------------------------------------- path templates (manifest v1 "Paths")

_TEMPLATE_VAR = re.compile(
    r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<fallback>[^}]*))?\}"
    r"|\$(?P<bare>XDG_(?:CONFIG|DATA|STATE|CACHE)_HOME|HOME)\b"
    r"|%(?P<win>APPDATA|LOCALAPPDATA|USERPROFILE|PROGRAMDATA)%",
    re.IGNORECASE,
)
_KNOWN_BARE = {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"}


def _variable(name: str, os_: Os, env: Env) -> str | None:
    upper = name.upper()
    if upper == "HOME":
        return home(os_, env)
    if upper in _XDG_DEFAULTS:
        return xdg_dir(upper, env, os_)
    if upper in ("APPDATA", "LOCALAPPDATA", "USERPROFILE", "PROGRAMDATA"):
        return _windows_folder(upper, env) if os_ is Os.WINDOWS else env.get(upper)
    return None


def _absolute(value: str, os_: Os) -> bool:
    """An absolute path for that OS: `/x`, or on Windows a drive or UNC path (`C:\\x`, `\\\\server\\x`)."""
    return ntpath.isabs(value) if os_ is Os.WINDOWS else value.startswith("/")


def expand_path(template: str, os_: Os, env: Env, root: str = "/") -> str:
    """Expand a manifest path: a leading `~`, the XDG/HOME variables, the Windows folders, `${NAME:-fallback}`.

    Nothing else is expanded. `${NAME:-fallback}` uses the variable when set and non-empty, else the (expanded)
    fallback: a tool's own override such as `${AZURE_CONFIG_DIR:-~/.azure}`. A literal absolute path (a system file
    such as `/etc/popularity-contest.conf`) is placed under `root`.
    """
    if template.startswith("/") and os_ is not Os.WINDOWS:
        return under_root(root, posixpath.normpath(template))

    def substitute(match: re.Match[str]) -> str:
        if match.group("braced"):
            # POSIX meaning: the variable's own value when set and non-empty, else the fallback. So
            # ${XDG_CONFIG_HOME:-~}/.nuxtrc is ~/.nuxtrc unless XDG_CONFIG_HOME is set (Nuxt's rule).
            name = match.group("braced")
            value = env.get(name)
            if value and name.startswith("XDG_") and not _absolute(value, os_):
                value = None  # a relative XDG value is ignored, as the XDG spec says
            if value:
                return value
            if match.group("fallback") is None and name.upper() in _KNOWN_BARE:
                return _variable(name, os_, env) or ""
            fallback = match.group("fallback")
            return expand_path(fallback, os_, env, root) if fallback else ""
        name = match.group("bare") or match.group("win")
        value = _variable(name, os_, env)
        return value if value is not None else match.group(0)

    text = template
    if text == "~" or text.startswith(("~/", "~\\")):
        text = home(os_, env) + text[1:]
    text = _TEMPLATE_VAR.sub(substitute, text)
    if text.startswith("~/") or text == "~":  # a fallback such as ${X:-~/.x} expands to a leading ~
        text = home(os_, env) + text[1:]
    if os_ is Os.WINDOWS:
        return ntpath.normpath(text.replace("/", "\\"))
    return posixpath.normpath(text) if text else text


# ---------------------------------------------------------------- disclosure manifests

def manifest_dirs(os_: Os, env: Env, root: str = "/") -> list[tuple[str, str]]:
    """The disclosure folders to search, earliest wins, each with its scope ("user" or "system")."""
    if os_ is Os.MACOS:
        return [
            (posixpath.join(home(os_, env), "Library/Application Support/TelemetryDisclosures"), "user"),
            (under_root(root, "/Library/Application Support/TelemetryDisclosures"), "system"),
        ]
    if os_ is Os.WINDOWS:
        return [
            (ntpath.join(_windows_folder("APPDATA", env), "TelemetryDisclosures"), "user"),
            (ntpath.join(_windows_folder("PROGRAMDATA", env), "TelemetryDisclosures"), "system"),
        ]
    dirs = [
        (under_root(root, "/etc/telemetry-disclosures"), "system"),
        (posixpath.join(xdg_dir("XDG_DATA_HOME", env), "telemetry-disclosures"), "user"),
    ]
    data_dirs = [d for d in env.get("XDG_DATA_DIRS", "").split(":") if d.startswith("/")]
    if not data_dirs:
        data_dirs = [under_root(root, "/usr/local/share"), under_root(root, "/usr/share")]
    for data_dir in data_dirs:
        dirs.append((posixpath.join(data_dir, "telemetry-disclosures"), "system"))
    return _unique(dirs)


def _unique(dirs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    result = []
    for path, scope in dirs:
        if path not in seen:
            seen.add(path)
            result.append((path, scope))
    return result


# ---------------------------------------------------------------- Tracklight's own files (docs/ARCHITECTURE.md)

def config_dir(os_: Os, env: Env) -> str:
    if os_ is Os.MACOS:
        return posixpath.join(home(os_, env), "Library/Application Support/Tracklight")
    if os_ is Os.WINDOWS:
        return ntpath.join(_windows_folder("APPDATA", env), "Tracklight")
    return posixpath.join(xdg_dir("XDG_CONFIG_HOME", env), "tracklight")


def state_dir(os_: Os, env: Env) -> str:
    """Journal and backups."""
    if os_ is Os.MACOS:
        return posixpath.join(home(os_, env), "Library/Application Support/Tracklight/state")
    if os_ is Os.WINDOWS:
        return ntpath.join(_windows_folder("LOCALAPPDATA", env), "Tracklight", "state")
    return posixpath.join(xdg_dir("XDG_STATE_HOME", env), "tracklight")


def data_dir(os_: Os, env: Env) -> str:
    """Downloaded, verified data (catalog updates)."""
    if os_ is Os.MACOS:
        return posixpath.join(home(os_, env), "Library/Application Support/Tracklight/data")
    if os_ is Os.WINDOWS:
        return ntpath.join(_windows_folder("LOCALAPPDATA", env), "Tracklight", "data")
    return posixpath.join(xdg_dir("XDG_DATA_HOME", env), "tracklight")


def cache_dir(os_: Os, env: Env) -> str:
    if os_ is Os.MACOS:
        return posixpath.join(home(os_, env), "Library/Caches/Tracklight")
    if os_ is Os.WINDOWS:
        return ntpath.join(_windows_folder("LOCALAPPDATA", env), "Tracklight", "cache")
    return posixpath.join(xdg_dir("XDG_CACHE_HOME", env), "tracklight")


def settings_path(os_: Os, env: Env) -> str:
    return _join(os_, config_dir(os_, env), "settings.toml")


def environment_d_file(env: Env) -> str:
    """KEY=value lines read by systemd user sessions (and so by GUI apps)."""
    return posixpath.join(xdg_dir("XDG_CONFIG_HOME", env), "environment.d", "60-tracklight.conf")


def env_sh_file(os_: Os, env: Env) -> str:
    return _join(os_, config_dir(os_, env), "env.sh")


def env_fish_file(os_: Os, env: Env) -> str:
    return _join(os_, config_dir(os_, env), "env.fish")


def policy_file(os_: Os, env: Env, root: str = "/") -> str:
    """The admin policy of this machine."""
    if os_ is Os.MACOS:
        return under_root(root, "/Library/Application Support/Tracklight/policy.toml")
    if os_ is Os.WINDOWS:
        return ntpath.join(_windows_folder("PROGRAMDATA", env), "Tracklight", "policy.toml")
    return under_root(root, "/etc/tracklight/policy.toml")


def system_state_dir(root: str = "/") -> str:
    """The journal of system-scope changes (`tracklight policy apply`), under the system root."""
    return under_root(root, "/var/lib/tracklight")


def system_root(env: Env) -> str:
    """The folder treated as `/` for system paths: TRACKLIGHT_SYSTEM_ROOT (tests, image builds) or `/`."""
    return env.get("TRACKLIGHT_SYSTEM_ROOT") or "/"
