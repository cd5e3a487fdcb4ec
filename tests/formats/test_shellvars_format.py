"""The shellvars editor on popularity-contest.conf-style files, checked against the shells that source them.

popularity-contest's cron job sources the file with `sh`; whatever read() says, `sh` (dash here) and `bash`
must see the same value after `. FILE`, for the edited variable and for every other one.
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
from tracklight.formats import shellvars_format as sv

FIXTURES = Path(__file__).parent / "fixtures" / "shellvars"
CASES = [
    pytest.param(c, id=c["file"]) for c in tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["case"]
]
SHELLS = [shell for shell in ("sh", "bash") if shutil.which(shell)]


def _load(case: dict[str, Any]) -> tuple[bytes, str, Any]:
    raw = (FIXTURES / case["file"]).read_bytes()
    text, style = load_text(raw)
    return raw, text, style


def _shell_values(shell: str, path: Path, names: list[str]) -> dict[str, str | None]:
    """What the shell holds in each variable after sourcing the file (None when unset)."""
    script = '. "$1"\n' + "".join(
        f'if [ "${{{name}+set}}" = set ]; then printf "%s\\0" "${name}"; else printf "<unset>\\0"; fi\n'
        for name in names
    )
    result = subprocess.run(
        [shell, "-c", script, shell, str(path)],
        capture_output=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    values = result.stdout.decode("utf-8").split("\0")[:-1]
    return {name: (None if value == "<unset>" else value) for name, value in zip(names, values, strict=True)}


def _names(text: str) -> list[str]:
    return sorted(set(re.findall(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=", text, re.MULTILINE)))


def _readable(text: str, name: str) -> bool:
    """False for a variable read() refuses (a `. file` after its assignment may change it): no value to compare."""
    try:
        sv.read(text, name)
    except FormatError:
        return False
    return True


def _assert_shells_agree(path: Path, text: str, names: list[str]) -> None:
    names = [name for name in names if _readable(text, name)]
    ours = {name: (lookup.value if (lookup := sv.read(text, name)).found else None) for name in names}
    for shell in SHELLS:
        assert _shell_values(shell, path, names) == ours, shell


@pytest.mark.parametrize("case", CASES)
def test_read_gives_what_the_shell_sees(case: dict[str, Any]) -> None:
    _, text, _ = _load(case)
    expected = Lookup(True, case["value"], case["line"]) if "value" in case else Lookup(False)
    assert sv.read(text, case["key"]) == expected
    _assert_shells_agree(FIXTURES / case["file"], text, sorted(set(_names(text)) | {case["key"]}))


@pytest.mark.parametrize("case", CASES)
def test_setting_the_current_value_changes_no_byte(case: dict[str, Any]) -> None:
    raw, text, style = _load(case)
    if "value" in case:
        assert dump_text(sv.set_value(text, case["key"], case["value"]), style) == raw
    assert dump_text(sv.remove(text, "NO_SUCH_VARIABLE"), style) == raw


@pytest.mark.parametrize("case", CASES)
def test_opt_out_changes_only_that_variables_line_and_the_shell_sees_it(
    case: dict[str, Any], tmp_path: Path
) -> None:
    raw, text, style = _load(case)
    key, off = case["key"], case["off"]
    written = dump_text(sv.set_value(text, key, off), style)
    old_lines = raw.decode().split("\n")
    removed, added = changed_lines(raw, written)
    assert removed == ([old_lines[case["line"] - 1]] if "value" in case else [])
    assert len(added) == 1 and added[0].lstrip().startswith(f"{key}=")
    target = tmp_path / "popularity-contest.conf"
    target.write_bytes(written)
    after = load_text(written)[0]
    assert sv.read(after, key).value == off
    _assert_shells_agree(target, after, sorted(set(_names(text)) | {key}))


@pytest.mark.parametrize("case", CASES)
def test_a_new_variable_set_then_removed_gives_the_original_bytes(
    case: dict[str, Any], tmp_path: Path
) -> None:
    raw, text, style = _load(case)
    new_key = case["new_key"]
    with_key = sv.set_value(text, new_key, "root@example.org")
    assert with_key.endswith(f'{new_key}="root@example.org"\n')
    target = tmp_path / "conf"
    target.write_bytes(dump_text(with_key, style))
    _assert_shells_agree(target, with_key, sorted(set(_names(text)) | {new_key}))
    assert dump_text(sv.remove(with_key, new_key), style) == raw


def test_each_line_keeps_its_own_quoting() -> None:
    text = "A=yes\nB='yes'\nC=\"yes\"\nexport D=yes\n"
    assert sv.set_value(text, "A", "no") == "A=no\nB='yes'\nC=\"yes\"\nexport D=yes\n"
    assert sv.set_value(text, "B", "no") == "A=yes\nB='no'\nC=\"yes\"\nexport D=yes\n"
    assert sv.set_value(text, "C", "no") == "A=yes\nB='yes'\nC=\"no\"\nexport D=yes\n"
    assert sv.set_value(text, "D", "no") == "A=yes\nB='yes'\nC=\"yes\"\nexport D=no\n"


def test_a_value_its_style_cannot_hold_falls_back_to_escaped_double_quotes(tmp_path: Path) -> None:
    text = "A=yes\nB='yes'\n"
    written = sv.set_value(sv.set_value(text, "A", "two words"), "B", 'it\'s $HOME `x` \\ "q"')
    assert written == 'A="two words"\nB="it\'s \\$HOME \\`x\\` \\\\ \\"q\\""\n'
    target = tmp_path / "conf"
    target.write_text(written)
    _assert_shells_agree(target, written, ["A", "B"])


def test_command_substitution_on_the_keys_line_is_refused_with_its_line() -> None:
    text = 'PARTICIPATE="yes"\nMY_HOSTID=$(cat /etc/machine-id)\nUSEHTTP=`echo yes`\n'
    for key, line in (("MY_HOSTID", 2), ("USEHTTP", 3)):
        for edit in (sv.read, lambda text, key: sv.set_value(text, key, "x"), sv.remove):
            with pytest.raises(FormatError, match="not a plain assignment") as caught:
                edit(text, key)
            assert caught.value.line == line
    # The other lines are still editable.
    assert sv.set_value(text, "PARTICIPATE", "no").startswith('PARTICIPATE="no"\n')


@pytest.mark.parametrize("line", ["A=$HOME", 'A="$HOME/x"', "A=~/x", "A=x && B=1", "A=1 &", "export A=1 B"])
def test_assignments_that_need_the_shell_are_not_plain(line: str) -> None:
    with pytest.raises(FormatError, match="not a plain assignment"):
        sv.read(line + "\n", "A")


def test_a_prefix_assignment_is_not_an_assignment_of_the_shell(tmp_path: Path) -> None:
    text = "PARTICIPATE=yes true\n"  # sets PARTICIPATE only in the environment of `true`
    assert not sv.read(text, "PARTICIPATE").found
    target = tmp_path / "conf"
    target.write_text(text)
    _assert_shells_agree(target, text, ["PARTICIPATE"])


def test_remove_leaves_the_other_assignments_of_a_shared_line() -> None:
    assert sv.remove("A=1 B=2\nC=3\n", "A") == "B=2\nC=3\n"
    assert sv.remove("A=1; B=2 # c\n", "B") == "A=1; # c\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [('A=1\nB="open\nC=3\n', 2), ("A=1\n\nB='open\n", 3), ("cat <<EOF\nA=1\n", 1), ("A=$(echo\n", 1)],
)
def test_malformed_files_are_refused_with_the_line(text: str, line: int) -> None:
    with pytest.raises(FormatError) as caught:
        sv.read(text, "A")
    assert caught.value.line == line


@pytest.mark.parametrize("value", ["a\nb", "nul\0", "bell\a"])
def test_values_a_line_cannot_hold_are_refused(value: str) -> None:
    with pytest.raises(FormatError):
        sv.set_value("A=1\n", "A", value)


def test_new_document_uses_double_quotes() -> None:
    assert sv.new_document("PARTICIPATE", "no") == 'PARTICIPATE="no"\n'
    with pytest.raises(FormatError):
        sv.new_document("not-a-name", "no")


# --- property tests: random documents, compared with the real shell -----------------------------------------

NAMES = st.sampled_from(["PARTICIPATE", "MY_HOSTID", "USEHTTP", "DAY", "_x1"])
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10)


def _word(value: str, style: str) -> str:
    if style == "single" and "'" not in value:
        return f"'{value}'"
    if style == "bare" and re.fullmatch(r"[A-Za-z0-9_./:,+=@%-]*", value):
        return value
    return '"' + re.sub(r'([\\"$`])', r"\\\1", value) + '"'


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(["assign", "assign", "assign", "comment", "blank", "two", "command"]))
        if kind == "assign":
            export = draw(st.sampled_from(["", "", "export "]))
            word = _word(draw(VALUE), draw(st.sampled_from(["bare", "single", "double"])))
            comment = draw(st.sampled_from(["", "", "  # note", ";"]))
            lines.append(f"{draw(st.sampled_from(['', '  ', chr(9)]))}{export}{draw(NAMES)}={word}{comment}")
        elif kind == "two":
            lines.append(
                f"{draw(NAMES)}={_word(draw(VALUE), 'double')}; {draw(NAMES)}={_word(draw(VALUE), 'single')}"
            )
        elif kind == "comment":
            lines.append("# " + draw(VALUE).replace("\\", ""))
        elif kind == "blank":
            lines.append("")
        else:
            lines.append(": 'PARTICIPATE=inside a quoted argument'")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


ALL_NAMES = ["PARTICIPATE", "MY_HOSTID", "USEHTTP", "DAY", "_x1"]


def _snapshot(text: str) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in ALL_NAMES:
        lookup = sv.read(text, name)
        values[name] = str(lookup.value) if lookup.found else None
    return values


@settings(max_examples=120, deadline=None)
@given(documents(), NAMES, VALUE)
def test_property_set_holds_the_value_for_the_shell_and_keeps_the_rest(
    tmp_path_factory: pytest.TempPathFactory, doc: str, name: str, value: str
) -> None:
    before = _snapshot(doc)
    written = sv.set_value(doc, name, value)
    after = _snapshot(written)
    assert after[name] == value
    assert {k: v for k, v in after.items() if k != name} == {k: v for k, v in before.items() if k != name}
    target = tmp_path_factory.mktemp("sv") / "conf"
    target.write_text(written)
    _assert_shells_agree(target, written, ALL_NAMES)


@settings(max_examples=120, deadline=None)
@given(documents(), NAMES)
def test_property_remove_unsets_the_variable_and_keeps_the_rest(
    tmp_path_factory: pytest.TempPathFactory, doc: str, name: str
) -> None:
    before = _snapshot(doc)
    written = sv.remove(doc, name)
    after = _snapshot(written)
    assert after[name] is None
    assert {k: v for k, v in after.items() if k != name} == {k: v for k, v in before.items() if k != name}
    target = tmp_path_factory.mktemp("sv") / "conf"
    target.write_text(written)
    _assert_shells_agree(target, written, ALL_NAMES)
