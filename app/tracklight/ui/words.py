"""Small pieces of wording every view shares: paths with ~ for home, values as a person would type them."""

from __future__ import annotations

from tracklight.core.model import Scalar
from tracklight.formats import scalar_text


def short_path(path: str, home: str) -> str:
    """A path with the home folder written as ~."""
    home = home.rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home):]
    return path


def value_text(value: Scalar | None) -> str:
    """A value as a person would type it: strings quoted, JSON true/false as they are."""
    if value is None:
        return "(not set)"
    return f'"{value}"' if isinstance(value, str) else scalar_text(value)
