"""INI as configparser reads it: the line editor on hand-picked files, random documents, and broken files."""

from __future__ import annotations

import configparser
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklight.errors import FormatError
from tracklight.formats import dump_text, ini_format, load_text, scalar_text

AZURE = "[cloud]\nname = AzureCloud\n\n[core]\noutput = json\ncollect_telemetry = yes\n\n# next\n[defaults]\ngroup = rg\n"


def parsed(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser(strict=False)
    parser.read_string(text)
    return {name: dict(parser.items(name)) for name in parser.sections()}


def test_values_are_text_and_option_names_ignore_case() -> None:
    text = "[core]\nCollect_Telemetry = no\n"
    lookup = ini_format.read(text, "core.collect_telemetry")
    assert (lookup.value, lookup.line) == ("no", 2)
    assert not ini_format.read(text, "Core.collect_telemetry").found  # section names do not ignore case


def test_a_new_option_goes_after_the_last_option_of_its_section_not_after_the_next_sections_comment() -> None:
    after = ini_format.set_value(AZURE, "core.only_show_errors", True)
    assert after == AZURE.replace(
        "collect_telemetry = yes\n", "collect_telemetry = yes\nonly_show_errors = true\n"
    )


def test_a_missing_section_is_appended_after_a_blank_line_and_removed_again() -> None:
    after = ini_format.set_value(AZURE, "extension.use_dynamic_install", "no")
    assert after == AZURE + "\n[extension]\nuse_dynamic_install = no\n"
    assert ini_format.remove(after, "extension.use_dynamic_install") == AZURE


def test_the_new_option_copies_indentation_and_delimiter() -> None:
    text = "[core]\n    remote = storage\n[cache]\n\tdir: /tmp\n"
    assert ini_format.set_value(text, "core.analytics", False) == (
        "[core]\n    remote = storage\n    analytics = false\n[cache]\n\tdir: /tmp\n"
    )
    assert ini_format.set_value(text, "cache.type", "copy") == text + "\ttype: copy\n"


def test_a_continued_value_is_read_whole_and_replaced_whole() -> None:
    text = "[extension]\nindex_url = https://a.example\n    https://b.example\nother = 1\n"
    assert ini_format.read(text, "extension.index_url").value == "https://a.example\nhttps://b.example"
    assert ini_format.set_value(text, "extension.index_url", "x") == "[extension]\nindex_url = x\nother = 1\n"
    assert ini_format.remove(text, "extension.index_url") == "[extension]\nother = 1\n"


def test_default_section_fills_in_for_reads() -> None:
    text = "[DEFAULT]\ncollect_telemetry = no\n[core]\noutput = json\n"
    assert ini_format.read(text, "core.collect_telemetry").value == "no"
    assert not ini_format.read(text, "absent.collect_telemetry").found


def test_duplicates_read_last_set_last_remove_all() -> None:
    text = "[core]\nx = 1\n[other]\ny = 2\n[core]\nx = 3\nz = 4\n"
    assert ini_format.read(text, "core.x").value == "3"
    assert ini_format.set_value(text, "core.x", 5) == text.replace("x = 3", "x = 5")
    assert ini_format.remove(text, "core.x") == "[other]\ny = 2\n[core]\nz = 4\n"


def test_a_file_without_final_newline_keeps_ending_that_way() -> None:
    text = "[core]\noutput = json"
    after = ini_format.set_value(text, "core.collect_telemetry", False)
    assert after == "[core]\noutput = json\ncollect_telemetry = false"
    assert ini_format.remove(after, "core.collect_telemetry") == text


def test_mixed_line_endings_keep_their_carriage_returns() -> None:
    data = b"[core]\r\noutput = json\n\r\n[cloud]\r\nname = AzureCloud\r\n"
    text, style = load_text(data)
    after = dump_text(ini_format.set_value(text, "core.collect_telemetry", "no"), style)
    assert after == b"[core]\r\noutput = json\ncollect_telemetry = no\n\r\n[cloud]\r\nname = AzureCloud\r\n"


def test_values_configparser_cannot_hold_are_refused() -> None:
    with pytest.raises(FormatError):
        ini_format.set_value(AZURE, "core.output", " padded ")
    with pytest.raises(FormatError):
        ini_format.read(AZURE, "nosection")


def test_new_document() -> None:
    assert ini_format.new_document("core.collect_telemetry", False) == "[core]\ncollect_telemetry = false\n"


def test_a_long_file() -> None:
    text = "".join(f"[section{i}]\nkey = {i}\nflag = true\n\n" for i in range(3000))
    after = ini_format.set_value(text, "section2999.flag", False)
    assert after == text[: text.rindex("flag = true")] + "flag = false\n\n"
    assert ini_format.remove(ini_format.set_value(text, "section1500.new", "x"), "section1500.new") == text


MALFORMED = [
    ("# azure\ncollect_telemetry = no\n[core]\n", 2),  # no section yet
    ("[core]\noutput = json\njust some words\n", 3),
    ("[core]\n= value without a name\n", 2),
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_ini_is_an_error_on_the_right_line(text: str, line: int) -> None:
    with pytest.raises(configparser.Error):
        parsed(text)
    for operation in (
        lambda: ini_format.read(text, "core.x"),
        lambda: ini_format.set_value(text, "core.x", "1"),
        lambda: ini_format.remove(text, "core.x"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


# --- random documents ------------------------------------------------------------------------------------------

# A section name may hold dots (the key's last segment is the option), just not empty segments around them.
NAME = st.text(alphabet="abcxyz_-0.", min_size=1, max_size=6).filter(
    lambda s: s[0] not in "-." and not s.endswith(".") and ".." not in s
)
OPTION = st.text(alphabet="abcxyz_-0", min_size=1, max_size=6).filter(lambda s: s[0] != "-")
VALUE = st.text(
    alphabet=st.characters(blacklist_categories=["Cc", "Zs", "Zl", "Zp"], blacklist_characters='"'),
    max_size=8,
)
DOCUMENTS = st.dictionaries(NAME, st.dictionaries(OPTION, VALUE, max_size=4), max_size=4).filter(
    lambda d: "DEFAULT" not in d
)
NEW_VALUES = st.one_of(st.booleans(), st.integers(), VALUE)


def render(data: dict[str, dict[str, str]], rng: random.Random) -> str:
    delimiter = rng.choice([" = ", "=", ": ", " : "])
    indent = rng.choice(["", "", "    ", "\t"])
    out = [rng.choice(["", "# written by hand\n", "; comment\n\n"])]
    for section, options in data.items():
        out.append(f"[{section}]\n")
        for option, value in options.items():
            if rng.random() < 0.2:
                out.append(rng.choice(["# note\n", "; note\n", "\n"]))
            out.append(f"{indent}{option}{delimiter}{value}".rstrip(" ") + "\n")
        out.append(rng.choice(["", "\n", "\n# about the next section\n"]))
    text = "".join(out)
    return text.rstrip("\n") if rng.random() < 0.2 else text


def pick_key(
    data: dict[str, dict[str, str]], rng: random.Random, section: str, option: str
) -> tuple[str, str]:
    existing = [(s, o) for s, options in data.items() for o in options]
    roll = rng.random()
    if existing and roll < 0.5:
        return rng.choice(existing)
    if data and roll < 0.8:
        return rng.choice(list(data)), option
    return section, option


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, NAME, OPTION, NEW_VALUES, st.randoms(use_true_random=False))
def test_set_value_on_random_ini(
    data: dict[str, dict[str, str]], section: str, option: str, value: Any, rng: random.Random
) -> None:
    text = render(data, rng)
    assert parsed(text) == data
    section, option = pick_key(data, rng, section, option)
    key = f"{section}.{option}"
    written = ini_format.set_value(text, key, value)
    expected = {name: dict(options) for name, options in data.items()}
    expected.setdefault(section, {})[option] = scalar_text(value)
    assert parsed(written) == expected
    assert ini_format.read(written, key).value == scalar_text(value)
    # Two cases do not round-trip, by design: an empty section that held only the new option goes with it, and a
    # new section's blank separator line is taken back even when the file already ended with a blank line.
    ends_blank = text.endswith("\n\n")
    if option not in data.get(section, {}) and (
        data.get(section) or (section not in data and not ends_blank)
    ):
        assert ini_format.remove(written, key) == text


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.randoms(use_true_random=False))
def test_remove_on_random_ini(data: dict[str, dict[str, str]], rng: random.Random) -> None:
    text = render(data, rng)
    section, option = pick_key(data, rng, "absent", "absent")
    removed = ini_format.remove(text, f"{section}.{option}")
    expected = {
        name: {o: v for o, v in options.items() if (name, o) != (section, option)}
        for name, options in data.items()
    }
    got = parsed(removed)
    # A section the removal left empty may go with it; every other section and option stays as it was.
    assert got == {name: options for name, options in expected.items() if options or name in got}
    assert not ini_format.read(removed, f"{section}.{option}").found
