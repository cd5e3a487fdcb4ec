"""The fixture corpus of the json, jsonc, toml, yaml, ini and gitconfig editors, run through the user's story.

Each folder tests/formats/fixtures/<format>/ holds realistic preference files and a cases.toml naming, per file, the
key a catalog control would use, the value reading it must give, the value that opts out, and a key the file lacks.
For every file: reading gives the value; setting a key to the value it has leaves the bytes alone; opting out changes
only that key's lines; setting then removing a new key gives the original bytes back; and every result parses with
the format's own strict parser (json, tomllib, ruamel safe loader, configparser, git) and holds what was written.
"""

from __future__ import annotations

import configparser
import difflib
import io
import json
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reference_parsers import strip_jsonc

from tracklight import formats
from tracklight.formats import dump_text, load_text, scalar_text, split_key

FIXTURES = Path(__file__).parent / "fixtures"
FORMAT_NAMES = ("json", "jsonc", "toml", "yaml", "ini", "gitconfig")
ABSENT = object()


def _cases() -> list[Any]:
    params = []
    for name in FORMAT_NAMES:
        table = FIXTURES / name / "cases.toml"
        if not table.exists():
            continue
        for case in tomllib.loads(table.read_text("utf-8"))["case"]:
            params.append(pytest.param(name, case, id=f"{name}/{case['file']}"))
    return params


CASES = _cases()


# --- independent strict parsers: each returns a function key -> value (ABSENT when missing) ---------------------


def _nested_lookup(data: Any, key: str) -> Any:
    for segment in split_key(key):
        if not isinstance(data, dict) or segment not in data:
            return ABSENT
        data = data[segment]
    return data




def _git_lookup(text: str, tmp_path: Path) -> Callable[[str], Any]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path / "gitconfig-under-test"
    path.write_text(text, "utf-8")
    # A parse error shows up as git's own non-zero exit with "bad config line".
    check = subprocess.run(
        ["git", "config", "-f", str(path), "--list"], check=False, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr

    def lookup(key: str) -> Any:
        done = subprocess.run(
            ["git", "config", "-f", str(path), "--get", key], check=False, capture_output=True, text=True
        )
        return done.stdout[:-1] if done.returncode == 0 else ABSENT

    return lookup


def strict_lookup(fmt: str, text: str, tmp_path: Path) -> Callable[[str], Any]:
    """Parse `text` with the format's reference parser; return a key lookup over the result."""
    if fmt == "json":
        data = json.loads(text)
        return lambda key: _nested_lookup(data, key)
    if fmt == "jsonc":
        data = json.loads(strip_jsonc(text))
        return lambda key: _nested_lookup(data, key)
    if fmt == "toml":
        data = tomllib.loads(text)
        return lambda key: _nested_lookup(data, key)
    if fmt == "yaml":
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(io.StringIO(text))
        return lambda key: _nested_lookup(data, key)
    if fmt == "ini":
        parser = configparser.RawConfigParser(strict=False)
        parser.read_string(text)

        def ini_lookup(key: str) -> Any:
            *section, option = split_key(key)
            name = ".".join(section)
            return parser.get(name, option) if parser.has_option(name, option) else ABSENT

        return ini_lookup
    if fmt == "gitconfig":
        return _git_lookup(text, tmp_path)
    raise AssertionError(fmt)


def expected_text(fmt: str, value: Any) -> Any:
    """What the reference parser shows for a written value: untyped formats hold text."""
    return scalar_text(value) if fmt in ("ini", "gitconfig") else value


def fixture_text(fmt: str, case: dict[str, Any]) -> tuple[bytes, str, formats.TextStyle]:
    data = (FIXTURES / fmt / case["file"]).read_bytes()
    text, style = load_text(data)
    return data, text, style


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines taken out and put in going from before to after."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    removed: list[str] = []
    added: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


def _is_stretch_cut(new: str, old: str) -> bool:
    """Whether `new` is `old` with one contiguous stretch of text taken out."""
    if len(new) >= len(old):
        return False
    prefix = 0
    while prefix < len(new) and new[prefix] == old[prefix]:
        prefix += 1
    return new[prefix:] == old[len(old) - (len(new) - prefix) :]


def _is_comma_added(old: str, new: str) -> bool:
    return len(new) == len(old) + 1 and any(new == old[:k] + "," + old[k:] for k in range(len(old) + 1))


# --- the tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_read_gives_the_value_the_tool_sees(fmt: str, case: dict[str, Any]) -> None:
    _, text, _ = fixture_text(fmt, case)
    lookup = formats.get(fmt).read(text, case["key"])
    if "expected" in case:
        assert lookup.found and lookup.value == case["expected"]
        assert type(lookup.value) is type(case["expected"])
        assert lookup.line is not None and 1 <= lookup.line <= text.count("\n") + 1
    else:
        assert not lookup.found


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_setting_the_value_it_already_has_keeps_every_byte(fmt: str, case: dict[str, Any]) -> None:
    module = formats.get(fmt)
    data, text, style = fixture_text(fmt, case)
    if "expected" in case:
        assert dump_text(module.set_value(text, case["key"], case["expected"]), style) == data
    opted_out = module.set_value(text, case["key"], case["off"])
    assert module.set_value(opted_out, case["key"], case["off"]) == opted_out


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_opting_out_changes_only_the_lines_of_that_key(
    fmt: str, case: dict[str, Any], tmp_path: Path
) -> None:
    module = formats.get(fmt)
    data, text, style = fixture_text(fmt, case)
    after = dump_text(module.set_value(text, case["key"], case["off"]), style)
    assert after.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    before_text, after_text = data.decode("utf-8"), after.decode("utf-8")
    removed, added = changed_lines(before_text, after_text)
    name = split_key(case["key"])[-1].casefold()
    if "expected" in case:
        assert len(removed) == len(added) == case.get("changed", 1), (removed, added)
        assert all(name in line.casefold() for line in removed + added), (removed, added)
    else:
        # A new key: its line (plus its section header where a format needs one, as cases.toml says), and at
        # most a comma added to the line before it.
        fixed = [(r, a) for r in removed for a in added if _is_comma_added(r, a)]
        assert len(fixed) == len(removed), (removed, added)
        fresh = [a for a in added if all(a != pair[1] for pair in fixed)]
        assert len(fresh) == case.get("added", 1), fresh
        assert any(name in line.casefold() for line in fresh)
    if "\r\n" in before_text:
        assert after_text.count("\r\n") == after_text.count("\n")
    got = strict_lookup(fmt, after_text.removeprefix("\ufeff"), tmp_path)(case["key"])
    assert got == expected_text(fmt, case["off"])


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_set_then_remove_of_a_new_key_gives_the_original_bytes(
    fmt: str, case: dict[str, Any], tmp_path: Path
) -> None:
    module = formats.get(fmt)
    data, text, style = fixture_text(fmt, case)
    assert not module.read(text, case["new_key"]).found
    with_probe = module.set_value(text, case["new_key"], "probe value")
    lookup = strict_lookup(fmt, with_probe, tmp_path)
    assert lookup(case["new_key"]) == "probe value"
    if "expected" in case:
        assert lookup(case["key"]) == expected_text(fmt, case["expected"])
    assert module.read(with_probe, case["new_key"]).value == "probe value"
    assert dump_text(module.remove(with_probe, case["new_key"]), style) == data


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_removing_the_key_takes_it_out_and_nothing_else(
    fmt: str, case: dict[str, Any], tmp_path: Path
) -> None:
    module = formats.get(fmt)
    _, text, _ = fixture_text(fmt, case)
    removed = module.remove(text, case["key"])
    if "expected" not in case:
        assert removed == text
        return
    assert not module.read(removed, case["key"]).found
    assert strict_lookup(fmt, removed, tmp_path)(case["key"]) is ABSENT
    assert strict_lookup(fmt, removed, tmp_path)(case["new_key"]) is ABSENT
    gone, put_in = changed_lines(text, removed)
    name = split_key(case["key"])[-1].casefold()
    # What goes is the key's own line(s); what comes back is at most a line that lost one stretch of text (the
    # comma before the key, or the key itself in a one-line document), or a parent left as an empty mapping.
    assert any(name in line.casefold() for line in gone), gone
    for line in put_in:
        assert any(_is_stretch_cut(line, old) for old in gone) or line.rstrip().endswith("{}"), (gone, put_in)
