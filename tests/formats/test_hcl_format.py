"""The hcl editor on Terraform's CLI config (`~/.terraformrc`, `terraform.rc`).

Where `terraform` is installed, it is the strict parser: it loads the written file through TF_CLI_CONFIG_FILE
and its log says whether `disable_checkpoint` is on ("Checkpoint disabled"), which must agree with read(). Its
update check is pointed at a closed port on 127.0.0.1 through HTTPS_PROXY, so no test reaches the network.
"""

from __future__ import annotations

import os
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
from tracklight.formats import hcl_format as hcl

FIXTURES = Path(__file__).parent / "fixtures" / "hcl"
CASES = [
    pytest.param(c, id=f"{c['file']}:{c['key']}")
    for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]
TERRAFORM = shutil.which("terraform")


def _terraform(path: Path, home: Path) -> str:
    """Terraform's log and diagnostics after loading the CLI config at path."""
    assert TERRAFORM is not None
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(path),
        "TF_LOG": "info",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    # A CLI config problem is a warning: the output, not the exit status, tells what it read.
    result = subprocess.run(
        [TERRAFORM, "version"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    return result.stdout + result.stderr


def _assert_terraform_agrees(path: Path, home: Path) -> None:
    """Terraform parses the file, and its checkpoint decision matches read()'s disable_checkpoint."""
    output = _terraform(path, home)
    assert "Error parsing" not in output, output
    lookup = hcl.read(load_text(path.read_bytes())[0], "disable_checkpoint")
    assert ("Checkpoint disabled" in output) == (lookup.found and lookup.value is True), output


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style



@pytest.mark.parametrize("case", CASES)
def test_read_gives_the_typed_value(case: dict[str, Any]) -> None:
    _, text, _ = _load(case)
    expected = Lookup(True, case["value"], case["line"]) if "value" in case else Lookup(False)
    lookup = hcl.read(text, case["key"])
    assert lookup == expected and type(lookup.value) is type(expected.value)


@pytest.mark.parametrize("case", CASES)
def test_setting_the_current_value_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    if "value" in case:
        assert dump_text(hcl.set_value(text, case["key"], case["value"]), style) == raw
    assert dump_text(hcl.remove(text, "no_such_setting"), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_changes_only_that_attributes_line(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    key, off = case["key"], case["off"]
    written = dump_text(hcl.set_value(text, key, off), style)
    removed, added = changed_lines(raw, written)
    if "value" in case:
        original = raw.decode("utf-8").split("\n")[case["line"] - 1]
        assert removed == [original]
        # The value is replaced in place: alignment before it and a comment after it stay.
        prefix = original[: original.index("=") + 1]
        assert len(added) == 1 and added[0].startswith(prefix)
    else:
        assert removed == [] and [line.rstrip("\r") for line in added] == [f"{key} = {hcl._literal(off)}"]
    assert hcl.read(load_text(written)[0], key).value == off


@pytest.mark.parametrize("case", CASES)
def test_a_new_attribute_set_then_removed_gives_the_original_bytes(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    new_key = case["new_key"]
    with_key = hcl.set_value(text, new_key, True)
    assert hcl.read(with_key, new_key).value is True
    assert hcl.read(with_key, case["key"]) == hcl.read(text, case["key"])
    assert dump_text(hcl.remove(with_key, new_key), style) == raw


@pytest.mark.skipif(
    TERRAFORM is None, reason="terraform is not installed: no strict HCL1 parser to compare with"
)
@pytest.mark.parametrize("case", CASES)
def test_terraform_reads_each_file_as_we_do_before_and_after_the_edits(
    case: dict[str, Any], tmp_path: Path, sandbox_home: Path
) -> None:
    _, text, style = _load(case)
    _assert_terraform_agrees(FIXTURES / case["file"], sandbox_home)
    opted_out = tmp_path / "opted-out.rc"
    opted_out.write_bytes(dump_text(hcl.set_value(text, case["key"], case["off"]), style))
    _assert_terraform_agrees(opted_out, sandbox_home)
    if case["new_key"] != "plugin_cache_dir":  # true is no path: Terraform would reject it, rightly
        with_key = tmp_path / "with-key.rc"
        with_key.write_bytes(dump_text(hcl.set_value(text, case["new_key"], True), style))
        _assert_terraform_agrees(with_key, sandbox_home)
    removed = tmp_path / "removed.rc"
    removed.write_bytes(dump_text(hcl.remove(text, "disable_checkpoint"), style))
    _assert_terraform_agrees(removed, sandbox_home)


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
def test_terraform_rejects_a_byte_order_mark_so_a_bom_file_is_already_broken(
    tmp_path: Path, sandbox_home: Path
) -> None:
    # A fact the caller must know: load_text strips the BOM, so read() sees the setting Terraform never reads.
    path = tmp_path / "terraform.rc"
    path.write_bytes(b"\xef\xbb\xbfdisable_checkpoint = true\n")
    assert "Error parsing" in _terraform(path, sandbox_home)
    assert hcl.read(load_text(path.read_bytes())[0], "disable_checkpoint").value is True


def test_a_setting_inside_a_block_or_a_comment_is_not_the_top_level_one() -> None:
    text = "provider_installation {\n  disable_checkpoint = true\n}\n/* disable_checkpoint = true */\n"
    assert not hcl.read(text, "disable_checkpoint").found
    written = hcl.set_value(text, "disable_checkpoint", True)
    assert written == text + "disable_checkpoint = true\n"


def test_strings_are_unescaped_and_written_escaped() -> None:
    text = 'plugin_cache_dir = "C:\\\\cache \\"x\\""\n'
    assert hcl.read(text, "plugin_cache_dir").value == 'C:\\cache "x"'
    assert hcl.set_value(text, "plugin_cache_dir", 'D:\\a "b"') == 'plugin_cache_dir = "D:\\\\a \\"b\\""\n'


def test_other_values_are_read_as_their_raw_text() -> None:
    text = 'a = [1, "two"]\nb = { c = 1 }\nc = 0x1F\nd = 1.5\ne = -3\ng = <<EOT\nhi\nEOT\n'
    assert [hcl.read(text, k).value for k in "abcdeg"] == [
        '[1, "two"]',
        "{ c = 1 }",
        31,
        1.5,
        -3,
        "<<EOT\nhi\nEOT",
    ]


@pytest.mark.parametrize(("text", "line"), [
    ("disable_checkpoint = true\nf = on\n", 2),  # a bare word is no value: Terraform 1.11 "Unknown token"
    ("credentials \"x\" {\n  note = \"a\"s { inside }\n}\n", 2),  # deep inside a block
    ("x = [1 2]\n", 1),
    ("a b = 1\n", 1),
    ('a = "x\\q"\n', 1),
    ("disable_checkpoint = false\rtrue\n", 1),  # a lone CR is white space, not a line end
    ("\ufeffdisable_checkpoint = true\n", 1),
    ("host \"x\" {\n  services = false{\n  }\n}\n", 2),  # an item with no name (found by make fuzz, seed 5)
])
def test_what_terraform_refuses_anywhere_in_the_file_is_refused(text: str, line: int) -> None:
    """Each of these, written to a file, makes `terraform version` (1.11.4) print "Error parsing …"."""
    for edit in (lambda t: hcl.read(t, "disable_checkpoint"), lambda t: hcl.set_value(t, "disable_checkpoint", True)):
        with pytest.raises(FormatError, match="Terraform refuses") as caught:
            edit(text)
        assert caught.value.line == line


def test_a_value_is_replaced_whatever_its_old_type() -> None:
    text = 'x = [\n  "a",\n]  # list\ny = 1\n'
    assert hcl.set_value(text, "x", False) == "x = false  # list\ny = 1\n"


def test_remove_takes_every_duplicate_with_its_line_comment() -> None:
    raw, text, _ = _load({"file": "terraformrc-mixed"})
    gone = hcl.remove(text, "disable_checkpoint")
    assert not hcl.read(gone, "disable_checkpoint").found
    removed, added = changed_lines(raw, gone.encode())
    assert added == [] and [line.split("=")[0].strip() for line in removed] == ["disable_checkpoint"] * 2


def test_a_block_named_like_the_key_is_refused() -> None:
    with pytest.raises(FormatError, match="block") as caught:
        hcl.set_value("x = 1\n\ndisable_checkpoint {\n}\n", "disable_checkpoint", True)
    assert caught.value.line == 3


@pytest.mark.parametrize("value", ["${path.module}", "%{ if x }", "bell\a", float("nan")])
def test_values_hcl_would_not_read_back_are_refused(value: Any) -> None:
    with pytest.raises(FormatError):
        hcl.set_value("", "plugin_cache_dir", value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('disable_checkpoint = true\nplugin_cache_dir = "/tmp/cache\n', 2),  # unterminated string
        (
            'credentials "app.terraform.io" {\n  token = "x"\n\ndisable_checkpoint = true\n',
            1,
        ),  # unclosed block
        (
            "provider_installation {\n  direct {\n    exclude = []\n}\n",
            1,
        ),  # the one } closes direct: the outer is open
        ("/* comment\ndisable_checkpoint = true\n", 1),  # unterminated comment
        ("x = <<EOT\nhello\n", 1),  # unterminated here-document
        ("disable_checkpoint = \n", 1),  # no value
        ("disable_checkpoint true\n", 1),  # no '='
        ("x = 1\n}\n", 2),  # stray brace
    ],
)
def test_malformed_files_are_refused_with_the_line(text: str, line: int) -> None:
    with pytest.raises(FormatError) as caught:
        hcl.read(text, "disable_checkpoint")
    assert caught.value.line == line
    with pytest.raises(FormatError):
        hcl.set_value(text, "disable_checkpoint", True)


def test_new_document_is_one_attribute() -> None:
    assert hcl.new_document("disable_checkpoint", True) == "disable_checkpoint = true\n"


# --- property tests: random CLI configs ---------------------------------------------------------------------

NAMES = st.sampled_from(["disable_checkpoint", "disable_checkpoint_signature", "plugin_cache_dir", "x_y"])
STRINGS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10).filter(
    lambda s: "${" not in s and "%{" not in s
)
VALUES: st.SearchStrategy[Any] = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    STRINGS,
)
TRIVIA = st.sampled_from(["", "  # note", " // note", " /* c */"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["attribute", "attribute", "block", "comment", "blank"]))
        if kind == "attribute":
            pad = draw(st.sampled_from(["", "   "]))
            parts.append(f"{draw(NAMES)}{pad} = {hcl._literal(draw(VALUES))}{draw(TRIVIA)}")
        elif kind == "block":
            inner = f'  {draw(NAMES)} = {hcl._literal(draw(VALUES))}\n  note = "a }} brace"'
            parts.append(
                f'credentials "{draw(STRINGS).replace(chr(92), "").replace(chr(34), "")}" {{\n{inner}\n}}'
            )
        elif kind == "comment":
            parts.append(
                draw(st.sampled_from(["# c", "// disable_checkpoint = true", "/* x = 1\n y = 2 */"]))
            )
        else:
            parts.append("")
    return "\n".join(parts) + draw(st.sampled_from(["", "\n"]))


ALL_NAMES = ["disable_checkpoint", "disable_checkpoint_signature", "plugin_cache_dir", "x_y"]


def _snapshot(text: str) -> dict[str, Lookup]:
    return {name: hcl.read(text, name) for name in ALL_NAMES}


@settings(max_examples=150, deadline=None)
@given(documents(), NAMES, VALUES)
def test_property_set_holds_the_value_and_keeps_every_other_attribute(doc: str, key: str, value: Any) -> None:
    before = _snapshot(doc)
    written = hcl.set_value(doc, key, value)
    after = _snapshot(written)
    assert after[key].value == value and type(after[key].value) is type(value)
    assert {k: v.value for k, v in after.items() if k != key} == {
        k: v.value for k, v in before.items() if k != key
    }


@settings(max_examples=150, deadline=None)
@given(documents(), NAMES)
def test_property_remove_takes_the_attribute_out_and_only_it(doc: str, key: str) -> None:
    before = _snapshot(doc)
    after = _snapshot(hcl.remove(doc, key))
    assert not after[key].found
    assert {k: v.value for k, v in after.items() if k != key} == {
        k: v.value for k, v in before.items() if k != key
    }


@settings(max_examples=100, deadline=None)
@given(documents(), VALUES)
def test_property_a_new_attribute_set_then_removed_restores_the_text(doc: str, value: Any) -> None:
    assert hcl.remove(hcl.set_value(doc, "brand_new", value), "brand_new") == doc


def test_a_file_terraform_reads_as_json_is_refused() -> None:
    """HCL1 parses a file whose first character is '{' as JSON: not a file this editor can change."""
    with pytest.raises(FormatError, match="reads it as JSON") as caught:
        hcl.set_value('{\n  "disable_checkpoint": false\n}\n', "disable_checkpoint", True)
    assert caught.value.line == 1
