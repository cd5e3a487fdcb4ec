"""JSONC as VS Code writes settings.json: comments and trailing commas survive edits; duplicates resolve last-wins."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from key_paths import key_of, key_paths
from reference_parsers import strip_jsonc

from tracklight.errors import FormatError
from tracklight.formats import jsonc_format

SETTINGS = """{
    // Telemetry
    "telemetry.telemetryLevel": "all", // default
    "editor.fontSize": 14,
}
"""


def test_the_quoted_key_is_the_literal_top_level_key() -> None:
    lookup = jsonc_format.read(SETTINGS, '"telemetry.telemetryLevel"')
    assert (lookup.found, lookup.value, lookup.line) == (True, "all", 3)
    assert not jsonc_format.read(SETTINGS, "telemetry.telemetryLevel").found


def test_opting_out_keeps_the_comments_and_the_trailing_comma() -> None:
    after = jsonc_format.set_value(SETTINGS, '"telemetry.telemetryLevel"', "off")
    assert after == SETTINGS.replace('"all"', '"off"')


def test_a_member_added_after_a_trailing_comma_gets_one_too() -> None:
    after = jsonc_format.set_value(SETTINGS, '"update.mode"', "manual")
    assert after == SETTINGS.replace("14,\n", '14,\n    "update.mode": "manual",\n')
    assert jsonc_format.remove(after, '"update.mode"') == SETTINGS


def test_a_comment_after_the_last_member_stays_on_its_line() -> None:
    text = '{\n    "a": 1 // keep me here\n}\n'
    after = jsonc_format.set_value(text, "b", False)
    assert after == '{\n    "a": 1, // keep me here\n    "b": false\n}\n'
    assert jsonc_format.remove(after, "b") == text


def test_duplicates_read_last_set_last_and_remove_all() -> None:
    text = '{\n    "x": 1,\n    // old\n    "x": 2\n}\n'
    assert jsonc_format.read(text, "x").value == 2
    assert jsonc_format.set_value(text, "x", 3) == '{\n    "x": 1,\n    // old\n    "x": 3\n}\n'
    assert jsonc_format.remove(text, "x") == "{\n    // old\n}\n"


def test_a_file_of_only_comments_gets_the_object_below_them() -> None:
    text = "// settings synced off\n"
    after = jsonc_format.set_value(text, '"telemetry.telemetryLevel"', "off")
    assert after == text + '{\n    "telemetry.telemetryLevel": "off"\n}\n'
    assert not jsonc_format.read(text, "a").found


def test_an_empty_object_with_a_comment_gets_a_line_before_its_brace() -> None:
    text = '{\n    "[python]": {\n        // formatter comes later\n    }\n}'
    after = jsonc_format.set_value(text, '"[python]"."editor.formatOnSave"', True)
    assert (
        after
        == '{\n    "[python]": {\n        // formatter comes later\n        "editor.formatOnSave": true\n    }\n}'
    )


def test_a_one_line_empty_object_keeps_its_block_comment() -> None:
    text = '{"telemetry": { /* set by IT */ }, "editor.fontSize": 13}'
    after = jsonc_format.set_value(text, "telemetry.enabled", False)
    assert after == '{"telemetry": { /* set by IT */ "enabled": false}, "editor.fontSize": 13}'
    assert jsonc_format.read(after, "telemetry.enabled").value is False


def test_new_document_looks_like_vs_code_wrote_it() -> None:
    assert jsonc_format.new_document('"telemetry.telemetryLevel"', "off") == (
        '{\n    "telemetry.telemetryLevel": "off"\n}\n'
    )


MALFORMED = [
    ('{\n    "a": 1,\n    /* never closed\n}', 3),
    ('{\n    "a": 1,,\n}', 2),
    ('{\n    "a": 1\n    "b": 2\n}', 3),
    ('{\n    "a": [1,\n    2,\n', 4),
    ("{\n    / not a comment\n}", 2),
    ('{\n    "a": 1\n}\n}', 4),
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_jsonc_is_an_error_on_the_right_line(text: str, line: int) -> None:
    for operation in (
        lambda: jsonc_format.read(text, "a"),
        lambda: jsonc_format.set_value(text, "a", False),
        lambda: jsonc_format.remove(text, "a"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


# --- random documents with random comments and trailing commas -------------------------------------------------

# No '/' or '*' in keys and strings, so counting comment openers counts comments.
SEGMENT = st.text(alphabet="abxyé_-. {}[],:", min_size=1, max_size=6)
TEXT = st.text(alphabet=st.characters(blacklist_characters="/*"), max_size=6)
SCALARS = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT, st.none()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(SEGMENT, inner, max_size=4)),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(SEGMENT, VALUES, max_size=6)
NEW_VALUES = st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
COMMENTS = ["// note", "/* block */", "/* two\n   lines */", '// {"not": [a, member]}']


def render(value: Any, rng: random.Random, indent: str | None, level: int = 0) -> str:
    """JSONC text for `value` with comments and trailing commas sprinkled at random."""

    def comment() -> str:
        if rng.random() > 0.25:
            return ""
        options = COMMENTS if indent is not None else [c for c in COMMENTS if c.startswith("/*")]
        text = rng.choice(options)
        return text + ("\n" + (indent or "") * (level + 1) if text.startswith("//") else " ")

    if isinstance(value, (dict, list)):
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        if not items:
            return opening + comment() + closing
        parts = []
        for name, item in items:
            head = (
                json.dumps(name, ensure_ascii=False) + rng.choice([": ", ":", " : "])
                if isinstance(value, dict)
                else ""
            )
            parts.append(comment() + head + render(item, rng, indent, level + 1))
        trailing = "," if rng.random() < 0.5 else ""
        if indent is None:
            return opening + ", ".join(parts) + trailing + closing
        inner = indent * (level + 1)
        tail = " // end" if rng.random() < 0.2 else ""
        return (
            opening
            + "\n"
            + inner
            + (",\n" + inner).join(parts)
            + trailing
            + tail
            + "\n"
            + indent * level
            + closing
        )
    return json.dumps(value, ensure_ascii=False)





def reference_parse(text: str) -> Any:
    """The test's own JSONC reading: comments and trailing commas out, then Python's json."""
    return json.loads(strip_jsonc(text))




@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    DOCUMENTS,
    st.lists(SEGMENT, min_size=1, max_size=3),
    NEW_VALUES,
    st.randoms(use_true_random=False),
    st.sampled_from([None, "  ", "    ", "\t"]),
)
def test_set_value_on_random_jsonc(
    data: dict[str, Any], extra: list[str], value: Any, rng: random.Random, indent: str | None
) -> None:
    text = render(data, rng, indent) + rng.choice(["", "\n", "\n// trailing comment\n"])
    assert reference_parse(text) == data
    existing = key_paths(data, [])
    path = rng.choice(existing) if existing and rng.random() < 0.6 else extra
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
        if not isinstance(node, dict):
            with pytest.raises(FormatError):
                jsonc_format.set_value(text, key_of(path), value)
            return
    node[path[-1]] = value
    written = jsonc_format.set_value(text, key_of(path), value)
    assert reference_parse(written) == expected
    assert jsonc_format.read(written, key_of(path)).value == value
    old: Any = data
    for segment in path:
        old = old.get(segment) if isinstance(old, dict) else None
    if not isinstance(old, (dict, list)):
        # Only a replaced object or array takes the comments inside it along; nothing else loses one.
        assert (written.count("//"), written.count("/*")) == (text.count("//"), text.count("/*"))


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.randoms(use_true_random=False), st.sampled_from([None, "  ", "\t"]))
def test_remove_on_random_jsonc(data: dict[str, Any], rng: random.Random, indent: str | None) -> None:
    text = render(data, rng, indent)
    existing = key_paths(data, [])
    path = rng.choice(existing) if existing else ["absent"]
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node[segment]
    node.pop(path[-1], None)
    removed = jsonc_format.remove(text, key_of(path))
    assert reference_parse(removed) == expected
    assert not jsonc_format.read(removed, key_of(path)).found
