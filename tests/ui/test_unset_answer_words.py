"""The details pane's one-line answer for a tool decided by a setting that is not there: it says what is missing,
not "sets the key to (not set)"."""

from __future__ import annotations

import os
from pathlib import Path

from tracklight.core.model import State
from tracklight.core.scan import scan
from tracklight.ui.details_text import answer


def _why(tool_id: str, home: Path) -> tuple[State, str]:
    report = scan(env=dict(os.environ), only=[tool_id]).get(tool_id)
    assert report is not None
    return report.state, answer(report, str(home)).why


def test_a_file_without_the_key_is_named_as_such(sandbox_home: Path) -> None:
    config = sandbox_home / ".testkube" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text('{\n  "namespace": "testkube"\n}\n')
    state, why = _why("testkube-cli", sandbox_home)
    assert state is State.OFF
    assert why == "~/.testkube/config.json has no telemetryEnabled, which means off."


def test_a_missing_file_is_named_as_such(sandbox_home: Path) -> None:
    state, why = _why("syncthing", sandbox_home)  # crash reports: on unless switched off (manifest unset)
    assert state is State.ON
    assert why.startswith("There is no ~/") and why.endswith(", which means on.")
    assert "(not set)" not in why
