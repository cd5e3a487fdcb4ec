"""The plain editor on Go's telemetry mode file (`~/.config/go/telemetry/mode`).

Go writes `off 2026-08-22` with no newline and reads the text before the first space after trimming white
space (golang/telemetry internal/telemetry/dir.go). `go` is not installed on the test machines, so Go's rule
is written out here on its own (`_go_mode`) and every result is checked against it.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklight.errors import FormatError
from tracklight.formats import Lookup, dump_text, load_text
from tracklight.formats import plain_format as plain
from tracklight.formats import plain_line_format as plain_line

FIXTURES = Path(__file__).parent / "fixtures" / "plain"
CASES = [
    pytest.param(c, id=c["file"]) for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]


def _go_mode(data: bytes) -> str:
    """Go's Dir.Mode on the file's bytes: strings.TrimSpace, then the text before the first space."""
    mode = data.decode("utf-8").strip(" \t\n\r\v\f")
    return mode.split(" ", 1)[0]


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style


@pytest.mark.parametrize("case", CASES)
def test_read_gives_the_mode_go_sees(case: dict[str, Any]) -> None:
    raw, text, _ = _load(case)
    assert plain.read(text, "ignored") == Lookup(True, case["value"], 1)
    assert _go_mode(raw) == case["value"]


@pytest.mark.parametrize("case", CASES)
def test_writing_the_same_content_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    assert dump_text(plain.set_value(text, "", text.rstrip("\n")), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_rewrites_the_one_line_and_go_reads_off(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    written = dump_text(plain.set_value(text, "", case["off"]), style)
    diff = [
        line
        for line in difflib.ndiff(raw.decode().splitlines(), written.decode().splitlines())
        if line[:1] in "+-"
    ]
    assert diff == [f"- {raw.decode().splitlines()[0]}", f"+ {case['off']}"]
    assert written.endswith(b"\n") == raw.endswith(b"\n")
    assert written.endswith(b"\r\n") == raw.endswith(b"\r\n")
    assert _go_mode(written) == "off"
    assert plain.read(load_text(written)[0], "").value == "off"


def test_new_document_is_what_go_writes() -> None:
    assert plain.new_document("", "off 2026-11-30") == "off 2026-11-30"


def test_an_empty_file_holds_no_mode() -> None:
    assert plain.read("", "") == Lookup(False)
    assert plain.read(" \n\t\n", "") == Lookup(False)
    assert plain.remove("off 2026-08-22", "") == ""


def test_go_keeps_a_tab_separated_date_in_the_mode_and_so_do_we() -> None:
    # Go cuts at the first space only; a tab is not a separator, so this file's mode is not "off".
    assert plain.read("off\t2026-08-22", "").value == "off\t2026-08-22"
    assert _go_mode(b"off\t2026-08-22") == "off\t2026-08-22"


def test_a_mode_after_blank_lines_reports_its_own_line() -> None:
    assert plain.read("\n\n  on 2026-01-01\n", "") == Lookup(True, "on", 3)


# Both one-setting readers (plain: Go's first word; plain_line: the whole trimmed text) refuse the same things.
ONE_SETTING = [pytest.param(plain, id="plain"), pytest.param(plain_line, id="plain_line")]


@pytest.mark.parametrize("module", ONE_SETTING)
@pytest.mark.parametrize("value", ["off\n2026-11-30", " off", "off\0"])
def test_values_the_file_cannot_hold_are_refused(module: Any, value: str) -> None:
    with pytest.raises(FormatError):
        module.set_value("on", "", value)


@pytest.mark.parametrize("module", ONE_SETTING)
def test_binary_content_is_refused_with_its_line(module: Any) -> None:
    with pytest.raises(FormatError) as caught:
        module.read("on\n\0\n", "")
    assert caught.value.line == 2


MODE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=30)
WORDS = st.from_regex(r"[a-z]{1,8}( [0-9]{4}-[0-9]{2}-[0-9]{2})?", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(MODE_TEXT)
def test_property_read_agrees_with_go_on_any_content(text: str) -> None:
    lookup = plain.read(text, "")
    go = _go_mode(text.encode("utf-8"))
    # Python's strip knows more spaces than the ASCII set _go_mode strips; compare on ASCII-trimmed input.
    if text.strip(" \t\n\r\v\f") == text.strip():
        assert lookup.value == (go if go else None)


@settings(max_examples=150, deadline=None)
@given(MODE_TEXT, WORDS)
def test_property_set_then_read_gives_the_first_word(text: str, value: str) -> None:
    written = plain.set_value(text, "", value)
    assert plain.read(written, "").value == value.split(" ")[0]
    assert _go_mode(written.encode()) == value.split(" ")[0]
    assert written.endswith("\n") == text.endswith("\n")
    assert not plain.read(plain.remove(written, ""), "").found
