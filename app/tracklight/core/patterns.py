"""The regular expressions of manifest v1 (`off_pattern`, `on_pattern`), run by a linear-time engine.

A manifest's pattern is matched against values on this machine (an env variable, a file's key) on every scan, so a
pattern must not be able to stall it: Python's `re` backtracks, and `(([^!])+)+!` takes longer than the age of the
universe on a 98-character value. RE2 (Google's engine, the `google-re2` package) answers in time linear in the value
for every pattern it accepts; it refuses what cannot be run that way (lookarounds, backreferences), and
`manifest validate` reports that as a problem, so a pattern it accepts always runs here.

Syntax: RE2's (https://github.com/google/re2/wiki/Syntax), close to Python's for everything else.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Any

MAX_PATTERN = 200
MAX_PROGRAM = 1 << 20  # bytes of memory RE2 may use for one compiled pattern


@functools.cache
def _compiled(pattern: str, casefold: bool) -> Any:
    import re2  # type: ignore[import-untyped]  # imported on first use: a scan whose values all match explicit lists never needs it

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not casefold
    options.max_mem = MAX_PROGRAM
    return re2.compile(pattern, options)


def pattern_problem(pattern: str) -> str | None:
    """Why this pattern cannot be a manifest's pattern, or None."""
    if len(pattern) > MAX_PATTERN:
        return f"is longer than {MAX_PATTERN} characters"
    try:
        _compiled(pattern, False)
        _compiled(pattern, True)
    except Exception as exc:  # noqa: BLE001 - re2 raises its own error type (and TypeError for odd input)
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (f"is not a regular expression the linear-time engine (RE2) can run ({reason}); lookarounds and "
                "backreferences are not allowed")
    return None


def full_match(pattern: str, text: str, casefold: bool) -> bool:
    """Does the whole of `text` match? False for a pattern that isn't valid (validate reports those).

    `casefold` compares as tools that lower-case a value do (manifest `match`): the text is lower-cased first, and
    the long s, which RE2's case-insensitive matching takes for an s but no lower-casing turns into one, is kept
    apart (the Kelvin sign, RE2's other fold into ASCII, lower-cases to k, as it does in the tools)."""
    if casefold:
        text = text.lower().replace("\u017f", "\ufffd")
    try:
        return _compiled(pattern, casefold).fullmatch(text) is not None
    except Exception:  # noqa: BLE001 - an invalid pattern means nothing, it never decides a state
        return False
