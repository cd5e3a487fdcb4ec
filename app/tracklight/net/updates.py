"""Signed catalog and policy updates, the network half: find the source, download, verify. Nothing is installed here.

Off unless someone turns it on: a URL on the command line, `[updates]` in the user's settings.toml, or the admin
policy's `[updates]`. Each needs the ed25519 public key the archive must be signed with; without one, nothing is
fetched. What comes back is a verified archive (core.update_archive.SignedArchive): the signature holds and, for a
catalog, every entry is a valid catalog entry (one bad entry rejects the whole update). Installing it — the version
check against what is installed, the atomic swap — is tracklight.admin.install_updates.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracklight.core import locations
from tracklight.core.manifest import parse_manifest
from tracklight.core.model import Os, Source
from tracklight.core.policy import Policy, load_machine_policy
from tracklight.core.readfile import read_regular_file
from tracklight.core.update_archive import POLICY, SignedArchive
from tracklight.errors import PolicyError, UpdateError
from tracklight.net.archive import verify_archive
from tracklight.net.fetch import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, fetch, make_client

if TYPE_CHECKING:
    import httpx

POLICY_MAX_BYTES = 1 << 20
SETTINGS_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class UpdateSource:
    url: str
    key: str
    origin: str  # "command line", the settings file, or the policy file


@dataclass(frozen=True)
class CatalogDownload:
    """A verified catalog archive, or `archive` None when the server said it is unchanged (ETag)."""

    source: UpdateSource
    archive: SignedArchive | None
    etag: str | None


def _settings_updates(os_: Os, env: Mapping[str, str]) -> dict[str, str]:
    path = locations.settings_path(os_, env)
    try:
        data = tomllib.loads(read_regular_file(path, SETTINGS_MAX_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:  # not UTF-8 is an error too
        raise UpdateError(f"cannot read the settings: {exc}", path=path) from None
    table = data.get("updates", {})
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(v, str) and v}


def catalog_source(os_: Os, env: Mapping[str, str], url: str | None = None, key: str | None = None,
                   root: str | None = None) -> UpdateSource:
    """Where a catalog update comes from: the command line, else the policy, else the user's settings."""
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


def download_catalog(client: httpx.Client, source: UpdateSource, etag: str | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, deadline: float = DEFAULT_DEADLINE) -> CatalogDownload:
    """Download and verify a catalog archive (signature, shape, every entry); UpdateError when it doesn't hold."""
    fetched = fetch(client, source.url, etag=etag, max_bytes=max_bytes, deadline=deadline)
    if fetched.not_modified:
        return CatalogDownload(source, None, etag)
    archive = verify_archive(fetched.body, source.key)
    validate_entries(archive)
    return CatalogDownload(source, archive, fetched.etag)


def policy_updates_of(policy: Policy) -> tuple[str, str]:
    """The URL and pinned key a policy names for its own updates; UpdateError when it names none."""
    updates = policy.updates
    key = updates.policy_signing_key if updates else None
    if updates is None or not updates.policy_url or not key:
        raise UpdateError("the policy names no updates.policy_url; policy updates are off", path=policy.path)
    return updates.policy_url, key


def download_policy(policy: Policy, client: httpx.Client | None = None) -> tuple[SignedArchive, str]:
    """Download and verify the signed policy the current policy names: the archive and its policy.toml text."""
    url, key = policy_updates_of(policy)
    own_client = client is None
    client = client or make_client()
    try:
        fetched = fetch(client, url, max_bytes=POLICY_MAX_BYTES)
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
    return archive, text
