"""flyctl sends through two parts (manifest `sender`) that each read their own pair of switches: the usage metrics
(send_metrics in ~/.fly/config.yml, replaced by FLY_SEND_METRICS when non-empty) and the synthetics agent
(synthetics_agent, replaced by FLY_SYNTHETICS_AGENT). v0.4.87 internal/config/config.go#L129-L134 reads the file
first and lets the environment override it (L167-L172). The old any-on reading took every control as its own
channel, so FLY_SEND_METRICS=0 beside send_metrics: true read as on while flyctl sends nothing.

Sentry, the OpenTelemetry deploy traces and LaunchDarkly have no switch (manifest `no_switch`): flyctl's state is on
whatever its settings say, and these tests read what the settings say (`switch_state`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from changes_helpers import changes, plant, reports

from tracklight.core.model import State


@pytest.fixture
def config(home: Path) -> Path:
    return home / ".fly/config.yml"


def switches_of(tool_id: str) -> State:
    """What flyctl's settings say (its two switchable senders); its state is on regardless (no_switch)."""
    report = reports(tool_id)[0]
    assert report.state is State.ON and report.keeps_sending, "Sentry, traces and LaunchDarkly keep sending"
    return report.switch_state


def _decisive() -> list[tuple[str, str | None]]:
    return [(e.control.sender, e.key or e.control.name) for e in reports("flyctl")[0].evidence if e.decisive]


def test_the_metrics_variable_beats_the_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(config, "access_token: fo1_abc\nsend_metrics: true\nsynthetics_agent: false\n")
    assert switches_of("flyctl") is State.ON
    monkeypatch.setenv("FLY_SEND_METRICS", "0")
    assert switches_of("flyctl") is State.OFF, "FLY_SEND_METRICS=0 replaces send_metrics: true; the agent is off"
    assert _decisive() == [("usage metrics (account token)", "FLY_SEND_METRICS"),
                           ("synthetics agent (organization tokens)", "synthetics_agent")]
    monkeypatch.setenv("FLY_SEND_METRICS", "")  # empty: flyctl lets the file decide
    assert switches_of("flyctl") is State.ON


def test_the_metrics_variable_alone_with_no_key_in_the_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(config, "access_token: fo1_abc\nsynthetics_agent: false\n")
    monkeypatch.setenv("FLY_SEND_METRICS", "off")
    assert switches_of("flyctl") is State.OFF, "send_metrics unset does not outvote the variable"


def test_the_synthetics_variable_turns_only_the_agent_back_on(config: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    plant(config, "send_metrics: false\nsynthetics_agent: false\n")
    assert switches_of("flyctl") is State.OFF
    monkeypatch.setenv("FLY_SYNTHETICS_AGENT", "true")
    assert switches_of("flyctl") is State.ON
    assert ("synthetics agent (organization tokens)", "FLY_SYNTHETICS_AGENT") in _decisive()


def test_optout_writes_both_keys_and_keeps_the_token(config: Path) -> None:
    before = plant(config, "access_token: fo1_abc\nlast_login: 2026-12-01T10:00:00Z\n")
    outcome = changes().optout(reports("flyctl"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert outcome.applied.env == (), "a config.yml key per sender is written, so no variable is needed"
    written = yaml.safe_load(config.read_text())
    assert written["access_token"] == "fo1_abc"
    assert written["send_metrics"] is False and written["synthetics_agent"] is False
    assert switches_of("flyctl") is State.OFF
    changes().undo()
    assert config.read_bytes() == before
