"""Writing the window's watch results (`core.watch_results` reads them) through the one atomic write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tracklight.core.watch_results import WatchResult, load_results, render_results, results_path


def record_results(env: Mapping[str, str], new: Iterable[WatchResult]) -> None:
    """Keep `new` as each tool's last result, beside the other tools' results already on disk."""
    from tracklight.changes.atomic import atomic_write

    results = load_results(env)
    for result in new:
        results[result.tool_id] = result
    atomic_write(str(results_path(env)), render_results(results).encode("utf-8"), mode=0o600, make_parents=True)
