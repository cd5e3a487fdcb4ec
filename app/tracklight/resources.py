"""Where the shipped resources (catalog, manifest schema, icons) are: the checkout's resources/ or the wheel's copy."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The resources folder: TRACKLIGHT_RESOURCES, the source checkout's top-level resources/, or the installed copy."""
    override = os.environ.get("TRACKLIGHT_RESOURCES")
    if override:
        return Path(override)
    checkout = _PACKAGE.parent.parent / "resources"
    if (checkout / "catalog").is_dir():
        return checkout
    return _PACKAGE / "_resources"


def catalog_dir() -> Path:
    return resources_dir() / "catalog"


def icons_dir() -> Path:
    return resources_dir() / "icons"
