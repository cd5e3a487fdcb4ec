"""A file control's `missing_key`: a file that exists without the key means what the tool reads it as.

Testkube's CLI (catalog entry testkube-cli) creates ~/.testkube/config.json with telemetryEnabled true, and every
later save drops a false (Go's omitempty): a config without the key is off to the CLI, a missing file is on. Before
`missing_key` Tracklight showed such a file as on, after the tool's own opt-out or its own.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import State

CONFIG = ".testkube/config.json"
WITHOUT_KEY = '{\n  "namespace": "testkube",\n  "apiURI": "http://localhost:8088"\n}\n'


def test_a_file_without_the_key_is_off_and_a_missing_file_is_on(home: Path) -> None:
    assert state_of("testkube-cli") is State.ON  # no file: the CLI creates it with true
    plant(home / CONFIG, WITHOUT_KEY)
    assert state_of("testkube-cli") is State.OFF
    [evidence] = [e for e in reports("testkube-cli")[0].evidence if e.control.key == "telemetryEnabled"]
    assert "key not in the file" in evidence.note and not evidence.is_set and evidence.decisive


def test_the_opt_out_holds_after_the_cli_drops_the_false_it_wrote(home: Path) -> None:
    config = home / CONFIG
    plant(config, '{\n  "namespace": "testkube",\n  "telemetryEnabled": true\n}\n')
    outcome = changes().optout(reports("testkube-cli"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert json.loads(config.read_text())["telemetryEnabled"] is False
    # The CLI's next save writes the struct back with omitempty: the false is gone, and the CLI still reads off.
    plant(config, '{\n  "namespace": "testkube"\n}\n')
    assert state_of("testkube-cli") is State.OFF


def test_an_opt_out_of_a_file_without_the_key_writes_nothing(home: Path) -> None:
    config = home / CONFIG
    before = plant(config, WITHOUT_KEY)
    outcome = changes().optout(reports("testkube-cli"))
    assert outcome.applied is None or all(c.path != str(config) for c in outcome.applied.files)
    assert config.read_bytes() == before


def test_opting_in_writes_on_where_the_missing_key_reads_off_and_undo_gives_the_bytes_back(home: Path) -> None:
    config = home / CONFIG
    before = plant(config, WITHOUT_KEY)
    tool = changes()
    outcome = tool.optin(reports("testkube-cli"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert json.loads(config.read_text())["telemetryEnabled"] is True
    assert state_of("testkube-cli") is State.ON
    tool.undo()
    assert config.read_bytes() == before
    assert state_of("testkube-cli") is State.OFF


def _manifest(tmp_path: Path, control: str) -> list[str]:
    path = tmp_path / "demo.toml"
    path.write_text(textwrap.dedent("""\
        manifest_version = 1
        id = "demo"
        name = "Demo"

        [telemetry]
        tier = "anonymized"
        default = "on"

        [[telemetry.controls]]
        """) + textwrap.dedent(control))
    return [p.message for p in load_manifest_file(path).problems]


@pytest.mark.parametrize(("control", "complaint"), [
    ('kind = "env"\nname = "DEMO_TELEMETRY"\noff = "0"\nmissing_key = "off"\n', "is for file controls"),
    ('kind = "file"\npath = "~/.demo.json"\nformat = "json"\nkey = "t"\noff = false\nmissing_key = "off"\n',
     "needs 'telemetry.controls"),
    ('kind = "file"\npath = "~/.demo.json"\nformat = "json"\nkey = "t"\noff = false\non = true\n'
     'missing_key = "maybe"\n', "must be one of"),
])
def test_a_manifest_that_misuses_missing_key_is_told_why(tmp_path: Path, control: str, complaint: str) -> None:
    problems = _manifest(tmp_path, control)
    assert any(complaint in p and "missing_key" in p for p in problems), problems


def test_a_manifest_with_missing_key_and_on_is_accepted(tmp_path: Path) -> None:
    assert _manifest(tmp_path, 'kind = "file"\npath = "~/.demo.json"\nformat = "json"\nkey = "t"\noff = false\n'
                               'on = true\nmissing_key = "off"\n') == []


def test_a_json_null_reads_as_the_key_not_being_there(home: Path) -> None:
    """Hardhat tests its `enabled` for JavaScript truthiness and Firebase its `usage`: a null is no consent to
    both, as a file without the key is. Tracklight reads a null as the key absent: off by hardhat's `missing_key`,
    and for firebase-tools its unset default (ask), which does not send."""
    plant(home / ".local/share/hardhat-nodejs/telemetry-config.json", '{"enabled": null}\n')
    assert state_of("hardhat") is State.OFF
    plant(home / ".local/share/hardhat-nodejs/telemetry-config.json", '{"enabled": true}\n')
    assert state_of("hardhat") is State.ON
    plant(home / ".config/configstore/firebase-tools.json", '{"usage": null}\n')
    assert state_of("firebase-tools") is State.OFF
    plant(home / ".config/configstore/firebase-tools.json", '{"usage": true}\n')
    assert state_of("firebase-tools") is State.ON
