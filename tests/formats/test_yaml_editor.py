"""YAML: text edits at ruamel's node positions, each read back by the safe loader; hand-picked files, random
documents in block and flow style, and broken files."""

from __future__ import annotations

import copy
import io
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from key_paths import key_of, key_paths
from ruamel.yaml import YAML

from tracklight.errors import FormatError
from tracklight.formats import dump_text, load_text, yaml_format

CONDARC = "channels:\n  - conda-forge\n  - defaults\nanaconda_anon_usage: true  # plugin\nproxy_servers:\n  http: 'http://p:8080'\n"


def safe_load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def test_opting_out_changes_the_value_and_keeps_the_comment() -> None:
    after = yaml_format.set_value(CONDARC, "anaconda_anon_usage", False)
    assert after == CONDARC.replace("anaconda_anon_usage: true", "anaconda_anon_usage: false")


def test_quoting_style_is_kept() -> None:
    after = yaml_format.set_value(CONDARC, "proxy_servers.http", "http://q:3128")
    assert after == CONDARC.replace("'http://p:8080'", "'http://q:3128'")
    text = 'prompt: "enabled"\n'
    assert yaml_format.set_value(text, "prompt", "disabled") == 'prompt: "disabled"\n'


def test_a_new_key_goes_after_the_last_entry_with_the_mappings_indentation() -> None:
    text = "aliases:\n    co: pr checkout\n# next\nbrowser:\n"
    after = yaml_format.set_value(text, "aliases.pv", "pr view")
    assert after == "aliases:\n    co: pr checkout\n    pv: pr view\n# next\nbrowser:\n"
    assert yaml_format.remove(after, "aliases.pv") == text


def test_missing_mappings_are_created_as_nested_blocks() -> None:
    after = yaml_format.set_value(CONDARC, "plugins.anaconda_telemetry", False)
    assert after == CONDARC + "plugins:\n  anaconda_telemetry: false\n"
    assert safe_load(after)["plugins"] == {"anaconda_telemetry": False}


def test_an_empty_value_is_filled_in_after_its_colon() -> None:
    text = "editor:  # blank means $EDITOR\nprompt: enabled\n"
    assert (
        yaml_format.set_value(text, "editor", "vim")
        == "editor: vim  # blank means $EDITOR\nprompt: enabled\n"
    )


def test_strings_that_other_yaml_readers_would_retype_are_quoted() -> None:
    for word in ("yes", "off", "1:20", "0x1F", "true", "null", "12", "a: b", "#x", ""):
        written = yaml_format.set_value("a: 1\n", "a", word)
        assert safe_load(written) == {"a": word}
        assert written != f"a: {word}\n"
    assert yaml_format.set_value("a: 1\n", "a", "hello world") == "a: hello world\n"


def test_flow_mappings_are_edited_inside_their_braces() -> None:
    text = "telemetry: {enabled: true}\n"
    assert yaml_format.set_value(text, "telemetry.enabled", False) == "telemetry: {enabled: false}\n"
    assert yaml_format.set_value(text, "telemetry.note", "x") == "telemetry: {enabled: true, note: x}\n"


def test_a_mapping_emptied_by_a_removal_stays_a_mapping() -> None:
    text = "metrics:\n  enabled: true\nother: 1\n"
    assert yaml_format.remove(text, "metrics.enabled") == "metrics: {}\nother: 1\n"


def test_values_read_typed_and_collections_as_json() -> None:
    text = "a: 1\nb: 1.5\nc: yes\nd: [1, 2]\ne:\nf: 2024-05-01\n"
    assert [yaml_format.read(text, k).value for k in "abcdef"] == [1, 1.5, "yes", "[1,2]", None, "2024-05-01"]
    assert yaml_format.read(text, "d").line == 4


def test_a_scalar_in_the_way_is_an_error_with_its_line() -> None:
    with pytest.raises(FormatError) as caught:
        yaml_format.set_value(CONDARC, "proxy_servers.http.port", 1)
    assert caught.value.line == 6
    with pytest.raises(FormatError):
        yaml_format.set_value("- a\n- b\n", "x", 1)


def test_an_empty_or_comment_only_file_gets_the_key_below_its_comments() -> None:
    assert yaml_format.set_value("", "a.b", True) == "a:\n  b: true\n"
    assert yaml_format.set_value("# settings\n", "a", 1) == "# settings\na: 1\n"


def test_mixed_line_endings_keep_their_carriage_returns() -> None:
    data = b"a: 1\r\nb:\n  c: 2\r\n"
    text, style = load_text(data)
    after = dump_text(yaml_format.set_value(text, "b.d", 3), style)
    assert after == b"a: 1\r\nb:\n  c: 2\r\n  d: 3\r\n"


def test_a_long_file() -> None:
    text = "".join(f"tool{i}:\n  enabled: true\n  name: tool {i}\n" for i in range(1500))
    after = yaml_format.set_value(text, "tool1499.enabled", False)
    assert after == text[: text.rindex("enabled: true")] + "enabled: false\n  name: tool 1499\n"
    assert yaml_format.remove(yaml_format.set_value(text, "tool700.x", 1), "tool700.x") == text


def test_new_document() -> None:
    assert yaml_format.new_document("metrics.enabled", False) == "metrics:\n  enabled: false\n"


MALFORMED = [
    ("metrics:\n  enabled: true\n enabled: false\n", 3),  # bad indentation
    ("a: 1\na: 2\n", 2),  # duplicate key
    ('a: "unterminated\nb: 1\n', 3),
    ("a: [1, 2\nb: 3\n", 2),
    ("a: 1\n---\nb: 2\n", 2),  # two documents
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_yaml_is_an_error_on_the_right_line(text: str, line: int) -> None:
    for operation in (
        lambda: yaml_format.read(text, "a"),
        lambda: yaml_format.set_value(text, "a", False),
        lambda: yaml_format.remove(text, "a"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


# --- random documents ------------------------------------------------------------------------------------------

WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
KEY = st.from_regex(r"[a-z_][a-z0-9_.-]{0,5}", fullmatch=True).filter(
    lambda k: k not in WORDS and not k.endswith(".") and ".." not in k
)
SCALARS = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8)
)
VALUES = st.recursive(
    st.one_of(SCALARS, st.lists(st.integers(), max_size=3)),
    lambda inner: st.dictionaries(KEY, inner, max_size=4),
    max_leaves=10,
)
DOCUMENTS = st.dictionaries(KEY, VALUES, min_size=1, max_size=5)


def yaml_string(text: str, rng: random.Random) -> str:
    if re.fullmatch(r"[a-z][a-z0-9_]*", text) and text not in WORDS and rng.random() < 0.5:
        return text
    if text and all(" " <= c < "\x7f" for c in text) and rng.random() < 0.5:
        return "'" + text.replace("'", "''") + "'"
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char < "\x7f" or (char > "\xa0" and char not in "\u2028\u2029\ufeff"):
            out.append(char)
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def yaml_scalar(value: Any, rng: random.Random) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return yaml_string(value, rng)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return repr(value)


def render(data: dict[str, Any], rng: random.Random) -> str:
    step = rng.choice([2, 4])
    out: list[str] = [rng.choice(["", "# settings\n", "---\n"])]

    def flow(value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
        return yaml_scalar(value, rng)

    def block(table: dict[str, Any], column: int) -> None:
        for name, value in table.items():
            if rng.random() < 0.15:
                out.append(" " * column + "# note\n")
            if isinstance(value, dict) and value and rng.random() < 0.75:
                out.append(" " * column + f"{name}:\n")
                block(value, column + step)
            elif isinstance(value, list) and value and rng.random() < 0.5:
                out.append(" " * column + f"{name}:\n")
                offset = rng.choice([0, 2])
                out.extend(" " * (column + offset) + f"- {item}\n" for item in value)
            else:
                comment = rng.choice(["", "", "  # why"])
                out.append(" " * column + f"{name}: {flow(value)}{comment}\n")

    block(data, 0)
    return "".join(out)





@settings(max_examples=120, deadline=None)
@given(DOCUMENTS, st.lists(KEY, min_size=1, max_size=3), SCALARS, st.randoms(use_true_random=False))
def test_set_value_on_random_yaml(
    data: dict[str, Any], extra: list[str], value: Any, rng: random.Random
) -> None:
    text = render(data, rng)
    assert safe_load(text) == data
    existing = key_paths(data, [])
    path = extra
    if rng.random() < 0.7:
        path = rng.choice(existing) + (extra[:1] if rng.random() < 0.3 else [])
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
        if not isinstance(node, dict):
            with pytest.raises(FormatError):
                yaml_format.set_value(text, key_of(path), value)
            return
    node[path[-1]] = value
    written = yaml_format.set_value(text, key_of(path), value)
    assert safe_load(written) == expected
    assert yaml_format.read(written, key_of(path)).value == value
    parent: Any = data
    for segment in path[:-1]:
        parent = parent.get(segment) if isinstance(parent, dict) else None
    if isinstance(parent, dict) and parent and path[-1] not in parent:
        assert yaml_format.remove(written, key_of(path)) == text


@settings(max_examples=120, deadline=None)
@given(DOCUMENTS, st.randoms(use_true_random=False))
def test_remove_on_random_yaml(data: dict[str, Any], rng: random.Random) -> None:
    text = render(data, rng)
    path = rng.choice(key_paths(data, []))
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in path[:-1]:
        node = node[segment]
    del node[path[-1]]
    removed = yaml_format.remove(text, key_of(path))
    got = safe_load(removed)
    assert got == expected or (got is None and expected == {})
    assert not yaml_format.read(removed, key_of(path)).found
