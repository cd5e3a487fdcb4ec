"""Which inputs may steer Tracklight: in system scope, and whenever it runs as root, only what root owns.

System scope (`policy apply`, `policy check`, `--root`) and any command run as root read only root-owned inputs:
the shipped catalog, system manifest folders, a catalog update root installed. A manifest, catalog folder or cache
that another user could change is ignored, and the scan says so. "Root-owned" is judged the way OpenSSH's
StrictModes judges a key file: the file and every folder above it belong to root and no one else may write them
(a sticky folder such as /tmp is fine: others cannot rename or replace root's entries in it).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def not_root_owned(path: str) -> str | None:
    """Why someone other than root could change `path` (or what it points to), or None when only root can."""
    if not hasattr(os, "geteuid"):
        return None  # Windows: no system scope for files (see changes.safety)
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return "cannot be resolved"
    current = real
    while True:
        try:
            info = os.lstat(current)
        except (OSError, ValueError) as exc:
            return f"cannot be checked ({getattr(exc, 'strerror', None) or exc})"
        if info.st_uid != 0:
            return f"{current} belongs to user id {info.st_uid}, not root"
        writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if info.st_gid == 0:
            writable &= ~stat.S_IWGRP
        sticky_folder = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and current != real
        if writable and not sticky_folder:
            return f"{current} can be changed by users other than root"
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


@dataclass(frozen=True)
class ReadScope:
    """What a scan may read: everything the user has (user scope), or only root-owned inputs.

    `system`: system scope (policy apply/check, --root): user manifest folders, a user's catalog update and caches
    are never read. `as_root`: running as root: anything not root-owned is ignored, and no cache is read or written.
    """

    system: bool = False
    as_root: bool = False

    @classmethod
    def current(cls, system: bool = False) -> ReadScope:
        return cls(system=system, as_root=running_as_root())

    @property
    def restricted(self) -> bool:
        """Only root-owned inputs count."""
        return self.system or self.as_root

    def refusal(self, path: str) -> str | None:
        """Why this scope may not read `path`, or None."""
        if not self.restricted:
            return None
        reason = not_root_owned(path)
        if reason is None:
            return None
        who = "system scope reads" if self.system else "Tracklight runs as root here and reads"
        return f"not read: {who} only files that root owns and no one else can change ({reason})"
