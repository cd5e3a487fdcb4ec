"""load_text / dump_text (BOM and line endings) and split_key (dotted keys with quoted segments)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklight.errors import FormatError
from tracklight.formats import TextStyle, dump_text, load_text, split_key
from tracklight.formats import keyvalue_format as kv


def test_a_bom_and_crlf_file_round_trips_byte_exact() -> None:
    raw = b"\xef\xbb\xbf# Dart\r\nreporting=1\r\nflutter-tool=2026-01-01,1\r\n"
    text, style = load_text(raw)
    assert text == "# Dart\nreporting=1\nflutter-tool=2026-01-01,1\n"
    assert style == TextStyle(bom=True, crlf=True)
    assert dump_text(text, style) == raw


def test_an_edit_keeps_the_bom_and_puts_crlf_on_the_new_line_too() -> None:
    raw = b"\xef\xbb\xbfa=1\r\nb=2\r\n"
    text, style = load_text(raw)
    assert dump_text(kv.set_value(text, "c", "3"), style) == b"\xef\xbb\xbfa=1\r\nb=2\r\nc=3\r\n"


def test_mixed_line_endings_are_left_alone() -> None:
    raw = b"a=1\r\nb=2\nc=3\r\n"
    text, style = load_text(raw)
    assert style == TextStyle(bom=False, crlf=False)
    assert text == raw.decode()
    assert dump_text(kv.set_value(text, "b", "9"), style) == b"a=1\r\nb=9\nc=3\r\n"


def test_a_file_without_newlines_is_not_crlf() -> None:
    text, style = load_text(b"off 2026-08-22")
    assert (text, style) == ("off 2026-08-22", TextStyle(bom=False, crlf=False))


def test_a_lone_bom_and_an_empty_file() -> None:
    assert load_text(b"\xef\xbb\xbf") == ("", TextStyle(bom=True, crlf=False))
    assert load_text(b"") == ("", TextStyle(bom=False, crlf=False))
    assert dump_text("", TextStyle(bom=True, crlf=False)) == b"\xef\xbb\xbf"


def test_invalid_utf8_is_refused_with_its_line_and_path() -> None:
    with pytest.raises(FormatError) as caught:
        load_text(b"a=1\nb=2\nc=\xff\xfe\n", "/home/u/.nuxtrc")
    assert caught.value.line == 3
    assert caught.value.path == "/home/u/.nuxtrc"
    assert str(caught.value).startswith("/home/u/.nuxtrc:3: ")


def test_a_utf16_file_is_not_taken_for_utf8() -> None:
    with pytest.raises(FormatError) as caught:
        load_text("reporting=0\n".encode("utf-16"))
    assert caught.value.line == 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_property_any_bytes_either_round_trip_exactly_or_are_refused(raw: bytes) -> None:
    try:
        text, style = load_text(raw)
    except FormatError as error:
        assert error.line is not None and 1 <= error.line <= raw.count(b"\n") + 1
        return
    assert dump_text(text, style) == raw


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=8),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
    st.booleans(),
)
def test_property_styled_text_round_trips(lines: list[str], bom: bool, crlf: bool) -> None:
    text = "\n".join(lines)
    if text.startswith("\ufeff"):
        return  # a second BOM would be taken as the first: not a round-trip case
    style = TextStyle(bom=bom, crlf=crlf and "\n" in text)
    assert load_text(dump_text(text, style)) == (text, style)


@pytest.mark.parametrize(
    ("key", "segments"),
    [
        ("telemetry.enabled", ["telemetry", "enabled"]),
        ('"telemetry.telemetryLevel"', ["telemetry.telemetryLevel"]),
        ('cli."analytics.v2".enabled', ["cli", "analytics.v2", "enabled"]),
        ('a.""', ["a", ""]),
        ("reporting", ["reporting"]),
        ('"a"."b"', ["a", "b"]),
    ],
)
def test_split_key(key: str, segments: list[str]) -> None:
    assert split_key(key) == segments


@pytest.mark.parametrize("key", ["", ".a", "a.", "a..b", '"open', '"a"b', 'a."b"c'])
def test_split_key_refuses_malformed_keys(key: str) -> None:
    with pytest.raises(FormatError):
        split_key(key)
