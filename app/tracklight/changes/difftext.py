"""Unified diffs of a file's bytes, for people (`--dry-run`, the tray's details, `history`)."""

from __future__ import annotations

_NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", "replace").splitlines(keepends=True)


def unified_diff(path: str, before: bytes | None, after: bytes | None) -> str:
    """`diff -u` of one file; /dev/null stands for a missing side (created or removed file)."""
    import difflib  # only a plan that changes something pays for it

    old, new = _lines(before), _lines(after)
    result: list[str] = []
    for line in difflib.unified_diff(old, new, "/dev/null" if before is None else f"a{path}",
                                     "/dev/null" if after is None else f"b{path}", n=3):
        if line.endswith("\n"):
            result.append(line)
        else:
            result.append(line + "\n" + _NO_NEWLINE)
    if not result and before != after:
        # Only invisible bytes differ (a BOM, line endings): say so rather than print an empty diff.
        result.append(f"--- a{path}\n+++ b{path}\n@@ bytes differ only in encoding or line endings @@\n")
    return "".join(result)
