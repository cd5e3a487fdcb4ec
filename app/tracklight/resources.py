"""Where the shipped resources (catalog, manifest schema, icons) are: the checkout's resources/ or the wheel's copy.

Plain os.path here: `tracklight scan` reaches this on every start, and pathlib costs it ~5 ms of imports.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from pathlib import Path

_PACKAGE = os.path.dirname(os.path.realpath(__file__))


def resources_root(override: bool = True) -> str:
    """The resources folder: TRACKLIGHT_RESOURCES (unless `override` is False), the source checkout's top-level
    resources/, or the installed copy."""
    chosen = os.environ.get("TRACKLIGHT_RESOURCES") if override else None
    if chosen:
        return chosen
    checkout = os.path.join(os.path.dirname(os.path.dirname(_PACKAGE)), "resources")
    if os.path.isdir(os.path.join(checkout, "catalog")):
        return checkout
    return os.path.join(_PACKAGE, "_resources")


def catalog_path(override: bool = True) -> str:
    """The shipped catalog folder (`override` False: never the TRACKLIGHT_RESOURCES one)."""
    return os.path.join(resources_root(override), "catalog")


def resources_dir() -> Path:
    from pathlib import Path

    return Path(resources_root())


def catalog_dir() -> Path:
    return resources_dir() / "catalog"


def icons_dir() -> Path:
    return resources_dir() / "icons"
