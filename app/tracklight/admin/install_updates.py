"""Install a verified update (tracklight.net downloads and verifies it): a catalog folder swapped in whole, or the
machine's policy file replaced. Every file goes through the one atomic write.

A catalog only moves forward: an archive older than the installed one is refused, an equal one changes nothing. The
built-in catalog stays the fallback: the installed update is a separate folder that the catalog reads first, and
only once it holds VERSION (written last).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from tracklight.changes.atomic import atomic_write, read_current, sync_dirs
from tracklight.core.catalog import system_index
from tracklight.core.model import Os
from tracklight.core.policy import Policy, parse_policy, resolve
from tracklight.core.readfile import read_regular_file
from tracklight.core.update_archive import POLICY, VERSION, SignedArchive, installed_version
from tracklight.errors import TracklightError, UpdateError

STATE_FILE = "catalog-update.json"  # beside the installed catalog: the URL and ETag of the last download


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: installed a version, found nothing new, or was already current."""

    status: str  # "installed" | "not-modified" | "current"
    version: int | None
    message: str


def last_download(target: str, url: str) -> str | None:
    """The ETag of the last download from `url` into `target` (None: none, or from another URL, or no update)."""
    if installed_version(target) is None:
        return None
    try:
        data = json.loads(read_regular_file(os.path.join(os.path.dirname(target), STATE_FILE), 1 << 16))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("url") != url or not isinstance(data.get("etag"), str):
        return None
    return data["etag"] or None


def _record_download(target: str, url: str, etag: str | None) -> None:
    state = {"url": url, "etag": etag or ""}
    atomic_write(os.path.join(os.path.dirname(target), STATE_FILE),
                 (json.dumps(state, indent=2) + "\n").encode("utf-8"), mode=0o644, make_parents=True)


def install_catalog(archive: SignedArchive, target: str) -> None:
    """Put the entries in place as a whole: a fresh folder (VERSION written last), then swapped in by rename.

    Readers see either the old update, the new one, or (for an instant during the swap) no update and so the
    built-in catalog; never a half-written folder, since the catalog reads a folder only when it holds VERSION.
    """
    parent = os.path.dirname(target)
    staging = os.path.join(parent, f".catalog-new-{secrets.token_hex(4)}")
    old = os.path.join(parent, f".catalog-old-{secrets.token_hex(4)}")
    try:
        os.makedirs(parent, exist_ok=True)
        os.mkdir(staging, 0o755)
        for name, data in sorted(archive.files.items()):
            atomic_write(os.path.join(staging, name), data, mode=0o644, expected_before=None, sync_dir=False)
        atomic_write(os.path.join(staging, VERSION), f"{archive.version}\n".encode("ascii"), mode=0o644,
                     expected_before=None)
        if os.path.lexists(target):
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            if os.path.lexists(old):
                os.rename(old, target)
            raise
        sync_dirs({parent})
    except (OSError, TracklightError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UpdateError(f"cannot install the catalog update: {reason}; the previous catalog stays",
                          path=target) from None
    shutil.rmtree(old, ignore_errors=True)


def install_catalog_update(archive: SignedArchive | None, target: str, url: str, etag: str | None) -> UpdateResult:
    """Install a verified catalog (None: the server said unchanged) unless it is not newer than the installed one."""
    current = installed_version(target)
    if archive is None:
        return UpdateResult("not-modified", current,
                            f"The catalog is up to date (version {current}, unchanged on the server).")
    if current is not None and archive.version < current:
        raise UpdateError(f"the server offers catalog version {archive.version}, older than the installed "
                          f"{current}; a catalog only moves forward, nothing was replaced")
    if current is not None and archive.version == current:
        _record_download(target, url, etag)
        return UpdateResult("current", current, f"The catalog is up to date (version {current}).")
    install_catalog(archive, target)
    _record_download(target, url, etag)
    return UpdateResult("installed", archive.version,
                        f"Installed catalog version {archive.version} ({len(archive.files)} entries) from {url}.")


def install_policy_update(archive: SignedArchive, text: str, current: Policy, os_: Os, env: Mapping[str, str],
                          root: str) -> str:
    """Replace the machine's policy with a verified newer revision; returns what was done.

    The new policy must carry a higher `revision` (equal to the archive's VERSION) and be valid with every id the
    system knows; it then replaces the policy file atomically.
    """
    new_policy = parse_policy(text, f"{current.updates.policy_url if current.updates else ''} ({POLICY})")
    if new_policy.revision != archive.version:
        raise UpdateError(f"the downloaded policy says revision {new_policy.revision} but the archive's VERSION is "
                          f"{archive.version}; nothing was replaced")
    if new_policy.revision <= current.revision:
        if new_policy.revision == current.revision and new_policy.text == current.text:
            return f"The policy is up to date (revision {current.revision})."
        raise UpdateError(f"the server offers policy revision {new_policy.revision}, not newer than the installed "
                          f"{current.revision}; a policy only moves forward, nothing was replaced")
    resolve(new_policy, system_index(os_, env, root).tools)
    path = current.path
    atomic_write(path, text.encode("utf-8"), expected_before=read_current(path), mode=0o644)
    return (f"Installed policy revision {new_policy.revision} at {path}; run `tracklight policy apply` to put it "
            "in force.")
