"""What a signed update is once verified, and which version of one is installed: read-only facts.

tracklight.net downloads and verifies an archive and hands back a `SignedArchive`; tracklight.admin installs it;
tracklight.core.catalog reads the installed folder (only once it holds VERSION, written last).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tracklight.core.readfile import read_regular_file

SIGNATURE = "SIGNATURE"
VERSION = "VERSION"
POLICY = "policy.toml"
MAX_VERSION_DIGITS = 18  # a VERSION longer than this is no version (and never a 5,000-digit int() to parse)


@dataclass(frozen=True)
class SignedArchive:
    """A verified archive: its version and its payload files (name -> bytes), VERSION and SIGNATURE excluded."""

    version: int
    files: dict[str, bytes]

    @property
    def is_policy(self) -> bool:
        return set(self.files) == {POLICY}


def parse_version(data: bytes) -> int | None:
    """A VERSION file's whole number (1 or more), or None when it holds anything else."""
    text = data.decode("ascii", "replace").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_VERSION_DIGITS or int(text) < 1:
        return None
    return int(text)


def installed_version(folder: str | os.PathLike[str]) -> int | None:
    """The version of the update installed in `folder`, or None when there is none (or it is unreadable)."""
    try:
        data = read_regular_file(os.path.join(folder, VERSION), MAX_VERSION_DIGITS + 4)
    except OSError:
        return None
    return parse_version(data)
