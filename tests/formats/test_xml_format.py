"""The xml editor on Syncthing's config.xml: textual edits, checked with xml.etree as the strict parser.

Syncthing reads config.xml with Go's encoding/xml, where a repeated element is assigned in turn (the last
counts); xml.etree's `findall(...)[-1]` gives the same element, so it is the reference for every read and
write here.
"""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from line_diff import changed_lines

from tracklight.errors import FormatError
from tracklight.formats import Lookup, dump_text, load_text, scalar_text, split_key
from tracklight.formats import xml_format as xf
from tracklight.formats._xml_scan import escape

FIXTURES = Path(__file__).parent / "fixtures" / "xml"
CASES = [
    pytest.param(c, id=f"{c['file']}:{c['key'].rsplit('.', 1)[1]}")
    for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style


def _etree_value(data: bytes | str, key: str) -> str | None:
    """The text xml.etree finds at the key's path (last match), trimmed; None when absent."""
    root = ET.fromstring(data.encode("utf-8") if isinstance(data, str) else data)
    path = split_key(key)
    if root.tag != path[0]:
        return None
    found = root.findall("/".join(path[1:])) if len(path) > 1 else [root]
    return None if not found else (found[-1].text or "").strip()



@pytest.mark.parametrize("case", CASES)
def test_read_gives_what_a_strict_parser_finds(case: dict[str, Any]) -> None:
    raw, text, _ = _load(case)
    assert xf.read(text, case["key"]) == Lookup(True, case["value"], case["line"])
    assert _etree_value(raw, case["key"]) == case["value"]


@pytest.mark.parametrize("case", CASES)
def test_setting_the_current_value_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    if case["value"] and "CDATA" not in raw.decode("utf-8").split("\n")[case["line"] - 1]:
        assert dump_text(xf.set_value(text, case["key"], case["value"]), style) == raw
    assert dump_text(xf.remove(text, "configuration.options.noSuchOption"), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_changes_only_that_elements_line(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    key, off = case["key"], case["off"]
    written = dump_text(xf.set_value(text, key, off), style)
    removed, added = changed_lines(raw, written)
    leaf = split_key(key)[-1]
    assert removed == [raw.decode("utf-8").split("\n")[case["line"] - 1]]
    assert len(added) == 1 and added[0].strip().startswith(f"<{leaf}>")
    assert _etree_value(written, key) == scalar_text(off)
    assert xf.read(load_text(written)[0], key).value == scalar_text(off)


@pytest.mark.parametrize("case", CASES)
def test_a_new_element_set_then_removed_gives_the_original_bytes(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    new_key = case["new_key"]
    assert not xf.read(text, new_key).found
    with_key = xf.set_value(text, new_key, "true")
    written = dump_text(with_key, style)
    removed, added = changed_lines(raw, written)
    leaf = split_key(new_key)[-1]
    assert removed == [] and len(added) == 1 and added[0].strip() == f"<{leaf}>true</{leaf}>"
    assert _etree_value(written, new_key) == "true"
    assert _etree_value(written, case["key"]) == case["value"]
    assert dump_text(xf.remove(with_key, new_key), style) == raw


def test_a_new_element_takes_its_siblings_indentation() -> None:
    text = "<configuration>\n\t<options>\n\t\t\t<a>1</a>\n\t</options>\n</configuration>\n"
    assert xf.set_value(text, "configuration.options.b", "2") == (
        "<configuration>\n\t<options>\n\t\t\t<a>1</a>\n\t\t\t<b>2</b>\n\t</options>\n</configuration>\n"
    )


def test_missing_parents_are_created_one_level_deeper_each() -> None:
    text = '<configuration version="37">\n  <gui/>\n</configuration>\n'
    written = xf.set_value(text, "configuration.options.urAccepted", -1)
    assert written == (
        '<configuration version="37">\n  <gui/>\n  <options>\n    <urAccepted>-1</urAccepted>\n  </options>\n'
        "</configuration>\n"
    )
    assert xf.set_value(text, "configuration.gui.theme", "dark") == (
        '<configuration version="37">\n  <gui>\n    <theme>dark</theme>\n  </gui>\n</configuration>\n'
    )


def test_an_empty_parent_on_one_line_is_opened_up() -> None:
    text = "<configuration>\n    <ldap></ldap>\n</configuration>\n"
    written = xf.set_value(text, "configuration.ldap.address", "ldap.example.org")
    assert written == (
        "<configuration>\n    <ldap>\n        <address>ldap.example.org</address>\n    </ldap>\n"
        "</configuration>\n"
    )
    # The element goes; the opened-up parent keeps its new line break (a byte-exactness limit, same meaning).
    assert (
        xf.remove(written, "configuration.ldap.address")
        == "<configuration>\n    <ldap>\n    </ldap>\n</configuration>\n"
    )


def test_a_self_closing_leaf_is_expanded_when_set() -> None:
    text = '<configuration>\n  <options>\n    <urAccepted />\n    <b x="1"/>\n  </options>\n</configuration>'
    assert xf.read(text, "configuration.options.urAccepted") == Lookup(True, "", 3)
    written = xf.set_value(text, "configuration.options.urAccepted", -1)
    assert '    <urAccepted>-1</urAccepted>\n    <b x="1"/>\n' in written
    assert xf.set_value(text, "configuration.options.b", "y").count('<b x="1">y</b>') == 1


def test_values_are_escaped_and_read_back_unescaped() -> None:
    text = "<c><o><url>a</url></o></c>"
    written = xf.set_value(text, "c.o.url", "https://x.example/?a=1&b=<2>")
    assert written == "<c><o><url>https://x.example/?a=1&amp;b=&lt;2&gt;</url></o></c>"
    assert xf.read(written, "c.o.url").value == "https://x.example/?a=1&b=<2>"
    assert _etree_value(written, "c.o.url") == "https://x.example/?a=1&b=<2>"


def test_entity_text_attributes_comments_and_declaration_elsewhere_are_untouched() -> None:
    raw, text, style = _load({"file": "syncthing-config-tabs.xml"})
    written = xf.set_value(text, "configuration.options.crashReportingEnabled", True)
    removed, added = changed_lines(raw, dump_text(written, style))
    assert [line.strip() for line in removed + added] == [
        "<crashReportingEnabled>false</crashReportingEnabled>",
        "<crashReportingEnabled>true</crashReportingEnabled>",
    ]
    assert 'label="Photos &amp; &lt;RAW&gt; &gt; 2"' in written
    assert "<![CDATA[https://data.syncthing.net/newdata?src=a&b]]>" in written
    assert "<!-- urAccepted again, the later one counts -->" in written


def test_remove_takes_every_duplicate_and_only_those_lines() -> None:
    raw, text, _ = _load({"file": "syncthing-config-tabs.xml"})
    gone = xf.remove(text, "configuration.options.urAccepted")
    assert not xf.read(gone, "configuration.options.urAccepted").found
    assert _etree_value(gone, "configuration.options.urAccepted") is None
    removed, added = changed_lines(raw, gone.encode())
    assert added == [] and [line.strip() for line in removed] == [
        "<urAccepted>2</urAccepted>",
        "<urAccepted>1</urAccepted>",
    ]


def test_an_element_holding_elements_is_not_a_value() -> None:
    with pytest.raises(FormatError, match="holds other elements") as caught:
        xf.read("<c>\n<o><a>1</a></o>\n</c>", "c.o")
    assert caught.value.line == 2


def test_a_key_under_another_root_is_absent_and_cannot_be_set() -> None:
    text = "<configuration><options/></configuration>"
    assert not xf.read(text, "config.options.urAccepted").found
    with pytest.raises(FormatError, match="root element"):
        xf.set_value(text, "config.options.urAccepted", -1)


def test_new_document_is_a_well_formed_path_to_the_value() -> None:
    document = xf.new_document("configuration.options.urAccepted", -1)
    assert _etree_value(document, "configuration.options.urAccepted") == "-1"
    assert xf.read(document, "configuration.options.urAccepted") == Lookup(True, "-1", 3)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "<configuration>\n  <options>\n    <urAccepted>0</urAccepted>\n</configuration>\n",
            4,
        ),  # unclosed <options>
        ("<configuration>\n  <options>\n", 3),  # the document just ends
        ('<configuration>\n  <options a="1>\n  </options>\n</configuration>', 3),  # unterminated attribute
        ("<a>\n<b>x & y</b>\n</a>", 2),  # a bare ampersand
        ("<a>1</a>\n<b/>\n", 2),  # two roots
    ],
)
def test_malformed_xml_is_refused_with_the_line(text: str, line: int) -> None:
    with pytest.raises(FormatError) as caught:
        xf.read(text, "configuration.options.urAccepted")
    assert caught.value.line == line
    with pytest.raises(FormatError):
        xf.set_value(text, "configuration.options.urAccepted", -1)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<configuration><options><urAccepted>&lol9;</urAccepted></options></configuration>
"""


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        (
            '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            "<c><o><u>&x;</u></o></c>"
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE configuration SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
            "<configuration/>"
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_documents_with_a_dtd_are_refused_before_any_expansion(text: str) -> None:
    for edit in (
        lambda: xf.read(text, "configuration.options.urAccepted"),
        lambda: xf.set_value(text, "configuration.options.urAccepted", -1),
        lambda: xf.remove(text, "configuration.options.urAccepted"),
    ):
        with pytest.raises(FormatError, match="DTD") as caught:
            edit()
        assert caught.value.line == 2


@pytest.mark.parametrize("value", [" padded", "two\nlines", "bell\a", "a\r"])
def test_values_xml_cannot_carry_as_written_are_refused(value: str) -> None:
    with pytest.raises(FormatError):
        xf.set_value("<c><o><u>0</u></o></c>", "c.o.u", value)


# --- property tests: random trees, random paths -------------------------------------------------------------

TAGS = st.sampled_from(["options", "gui", "urAccepted", "theme", "a", "b"])
TEXT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=0, max_size=8)


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    """An element (indented like Syncthing writes) holding text or child elements."""
    tag = draw(TAGS)
    indent = "    " * depth
    attrs = draw(st.sampled_from(["", ' id="x &amp; y"', " n='>'"]))
    if depth >= 2 or draw(st.booleans()):
        kind = draw(st.sampled_from(["text", "text", "empty", "self"]))
        if kind == "self":
            return f"{indent}<{tag}{attrs}/>"
        body = "" if kind == "empty" else escape(draw(TEXT))
        return f"{indent}<{tag}{attrs}>{body}</{tag}>"
    children = [draw(trees(depth + 1)) for _ in range(draw(st.integers(1, 4)))]
    comment = draw(st.sampled_from(["", f"\n{indent}    <!-- note & more -->"]))
    return f"{indent}<{tag}{attrs}>{comment}\n" + "\n".join(children) + f"\n{indent}</{tag}>"


@st.composite
def documents(draw: st.DrawFn) -> str:
    children = [draw(trees(1)) for _ in range(draw(st.integers(0, 4)))]
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "<!-- c -->\n"]))
    return (
        prolog + "<configuration>\n" + "\n".join(children) + ("\n" if children else "") + "</configuration>\n"
    )


def _path_values(text: str) -> dict[str, str]:
    """Each element path's value by xml.etree: last match's trimmed text, or "<elements>" for a parent."""
    root = ET.fromstring(text.encode("utf-8"))
    values: dict[str, str] = {}

    def walk(element: ET.Element, path: str) -> None:
        values[path] = "<elements>" if len(element) else (element.text or "").strip()
        for child in element:
            walk(child, f"{path}.{child.tag}")

    walk(root, root.tag)
    return values


def _related(path: str, key: str) -> bool:
    """The path is the key, inside it, or one of its ancestors: an edit of the key may change it."""
    return path == key or path.startswith(key + ".") or key.startswith(path + ".")


PATHS = st.lists(TAGS, min_size=1, max_size=3).map(lambda tags: "configuration." + ".".join(tags))


@settings(max_examples=150, deadline=None)
@given(documents(), PATHS, TEXT)
def test_property_set_holds_the_value_and_keeps_every_other_path(doc: str, key: str, value: str) -> None:
    before = _path_values(doc)
    if before.get(key) == "<elements>":
        with pytest.raises(FormatError, match="holds other elements"):
            xf.set_value(doc, key, value)
        return
    segments = key.split(".")
    nearest = next(
        ".".join(segments[:n]) for n in range(len(segments), 0, -1) if ".".join(segments[:n]) in before
    )
    if nearest != key and before[nearest] not in ("", "<elements>"):
        with pytest.raises(FormatError, match="holds text"):  # no element goes into a value's text
            xf.set_value(doc, key, value)
        return
    written = xf.set_value(doc, key, value)
    after = _path_values(written)
    assert after[key] == value == xf.read(written, key).value
    assert {p: v for p, v in after.items() if p in before and not _related(p, key)} == {
        p: v for p, v in before.items() if not _related(p, key)
    }


@settings(max_examples=150, deadline=None)
@given(documents(), PATHS)
def test_property_remove_takes_the_path_away_and_nothing_else(doc: str, key: str) -> None:
    before = _path_values(doc)
    written = xf.remove(doc, key)
    after = _path_values(written)
    assert key not in after
    assert not xf.read(written, key).found
    assert {p: v for p, v in after.items() if not _related(p, key)} == {
        p: v for p, v in before.items() if not _related(p, key)
    }


@settings(max_examples=100, deadline=None)
@given(documents(), TEXT)
def test_property_a_new_leaf_set_then_removed_restores_the_text(doc: str, value: str) -> None:
    key = "configuration.brandNew"
    assert xf.remove(xf.set_value(doc, key, value), key) == doc
