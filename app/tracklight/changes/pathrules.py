"""How each OS spells and compares paths, as pure functions, so the write guard judges Windows paths on any OS.

The guard compares *keys*: a path normalised, with `/` between its parts. On Windows the key is also lower-cased
(NTFS ignores case, so `C:\\Users\\Me\\.SSH` is `c:\\users\\me\\.ssh`) and both separators count. On Linux and macOS
the key is the path as the file system spells it; folding case for the deny-lists stays the guard's business there,
as it was.

Windows has path forms that are refused before any comparison, because what they name is not what they seem to:
UNC and device paths (`\\\\server\\share`, `\\\\?\\C:\\…`, `\\\\.\\pipe\\…`), paths without a drive or relative to a
drive's current folder (`\\Users\\Me`, `C:Users\\Me`), alternate data streams (`settings.json:stream`), reserved
device names (`NUL`, `com1.txt`), and names ending in a dot or a space, which Windows trims (so `.ssh.` would be
`.ssh`). Sources for these rules: Microsoft's "Naming Files, Paths, and Namespaces" and "File path formats on
Windows systems" pages.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from dataclasses import dataclass

from tracklight.core.model import Os

_DRIVE = re.compile(r"[A-Za-z]:")
# CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript digits Windows also reserves), with or without an
# extension: `nul.json` opens the NUL device on Windows 10.
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)"
                       r" *(\..*)?", re.IGNORECASE)
# An 8.3 alias such as AWS~1 or CONFIG~1.JSO names the same folder as its long name (.aws), so a deny-list written
# with long names cannot judge it.
_SHORT_NAME = re.compile(r"[^~. ]{1,6}~[0-9]{1,6}(\.[^. ]{1,3})?", re.IGNORECASE)


@dataclass(frozen=True)
class PathRules:
    """Path spelling and comparison for one OS."""

    os_: Os

    @property
    def windows(self) -> bool:
        return self.os_ is Os.WINDOWS

    def normpath(self, path: str) -> str:
        """The path with `.`, `..` and doubled separators removed (Windows: `/` becomes `\\`)."""
        return ntpath.normpath(path) if self.windows else posixpath.normpath(path)

    def key(self, path: str) -> str:
        """The form paths are compared in: normalised, `/`-separated, lower-cased on Windows."""
        if self.windows:
            return ntpath.normpath(path).replace("\\", "/").lower()
        return posixpath.normpath(path)

    def refusal(self, path: str) -> str | None:
        """Why this spelling of a path is refused before anything else is judged, or None."""
        if "\x00" in path:
            return "contains a NUL character"
        if not self.windows:
            return None if posixpath.isabs(path) else "is not an absolute path; refusing to guess where it is"
        if len(path) >= 2 and path[0] in "\\/" and path[1] in "\\/":
            return ("is a network (UNC) or device path; Tracklight writes only to files on this computer's own "
                    "drives")
        drive, rest = ntpath.splitdrive(path)
        if not _DRIVE.fullmatch(drive) or not rest.startswith(("\\", "/")):
            return "is not an absolute path with a drive letter; refusing to guess where it is"
        if ":" in rest:
            return "names an alternate data stream (a ':' after the drive); Tracklight never writes one"
        for part in ntpath.normpath(rest).split("\\"):
            if part in ("", ".", ".."):
                continue
            if part.endswith((".", " ")):
                return f"has a name ending in a dot or a space ({part!r}), which Windows trims to another name"
            if _RESERVED.fullmatch(part):
                return f"uses {part!r}, a name Windows reserves for a device"
        return None

    def resolved(self, real: str) -> str:
        """A path realpath gave back, in the plain form the rules judge: on Windows, realpath may keep the verbatim
        prefix (`\\\\?\\C:\\…`, for a path too long for the plain form); the drive path it names is what counts.
        (A path *given* with that prefix is still refused: it switches off the normalisation of `..`.)"""
        if self.windows and real.startswith("\\\\?\\") and _DRIVE.fullmatch(real[4:6]) and real[6:7] == "\\":
            return real[4:]
        return real

    def short_name(self, relative: str) -> str | None:
        """The first part of a `/`-separated relative key that looks like a Windows 8.3 alias, or None."""
        if not self.windows:
            return None
        for part in relative.split("/"):
            if _SHORT_NAME.fullmatch(part):
                return part
        return None


def under(key: str, folder: str) -> bool:
    """Is `key` the folder `folder` or inside it (both keys)?"""
    return relative(key, folder) is not None


def relative(key: str, folder: str) -> str | None:
    """`key` relative to `folder` (both keys), `.` for the folder itself, None when it is not inside."""
    if key == folder:
        return "."
    prefix = folder if folder.endswith("/") else folder + "/"
    return key[len(prefix):] if key.startswith(prefix) else None
