"""The one exception tree of Tracklight. Every error names the file (and line) it is about.

TracklightError
 ├── ManifestError      a manifest, catalog entry or policy file is invalid (file:line)
 ├── FormatError        a preference file does not parse, or cannot hold the value (file:line)
 ├── UnsafePathError    a write would land outside the allowed area (credentials, startup files, symlinks out)
 ├── ConflictError      a file changed under us between read and write, or since the change we would undo
 ├── WriteError         the operating system refused a write (read-only, full disk, not a folder, …)
 ├── PolicyError        an admin policy is invalid or forbids the request (locked tool)
 ├── UpdateError        a catalog/policy download was rejected (signature, size, version, transport)
 └── InstallError       `make prove` could not install a tool's pinned package (registry, version, build)
"""

from __future__ import annotations

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:  # only for annotations: the CLI path does not pay for importing pathlib
    from pathlib import Path


class TracklightError(Exception):
    """Root of every error Tracklight raises on purpose."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class ManifestError(TracklightError):
    """A manifest or catalog entry is invalid."""


class FormatError(TracklightError):
    """A preference file does not parse, or the edit cannot be made in it."""


class UnsafePathError(TracklightError):
    """A write would land somewhere Tracklight must never write."""


class ConflictError(TracklightError):
    """The file changed under us; nothing was written."""


class WriteError(TracklightError):
    """The operating system refused the write; nothing was half-written."""


class NothingToUndo(TracklightError):
    """Every change is already undone (or none was made): a fact to tell, not a failure to alarm about."""


class PolicyError(TracklightError):
    """An admin policy is invalid or forbids the request."""


class UpdateError(TracklightError):
    """A catalog or policy update was rejected; nothing was replaced."""


class InstallError(TracklightError):
    """A package an execution oracle needs could not be installed; nothing was proven or recorded for it."""
