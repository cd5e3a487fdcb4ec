"""The ONE place that decides whether Tracklight may write a file (DESIGN.md, "Rules that never bend").

User scope: only under the home folder (and the user's own XDG base folders), judged on the real path after
symlinks, so a link that points out of home is refused; never credentials, never shell startup files or other files
that run code at login; never Tracklight's own files on a manifest's behalf. The one exception is Tracklight's own
env files and its marked block in startup files, written by the env store: `check_env_file` verifies that nothing
but that block differs.

System scope (`tracklight policy apply`): only under the system root, only for the catalog, a policy, or a manifest
that is root-owned, not writable by others and installed outside any home folder; the same kinds of files stay
forbidden (/etc/shadow, sudoers, /etc/profile, …).

Refusals raise UnsafePathError. `OutsideAreaError` (a subclass) marks a path that is merely in the other scope's area
(a catalog tool's /etc file in user scope): the planner may then use another of the tool's controls; any other
refusal stops that tool's plan.
"""

from __future__ import annotations

import enum
import fnmatch
import functools
import os
import posixpath
import stat
from collections.abc import Mapping
from dataclasses import dataclass

from tracklight.changes import shellblock
from tracklight.core import locations
from tracklight.core.model import Os, Source, Tool
from tracklight.errors import UnsafePathError


class Scope(enum.Enum):
    USER = "user"
    SYSTEM = "system"


_XDG_DEFAULTS = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share", "XDG_STATE_HOME": ".local/state",
                 "XDG_CACHE_HOME": ".cache"}


class OutsideAreaError(UnsafePathError):
    """The path is outside this scope's area (not a forbidden file as such)."""


# Relative to home. A folder entry forbids everything inside it. Files that are mainly settings but may also hold a
# token (~/.npmrc, ~/.yarnrc.yml) are not here: they are a tool's own preference file, edited one key at a time with
# every other byte kept.
CREDENTIAL_PATHS = (
    ".ssh", ".gnupg", ".password-store", ".local/share/keyrings", ".gnome2/keyrings", ".pki",
    ".local/share/python_keyring", ".aws/credentials", ".aws/sso", ".aws/cli/cache", ".netrc", "_netrc", ".pgpass",
    ".my.cnf", ".git-credentials", ".config/git/credentials", ".docker/config.json", ".kube/config",
    ".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".vault-token", ".terraform.d/credentials.tfrc.json",
    ".config/gh/hosts.yml", ".config/hub", ".m2/settings-security.xml",
    ".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db", ".config/gcloud/legacy_credentials",
    ".config/gcloud/application_default_credentials.json", ".azure/msal_token_cache.json",
    ".azure/msal_token_cache.bin", ".azure/accessTokens.json", ".azure/service_principal_entries.json",
    "Library/Keychains",
)
# Any file with one of these names, wherever it is.
CREDENTIAL_NAMES = (
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx", "*.kdbx", "*.keystore",
    "*.jks", "key4.db", "key3.db", "logins.json", "cookies.sqlite", "credentials", "credentials.json",
    "authorized_keys", "known_hosts",
)
# Files and folders whose content runs at login or shell start, or is run as a program. Tracklight's env store
# writes its own block into some of them (check_env_file); a manifest never may.
STARTUP_PATHS = (
    ".profile", ".bash_profile", ".bash_login", ".bashrc", ".bash_logout", ".bash_aliases", ".bash_env",
    ".zshenv", ".zprofile", ".zshrc", ".zlogin", ".zlogout", ".zsh", ".oh-my-zsh", ".kshrc", ".mkshrc", ".cshrc",
    ".tcshrc", ".login", ".logout", ".xprofile", ".xsession", ".xsessionrc", ".xinitrc", ".xserverrc",
    ".pam_environment", ".config/fish", ".config/nushell", ".config/xonsh", ".xonshrc", ".config/environment.d",
    ".config/autostart", ".config/systemd", ".config/plasma-workspace", ".config/upstart", ".config/powershell",
    ".local/bin", "bin", ".local/share/systemd", "Library/LaunchAgents", "Documents/PowerShell",
    "Documents/WindowsPowerShell",
)
# System scope: relative to the system root.
SYSTEM_FORBIDDEN = (
    "etc/shadow", "etc/gshadow", "etc/passwd", "etc/group", "etc/sudoers", "etc/sudoers.d", "etc/ssh",
    "etc/ssl/private", "etc/pam.d", "etc/security", "etc/profile", "etc/profile.d", "etc/bash.bashrc",
    "etc/bashrc", "etc/zshenv", "etc/zsh", "etc/zprofile", "etc/zshrc", "etc/environment", "etc/cron.d",
    "etc/crontab", "etc/cron.daily", "etc/cron.hourly", "etc/cron.weekly", "etc/cron.monthly", "etc/systemd",
    "etc/init.d", "etc/rc.local", "etc/ld.so.preload", "etc/ld.so.conf", "etc/ld.so.conf.d", "etc/polkit-1",
    "etc/xdg/autostart", "etc/fish", "etc/tracklight", "root", "home", "Users", "boot", "proc", "sys", "dev", "bin",
    "sbin", "lib", "lib32", "lib64", "usr/bin", "usr/sbin", "usr/lib", "usr/libexec", "usr/local/bin",
    "usr/local/sbin", "var/spool/cron", "Library/LaunchDaemons", "Library/LaunchAgents", "System",
)


@functools.cache
def _folded(entries: tuple[str, ...], casefold: bool) -> tuple[str, ...]:
    return tuple(e.casefold() for e in entries) if casefold else entries


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _matches(relative: str, entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        if _under(relative, entry):
            return entry
    return None


def _name_matches(path: str) -> str | None:
    name = posixpath.basename(path)
    for pattern in CREDENTIAL_NAMES:
        if fnmatch.fnmatchcase(name, pattern):
            return pattern
    return None


@dataclass(frozen=True)
class WriteGuard:
    """What may be written, for one scope on one machine. Build it with `WriteGuard.for_env`."""

    scope: Scope
    os_: Os
    home: str  # real path
    # real paths of home and of the user's own XDG base folders, each with where it sits by default under home
    user_roots: tuple[tuple[str, str], ...]
    system_root: str  # real path of the folder treated as "/"
    own_dirs: tuple[str, ...]  # Tracklight's own folders (never a manifest's target)
    env_files: tuple[str, ...]  # Tracklight's env files (written only by the env store)
    env_sh: str
    lexical_home: str

    @classmethod
    def for_env(cls, env: Mapping[str, str], os_: Os, scope: Scope = Scope.USER,
                root: str | None = None) -> WriteGuard:
        home = locations.home(os_, env)
        real_home = os.path.realpath(home)
        roots = [(real_home, "")]
        for name, default in _XDG_DEFAULTS.items():
            value = env.get(name, "")
            # A user may keep their XDG folders outside home; they are theirs when they own them.
            if value.startswith("/") and os.path.isdir(value) and _owned_by_me(value):
                real = os.path.realpath(value)
                if not _under(real, real_home):
                    roots.append((real, default))
        own = (locations.config_dir(os_, env), locations.state_dir(os_, env), locations.data_dir(os_, env),
               locations.cache_dir(os_, env))
        env_files = [locations.env_sh_file(os_, env), locations.env_fish_file(os_, env)]
        if os_ is Os.LINUX:
            env_files.append(locations.environment_d_file(env))
        system_root = os.path.realpath(root or locations.system_root(env))
        return cls(scope, os_, real_home, tuple(roots), system_root,
                   tuple(os.path.realpath(d) for d in own), tuple(os.path.realpath(f) for f in env_files),
                   locations.env_sh_file(os_, env), home)

    # ---------------------------------------------------------------- helpers

    def _fold(self, path: str) -> str:
        # macOS and Windows file systems ignore case by default: ~/.SSH is ~/.ssh there.
        return path if self.os_ is Os.LINUX else path.casefold()

    def _real(self, path: str) -> str:
        return os.path.realpath(path)

    def _relative_to_home(self, path: str) -> str | None:
        """The path relative to home; inside an XDG folder kept elsewhere, as if that folder sat at its default."""
        for root, prefix in self.user_roots:
            if _under(path, root):
                relative = posixpath.relpath(path, root)
                if prefix:
                    return prefix if relative == "." else f"{prefix}/{relative}"
                return relative
        return None

    def _inside_lexically(self, path: str) -> bool:
        return _under(path, self.lexical_home) or self._relative_to_home(path) is not None

    def _forbidden_in_home(self, real: str, lexical: str, allow_startup: bool = False) -> str | None:
        """Why a user-scope path is forbidden, or None."""
        relatives = [self._relative_to_home(real), self._relative_to_home(lexical)]
        if _under(lexical, self.lexical_home):
            relatives.append(posixpath.relpath(lexical, self.lexical_home))
        for relative in relatives:
            if relative is None:
                continue
            folded = self._fold(relative)
            casefold = self.os_ is not Os.LINUX
            hit = _matches(folded, _folded(CREDENTIAL_PATHS, casefold)) or _name_matches(folded)
            if hit:
                return f"holds credentials (~/{relative}); Tracklight never writes there"
            if not allow_startup:
                hit = _matches(folded, _folded(STARTUP_PATHS, casefold))
                if hit:
                    return (f"is a shell startup or autostart file (~/{relative}); Tracklight only writes its own "
                            "marked block there, for environment settings")
        for own in self.own_dirs:
            if _under(self._fold(real), self._fold(own)):
                return "is one of Tracklight's own files; a manifest cannot point there"
        return None

    # ---------------------------------------------------------------- the checks

    def check_tool_file(self, path: str, tool: Tool | None) -> str:
        """May this tool's control write `path`? Returns the real path written; UnsafePathError if not.

        `tool` None: the re-check right before writing a planned change (the tool was judged when planning).
        """
        if self.scope is Scope.SYSTEM:
            return self._check_system_file(path, tool)
        return self._check_user_file(path, tool)

    def _check_user_file(self, path: str, tool: Tool | None) -> str:
        if not os.path.isabs(path):
            raise UnsafePathError("is not an absolute path; refusing to guess where it is", path=path)
        lexical = posixpath.normpath(path) if self.os_ is not Os.WINDOWS else path
        real = self._real(path)
        if self._relative_to_home(real) in (None, "."):
            if self._inside_lexically(lexical) and real != self.home:
                raise UnsafePathError(f"is a symlink to {real}, outside your home folder; not followed",
                                      path=path)
            if tool is not None and tool.source is Source.MANIFEST:
                raise UnsafePathError(
                    "is outside your home folder; a manifest from a user folder can never direct a write there",
                    path=path)
            raise OutsideAreaError("is outside your home folder; a system-wide file needs "
                                   "`tracklight policy apply` (as an administrator)", path=path)
        reason = self._forbidden_in_home(real, lexical)
        if reason:
            raise UnsafePathError(reason, path=path)
        return real

    def _check_system_file(self, path: str, tool: Tool | None) -> str:
        if tool is not None and not trusted_for_system(tool, self):
            raise UnsafePathError(f"the description of {tool.id} comes from {tool.origin}, which is not a root-owned "
                                  "system manifest; it cannot direct a system-wide write", path=path)
        real = self._real(path)
        root = self.system_root
        if not _under(real, root):
            raise UnsafePathError(f"resolves to {real}, outside the system root {root}", path=path)
        relative = posixpath.relpath(real, root) if real != root else "."
        if relative == "." or _matches(relative, SYSTEM_FORBIDDEN) or _name_matches(relative):
            raise UnsafePathError(f"/{relative} is a system file Tracklight never writes", path=path)
        return real

    def check_env_file(self, path: str, before: bytes | None, after: bytes | None) -> str:
        """May the env store write this? Its own env files, or a startup file where only its block differs."""
        real = self._real(path)
        if any(self._fold(real) == self._fold(f) for f in self.env_files) or self._is_own_helper(real):
            return real
        if self._relative_to_home(real) is None:
            raise UnsafePathError("is outside your home folder; environment settings stay in it", path=path)
        reason = self._forbidden_in_home(real, posixpath.normpath(path), allow_startup=True)
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
        name = posixpath.basename(real)
        folder = posixpath.dirname(real)
        if name == "tracklight-env.fish" and folder.endswith("/fish/conf.d"):
            return self._relative_to_home(real) is not None
        if name == "org.tracklight.environment.plist" and folder.endswith("/Library/LaunchAgents"):
            return self._relative_to_home(real) is not None
        return False


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
