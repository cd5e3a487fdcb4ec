"""Which lines an edit took out and put in: the check that an opt-out changes only the lines of its key."""

from __future__ import annotations

import difflib


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """The lines (split on LF, so a CR stays visible) removed from `before` and added in `after`."""
    old, new = before.decode("utf-8").split("\n"), after.decode("utf-8").split("\n")
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added
