"""A marker file (format `presence`): vLLM stops its usage stats while ~/.config/vllm/do_not_track exists.

Opting out creates it empty; opting back in deletes it, but only when nothing was written into it; undo gives back
the exact bytes and permissions either way.
"""

from __future__ import annotations

import os
from pathlib import Path

from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State


def _marker(home: Path) -> Path:
    return home / ".config/vllm/do_not_track"


def test_optout_creates_the_empty_marker_and_undo_removes_it(home: Path) -> None:
    assert state_of("vllm") is State.ON
    outcome = changes().optout(reports("vllm"))
    assert outcome.plan.failures == ()
    applied = outcome.applied
    assert applied is not None
    assert [c.path for c in applied.files] == [str(_marker(home))]
    assert applied.env == (), "the file beats every variable: nothing else is needed"
    assert _marker(home).read_bytes() == b""
    assert state_of("vllm") is State.OFF

    again = changes().optout(reports("vllm"))
    assert again.applied is None and again.plan.unchanged == ("vllm",)

    changes().undo()
    assert not _marker(home).exists()
    assert not (home / ".config/vllm").exists()
    assert state_of("vllm") is State.ON


def test_optin_deletes_an_empty_marker_and_undo_puts_it_back_with_its_mode(home: Path) -> None:
    original = plant(_marker(home), "\n", mode=0o640)  # as `echo > do_not_track` leaves it
    assert state_of("vllm") is State.OFF

    outcome = changes().optin(reports("vllm"))
    assert outcome.plan.failures == ()
    assert outcome.applied is not None
    [change] = outcome.applied.files
    assert change.before == original and change.after is None
    assert not _marker(home).exists()
    assert state_of("vllm") is State.ON

    changes().undo()
    assert _marker(home).read_bytes() == original
    assert os.stat(_marker(home)).st_mode & 0o777 == 0o640
    assert state_of("vllm") is State.OFF


def test_optin_after_optout_removes_what_tracklight_created(home: Path) -> None:
    changes().optout(reports("vllm"))
    outcome = changes().optin(reports("vllm"))
    assert outcome.applied is not None and outcome.plan.failures == ()
    assert not _marker(home).exists()
    assert state_of("vllm") is State.ON


def test_a_marker_someone_wrote_into_is_not_deleted(home: Path) -> None:
    original = plant(_marker(home), "no stats from this box, see ticket 4711\n")
    outcome = changes().optin(reports("vllm"))
    assert outcome.applied is None
    [failure] = outcome.plan.failures
    assert failure.tool_id == "vllm"
    assert failure.error.path == str(_marker(home)) and failure.error.line == 1
    assert "delete the file yourself" in str(failure.error)
    assert _marker(home).read_bytes() == original
    assert state_of("vllm") is State.OFF
