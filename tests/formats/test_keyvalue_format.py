"""The keyvalue editor on real-looking `.nuxtrc`, Dart/Flutter telemetry config and brew.env files.

Each fixture goes through the user's story: read the setting, a no-op edit leaves the bytes alone, an opt-out
touches only that key's line, a new key set then removed gives the original bytes back, and the tool's own
reading of the result agrees: rc9's line rule for Nuxt, Dart's `^reporting=([0|1]) *$`, and Homebrew's
brew.env loader run in bash.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from line_diff import changed_lines

from tracklight.errors import FormatError
from tracklight.formats import Lookup, dump_text, load_text
from tracklight.formats import keyvalue_exact_format as kv_exact
from tracklight.formats import keyvalue_format as kv

FIXTURES = Path(__file__).parent / "fixtures" / "keyvalue"
CASES = [
    pytest.param(c, id=c["file"]) for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]

# The three readers, as facts from their sources (see the module docstring of keyvalue_format).
RC9_LINE = re.compile(r"^\s*([^\s=]+)\s*=\s*(.*)?\s*$")  # unjs/rc9 src/index.ts
DART_FLAG = re.compile(r"^reporting=([0|1]) *$", re.MULTILINE)  # dart-lang/tools unified_analytics
BREW_LOADER = r"""
while [[ -z "${eof:-}" ]]; do
  read -r line || eof=1
  [[ "$line" = "HOMEBREW_"* ]] || continue
  export "$line" 2>/dev/null
done < "$1"
printf '%s' "${!2-<unset>}"
"""  # the rule of Homebrew/brew bin/brew export_homebrew_env_file: HOMEBREW_ lines exported literally


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style



def _rc9(text: str, key: str) -> str | None:
    value = None
    for line in re.split(r"\n|\r|\r\n", text):
        match = RC9_LINE.match(line)
        if match and match.group(1) == key:
            value = (match.group(2) or "").strip()
        # rc9 itself goes on to parse the value as JSON-ish (destr); the raw text is what we compare.
    return value


def _brew(path: Path, key: str) -> str:
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-c", BREW_LOADER, "brew-loader", str(path), key],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return result.stdout


def _assert_tool_reads(case: dict[str, Any], path: Path, text: str, key: str, expected: str) -> None:
    """The tool that owns this file reads `expected` for `key` from the written file."""
    if case["tool"] == "rc9":
        assert _rc9(text, key) == expected
    elif case["tool"] == "dart":
        # Dart's RegExp follows JavaScript: `$` also matches before '\r', so CRLF lines count as lines.
        flags = [m.group(1) for m in DART_FLAG.finditer(text.replace("\r", "\n"))]
        assert flags == [expected], "Dart wants exactly one reporting line"
    else:
        assert _brew(path, key) == expected


@pytest.mark.parametrize("case", CASES)
def test_read_gives_the_value_the_file_holds(case: dict[str, Any]) -> None:
    _, text, _ = _load(case)
    expected = Lookup(True, case["value"], case["line"]) if "value" in case else Lookup(False)
    assert kv.read(text, case["key"]) == expected


@pytest.mark.parametrize("case", CASES)
def test_setting_the_current_value_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    if "value" in case:
        assert dump_text(kv.set_value(text, case["key"], case["value"]), style) == raw
    assert dump_text(kv.remove(text, "no.such.key"), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_changes_only_that_keys_line_and_the_tool_sees_it(
    case: dict[str, Any], tmp_path: Path
) -> None:
    raw, text, style = _load(case)
    key, off = case["key"], case["off"]
    written = dump_text(kv.set_value(text, key, off), style)
    removed, added = changed_lines(raw, written)
    original_lines = raw.decode("utf-8").split("\n")
    assert removed == ([original_lines[case["line"] - 1]] if "value" in case and case["value"] != off else [])
    if "value" not in case or case["value"] != off:
        assert [line.rstrip("\r") for line in added] == [f"{key}={off}"]
    target = tmp_path / case["file"]
    target.write_bytes(written)
    after = load_text(written)[0]
    assert kv.read(after, key).value == off
    _assert_tool_reads(case, target, written.decode("utf-8-sig"), key, off)


@pytest.mark.parametrize("case", CASES)
def test_a_new_key_set_then_removed_gives_the_original_bytes(case: dict[str, Any], tmp_path: Path) -> None:
    raw, text, style = _load(case)
    new_key = case["new_key"]
    assert not kv.read(text, new_key).found
    with_key = kv.set_value(text, new_key, "1")
    assert kv.read(with_key, new_key) == Lookup(
        True, "1", with_key.count("\n", 0, with_key.rindex(new_key)) + 1
    )
    assert kv.read(with_key, case["key"]) == kv.read(text, case["key"])
    target = tmp_path / case["file"]
    target.write_bytes(dump_text(with_key, style))
    if case["tool"] != "dart":  # Dart reads only its reporting line
        _assert_tool_reads(case, target, target.read_text("utf-8-sig"), new_key, "1")
    assert dump_text(kv.remove(with_key, new_key), style) == raw


def test_remove_deletes_every_line_of_the_key() -> None:
    _, text, _ = _load({"file": "nuxtrc-hand-edited"})
    gone = kv.remove(text, "telemetry.enabled")
    assert not kv.read(gone, "telemetry.enabled").found
    assert not any(line.startswith("telemetry.enabled") for line in gone.split("\n"))
    assert kv.read(gone, "telemetry.consent") == Lookup(True, "1", 3)


def test_a_spaced_line_is_rewritten_in_the_form_every_reader_accepts() -> None:
    # Dart ignores `reporting = 1` and Homebrew cannot export `A = 1`; the edited line must be `name=value`.
    text = "# x\n  reporting = 1  \nflutter-tool=2026-01-01,1\n"
    assert kv.set_value(text, "reporting", "0") == "# x\nreporting=0\nflutter-tool=2026-01-01,1\n"
    assert kv.set_value(text, "reporting", "1") == text  # the value is already there: nothing to write


def test_quoted_values_are_read_without_their_quotes() -> None:
    assert kv.read('A=\'x y\'\nB="z"\nC="unbalanced\n', "A").value == "x y"
    assert kv.read("A='x y'\nB=\"z\"\n", "B").value == "z"
    assert kv.read('C="unbalanced\n', "C").value == '"unbalanced'


def test_export_lines_are_not_the_key_because_homebrew_skips_them() -> None:
    assert not kv.read("export HOMEBREW_NO_ANALYTICS=1\n", "HOMEBREW_NO_ANALYTICS").found


def test_untouched_lone_carriage_returns_survive_an_edit() -> None:
    text = "a=1\r\nb=2\nc=3\r\n"  # mixed endings: load_text leaves the \r in place
    assert kv.set_value(text, "b", "9") == "a=1\r\nb=9\nc=3\r\n"
    assert kv.set_value(text, "c", "9") == "a=1\r\nb=2\nc=9\r\n"
    assert kv.remove(text, "b") == "a=1\r\nc=3\r\n"


def test_new_document_is_one_line_the_dart_pattern_accepts() -> None:
    assert DART_FLAG.search(kv.new_document("reporting", "0"))


@pytest.mark.parametrize("value", ["a\nb", " padded", "'quoted'", "nul\0"])
def test_values_a_line_cannot_hold_are_refused(value: str) -> None:
    with pytest.raises(FormatError):
        kv.set_value("a=1\n", "a", value)


READERS = [pytest.param(kv, id="keyvalue"), pytest.param(kv_exact, id="keyvalue_exact")]  # the same line scanner


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("key", ["", "a=b", " a", "#a", "a\nb"])
def test_invalid_keys_are_refused(reader: Any, key: str) -> None:
    with pytest.raises(FormatError):
        reader.read("a=1\n", key)


@pytest.mark.parametrize("reader", READERS)
def test_binary_content_is_refused_with_its_line(reader: Any) -> None:
    with pytest.raises(FormatError) as caught:
        reader.read("a=1\nb=\0\n", "a")
    assert caught.value.line == 2


# --- property tests: random documents and keys --------------------------------------------------------------

KEYS = st.sampled_from(
    ["reporting", "telemetry.enabled", "telemetry.consent", "HOMEBREW_NO_ANALYTICS", "a-b", "k[]"]
)
VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\"'"), max_size=12)
SPACES = st.sampled_from(["", " ", "\t", "  "])


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["pair", "pair", "comment", "blank", "noise"]))
        if kind == "pair":
            quote = draw(st.sampled_from(["", "", '"', "'"]))
            lines.append(
                f"{draw(SPACES)}{draw(KEYS)}{draw(SPACES)}={draw(SPACES)}{quote}{draw(VALUES)}{quote}"
            )
        elif kind == "comment":
            lines.append(
                f"#{draw(st.text(st.characters(codec='utf-8', exclude_categories=['Cc']), max_size=10))}"
            )
        elif kind == "blank":
            lines.append(draw(SPACES))
        else:
            lines.append("just words without an equals sign")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


def _snapshot(text: str) -> dict[str, Lookup]:
    return {
        key: kv.read(text, key)
        for key in [
            "reporting",
            "telemetry.enabled",
            "telemetry.consent",
            "HOMEBREW_NO_ANALYTICS",
            "a-b",
            "k[]",
        ]
    }


@settings(max_examples=150, deadline=None)
@given(documents(), KEYS, VALUES)
def test_property_set_holds_the_value_and_keeps_every_other_key(doc: str, key: str, value: str) -> None:
    before = _snapshot(doc)
    after_text = kv.set_value(doc, key, value)
    after = _snapshot(after_text)
    assert after[key].found and after[key].value == value
    assert {k: v.value for k, v in after.items() if k != key} == {
        k: v.value for k, v in before.items() if k != key
    }
    if before[key].value == value:
        assert after_text == doc
    else:
        assert f"{key}={value}" in after_text.split("\n")


@settings(max_examples=150, deadline=None)
@given(documents(), KEYS)
def test_property_remove_takes_the_key_out_and_only_it(doc: str, key: str) -> None:
    before = _snapshot(doc)
    after = _snapshot(kv.remove(doc, key))
    assert not after[key].found
    assert {k: v.value for k, v in after.items() if k != key} == {
        k: v.value for k, v in before.items() if k != key
    }


@settings(max_examples=100, deadline=None)
@given(documents(), VALUES)
def test_property_a_new_key_set_then_removed_restores_the_text(doc: str, value: str) -> None:
    assert kv.remove(kv.set_value(doc, "brand.new", value), "brand.new") == doc
