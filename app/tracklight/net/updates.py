"""Signed catalog and policy updates: find the source, download, verify, check the version, install atomically.

Off unless someone turns it on: a URL on the command line, `[updates]` in the user's settings.toml, or the admin
policy's `[updates]`. Each needs the ed25519 public key the archive must be signed with; without one, nothing is
fetched. An update is installed only when the signature holds, its VERSION is higher than the installed one, and
every entry is a valid catalog entry (one bad entry rejects the whole update). The built-in catalog stays the
fallback: the installed update is a separate folder that the catalog reads first.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracklight.core import locations
from tracklight.core.catalog import updated_catalog_dir
from tracklight.core.manifest import parse_manifest
from tracklight.core.model import Os, Source
from tracklight.errors import PolicyError, UpdateError
from tracklight.net.archive import POLICY, VERSION, SignedArchive, verify_archive
from tracklight.net.fetch import DEFAULT_MAX_BYTES, fetch, make_client

if TYPE_CHECKING:
    import httpx

STATE_FILE = "catalog-update.json"  # beside the installed catalog: the URL and ETag of the last download


@dataclass(frozen=True)
class UpdateSource:
    url: str
    key: str
    origin: str  # "command line", the settings file, or the policy file


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: installed a version, found nothing new, or was already current."""

    status: str  # "installed" | "not-modified" | "current"
    version: int | None
    source: UpdateSource
    message: str


def _settings_updates(os_: Os, env: Mapping[str, str]) -> dict[str, str]:
    path = locations.settings_path(os_, env)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:  # load decodes: not UTF-8 is an error too
        raise UpdateError(f"cannot read the settings: {exc}", path=path) from None
    table = data.get("updates", {})
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(v, str) and v}


def catalog_source(os_: Os, env: Mapping[str, str], url: str | None = None, key: str | None = None,
                   root: str | None = None) -> UpdateSource:
    """Where a catalog update comes from: the command line, else the policy, else the user's settings."""
    from tracklight.admin.policy import load_machine_policy

    try:
        policy = load_machine_policy(os_, env, root)
    except PolicyError:
        policy = None  # a broken policy is reported by `tracklight policy check`; it pins nothing here
    policy_updates = policy.updates if policy is not None else None
    settings = _settings_updates(os_, env)
    settings_path = locations.settings_path(os_, env)
    if url:
        pinned = key or (policy_updates.catalog_key if policy_updates else None) or settings.get("catalog_key")
        if not pinned:
            raise UpdateError("no public key to check the catalog against: pass --key (the base64 key printed by "
                              "`tracklight catalog keygen`) or set catalog_key in [updates] of " + settings_path)
        return UpdateSource(url, pinned, "command line")
    if policy_updates is not None and policy_updates.catalog_url and policy_updates.catalog_key:
        return UpdateSource(policy_updates.catalog_url, policy_updates.catalog_key, policy.path if policy else "")
    if settings.get("catalog_url"):
        if not settings.get("catalog_key"):
            raise UpdateError("[updates] catalog_url needs catalog_key (the base64 public key)", path=settings_path)
        return UpdateSource(settings["catalog_url"], settings["catalog_key"], settings_path)
    raise UpdateError("catalog updates are off: no --url given, and neither the policy nor your settings name "
                      "a catalog_url (Tracklight uses the network only when asked)")


def installed_version(folder: Path) -> int | None:
    try:
        text = (folder / VERSION).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _read_state(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder.parent / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _write_state(folder: Path, url: str, etag: str | None) -> None:
    from tracklight.changes.atomic import atomic_write

    state = {"url": url, "etag": etag or ""}
    atomic_write(str(folder.parent / STATE_FILE), (json.dumps(state, indent=2) + "\n").encode("utf-8"),
                 mode=0o644, make_parents=True)


def validate_entries(archive: SignedArchive) -> None:
    """Every entry must be a valid catalog entry named for its id; UpdateError listing the problems otherwise."""
    if archive.is_policy:
        raise UpdateError("this archive holds a policy, not a catalog")
    problems = []
    for name, data in sorted(archive.files.items()):
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            problems.append(f"{name}: not valid UTF-8")
            continue
        result = parse_manifest(text, name, Source.CATALOG)
        problems += [str(p) for p in result.problems]
    if problems:
        shown = "\n  ".join(problems[:20]) + ("\n  …" if len(problems) > 20 else "")
        raise UpdateError(f"the update has invalid entries; nothing was replaced:\n  {shown}")


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def install_catalog(archive: SignedArchive, target: Path) -> None:
    """Put the entries in place as a whole: a fresh folder (VERSION written last), then swapped in by rename.

    Readers see either the old update, the new one, or (for an instant during the swap) no update and so the
    built-in catalog; never a half-written folder, since the catalog reads a folder only when it holds VERSION.
    """
    parent = target.parent
    staging = parent / f".catalog-new-{secrets.token_hex(4)}"
    old = parent / f".catalog-old-{secrets.token_hex(4)}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o755)
        for name, data in sorted(archive.files.items()):
            _write_new(staging / name, data)
        _write_new(staging / VERSION, f"{archive.version}\n".encode("ascii"))
        _fsync_dir(staging)
        if target.exists():
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            if old.exists():
                os.rename(old, target)
            raise
        _fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UpdateError(f"cannot install the catalog update: {exc.strerror or exc}; the previous catalog "
                          "stays", path=str(target)) from None
    shutil.rmtree(old, ignore_errors=True)


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def update_catalog(client: httpx.Client, source: UpdateSource, os_: Os, env: Mapping[str, str],
                   max_bytes: int = DEFAULT_MAX_BYTES, deadline: float = 120.0) -> UpdateResult:
    """Download, verify and install a catalog update from `source`; UpdateError (nothing replaced) when rejected."""
    target = updated_catalog_dir(os_, env)
    current = installed_version(target)
    state = _read_state(target)
    etag = state.get("etag") if current is not None and state.get("url") == source.url else None
    fetched = fetch(client, source.url, etag=etag or None, max_bytes=max_bytes, deadline=deadline)
    if fetched.not_modified:
        return UpdateResult("not-modified", current, source,
                            f"The catalog is up to date (version {current}, unchanged on the server).")
    archive = verify_archive(fetched.body, source.key)
    if current is not None and archive.version < current:
        raise UpdateError(f"the server offers catalog version {archive.version}, older than the installed "
                          f"{current}; a catalog only moves forward, nothing was replaced")
    if current is not None and archive.version == current:
        _write_state(target, source.url, fetched.etag)
        return UpdateResult("current", current, source, f"The catalog is up to date (version {current}).")
    validate_entries(archive)
    install_catalog(archive, target)
    _write_state(target, source.url, fetched.etag)
    return UpdateResult("installed", archive.version, source,
                        f"Installed catalog version {archive.version} ({len(archive.files)} entries) "
                        f"from {source.url}.")


def update_policy(env: Mapping[str, str], root: str | None = None, client: httpx.Client | None = None,
                  os_: Os | None = None) -> str:
    """Refresh this machine's policy from the signed archive its `updates.policy_url` names; returns a message.

    The new policy must be signed with the key the current policy pins, carry a higher `revision` (equal to the
    archive's VERSION), and be valid with every id known; it then replaces the policy file atomically.
    """
    from tracklight.admin.context import system_index
    from tracklight.admin.policy import known_tool_ids, load_machine_policy, machine_policy_path, parse_policy
    from tracklight.admin.policy import resolve as resolve_policy
    from tracklight.changes.atomic import atomic_write, read_current

    os_ = os_ or locations.current_os()
    root = root or locations.system_root(env)
    policy = load_machine_policy(os_, env, root)
    if policy is None:
        raise UpdateError(f"no policy at {machine_policy_path(os_, env, root)} to update")
    updates = policy.updates
    key = updates.policy_signing_key if updates else None
    if updates is None or not updates.policy_url or not key:
        raise UpdateError("the policy names no updates.policy_url; policy updates are off", path=policy.path)
    own_client = client is None
    client = client or make_client()
    try:
        fetched = fetch(client, updates.policy_url, max_bytes=1 << 20)
    finally:
        if own_client:
            client.close()
    archive = verify_archive(fetched.body, key)
    if not archive.is_policy:
        raise UpdateError("the archive at updates.policy_url holds no policy.toml; nothing was replaced")
    try:
        text = archive.files[POLICY].decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UpdateError("the downloaded policy is not valid UTF-8; nothing was replaced") from None
    new_policy = parse_policy(text, f"{updates.policy_url} ({POLICY})")
    if new_policy.revision != archive.version:
        raise UpdateError(f"the downloaded policy says revision {new_policy.revision} but the archive's VERSION is "
                          f"{archive.version}; nothing was replaced")
    if new_policy.revision <= policy.revision:
        if new_policy.revision == policy.revision and new_policy.text == policy.text:
            return f"The policy is up to date (revision {policy.revision})."
        raise UpdateError(f"the server offers policy revision {new_policy.revision}, not newer than the installed "
                          f"{policy.revision}; a policy only moves forward, nothing was replaced")
    resolve_policy(new_policy, known_tool_ids(system_index(os_, env, root)))
    path = policy.path
    atomic_write(path, text.encode("utf-8"), expected_before=read_current(path), mode=0o644)
    return (f"Installed policy revision {new_policy.revision} at {path}; run `tracklight policy apply` to put it "
            "in force.")
