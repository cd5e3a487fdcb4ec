"""Terramate sends through two parts (manifest `sender`): its analytics, which only disable_telemetry in the CLI
config stops (v0.17.2 ui/tui/cli.go#L591-L603), and its Checkpoint update check, which disable_checkpoint
(cli.go#L638-L642) or a non-empty CHECKPOINT_DISABLE (go-checkpoint v1.0.0 check.go#L101) stops. The old any-on
reading could not hold the variable, so a user who stopped the check with it was shown Terramate as on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State

_CHECK = "update check (checkpoint signature)"


@pytest.fixture
def rc(home: Path, install: Callable[..., None]) -> Path:
    install("terramate")
    return home / ".terramaterc"


def test_the_checkpoint_variable_stops_the_update_check(rc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(rc, "disable_telemetry = true\n")
    assert state_of("terramate") is State.ON, "the update check still runs"
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    assert state_of("terramate") is State.OFF
    decisive = [(e.control.sender, e.key or e.control.name) for e in reports("terramate")[0].evidence if e.decisive]
    assert (_CHECK, "CHECKPOINT_DISABLE") in decisive
    monkeypatch.setenv("CHECKPOINT_DISABLE", "")  # empty: go-checkpoint checks anyway
    assert state_of("terramate") is State.ON


def test_either_switch_stops_the_check_whatever_the_other_says(rc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(rc, "disable_telemetry = true\ndisable_checkpoint = false\n")
    monkeypatch.setenv("CHECKPOINT_DISABLE", "yes")
    assert state_of("terramate") is State.OFF, "disable_checkpoint = false does not outvote the variable"
    monkeypatch.delenv("CHECKPOINT_DISABLE")
    plant(rc, "disable_telemetry = false\ndisable_checkpoint = true\n")
    assert state_of("terramate") is State.ON, "the analytics still go out"


def test_optout_writes_both_keys_and_not_the_checkpoint_variable(rc: Path) -> None:
    outcome = changes().optout(reports("terramate"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert outcome.applied.env == (), "CHECKPOINT_DISABLE is read only: it stops every Checkpoint client"
    text = rc.read_text()
    assert "disable_telemetry = true" in text and "disable_checkpoint = true" in text
    assert state_of("terramate") is State.OFF
