"""A tool's last `tracklight watch` result, for its details: read from core.watch_results' file, again only when the
file changed (one stat per look, so the details can ask each time they are built). No Qt here."""

from __future__ import annotations

import os
from collections.abc import Mapping

from tracklight.core.watch_results import WatchResult, describe, load_results, results_path


class LastWatched:
    """The newest watch result per tool for one user (`$XDG_STATE_HOME/tracklight/watch-results.json`)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self._path = str(results_path(self._env))
        self._seen: tuple[int, ...] | None = None  # the file's identity when last read (None: there was none)
        self._results: dict[str, WatchResult] = {}

    def result(self, tool_id: str) -> WatchResult | None:
        try:
            info = os.stat(self._path)
            seen: tuple[int, ...] | None = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        except OSError:
            seen = None
        if seen != self._seen:
            self._results = load_results(self._env) if seen is not None else {}
            self._seen = seen
        return self._results.get(tool_id)

    def line(self, tool_id: str) -> tuple[str, bool] | None:
        """"Watched: seen contacting telemetry.nextjs.org on 2026-12-06 (`next build`)." and whether it is a warning
        (endpoints contacted although the tool was opted out); None when no watch ran one of its commands."""
        result = self.result(tool_id)
        if result is None:
            return None
        text = f"Watched: {describe(result)} (`{result.command}`)."
        return text, bool(result.contacted) and result.opted_out
