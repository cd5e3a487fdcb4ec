"""Keys of nested test documents, shared by the property tests of the structured formats."""

from __future__ import annotations

from typing import Any


def key_of(path: list[str]) -> str:
    """A path as a Tracklight key: segments holding a dot are quoted."""
    return ".".join(f'"{segment}"' if "." in segment else segment for segment in path)


def key_paths(data: Any, prefix: list[str] | None = None) -> list[list[str]]:
    """The path to every key of a nested mapping, tables included, depth first."""
    prefix = prefix or []
    found: list[list[str]] = []
    if isinstance(data, dict):
        for name, value in data.items():
            found.append(prefix + [name])
            found += key_paths(value, prefix + [name])
    return found
