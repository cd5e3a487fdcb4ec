"""A tool's details show what `tracklight watch` last saw it do (issue 15 item 4), from the real results file in the
sandbox's state folder, read again when that file changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .conftest import Desk


def _write_results(home: Path, results: dict) -> Path:
    """As the watch package writes it: `~/.local/state/tracklight/watch-results.json`, replaced whole."""
    path = home / ".local" / "state" / "tracklight" / "watch-results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(".watch-results.json.tmp")
    temporary.write_text(json.dumps({"version": 1, "results": results}, indent=2))
    os.replace(temporary, path)
    return path


def test_details_show_the_last_watched_result(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    _write_results(sandbox_home, {
        "nextjs": {"when": "2026-12-06T02:30:00+00:00", "command": "next build",
                   "contacted": ["telemetry.nextjs.org:443"], "opted_out": False},
    })
    app = make_app(show_window=True, watch=False)
    window = app.window
    details = window.tools.details
    assert window.select_tool("nextjs")
    assert details.watched.isVisible()
    assert details.watched.text() == "Watched: seen contacting telemetry.nextjs.org on 2026-12-06 (`next build`)."
    assert window.select_tool("vscode")
    assert not details.watched.isVisible()  # no watch ran one of its commands: nothing is said

    # a new watch, after the opt-out: silent. The file is read again because it changed.
    _write_results(sandbox_home, {
        "nextjs": {"when": "2026-12-07T09:00:00+00:00", "command": "next build",
                   "contacted": [], "opted_out": True},
    })
    assert window.select_tool("nextjs")
    assert details.watched.text() == "Watched: seen silent after opt-out on 2026-12-07 (`next build`)."
    assert not details.watched.font().bold()

    # contact after an opt-out is a warning, said in words too
    _write_results(sandbox_home, {
        "nextjs": {"when": "2026-12-08T09:00:00+00:00", "command": "next build",
                   "contacted": ["telemetry.nextjs.org:443"], "opted_out": True},
    })
    details.show_report(app.scanner.snapshot.get("nextjs"))  # a redraw (a rescan) reads it again too
    assert "seen contacting telemetry.nextjs.org after opt-out on 2026-12-08" in details.watched.text()
    assert details.watched.font().bold() and details.watched.accessibleName().startswith("Warning")

    # a file gone, or broken, says nothing rather than something stale
    path = _write_results(sandbox_home, {})
    path.write_text("{not json")
    details.show_report(app.scanner.snapshot.get("nextjs"))
    assert not details.watched.isVisible()
