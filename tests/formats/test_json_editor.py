"""Strict JSON: the in-place editor on hand-picked layouts, random documents, and broken files."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from key_paths import key_of, key_paths

from tracklight.errors import FormatError
from tracklight.formats import dump_text, json_format, load_text

# --- hand-picked layouts -----------------------------------------------------------------------------------------


def test_a_new_member_takes_the_indentation_and_separator_of_its_siblings() -> None:
    text = '{\n\t"clientId": 42,\n\t"queue" : {}\n}\n'
    assert (
        json_format.set_value(text, "optOut", True)
        == '{\n\t"clientId": 42,\n\t"queue" : {},\n\t"optOut" : true\n}\n'
    )


def test_missing_objects_are_created_in_the_document_style() -> None:
    text = '{\n    "version": 1\n}\n'
    expected = '{\n    "version": 1,\n    "cli": {\n        "analytics": false\n    }\n}\n'
    assert json_format.set_value(text, "cli.analytics", False) == expected
    assert json_format.remove(expected, "cli") == text


def test_a_one_line_document_stays_on_one_line() -> None:
    text = '{"a": 1, "b": {"c": 2}}'
    assert json_format.set_value(text, "b.d.e", "x") == '{"a": 1, "b": {"c": 2, "d": {"e": "x"}}}'
    assert json_format.set_value(text, "z", 1.5) == '{"a": 1, "b": {"c": 2}, "z": 1.5}'
    assert json_format.remove(text, "a") == '{"b": {"c": 2}}'
    assert json_format.remove(text, "b.c") == '{"a": 1, "b": {}}'


def test_values_are_written_as_json_not_as_text() -> None:
    text = '{"enabled": "yes"}'
    assert json_format.set_value(text, "enabled", False) == '{"enabled": false}'
    assert json_format.set_value(text, "enabled", 0) == '{"enabled": 0}'
    assert json_format.set_value(text, "enabled", 'say "no"') == '{"enabled": "say \\"no\\""}'
    assert json_format.read('{"enabled": false}', "enabled").value is False


def test_an_empty_or_blank_file_counts_as_an_empty_object() -> None:
    for blank in ("", "  \n", "\n\n"):
        written = json_format.set_value(blank, "telemetry.enabled", False)
        assert json.loads(written) == {"telemetry": {"enabled": False}}
        assert written == json_format.new_document("telemetry.enabled", False)
    assert not json_format.read("", "a").found


def test_an_empty_object_grows_a_line_per_member() -> None:
    assert json_format.set_value("{}\n", "a", 1) == '{\n  "a": 1\n}\n'
    assert json_format.set_value('{\n\t"x": {}\n}', "x.y", 1) == '{\n\t"x": {\n\t\t"y": 1\n\t}\n}'


def test_the_value_of_a_duplicated_key_is_the_last_one_like_pythons_json() -> None:
    text = '{"a": 1, "a": 2}'
    assert json_format.read(text, "a").value == json.loads(text)["a"] == 2
    assert json_format.set_value(text, "a", 3) == '{"a": 1, "a": 3}'
    assert json_format.remove(text, "a") == "{}"


def test_objects_and_arrays_read_as_compact_json() -> None:
    text = '{"a": {"b": [1, 2, {"c": null}]}}'
    assert json_format.read(text, "a").value == '{"b":[1,2,{"c":null}]}'
    assert json_format.read(text, "a.b").value == '[1,2,{"c":null}]'
    assert not json_format.read(text, "a.b.c").found


def test_a_scalar_in_the_way_is_an_error_with_its_line() -> None:
    text = '{\n  "cli": {\n    "analytics": "id"\n  }\n}'
    with pytest.raises(FormatError) as caught:
        json_format.set_value(text, "cli.analytics.enabled", False)
    assert caught.value.line == 3
    with pytest.raises(FormatError) as top:
        json_format.set_value("[1, 2]", "a", 1)
    assert top.value.line == 1
    assert json_format.remove(text, "cli.analytics.enabled") == text


def test_mixed_line_endings_keep_the_carriage_returns_the_edit_does_not_touch() -> None:
    data = b'{\r\n  "a": 1,\n  "b": 2\r\n}\r\n'
    text, style = load_text(data)
    assert "\r" in text  # not consistently CRLF, so load_text left it alone
    after = dump_text(json_format.set_value(text, "c", True), style)
    assert after == b'{\r\n  "a": 1,\n  "b": 2,\r\n  "c": true\r\n}\r\n'
    assert dump_text(json_format.remove(json_format.set_value(text, "c", True), "c"), style) == data


def test_a_long_file_is_edited_in_place_quickly() -> None:
    members = {f"key{i:05d}": {"enabled": i % 2 == 0, "name": f"tool {i}"} for i in range(5000)}
    text = json.dumps(members, indent=2) + "\n"
    after = json_format.set_value(text, "key04998.enabled", False)
    before_lines, after_lines = text.splitlines(), after.splitlines()
    key_line = before_lines.index('  "key04998": {')
    assert [i for i, (a, b) in enumerate(zip(before_lines, after_lines)) if a != b] == [key_line + 1]
    assert len(before_lines) == len(after_lines)
    assert json_format.remove(json_format.set_value(text, "key02500.extra", 1), "key02500.extra") == text


# --- malformed input -----------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


MALFORMED = [
    ('{\n  "a": 1,\n}', 2),  # trailing comma
    ('{\n  // a comment\n  "a": 1\n}', 2),
    ('{\n  "a": 1\n  "b": 2\n}', 3),  # missing comma
    ('{\n  "a": tru\n}', 2),
    ('{\n  "a": "unterminated\n}', 2),
    ('{\n  "a": "bad \\x escape"\n}', 2),
    ("{\n  'a': 1\n}", 2),
    ('{\n  "a": [1, 2\n', 3),
    ('{"a": 1}\n\n{"b": 2}', 3),
    ('{\n  "a": 01\n}', 2),
    ('{\n  "a": NaN\n}', 2),
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_json_is_an_error_on_the_right_line(text: str, line: int) -> None:
    # Python's json agrees the text is broken (it only tolerates NaN, which RFC 8259 does not).
    with pytest.raises(ValueError):
        json.loads(text, parse_constant=_reject_constant)
    for operation in (
        lambda: json_format.read(text, "a"),
        lambda: json_format.set_value(text, "a", False),
        lambda: json_format.remove(text, "a"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


# --- random documents ------------------------------------------------------------------------------------------

SEGMENT = st.text(alphabet="abcxyzé_-. 0", min_size=1, max_size=6)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(SEGMENT, inner, max_size=4)),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(SEGMENT, VALUES, max_size=6)
NEW_VALUES = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8)
)





def render(data: dict[str, Any], rng: random.Random) -> str:
    indent = rng.choice([None, 0, 1, 2, 4, "\t"])
    separators = rng.choice([(",", ":"), (", ", ": "), (",", " : ")]) if indent is None else None
    if separators is None and indent is not None:
        separators = rng.choice([(",", ": "), (",", ":")])
    return json.dumps(
        data, indent=indent, separators=separators, ensure_ascii=rng.random() < 0.5
    ) + rng.choice(["", "\n", "\n\n"])


def pick_path(data: dict[str, Any], rng: random.Random, extra: list[str]) -> list[str]:
    existing = key_paths(data, [])
    if existing and rng.random() < 0.6:
        path = rng.choice(existing)
        return path if rng.random() < 0.7 else path + extra[:1]
    return extra


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.lists(SEGMENT, min_size=1, max_size=3), NEW_VALUES, st.randoms(use_true_random=False))
def test_set_value_on_random_documents(
    data: dict[str, Any], extra: list[str], value: Any, rng: random.Random
) -> None:
    text = render(data, rng)
    path = pick_path(data, rng, extra)
    expected = copy.deepcopy(data)
    node: Any = expected
    blocked = False
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
        if not isinstance(node, dict):
            blocked = True
            break
    if blocked:
        with pytest.raises(FormatError):
            json_format.set_value(text, key_of(path), value)
        return
    node[path[-1]] = value
    written = json_format.set_value(text, key_of(path), value)
    assert json.loads(written) == expected
    assert json_format.read(written, key_of(path)).value == value
    if written != text and path[:-1] in key_paths(data, []) + [[]]:
        parent = data
        for segment in path[:-1]:
            parent = parent[segment]
        if path[-1] not in parent and parent:
            assert json_format.remove(written, key_of(path)) == text


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.lists(SEGMENT, min_size=1, max_size=2), st.randoms(use_true_random=False))
def test_remove_on_random_documents(data: dict[str, Any], extra: list[str], rng: random.Random) -> None:
    text = render(data, rng)
    path = pick_path(data, rng, extra)
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node.get(segment) if isinstance(node, dict) else None
    present = isinstance(node, dict) and path[-1] in node
    if present:
        del node[path[-1]]
    removed = json_format.remove(text, key_of(path))
    assert json.loads(removed) == expected
    if not present:
        assert removed == text
    assert not json_format.read(removed, key_of(path)).found
