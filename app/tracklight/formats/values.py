"""The vocabulary every format module shares: the format names, and the typed value a key holds."""

from __future__ import annotations

Scalar = str | bool | int | float
"""A value a control reads or writes: env vars are always str; file keys keep their type (JSON false ≠ "false")."""

FORMATS = ("json", "jsonc", "toml", "ini", "yaml", "plain", "plain_line", "keyvalue", "keyvalue_exact", "xml",
           "gitconfig", "hcl", "shellvars", "presence")
"""Every preference-file format Tracklight reads and edits: `tracklight.formats.<name>_format`."""

KEYLESS_FORMATS = ("plain", "plain_line", "presence")
"""Formats whose file is the one setting: a control's key is ignored and may be left out."""
