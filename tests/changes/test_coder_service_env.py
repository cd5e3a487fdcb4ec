"""Coder's server reads CODER_TELEMETRY_ENABLE from one environment: a server started from a shell from the login
environment, a packaged server (systemd unit scripts/linux-pkg/coder.service, OpenRC script) only from
/etc/coder.d/coder.env. Two servers, one control each: on while either says on (precedence any-on). The shipped
coder.env has no CODER_TELEMETRY_ENABLE line, and a packaged server started with it reports (default true), so the
file without the line is on: Tracklight's own login-environment opt-out used to show coder off while it kept reporting.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State

# As the deb/rpm/apk packages ship it: every value the server needs, no telemetry line.
_SHIPPED = """# Coder must be reachable from an external URL for users and workspaces to connect.
# e.g. https://coder.example.com
CODER_ACCESS_URL=

CODER_HTTP_ADDRESS=
CODER_PG_CONNECTION_URL=
CODER_TLS_CERT_FILE=
CODER_TLS_ENABLE=
CODER_TLS_KEY_FILE=

# Run "coder server --help" for flag information.
"""


@pytest.fixture
def service_env(install: Callable[..., None]) -> Path:
    install("coder")
    return Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"]) / "etc/coder.d/coder.env"


def test_the_shipped_file_keeps_a_packaged_server_on(service_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(service_env, _SHIPPED)
    monkeypatch.setenv("CODER_TELEMETRY_ENABLE", "false")
    assert state_of("coder") is State.ON, "the packaged server never sees the login environment"
    plant(service_env, _SHIPPED + "CODER_TELEMETRY_ENABLE=false\n")
    assert state_of("coder") is State.OFF


def test_each_place_is_read_for_its_own_server(service_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODER_TELEMETRY_ENABLE", "false")
    assert state_of("coder") is State.OFF, "no coder.env: no packaged server, and the shell's server is off"
    plant(service_env, _SHIPPED + "CODER_TELEMETRY_ENABLE=false\n")
    monkeypatch.delenv("CODER_TELEMETRY_ENABLE")
    assert state_of("coder") is State.OFF, "the packaged server is off; nothing set for a shell's server is no server"
    monkeypatch.setenv("CODER_TELEMETRY_ENABLE", "true")
    assert state_of("coder") is State.ON


def test_no_removed_branch_path_is_read(service_env: Path) -> None:
    plant(Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"]) / "etc/coder/coder.env", "CODER_TELEMETRY_ENABLE=true\n")
    plant(service_env, _SHIPPED + "CODER_TELEMETRY_ENABLE=false\n")
    assert state_of("coder") is State.OFF
    assert all("/etc/coder/" not in (e.where or "") for e in reports("coder")[0].evidence)


def test_optout_sets_the_login_variable_and_leaves_the_service_file(service_env: Path) -> None:
    before = plant(service_env, _SHIPPED)
    outcome = changes().optout(reports("coder"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert [e.name for e in outcome.applied.env] == ["CODER_TELEMETRY_ENABLE"]
    assert service_env.read_bytes() == before, "the service's file belongs to root: read only"
