"""Catalog and policy updates end to end: tracklight.net downloads and verifies, tracklight.admin installs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tracklight.admin.install_updates import (
    UpdateResult,
    install_catalog_update,
    install_policy_update,
    last_download,
)
from tracklight.core import locations
from tracklight.core.catalog import updated_catalog_path
from tracklight.core.model import Os
from tracklight.core.policy import load_machine_policy, machine_policy_path
from tracklight.errors import UpdateError
from tracklight.net.fetch import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES
from tracklight.net.updates import UpdateSource, download_catalog, download_policy

if TYPE_CHECKING:
    import httpx


def update_catalog(client: httpx.Client, source: UpdateSource, os_: Os, env: Mapping[str, str],
                   max_bytes: int = DEFAULT_MAX_BYTES, deadline: float = DEFAULT_DEADLINE) -> UpdateResult:
    """Download, verify and install a catalog update from `source`; UpdateError (nothing replaced) when rejected."""
    target = updated_catalog_path(os_, env)
    download = download_catalog(client, source, last_download(target, source.url), max_bytes, deadline)
    return install_catalog_update(download.archive, target, source.url, download.etag)


def update_policy(env: Mapping[str, str], root: str | None = None, client: httpx.Client | None = None,
                  os_: Os | None = None) -> str:
    """Refresh this machine's policy from the signed archive its `updates.policy_url` names; returns a message."""
    os_ = os_ or locations.current_os()
    root = root or locations.system_root(env)
    policy = load_machine_policy(os_, env, root)
    if policy is None:
        raise UpdateError(f"no policy at {machine_policy_path(os_, env, root)} to update")
    archive, text = download_policy(policy, client)
    return install_policy_update(archive, text, policy, os_, env, root)
