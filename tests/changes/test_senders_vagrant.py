"""Vagrant sends through two parts (manifest `sender`): the Checkpoint version check, which either
VAGRANT_CHECKPOINT_DISABLE (Vagrant, lib/vagrant/util/checkpoint_client.rb#L45-L47) or CHECKPOINT_DISABLE (the
hashicorp-checkpoint gem, lib/checkpoint.rb#L15) stops when set at all, and the box update check, which
VAGRANT_BOX_UPDATE_CHECK_DISABLE stops (plugins/kernel_v2/config/vm.rb#L523-L524). The old any-on reading took every
variable as its own channel and VAGRANT_CHECKPOINT_DISABLE unset as on, so a user who switched both checks off with
the gem's own variable was shown Vagrant as on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State


@pytest.fixture
def vagrant_home(home: Path) -> Path:
    """~/.vagrant.d as Vagrant leaves it after a first run (the Checkpoint signature), so Vagrant counts as installed."""
    plant(home / ".vagrant.d/data/checkpoint_signature", "4a5b2c1e-0f6d-4e8a-9b3c-2d1e0f9a8b7c")
    return home / ".vagrant.d"


def test_the_gems_own_variable_stops_the_checkpoint_check(vagrant_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.setenv("VAGRANT_BOX_UPDATE_CHECK_DISABLE", "1")
    assert state_of("vagrant") is State.OFF, "both checks are off; VAGRANT_CHECKPOINT_DISABLE unset changes nothing"
    decisive = [(e.control.sender, e.control.name) for e in reports("vagrant")[0].evidence if e.decisive]
    assert ("box update check (Vagrant Cloud token)", "VAGRANT_BOX_UPDATE_CHECK_DISABLE") in decisive
    assert ("Checkpoint version check (random signature id)", "CHECKPOINT_DISABLE") in decisive


def test_each_check_keeps_vagrant_on_while_it_runs(vagrant_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state_of("vagrant") is State.ON
    monkeypatch.setenv("VAGRANT_CHECKPOINT_DISABLE", "")  # set at all, even empty: Ruby reads it as true
    assert state_of("vagrant") is State.ON, "the box update check still runs"
    monkeypatch.setenv("VAGRANT_BOX_UPDATE_CHECK_DISABLE", "  ")  # blank after strip: present? is false
    assert state_of("vagrant") is State.ON, "a blank value leaves the box update check on"
    monkeypatch.setenv("VAGRANT_BOX_UPDATE_CHECK_DISABLE", "yes")
    assert state_of("vagrant") is State.OFF
    monkeypatch.delenv("VAGRANT_CHECKPOINT_DISABLE")
    assert state_of("vagrant") is State.ON, "the Checkpoint check runs again"


def test_optout_sets_vagrants_two_variables_and_not_the_gem_wide_one(vagrant_home: Path) -> None:
    outcome = changes().optout(reports("vagrant"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert sorted(e.name for e in outcome.applied.env) == ["VAGRANT_BOX_UPDATE_CHECK_DISABLE",
                                                            "VAGRANT_CHECKPOINT_DISABLE"]
