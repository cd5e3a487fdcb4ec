"""The window's watch results: the file `tracklight watch` writes, read back the way the tray reads it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tracklight.core.watch_results import (
    WatchResult,
    describe,
    load_results,
    parse_results,
    render_results,
    results_path,
)
from tracklight.watch.store import record_results

WHEN = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)


def result(tool_id: str = "heroku-cli", *, contacted: tuple[str, ...] = ("backboard.heroku.com:443",),
           opted_out: bool = False, when: datetime = WHEN) -> WatchResult:
    return WatchResult(tool_id=tool_id, when=when, command="heroku --version", contacted=contacted,
                       opted_out=opted_out)


def test_the_path_follows_xdg_state_home(tmp_path: Path) -> None:
    home = str(tmp_path / "h")
    assert results_path({"HOME": home}) == Path(home, ".local/state/tracklight/watch-results.json")
    assert results_path({"HOME": home, "XDG_STATE_HOME": str(tmp_path / "s")}) == \
        tmp_path / "s" / "tracklight" / "watch-results.json"
    # a relative XDG_STATE_HOME is ignored, as the XDG spec says
    assert results_path({"HOME": home, "XDG_STATE_HOME": "rel"}) == Path(home, ".local/state/tracklight/watch-results.json")


def test_render_then_parse_gives_the_same_results() -> None:
    results = {"heroku-cli": result(), "wrangler": result("wrangler", contacted=(), opted_out=True)}
    assert parse_results(render_results(results)) == results


def test_a_time_in_another_zone_is_kept_as_the_same_instant_in_utc() -> None:
    local = WHEN.astimezone(timezone(timedelta(hours=-5)))
    parsed = parse_results(render_results({"heroku-cli": result(when=local)}))
    assert parsed["heroku-cli"].when == WHEN
    assert parsed["heroku-cli"].when.utcoffset() == timedelta(0)


def test_what_the_watch_writes_the_window_reads(sandbox_home: Path) -> None:
    env = dict(os.environ)
    assert load_results(env) == {}
    record_results(env, [result()])
    record_results(env, [result("wrangler", contacted=())])
    record_results(env, [result(contacted=(), opted_out=True, when=WHEN + timedelta(hours=1))])
    loaded = load_results(env)
    assert set(loaded) == {"heroku-cli", "wrangler"}
    assert loaded["heroku-cli"] == result(contacted=(), opted_out=True, when=WHEN + timedelta(hours=1))
    path = sandbox_home / ".local/state/tracklight/watch-results.json"
    assert results_path(env) == path
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("text", [
    "", "not json", "[]", '{"version": 2, "results": {}}', '{"version": 1, "results": []}', "\u0000\u0001",
])
def test_a_malformed_file_reads_as_no_results(sandbox_home: Path, text: str) -> None:
    path = results_path(os.environ)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert load_results(os.environ) == {}


def test_a_file_that_is_not_utf8_or_a_folder_reads_as_no_results(sandbox_home: Path) -> None:
    path = results_path(os.environ)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"version": 1, "results": {"\xff": 1}}')
    assert load_results(os.environ) == {}
    path.unlink()
    path.mkdir()
    assert load_results(os.environ) == {}


def test_a_malformed_entry_is_left_out_and_the_rest_kept() -> None:
    good = render_results({"heroku-cli": result()})
    text = good.replace('"results": {', '"results": {"a": {"when": "2026-12-06T02:30:00"}, '
                        '"b": {"when": "yesterday", "command": "x", "contacted": [], "opted_out": false}, '
                        '"c": {"when": "2026-12-06T02:30:00+00:00", "command": "x", "contacted": [1], '
                        '"opted_out": false}, "d": 7, ', 1)
    assert parse_results(text) == {"heroku-cli": result()}


def test_describe_says_what_was_seen_and_when() -> None:
    assert describe(result()) == "seen contacting backboard.heroku.com on 2026-12-06"
    assert describe(result(contacted=(), opted_out=True)) == "seen silent after opt-out on 2026-12-06"
    assert describe(result(contacted=())) == "seen silent on 2026-12-06"
    assert describe(result(contacted=("a.example:443", "a.example:80", "b.example:8125"), opted_out=True)) == \
        "seen contacting a.example, b.example:8125 after opt-out on 2026-12-06"
    late = datetime(2026, 12, 6, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # already the 7th in UTC
    assert describe(result(when=late)) == "seen contacting backboard.heroku.com on 2026-12-07"
