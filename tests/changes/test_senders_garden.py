"""Garden (catalog) sends through two parts that read their own switches (0.14.20): the Segment analytics read
GARDEN_DISABLE_ANALYTICS first and analytics.optedOut in ~/.garden/global-config.json only when the variable is not
true; the version check, with the anonymous user id, reads only GARDEN_DISABLE_VERSION_CHECK.

Read as one any-on group, the file key (unset means on) kept Garden on with both variables set and no config file,
and a file saying optedOut: false beat GARDEN_DISABLE_ANALYTICS=true.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State


@pytest.fixture
def garden_home(home: Path) -> Path:
    """Garden's global folder exists (so it is installed); returns its config file, not created."""
    (home / ".garden").mkdir()
    return home / ".garden/global-config.json"


def test_both_variables_and_no_config_file_read_off(garden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARDEN_DISABLE_ANALYTICS", "true")
    monkeypatch.setenv("GARDEN_DISABLE_VERSION_CHECK", "1")
    assert not garden_home.exists()
    assert state_of("garden") is State.OFF, "Garden sends nothing: analytics and the version check are both off"
    plant(garden_home, '{"analytics": {"anonymousUserId": "a1b2", "firstRunAt": "2026-12-01T10:00:00.000Z"}}\n')
    assert state_of("garden") is State.OFF, "a config file without optedOut does not turn analytics back on"


def test_the_analytics_variable_beats_the_file(garden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(garden_home, '{"analytics": {"anonymousUserId": "a1b2", "optedOut": false}}\n')
    monkeypatch.setenv("GARDEN_DISABLE_VERSION_CHECK", "TRUE")
    assert state_of("garden") is State.ON
    monkeypatch.setenv("GARDEN_DISABLE_ANALYTICS", "True")
    assert state_of("garden") is State.OFF, "the variable stops analytics whatever optedOut says"
    plant(garden_home, '{"analytics": {"anonymousUserId": "a1b2", "optedOut": true}}\n')
    monkeypatch.setenv("GARDEN_DISABLE_ANALYTICS", "false")
    assert state_of("garden") is State.OFF, "false leaves the choice to optedOut, which says off"


def test_analytics_off_leaves_the_version_check_on(garden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(garden_home, '{"analytics": {"anonymousUserId": "a1b2", "optedOut": true}}\n')
    monkeypatch.setenv("GARDEN_DISABLE_ANALYTICS", "1")
    assert state_of("garden") is State.ON, "the version check still sends the anonymous user id"
    assert [e for e in reports("garden")[0].evidence if e.decisive] == [], "the version check's default decides"


def test_optout_writes_the_file_and_the_version_check_variable(garden_home: Path) -> None:
    before = plant(garden_home, '{"analytics": {"anonymousUserId": "a1b2"}, "clientAuthTokens": {}}\n')
    outcome = changes().optout(reports("garden"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert json.loads(garden_home.read_text())["analytics"] == {"anonymousUserId": "a1b2", "optedOut": True}
    assert [e.name for e in outcome.applied.env] == ["GARDEN_DISABLE_VERSION_CHECK"]
    changes().undo()
    assert garden_home.read_bytes() == before
