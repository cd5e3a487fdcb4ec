"""Execution oracles (resources/catalog/oracles/): each one valid, named after an entry, and recorded there with the
very package it pins; a broken oracle is named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import ProofMethod, Source
from tracklight.core.oracle import load_oracles, parse_oracle, parse_package

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "resources" / "catalog"
ORACLES, PROBLEMS = load_oracles(CATALOG / "oracles")


def test_every_oracle_is_valid_and_names_an_entry() -> None:
    assert [str(p) for p in PROBLEMS] == []
    assert [o.id for o in ORACLES if not (CATALOG / f"{o.id}.toml").exists()] == []


def test_every_oracle_is_recorded_in_its_entry_with_the_package_it_pins() -> None:
    """An oracle added or re-pinned without running it leaves its entry without a matching record."""
    missing = {}
    for oracle in ORACLES:
        tool = load_manifest_file(CATALOG / f"{oracle.id}.toml", Source.CATALOG).tool
        assert tool is not None
        runs = [p.package for p in tool.proofs if p.method is ProofMethod.RUN]
        if oracle.package.spec not in runs:
            missing[oracle.id] = runs
    assert missing == {}, "run `make prove ONLY=<id>`: {id: [run proofs recorded]}"


def test_every_run_proof_can_be_run_again() -> None:
    """A run proof comes from an oracle that is still there (else nobody can repeat it)."""
    pinned = {(o.id, o.package.registry, o.package.base_name) for o in ORACLES}
    orphans = []
    for path in sorted(CATALOG.glob("*.toml")):
        tool = load_manifest_file(path, Source.CATALOG).tool
        assert tool is not None
        for proof in tool.proofs:
            package = parse_package(proof.package)
            if proof.method is ProofMethod.RUN and (package is None or
                                                    (tool.id, package.registry, package.base_name) not in pinned):
                orphans.append(f"{tool.id}: {proof.package}")
    assert orphans == []


GOOD = '''oracle_version = 1
package = "npm:@scope/tool@1.2.3"
oracle = "tool status"
command = "{bin}/tool status"
on = "enabled"
off = "disabled"

[[plant]]
path = "~/.tool/config.json"
text = "{}"
'''


def test_a_good_oracle_parses() -> None:
    oracle, problems = parse_oracle(GOOD, "/x/oracles/tool.toml")
    assert problems == [] and oracle is not None
    assert (oracle.id, oracle.package.registry, oracle.package.name, oracle.package.version) == \
        ("tool", "npm", "@scope/tool", "1.2.3")
    assert oracle.plants_on_state and oracle.timeout == 120 and not oracle.ci


@pytest.mark.parametrize("old,new,line,words", [
    ('package = "npm:@scope/tool@1.2.3"', 'package = "npm:@scope/tool"', 2, "must be pinned"),
    ('package = "npm:@scope/tool@1.2.3"', 'package = "pypi:tool>=1"', 2, "must be pinned"),
    ('on = "enabled"', 'on = "(enabled"', 5, "not a valid regular expression"),
    ('command = "{bin}/tool status"', 'python = "print(1)"\ncommand = "x"', 5, "either 'command' or 'python'"),
    ('path = "~/.tool/config.json"', 'path = "/etc/tool.json"', 9, "sandbox home"),
    ('path = "~/.tool/config.json"', 'path = "~/../../etc/tool.json"', 9, "'..'"),
    ('oracle = "tool status"\n', 'oracle = "tool status"\ntimeout = 0\n', 4, "'timeout'"),
    ('oracle = "tool status"\n', 'oracle = "tool status"\nno_deps = true\n', 4, "pypi packages only"),
    ('[[plant]]', 'unprobed = ["TOOL_OFF"]\n\n[[plant]]', 8, "'unprobed' must be a table"),
    ('[[plant]]', '[unprobed]\nTOOL_OFF = ""\n\n[[plant]]', 9, "must say why"),
])
def test_a_broken_oracle_is_named_with_its_line(old: str, new: str, line: int, words: str) -> None:
    assert old in GOOD
    oracle, problems = parse_oracle(GOOD.replace(old, new), "/x/oracles/tool.toml")
    assert oracle is None
    assert [p.line for p in problems if words in p.message] == [line], problems


def test_an_oracle_names_the_variables_it_leaves_unprobed_and_why() -> None:
    text = GOOD.replace("[[plant]]", '[unprobed]\nTOOL_OFF = "the status command reads the file only"\n\n[[plant]]')
    oracle, problems = parse_oracle(text, "/x/oracles/tool.toml")
    assert problems == [] and oracle is not None
    assert oracle.unprobed == (("TOOL_OFF", "the status command reads the file only"),)


def test_every_watched_endpoint_is_one_its_entry_declares() -> None:
    """A watch oracle proves the entry's `endpoints`: it may watch only hosts the entry declares."""
    strays = {}
    for oracle in ORACLES:
        if oracle.watch is None:
            continue
        tool = load_manifest_file(CATALOG / f"{oracle.id}.toml", Source.CATALOG).tool
        assert tool is not None
        declared = {endpoint.lower() for endpoint in tool.telemetry.endpoints}
        stray = [e for e in oracle.watch.endpoints if e.lower() not in declared]
        if stray:
            strays[oracle.id] = stray
    assert strays == {}


WATCHED = '''oracle_version = 1
package = "npm:tool@1.2.3"
oracle = "tool's own network behaviour"

[watch]
command = "{bin}/tool --version"
endpoints = ["telemetry.tool.example"]
'''


def test_a_watch_oracle_parses_with_or_without_a_status_question() -> None:
    oracle, problems = parse_oracle(WATCHED, "/x/oracles/tool.toml")
    assert problems == [] and oracle is not None and oracle.watch is not None
    assert (oracle.watch.command, oracle.watch.endpoints) == ("{bin}/tool --version", ("telemetry.tool.example",))
    assert not oracle.asks_status
    both = GOOD.replace("[[plant]]", '[watch]\ncommand = "{bin}/tool ping"\nendpoints = ["t.example"]\n\n[[plant]]')
    oracle, problems = parse_oracle(both, "/x/oracles/tool.toml")
    assert problems == [] and oracle is not None and oracle.asks_status and oracle.watch is not None
    assert parse_oracle(GOOD, "/x/oracles/tool.toml")[0].watch is None  # type: ignore[union-attr]


@pytest.mark.parametrize("old,new,line,words", [
    ('endpoints = ["telemetry.tool.example"]', 'endpoints = []', 5, "needs 'endpoints'"),
    ('endpoints = ["telemetry.tool.example"]', 'endpoints = ["https://t.example/x"]', 7, "a host name"),
    ('command = "{bin}/tool --version"\n', '', 5, "missing required field 'watch.command'"),
    ('endpoints = ["telemetry.tool.example"]', 'endpoints = ["t.example"]\nlinger = 3', 5, "unknown field"),
    ('oracle = "tool\'s own network behaviour"\n', 'oracle = "x"\non = "enabled"\n', 4, "a watch-only oracle"),
    ('[watch]\ncommand = "{bin}/tool --version"\nendpoints = ["telemetry.tool.example"]\n', '', 3, "or watches it"),
])
def test_a_broken_watch_oracle_is_named_with_its_line(old: str, new: str, line: int, words: str) -> None:
    assert old in WATCHED
    oracle, problems = parse_oracle(WATCHED.replace(old, new), "/x/oracles/tool.toml")
    assert oracle is None
    assert [p.line for p in problems if words in p.message] == [line], problems
