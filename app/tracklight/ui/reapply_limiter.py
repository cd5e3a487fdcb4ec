""""Keep me opted out" re-applies an opt-out by itself, but at most a few times per tool in a while.

A tool that keeps turning itself back on (an update loop, a setting another program owns) must not make Tracklight
rewrite its file in a loop: after the limit, the person is asked instead. The clock is passed in (tests step it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

REAPPLY_LIMIT = 3
REAPPLY_WINDOW_S = 600.0


class ReapplyLimiter:
    """`allow(tool_id)` is True at most `limit` times per tool within any `window_s` seconds."""

    def __init__(self, limit: int = REAPPLY_LIMIT, window_s: float = REAPPLY_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._recent: dict[str, list[float]] = {}

    def allow(self, tool_id: str) -> bool:
        """Whether the tool may be re-applied now; a True answer counts as one re-apply."""
        now = self._clock()
        recent = [t for t in self._recent.get(tool_id, []) if now - t < self._window_s]
        if len(recent) >= self._limit:
            self._recent[tool_id] = recent
            return False
        self._recent[tool_id] = [*recent, now]
        return True
