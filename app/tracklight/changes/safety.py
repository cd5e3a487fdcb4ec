"""The ONE place that decides whether Tracklight may write a file (its rules: docs/ARCHITECTURE.md).

User scope: only under the home folder (and the user's own XDG base folders), judged on the real path after
symlinks, so a link that points out of home is refused; never credentials, never shell startup files or other files
that run code at login; never Tracklight's own files on a manifest's behalf. The one exception is Tracklight's own
env files and its marked block in startup files, written by the env store: `check_env_file` verifies that nothing
but that block differs.

Windows (judged with ntpath on any OS, see pathrules.py): home is %USERPROFILE% (with %APPDATA% and %LOCALAPPDATA%
counted as the user's even where folder redirection moved them, as long as they are on a local drive); paths compare
without regard to case, with either separator; UNC and device paths, paths without a drive, alternate data streams,
reserved device names and 8.3 short names are refused; besides the lists every OS shares (%USERPROFILE%\\.ssh,
%USERPROFILE%\\.aws\\credentials, …) come Windows' own credential stores (%APPDATA%\\gnupg, Credentials, Protect,
Vault), its startup places (the Start Menu's Startup folder, PowerShell profiles wherever Documents is) and any file
Windows runs by its name (.ps1, .cmd, .exe, .lnk, …). Symlinks and junctions are followed by realpath on Windows
itself; elsewhere a Windows path is only normalised (the resolver is injected in tests).

System scope (`tracklight policy apply`): only under the system root, only for the catalog, a policy, or a manifest
that is root-owned, not writable by others and installed outside any home folder; the same kinds of files stay
forbidden (/etc/shadow, sudoers, /etc/profile, …). Windows has no system scope for files: an administrator deploys
opt-outs there with `tracklight export`.

Refusals raise UnsafePathError. `OutsideAreaError` (a subclass) marks a path that is merely in the other scope's area
(a catalog tool's /etc file in user scope): the planner may then use another of the tool's controls; any other
refusal stops that tool's plan.
"""

from __future__ import annotations

import enum
import ntpath
import os
import posixpath
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tracklight.changes import shellblock
from tracklight.changes.pathrules import PathRules
from tracklight.changes.pathrules import relative as relative_key
from tracklight.changes.pathrules import under as under_key
from tracklight.core import locations, write_rules
from tracklight.core.model import Os, Source, Tool
from tracklight.errors import UnsafePathError


class Scope(enum.Enum):
    USER = "user"
    SYSTEM = "system"


_XDG_DEFAULTS = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share", "XDG_STATE_HOME": ".local/state",
                 "XDG_CACHE_HOME": ".cache"}
# Windows' application-data folders, which folder redirection may move off the profile, each with its default place.
_WINDOWS_APPDATA = {"APPDATA": "AppData/Roaming", "LOCALAPPDATA": "AppData/Local"}


class OutsideAreaError(UnsafePathError):
    """The path is outside this scope's area (not a forbidden file as such)."""


# The lists live with the allow-list in core/write_rules.py, so `manifest validate` applies them too; they are
# named here as well for the modules that read them from safety.
CREDENTIAL_PATHS = write_rules.CREDENTIAL_PATHS
CREDENTIAL_NAMES = write_rules.CREDENTIAL_NAMES
STARTUP_PATHS = write_rules.STARTUP_PATHS
SYSTEM_FORBIDDEN = write_rules.SYSTEM_FORBIDDEN
WINDOWS_PROFILE_FOLDERS = write_rules.WINDOWS_PROFILE_FOLDERS


_fold = write_rules.fold
_deny_lists = write_rules.deny_lists
_matches = write_rules.matches
_name_matches = write_rules.name_matches
_in_profile_folder = write_rules.in_profile_folder


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def default_resolver(os_: Os) -> Callable[[str], str]:
    """How a path becomes the real path it names on this machine (symlinks and junctions followed)."""
    if os_ is Os.WINDOWS and os.path is not ntpath:
        # Judging Windows paths from another OS (tests, previews): there is no file system to ask about links, so
        # the path is only normalised. On Windows itself, realpath follows symlinks and junctions.
        return ntpath.normpath
    return os.path.realpath


def _is_filesystem_root(path: str, os_: Os) -> bool:
    if os_ is Os.WINDOWS:
        _drive, rest = ntpath.splitdrive(path)
        return rest in ("", "\\", "/")
    return posixpath.normpath(path) == "/"


@dataclass(frozen=True)
class WriteGuard:
    """What may be written, for one scope on one machine. Build it with `WriteGuard.for_env`."""

    scope: Scope
    os_: Os
    home: str  # real path
    # keys (pathrules) of the real home and of the user's own base folders kept outside it, each with where it sits
    # by default under home ("" for home itself)
    user_roots: tuple[tuple[str, str], ...]
    system_root: str  # real path of the folder treated as "/"
    own_dirs: tuple[str, ...]  # keys of Tracklight's own folders (never a manifest's target)
    env_files: tuple[str, ...]  # keys of Tracklight's env files (written only by the env store)
    env_sh: str
    lexical_home: str
    resolve: Callable[[str], str] = field(default=os.path.realpath, compare=False, repr=False)
    home_problem: str | None = None  # why nothing in home may be written at all (Windows: a UNC profile)

    @classmethod
    def for_env(cls, env: Mapping[str, str], os_: Os, scope: Scope = Scope.USER,
                root: str | None = None, resolve: Callable[[str], str] | None = None) -> WriteGuard:
        """The guard for this environment; `resolve` replaces realpath (tests stand in Windows junctions with it)."""
        rules = PathRules(os_)
        resolve = resolve or default_resolver(os_)
        home = locations.home(os_, env)
        home_problem = rules.refusal(home)
        real_home = home if home_problem else rules.resolved(resolve(home))
        if home_problem is None and rules.refusal(real_home) is not None:
            home_problem = f"resolves to {real_home}, which {rules.refusal(real_home)}"
        home_variable = "USERPROFILE" if os_ is Os.WINDOWS else "HOME"
        if not env.get(home_variable) and not (os_ is Os.WINDOWS and env.get("HOME")):
            home_problem = (f"is not known: {home_variable} is not set, and Tracklight will not guess where your "
                            "files are")
        elif home_problem is None and _is_filesystem_root(real_home, os_):
            home_problem = "is the root of the file system; Tracklight writes only inside a real home folder"
        home_key = rules.key(real_home)
        roots = [(home_key, "")]
        # A user may keep these folders outside home; they are theirs when they own them. On Windows, where
        # ownership can't be read the same way, only the two folders Windows itself names (folder redirection),
        # on a local drive and never a whole drive.
        base_folders = _WINDOWS_APPDATA if os_ is Os.WINDOWS else _XDG_DEFAULTS
        for name, default in base_folders.items():
            value = env.get(name, "")
            if not _own_base_folder(rules, value):
                continue
            real = rules.resolved(resolve(value))
            if rules.refusal(real) is not None:
                continue
            key = rules.key(real)
            if not under_key(key, home_key):
                roots.append((key, default))
        own = (locations.config_dir(os_, env), locations.state_dir(os_, env), locations.data_dir(os_, env),
               locations.cache_dir(os_, env))
        env_files = [locations.env_sh_file(os_, env), locations.env_fish_file(os_, env)]
        if os_ is Os.LINUX:
            env_files.append(locations.environment_d_file(env))
        system_root = os.path.realpath(root or locations.system_root(env))

        def real_key(path: str) -> str:
            return rules.key(rules.resolved(resolve(path)))

        return cls(scope, os_, real_home, tuple(roots), system_root, tuple(real_key(d) for d in own),
                   tuple(real_key(f) for f in env_files), locations.env_sh_file(os_, env), home, resolve,
                   home_problem)

    # ---------------------------------------------------------------- helpers

    @property
    def rules(self) -> PathRules:
        return PathRules(self.os_)

    def _fold(self, text: str) -> str:
        return _fold(self.os_, text)

    def _shown(self, relative: str, native: str) -> str:
        """`relative` for a message, in the spelling of `native` where they agree (Windows keys are lower-case)."""
        parts = relative.split("/")
        native_parts = self.rules.normpath(native).replace("\\", "/").split("/")
        for i in range(1, min(len(parts), len(native_parts)) + 1):
            if self._fold(native_parts[-i]) != self._fold(parts[-i]):
                break
            parts[-i] = native_parts[-i]
        if self.os_ is Os.WINDOWS:
            return "%USERPROFILE%\\" + "\\".join(parts)
        return "~/" + "/".join(parts)

    def _relative_to_home(self, path: str) -> str | None:
        """The path relative to home (`/`-separated); inside a base folder kept elsewhere, as if at its default."""
        key = self.rules.key(path)
        for root, prefix in self.user_roots:
            relative = relative_key(key, root)
            if relative is not None:
                if prefix:
                    return prefix if relative == "." else f"{prefix}/{relative}"
                return relative
        return None

    def _inside_lexically(self, lexical: str) -> bool:
        return (under_key(self.rules.key(lexical), self.rules.key(self.lexical_home))
                or self._relative_to_home(lexical) is not None)

    def _refuse_spelling(self, path: str) -> str:
        """The real path, after refusing a spelling that can't be judged (pathrules); UnsafePathError if so."""
        problem = self.rules.refusal(path)
        if problem:
            raise UnsafePathError(problem, path=path)
        real = self.rules.resolved(self.resolve(path))
        problem = self.rules.refusal(real)
        if problem:
            raise UnsafePathError(f"resolves to {real}, which {problem}", path=path)
        return real

    def _forbidden_in_home(self, real: str, lexical: str, allow_startup: bool = False) -> str | None:
        """Why a user-scope path is forbidden, or None."""
        lists = _deny_lists(self.os_)
        relatives = [(self._relative_to_home(real), real), (self._relative_to_home(lexical), lexical),
                     (relative_key(self.rules.key(lexical), self.rules.key(self.lexical_home)), lexical)]
        for relative, native in relatives:
            if relative is None:
                continue
            folded = self._fold(relative)
            if _matches(folded, lists.credential_paths) or _name_matches(folded, lists.credential_names):
                return f"holds credentials ({self._shown(relative, native)}); Tracklight never writes there"
            short = self.rules.short_name(folded)
            if short:
                return (f"goes through {short!r}, which looks like a short (8.3) name; Tracklight judges paths only "
                        "by their full names")
            shown = self._shown(relative, native)
            startup = _matches(folded, lists.startup_paths) or (self.os_ is Os.WINDOWS and _in_profile_folder(folded))
            if startup and not allow_startup:
                return (f"is a shell startup or autostart file ({shown}); Tracklight only writes its own marked "
                        "block there, for environment settings")
            if _name_matches(folded, lists.program_names):
                return f"is a program, script or shortcut that Windows runs ({shown}); Tracklight never writes one"
        real_key = self._fold(self.rules.key(real))
        for own in self.own_dirs:
            if under_key(real_key, self._fold(own)):
                return "is one of Tracklight's own files; a manifest cannot point there"
        return None

    # ---------------------------------------------------------------- the checks

    def check_tool_file(self, path: str, tool: Tool | None, format_: str | None = None) -> str:
        """May this tool's control (of file format `format_`) write `path`? Returns the real path written;
        UnsafePathError if not. The allow-list of core/write_rules.py applies, as `manifest validate` applies it.

        `tool` None: the re-check right before writing a planned change (the tool was judged when planning).
        """
        if self.scope is Scope.SYSTEM:
            return self._check_system_file(path, tool)
        return self._check_user_file(path, tool, format_)

    def _check_user_file(self, path: str, tool: Tool | None, format_: str | None = None) -> str:
        problem = self.rules.refusal(path)
        if problem:
            raise UnsafePathError(problem, path=path)
        if self.home_problem:
            raise UnsafePathError(f"your home folder {self.lexical_home} {self.home_problem}; Tracklight writes "
                                  "nothing there", path=path)
        lexical = self.rules.normpath(path)
        real = self._refuse_spelling(path)
        if self._relative_to_home(real) in (None, "."):
            if self._inside_lexically(lexical) and self.rules.key(real) != self.rules.key(self.home):
                raise UnsafePathError(f"is a symlink to {real}, outside your home folder; not followed",
                                      path=path)
            if tool is not None and tool.source is Source.MANIFEST:
                raise UnsafePathError(
                    "is outside your home folder; a manifest from a user folder can never direct a write there",
                    path=path)
            if self.os_ is Os.WINDOWS:
                raise OutsideAreaError("is outside your user profile; Tracklight changes only your own files on "
                                       "Windows (an administrator can use `tracklight export`)", path=path)
            raise OutsideAreaError("is outside your home folder; a system-wide file needs "
                                   "`tracklight policy apply` (as an administrator)", path=path)
        reason = self._forbidden_in_home(real, lexical)
        if reason:
            raise UnsafePathError(reason, path=path)
        for relative, named in ((self._relative_to_home(lexical), True), (self._relative_to_home(real), False)):
            refusal = write_rules.home_path_refusal(relative, format_, self.os_, place=named) if relative else None
            if refusal:
                raise UnsafePathError(refusal, path=path)
        return real

    def _check_system_file(self, path: str, tool: Tool | None) -> str:
        if self.os_ is Os.WINDOWS:
            raise UnsafePathError("Tracklight writes no system-wide files on Windows; an administrator deploys "
                                  "opt-outs there with `tracklight export`", path=path)
        if tool is not None and not trusted_for_system(tool, self):
            raise UnsafePathError(f"the description of {tool.id} comes from {tool.origin}, which is not a root-owned "
                                  "system manifest; it cannot direct a system-wide write", path=path)
        real = self.resolve(path)
        root = self.system_root
        if not _under(real, root):
            raise UnsafePathError(f"resolves to {real}, outside the system root {root}", path=path)
        relative = posixpath.relpath(real, root) if real != root else "."
        refusal = write_rules.system_path_refusal(relative)
        if refusal:
            raise UnsafePathError(refusal, path=path)
        return real

    def check_env_file(self, path: str, before: bytes | None, after: bytes | None) -> str:
        """May the env store write this? Its own env files, or a startup file where only its block differs."""
        if self.home_problem:
            raise UnsafePathError(f"your home folder {self.lexical_home} {self.home_problem}; Tracklight writes "
                                  "nothing there", path=path)
        real = self._refuse_spelling(path)
        real_key = self._fold(self.rules.key(real))
        if any(real_key == self._fold(f) for f in self.env_files) or self._is_own_helper(real):
            return real
        if self._relative_to_home(real) is None:
            raise UnsafePathError("is outside your home folder; environment settings stay in it", path=path)
        reason = self._forbidden_in_home(real, self.rules.normpath(path), allow_startup=True)
        if reason:
            raise UnsafePathError(reason, path=path)
        old_text, new_text = shellblock.decode(before), shellblock.decode(after)
        if shellblock.remove_block(old_text)[0] != shellblock.remove_block(new_text)[0]:
            raise UnsafePathError("only Tracklight's marked block may change in a startup file", path=path)
        found = shellblock.find_block(new_text)
        if found is not None and found.body != shellblock.block_body(self.env_sh, self.lexical_home):
            raise UnsafePathError("Tracklight's block may only source its own env.sh", path=path)
        return real

    def _is_own_helper(self, real: str) -> bool:
        """The small files the env store owns besides env.sh: fish's loader, the macOS LaunchAgent."""
        if self.os_ is Os.WINDOWS:
            return False  # the env store writes neither there
        name = posixpath.basename(real)
        folder = posixpath.dirname(real)
        if name == "tracklight-env.fish" and folder.endswith("/fish/conf.d"):
            return self._relative_to_home(real) is not None
        if name == "org.tracklight.environment.plist" and folder.endswith("/Library/LaunchAgents"):
            return self._relative_to_home(real) is not None
        return False


def _own_base_folder(rules: PathRules, value: str) -> bool:
    if not value:
        return False
    if rules.windows:
        return rules.refusal(value) is None and not rules.key(value).endswith(":/")  # "c:/" is a whole drive
    return value.startswith("/") and os.path.isdir(value) and _owned_by_me(value)


def _owned_by_me(path: str) -> bool:
    if not hasattr(os, "geteuid"):
        return True
    try:
        return os.stat(path).st_uid == os.geteuid()
    except OSError:
        return False


def _root_owned_not_shared(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_uid == 0 and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def trusted_for_system(tool: Tool, guard: WriteGuard) -> bool:
    """The catalog and policies are trusted; a manifest only when root owns it and its folder, outside any home."""
    if tool.source is not Source.MANIFEST:
        return True
    origin = os.path.realpath(tool.origin)
    if guard._relative_to_home(origin) is not None or _under(origin, "/home") or _under(origin, "/Users"):
        return False
    return _root_owned_not_shared(origin) and _root_owned_not_shared(os.path.dirname(origin))
