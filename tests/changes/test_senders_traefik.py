"""Traefik reads one static configuration file: the first that exists of /etc/traefik/traefik, $XDG_CONFIG_HOME/traefik,
~/.config/traefik, each tried as .toml, .yaml, .yml (v3.7.9 pkg/cli/loader_file.go#L67-L68), TOML decoded like YAML
(paerser file/file_node.go#L25-L36). Two senders: the version check (on unless global.checkNewVersion is false) and
the opt-in usage report (global.sendAnonymousUsage). The entry read only YAML, so a TOML opt-out read as on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from changes_helpers import changes, plant, reports, state_of

from tracklight.core.model import State


@pytest.fixture
def etc(install: Callable[..., None]) -> Path:
    install("traefik")
    return Path(os.environ["TRACKLIGHT_SYSTEM_ROOT"]) / "etc/traefik"


def test_a_toml_opt_out_reads_off(etc: Path) -> None:
    plant(etc / "traefik.toml", "[global]\n  checkNewVersion = false\n  sendAnonymousUsage = false\n\n"
                                "[entryPoints.web]\n  address = \":80\"\n")
    assert state_of("traefik") is State.OFF
    plant(etc / "traefik.toml", "[global]\n  checkNewVersion = \"0\"\n")
    assert state_of("traefik") is State.OFF, "Traefik parses each bool with strconv.ParseBool, quoted or not"


def test_the_first_file_found_is_the_whole_configuration(etc: Path, home: Path) -> None:
    plant(etc / "traefik.toml", "[entryPoints.web]\n  address = \":80\"\n")
    plant(home / ".config/traefik.yml", "global:\n  checkNewVersion: false\n")
    assert state_of("traefik") is State.ON, "the TOML file is the one in force, and it leaves the check on"
    (etc / "traefik.toml").unlink()
    assert state_of("traefik") is State.OFF, "now the per-user YAML file is the one Traefik reads"


def test_the_usage_report_in_toml_keeps_traefik_on(etc: Path) -> None:
    plant(etc / "traefik.toml", "[global]\n  checkNewVersion = false\n  sendAnonymousUsage = true\n")
    assert state_of("traefik") is State.ON
    decisive = [(e.control.sender, e.where) for e in reports("traefik")[0].evidence if e.decisive]
    assert decisive == [("usage report (collect.traefik.io)", str(etc / "traefik.toml"))]


def test_nothing_found_is_the_on_by_default_version_check(etc: Path) -> None:
    assert state_of("traefik") is State.ON


def test_optout_creates_no_file_and_never_edits_toml(etc: Path, home: Path) -> None:
    outcome = changes().optout(reports("traefik"))
    assert outcome.applied is None, "no YAML file: the only writable place is the system one, which a user cannot write"
    assert not (home / ".config/traefik.yaml").exists() and not (home / ".config/traefik.yml").exists()
    plant(home / ".config/traefik.yml", "global:\n  sendAnonymousUsage: true\n  checkNewVersion: false\n")
    outcome = changes().optout(reports("traefik"))
    assert outcome.plan.failures == () and outcome.applied is not None
    assert yaml.safe_load((home / ".config/traefik.yml").read_text())["global"]["sendAnonymousUsage"] is False
    assert state_of("traefik") is State.OFF
