"""The whole-line plain reader agrees with the tools that read a one-setting file whole.

Tilt (tilt-dev/wmclient pkg/analytics/opt.go: `strings.TrimSpace`, then `ParseOpt` compares the whole text) and
kongctl (internal/telemetry/telemetry.go `ReadPreference`: `strings.TrimSpace`, then `strconv.ParseBool`) trim
with Go's white space set; the usagestats library of ReproZip and VisTrails compares `fp.read().strip()`. Their rules
are written out here (`_go_whole`, `_usagestats_status`) and every result is checked against them. Go's first-word
rule (`plain`) would read `opt-out later` as `opt-out`; Tilt reads it as no choice at all. What both one-setting
readers refuse (line breaks, NUL, binary content) is tested once for both in test_plain_format.py.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklight.formats import Lookup, dump_text, load_text
from tracklight.formats import plain_format as plain
from tracklight.formats import plain_line_format as plain_line

FIXTURES = Path(__file__).parent / "fixtures" / "plain_line"
CASES = [
    pytest.param(c, id=c["file"]) for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]
GO_SPACE = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
            "\u2028\u2029\u202f\u205f\u3000")  # Go's unicode.IsSpace, used by strings.TrimSpace
TILT_CHOICES = {"opt-in": "in", "opt-out": "out", "default": "default"}  # wmclient analytics.Choices


def _go_whole(data: bytes) -> str:
    """Tilt's and kongctl's reading of the file: strings.TrimSpace of the whole content."""
    return data.decode("utf-8").strip(GO_SPACE)


def _tilt_opt(data: bytes) -> str:
    """wmclient ParseOpt on the trimmed file: `s == v || "opt-"+s == v`, else the default (no choice)."""
    text = _go_whole(data)
    return next((name for name in TILT_CHOICES if text in (name, name.removeprefix("opt-"))), "default")


def _usagestats_status(data: bytes) -> str:
    """usagestats Stats.read_config: text-mode read (universal newlines), str.strip, compared with the two words."""
    text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text if text in ("ENABLED", "DISABLED") else "UNSET"


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style


@pytest.mark.parametrize("case", CASES)
def test_read_gives_the_whole_trimmed_text_the_tools_see(case: dict[str, Any]) -> None:
    raw, text, _ = _load(case)
    assert plain_line.read(text, "ignored").value == case["value"]
    assert _go_whole(raw) == case["value"]


@pytest.mark.parametrize("case", CASES)
def test_writing_the_same_content_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    assert dump_text(plain_line.set_value(text, "", text.rstrip("\n")), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_rewrites_the_one_line_and_the_tool_reads_off(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    written = dump_text(plain_line.set_value(text, "", case["off"]), style)
    diff = [line for line in difflib.ndiff(raw.decode().splitlines(), written.decode().splitlines())
            if line[:1] in "+-"]
    assert diff == [f"- {raw.decode().splitlines()[0]}", f"+ {case['off']}"]
    assert written.endswith(b"\n") == raw.endswith(b"\n")
    assert written.endswith(b"\r\n") == raw.endswith(b"\r\n")
    assert _go_whole(written) == case["off"]
    assert plain_line.read(load_text(written)[0], "").value == case["off"]


def test_a_second_word_makes_no_choice_for_tilt_and_is_not_read_as_one() -> None:
    data = b"opt-out later\n"
    assert _tilt_opt(data) == "default"  # Tilt: no choice, so it sends
    assert plain_line.read(data.decode(), "").value == "opt-out later"  # no longer the opt-out `plain` would see
    assert plain.read(data.decode(), "").value == "opt-out"


def test_tilt_short_words_and_usagestats_words_are_read_as_written() -> None:
    assert _tilt_opt(b"out\n") == "opt-out" and plain_line.read("out\n", "").value == "out"
    assert _usagestats_status(b"  DISABLED\r\n") == "DISABLED"
    assert plain_line.read(load_text(b"  DISABLED\r\n")[0], "").value == "DISABLED"


def test_inner_line_breaks_stay_in_the_value() -> None:
    assert plain_line.read("\nDISABLED\nENABLED\n", "") == Lookup(True, "DISABLED\nENABLED", 2)
    assert _usagestats_status(b"\nDISABLED\nENABLED\n") == "UNSET"


def test_an_empty_file_holds_no_setting() -> None:
    assert plain_line.read("", "") == Lookup(False)
    assert plain_line.read(" \n\t\n", "") == Lookup(False)
    assert plain_line.remove("opt-out\n", "") == ""
    assert plain_line.new_document("", "opt-out") == "opt-out"


SETTING_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=30)
VALUES = st.from_regex(r"[A-Za-z-]{1,8}( [a-z]{1,5})?", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(SETTING_TEXT)
def test_property_read_agrees_with_go_and_usagestats_on_any_content(text: str) -> None:
    lookup = plain_line.read(text, "")
    go = _go_whole(text.encode("utf-8"))
    assert lookup.value == (go if go else None)
    # Python's strip also drops \x1c-\x1f (Go keeps them); on other content usagestats sees the same word.
    if not any("\x1c" <= ch <= "\x1f" for ch in text) and "\r" not in text:
        assert (_usagestats_status(text.encode()) != "UNSET") == (lookup.value in ("ENABLED", "DISABLED"))


@settings(max_examples=150, deadline=None)
@given(SETTING_TEXT, VALUES)
def test_property_set_then_read_gives_the_whole_value(text: str, value: str) -> None:
    written = plain_line.set_value(text, "", value)
    assert plain_line.read(written, "").value == value
    assert _go_whole(written.encode()) == value
    assert written.endswith("\n") == text.endswith("\n")
    assert not plain_line.read(plain_line.remove(written, ""), "").found
