"""TOML: tomllib reads, tomlkit (and a few careful line edits) write; checked on hand-picked files, random
documents in every table style (headers, dotted keys, inline tables), and broken files."""

from __future__ import annotations

import copy
import random
import re
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from key_paths import key_of, key_paths

from tracklight.errors import FormatError
from tracklight.formats import toml_format

STREAMLIT = '[client]\ntoolbarMode = "auto"\n\n[browser]\n# Default: true\ngatherUsageStats = true  # stats\n\n[server]\nport = 8501\n'


def test_opting_out_keeps_the_comment_on_the_line() -> None:
    after = toml_format.set_value(STREAMLIT, "browser.gatherUsageStats", False)
    assert after == STREAMLIT.replace("gatherUsageStats = true", "gatherUsageStats = false")


def test_a_new_key_joins_its_table_after_the_last_key() -> None:
    after = toml_format.set_value(STREAMLIT, "browser.serverAddress", "localhost")
    assert after == STREAMLIT.replace("# stats\n", '# stats\nserverAddress = "localhost"\n')
    assert toml_format.remove(after, "browser.serverAddress") == STREAMLIT


def test_a_missing_table_becomes_a_section_at_the_end() -> None:
    after = toml_format.set_value(STREAMLIT, "runner.magicEnabled", False)
    assert after == STREAMLIT + "\n[runner]\nmagicEnabled = false\n"
    assert toml_format.remove(after, "runner.magicEnabled") == STREAMLIT
    deep = toml_format.set_value(STREAMLIT, "a.b.c", 1)
    assert deep == STREAMLIT + "\n[a.b]\nc = 1\n"


def test_dotted_and_inline_tables_grow_in_their_own_style() -> None:
    text = 'browser.serverAddress = "0.0.0.0"\ntheme = { base = "light" }\n'
    assert toml_format.set_value(text, "browser.gatherUsageStats", False) == (
        'browser.serverAddress = "0.0.0.0"\nbrowser.gatherUsageStats = false\ntheme = { base = "light" }\n'
    )
    inline = toml_format.set_value(text, "theme.font", "serif")
    assert tomllib.loads(inline)["theme"] == {"base": "light", "font": "serif"}
    assert inline.count("\n") == text.count("\n")


def test_a_top_level_key_goes_before_the_first_table() -> None:
    text = 'active = "work"\n\n[profiles.work]\nX = "1"\n'
    after = toml_format.set_value(text, "telemetry", False)
    assert after == 'active = "work"\ntelemetry = false\n\n[profiles.work]\nX = "1"\n'
    assert toml_format.remove(after, "telemetry") == text


def test_values_keep_their_types_and_dates_read_as_text() -> None:
    text = 'a = 1\nb = 1.5\nc = "x"\nd = 2024-05-01T10:00:00Z\ne = [1, 2]\n[f]\ng = true\n'
    assert [toml_format.read(text, k).value for k in "abcde"] == [
        1,
        1.5,
        "x",
        "2024-05-01T10:00:00+00:00",
        "[1,2]",
    ]
    assert toml_format.read(text, "f").value == '{"g":true}'
    assert toml_format.read(text, "f.g").line == 7


def test_a_value_in_the_way_is_an_error_with_its_line() -> None:
    with pytest.raises(FormatError) as caught:
        toml_format.set_value(STREAMLIT, "server.port.number", 1)
    assert caught.value.line == 9
    assert toml_format.remove(STREAMLIT, "server.port.number") == STREAMLIT


def test_new_document() -> None:
    assert (
        toml_format.new_document("browser.gatherUsageStats", False) == "[browser]\ngatherUsageStats = false\n"
    )
    assert toml_format.new_document("telemetry", False) == "telemetry = false\n"


def test_a_long_file() -> None:
    text = "".join(f'[tool{i}]\nenabled = true\nname = "tool {i}"\n\n' for i in range(2000))
    after = toml_format.set_value(text, "tool1999.enabled", False)
    assert after == text.replace("[tool1999]\nenabled = true", "[tool1999]\nenabled = false")
    assert toml_format.remove(toml_format.set_value(text, "tool1000.x", 1), "tool1000.x") == text


MALFORMED = [
    ("[browser]\ngatherUsageStats = true\n\n[browser]\nport = 1\n", 4),  # table defined twice
    ("[browser]\ngatherUsageStats = \n", 2),
    ("[browser]\ngatherUsageStats = true\ngatherUsageStats = false\n", 3),  # duplicate key
    ("[browser\ngatherUsageStats = true\n", 1),
    ('a = "one"\nb = "unterminated\n', 2),
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_toml_is_an_error_on_the_right_line(text: str, line: int) -> None:
    for operation in (
        lambda: toml_format.read(text, "browser.gatherUsageStats"),
        lambda: toml_format.set_value(text, "browser.gatherUsageStats", False),
        lambda: toml_format.remove(text, "browser.gatherUsageStats"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


# --- random documents in random table styles -------------------------------------------------------------------

KEY = st.text(alphabet="abcXY_-0. é", min_size=1, max_size=5)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
VALUES = st.recursive(
    st.one_of(SCALARS, st.lists(st.integers(), max_size=3)),
    lambda inner: st.dictionaries(KEY, inner, max_size=4),
    max_leaves=10,
)
DOCUMENTS = st.dictionaries(KEY, VALUES, max_size=5)
BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, everything else as is."""
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\" + c if c in '"\\' else c for c in text
    )
    return f'"{escaped}"'


def toml_key(name: str) -> str:
    return name if BARE.fullmatch(name) else toml_string(name)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
            if value
            else "{}"
        )
    return repr(value)


def dotted_lines(prefix: str, table: dict[str, Any]) -> list[str] | None:
    lines: list[str] = []
    for name, value in table.items():
        if isinstance(value, dict):
            inner = dotted_lines(f"{prefix}.{toml_key(name)}", value) if value else None
            if inner is None:
                return None
            lines += inner
        else:
            lines.append(f"{prefix}.{toml_key(name)} = {toml_value(value)}")
    return lines or None


def render(data: dict[str, Any], rng: random.Random, styles: dict[tuple[str, ...], str]) -> str:
    """TOML for `data`; each table's style (header, dotted, inline) is chosen at random and noted in `styles`."""
    out: list[str] = []
    headers: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def body(path: tuple[str, ...], table: dict[str, Any]) -> None:
        for name, value in table.items():
            if not isinstance(value, dict):
                comment = rng.choice(["", "", "  # note"])
                out.append(f"{toml_key(name)} = {toml_value(value)}{comment}\n")
        for name, value in table.items():
            if isinstance(value, dict):
                style = rng.choice(["header", "header", "dotted", "inline"])
                lines = dotted_lines(toml_key(name), value) if style == "dotted" else None
                if style == "dotted" and lines is None:
                    style = "inline"
                styles[path + (name,)] = style
                if lines:
                    out.extend(line + "\n" for line in lines)
                elif style == "inline":
                    out.append(f"{toml_key(name)} = {toml_value(value)}\n")
                else:
                    headers.append((path + (name,), value))

    body((), data)
    while headers:
        path, table = headers.pop(0)
        out.append(
            rng.choice(["\n", "", "\n# section\n"]) + "[" + ".".join(toml_key(p) for p in path) + "]\n"
        )
        body(path, table)
    return "".join(out)





def without_empty_tables(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = {k: without_empty_tables(v) for k, v in data.items()}
    return {k: v for k, v in cleaned.items() if v != {} or not isinstance(v, dict)}


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.lists(KEY, min_size=1, max_size=3), SCALARS, st.randoms(use_true_random=False))
def test_set_value_on_random_toml(
    data: dict[str, Any], extra: list[str], value: Any, rng: random.Random
) -> None:
    styles: dict[tuple[str, ...], str] = {}
    text = render(data, rng, styles)
    assert tomllib.loads(text) == data
    existing = key_paths(data, [])
    path = extra
    if existing and rng.random() < 0.7:
        path = rng.choice(existing) + (extra[:1] if rng.random() < 0.3 else [])
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
        if not isinstance(node, dict):
            with pytest.raises(FormatError):
                toml_format.set_value(text, key_of(path), value)
            return
    node[path[-1]] = value
    written = toml_format.set_value(text, key_of(path), value)
    assert tomllib.loads(written) == expected
    assert toml_format.read(written, key_of(path)).value == value
    parent = tuple(path[:-1])
    parent_table: Any = data
    for segment in parent:
        parent_table = (
            parent_table[segment] if isinstance(parent_table, dict) and segment in parent_table else None
        )
    # A table whose header had nothing under it loses the header with the removal: the one case that does not
    # round-trip (the same for empty INI sections).
    has_own_key = isinstance(parent_table, dict) and (
        not parent or any(not isinstance(v, dict) for v in parent_table.values())
    )
    if has_own_key and path[-1] not in parent_table and styles.get(parent, "header") == "header":
        assert toml_format.remove(written, key_of(path)) == text


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.randoms(use_true_random=False))
def test_remove_on_random_toml(data: dict[str, Any], rng: random.Random) -> None:
    text = render(data, rng, {})
    existing = key_paths(data, [])
    if not existing:
        assert toml_format.remove(text, "absent") == text
        return
    path = rng.choice(existing)
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node[segment]
    del node[path[-1]]
    removed = toml_format.remove(text, key_of(path))
    assert without_empty_tables(tomllib.loads(removed)) == without_empty_tables(expected)
    assert not toml_format.read(removed, key_of(path)).found
