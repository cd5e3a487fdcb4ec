"""Brave (catalog) sends P3A product analytics and a daily usage ping, each switched by the user's Settings toggle
(Local State prefs brave.p3a.enabled and brave.stats.reporting_enabled) and overridden by a managed policy
(BraveP3AEnabled, BraveStatsPingEnabled). Each sender reads its policy first, then its Local State pref.

Read before as one any-on group of the two policies alone, a user who switched both toggles off in Settings read as
on, and a policy value Chromium rejects (not a boolean) read as on instead of leaving the toggle to decide.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from changes_helpers import plant, reports, state_of

from tracklight.core.model import State

BOTH_OFF = {"brave": {"p3a": {"enabled": False}, "stats": {"reporting_enabled": False}}}


def _local_state(home: Path, prefs: dict[str, object], config: Path | None = None) -> Path:
    """Brave's Local State as Brave writes it: other prefs around the two, nested by their dots."""
    folder = (config or home / ".config") / "BraveSoftware/Brave-Browser"
    data = {"browser": {"enabled_labs_experiments": []}, "user_experience_metrics": {"low_entropy_source3": 1234},
            **prefs}
    plant(folder / "Local State", json.dumps(data, separators=(",", ":")))
    return folder / "Local State"


def _policy(values: dict[str, object]) -> Path:
    path = Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"]) / "etc/brave/policies/managed/tracklight.json"
    plant(path, json.dumps(values, indent=2) + "\n")
    return path


def test_both_settings_toggles_off_read_off(home: Path) -> None:
    _local_state(home, BOTH_OFF)
    assert state_of("brave") is State.OFF, "the user's own opt-out in Settings stops both senders"
    decisive = [(e.control.sender, e.key) for e in reports("brave")[0].evidence if e.decisive]
    assert decisive == [("P3A product analytics", "brave.p3a.enabled"),
                        ("daily usage ping", "brave.stats.reporting_enabled")]


def test_one_toggle_off_leaves_the_other_sender_on(home: Path) -> None:
    _local_state(home, {"brave": {"p3a": {"enabled": False}}})
    assert state_of("brave") is State.ON, "the daily usage ping is on by default"
    _local_state(home, {"brave": {"p3a": {"enabled": True}, "stats": {"reporting_enabled": False}}})
    assert state_of("brave") is State.ON


def test_the_policy_beats_the_users_toggle(home: Path) -> None:
    _local_state(home, BOTH_OFF)
    _policy({"BraveP3AEnabled": True})
    assert state_of("brave") is State.ON, "a managed true turns P3A back on whatever Settings says"
    _local_state(home, {"brave": {"p3a": {"enabled": True}, "stats": {"reporting_enabled": True}}})
    _policy({"BraveP3AEnabled": False, "BraveStatsPingEnabled": False})
    assert state_of("brave") is State.OFF


def test_a_policy_chromium_rejects_leaves_the_toggle_to_decide(home: Path) -> None:
    _local_state(home, BOTH_OFF)
    _policy({"BraveP3AEnabled": "false", "BraveStatsPingEnabled": 1})
    assert state_of("brave") is State.OFF, "values that are not booleans are dropped; the toggles say off"


def test_local_state_follows_xdg_config_home_not_chrome_config_home(home: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = home / "cfg"
    _local_state(home, BOTH_OFF, config=elsewhere)
    monkeypatch.setenv("CHROME_CONFIG_HOME", str(elsewhere))
    (home / ".config/BraveSoftware/Brave-Browser").mkdir(parents=True)
    assert state_of("brave") is State.ON, "Brave ignores CHROME_CONFIG_HOME: ~/.config holds no toggle"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(elsewhere))
    assert state_of("brave") is State.OFF
