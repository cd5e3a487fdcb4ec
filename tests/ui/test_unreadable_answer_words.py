"""The details pane says why a tool that asks first is shown as unknown: its answer is out of Tracklight's reach."""

from __future__ import annotations

import os
from pathlib import Path

from tracklight.core.model import State
from tracklight.core.scan import scan
from tracklight.ui.details_text import answer


def test_the_pane_says_the_answer_cannot_be_read(sandbox_home: Path) -> None:
    report = scan(env=dict(os.environ), only=["entire-cli"]).get("entire-cli")
    assert report is not None
    assert report.state is State.UNKNOWN
    said = answer(report, str(sandbox_home))
    assert "keeps your answer where Tracklight can't read it" in said.why
    assert "sends nothing until you answer" not in said.why
