"""A few hundred cases of the fuzz campaign (tests/fuzz/fuzzing.py) on every run of the tests; `make fuzz` runs
10,000 manifests and 500 files per format. Each count must be 0: a crash, a false success, a refused change that
changed the file, an undo that is not byte-exact. The seed is fixed, so a failure here is reproducible with
`python tests/fuzz/fuzzing.py --seed 7 --manifests 400 --files 20`."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import fuzzing


@pytest.fixture(scope="module")
def campaign() -> dict[str, fuzzing.Stats]:
    return fuzzing.campaign(manifests=400, files=20, seed=7, report=lambda _line: None)


@pytest.mark.parametrize("name", ["manifests", *fuzzing.FORMATS])
def test_no_crash_no_false_success_and_undo_is_exact(name: str, campaign: dict[str, fuzzing.Stats]) -> None:
    stats = campaign[name]
    assert stats.cases == (400 if name == "manifests" else 20)
    assert stats.crashes == []
    assert stats.false_successes == []
    assert stats.changed_when_refused == []
    assert stats.undo_failures == []


def test_the_campaign_reaches_both_outcomes(campaign: dict[str, fuzzing.Stats]) -> None:
    """A campaign where everything is refused (or everything accepted) would prove nothing."""
    files = [campaign[name] for name in fuzzing.FORMATS]
    assert sum(s.accepted for s in files) > 50 and sum(s.refused for s in files) > 30
    assert sum(s.undone for s in files) > 50
    assert campaign["manifests"].accepted > 20 and campaign["manifests"].refused > 100


def test_a_false_success_is_counted() -> None:
    """The oracles bite: a file the real parser rejects, reported done, is a false success."""
    assert fuzzing.real_json(b'{"a": 1,}', "a") is fuzzing.REJECT
    assert fuzzing.real_toml(b"a = 1\na = 2\n", "a") is fuzzing.REJECT
    assert fuzzing.real_keyvalue(b"reporting=1\r\nreporting=0\r\n", "reporting") == "0"
    assert fuzzing.real_plain(b"\xef\xbb\xbfoff", "mode") == "\ufeffoff"
    assert fuzzing.real_plain_line(b"opt-out later\n", "choice") == "opt-out later"
    assert fuzzing.real_xml(b"\xef\xbb\xbf\xef\xbb\xbf<a/>", "a") is fuzzing.REJECT
