"""git-config files: the line editor checked against git itself, on hand-picked files and random ones."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracklight.errors import FormatError
from tracklight.formats import dump_text, gitconfig_format, load_text, scalar_text

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HOMEBREW = '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/Homebrew/brew\n[homebrew]\n\tanalyticsmessage = true\n'


def git_entries(text: str, tmp_path: Path) -> dict[str, str]:
    """Every key and value as git reads the file (last occurrence wins), via `git config --list -z`."""
    path = tmp_path / "config"
    path.write_text(text, "utf-8", newline="")
    done = subprocess.run(
        ["git", "config", "-f", str(path), "--list", "-z"], check=False, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    entries: dict[str, str] = {}
    for entry in done.stdout.decode("utf-8").split("\0")[:-1]:
        key, _, value = entry.partition("\n")
        entries[key] = value
    return entries


@needs_git
def test_git_agrees_with_the_opt_out_homebrew_asks_for(tmp_path: Path) -> None:
    written = gitconfig_format.set_value(HOMEBREW, "homebrew.analyticsdisabled", True)
    assert written == HOMEBREW + "\tanalyticsdisabled = true\n"
    path = tmp_path / "config"
    path.write_text(written, "utf-8")
    done = subprocess.run(
        ["git", "config", "-f", str(path), "--get", "homebrew.analyticsdisabled"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.stdout == "true\n"


def test_names_ignore_case_but_subsections_do_not() -> None:
    assert gitconfig_format.read(HOMEBREW, "Remote.origin.URL").value == "https://github.com/Homebrew/brew"
    assert not gitconfig_format.read(HOMEBREW, "remote.Origin.url").found
    assert gitconfig_format.read("[Remote.Origin]\n\turl = x\n", "remote.origin.url").value == "x"


def test_quotes_escapes_comments_and_continuations_read_as_git_does() -> None:
    text = '[a]\n\tx = "two  spaces" ; comment\n\ty = one \\\n  two\n\tz\n\tw = say \\"hi\\"\\t# done\n'
    assert gitconfig_format.read(text, "a.x").value == "two  spaces"
    assert gitconfig_format.read(text, "a.y").value == "one   two"
    assert gitconfig_format.read(text, "a.z").value == ""
    assert gitconfig_format.read(text, "a.w").value == 'say "hi"\t'


def test_a_value_is_replaced_in_place_keeping_its_comment() -> None:
    text = "[homebrew]\n\tanalyticsdisabled = false # until I decide\n"
    assert gitconfig_format.set_value(text, "homebrew.analyticsdisabled", True) == (
        "[homebrew]\n\tanalyticsdisabled = true # until I decide\n"
    )
    bare = "[homebrew]\n\tanalyticsdisabled\n"
    assert gitconfig_format.set_value(bare, "homebrew.analyticsdisabled", "true") == (
        "[homebrew]\n\tanalyticsdisabled = true\n"
    )


def test_values_that_need_quoting_are_quoted() -> None:
    written = gitconfig_format.set_value("[a]\n", "a.b", ' lead; "q" \\ ')
    assert written == '[a]\n\tb = " lead; \\"q\\" \\\\ "\n'
    assert gitconfig_format.read(written, "a.b").value == ' lead; "q" \\ '


def test_missing_sections_are_appended_with_a_subsection_when_the_key_has_one() -> None:
    written = gitconfig_format.set_value(
        HOMEBREW, 'url."https://mirror.example/".insteadOf', "https://github.com/"
    )
    assert written == HOMEBREW + '[url "https://mirror.example/"]\n\tinsteadOf = https://github.com/\n'
    assert gitconfig_format.remove(written, 'url."https://mirror.example/".insteadOf') == HOMEBREW


def test_remove_takes_every_occurrence_and_keeps_a_section_with_a_comment() -> None:
    text = "[a]\n\tx = 1\n[b]\n\ty = 2\n[a]\n\t# keep me\n\tx = 3\n"
    assert gitconfig_format.remove(text, "a.x") == "[b]\n\ty = 2\n[a]\n\t# keep me\n"


def test_a_variable_on_its_header_line() -> None:
    text = "[core] editor = vim\n[user]\n\tname = X\n"
    assert gitconfig_format.read(text, "core.editor").value == "vim"
    assert gitconfig_format.set_value(text, "core.editor", "nano") == text.replace("vim", "nano")
    assert (
        gitconfig_format.set_value(text, "core.pager", "less")
        == "[core] editor = vim\n\tpager = less\n[user]\n\tname = X\n"
    )


def test_mixed_line_endings_keep_their_carriage_returns() -> None:
    data = b"[core]\r\n\tbare = false\n[homebrew]\r\n\tanalyticsmessage = true\r\n"
    text, style = load_text(data)
    after = dump_text(gitconfig_format.set_value(text, "homebrew.analyticsdisabled", True), style)
    assert after == data + b"\tanalyticsdisabled = true\r\n"


def test_a_variable_before_any_section_is_tolerated_like_git_does() -> None:
    text = "bare = false\n[core]\n\tbare = true\n"
    assert gitconfig_format.read(text, "core.bare").value == "true"
    assert gitconfig_format.remove(text, "core.bare") == "bare = false\n"


def test_new_document() -> None:
    assert gitconfig_format.new_document("homebrew.analyticsdisabled", True) == (
        "[homebrew]\n\tanalyticsdisabled = true\n"
    )


MALFORMED = [
    ('[core]\n\tbare = false\n[remote "origin\n\turl = x\n', 3),  # unterminated subsection
    ('[core]\n\tbare = "false\n', 2),  # unterminated quote
    ("[core]\n\tbare false\n", 2),  # no '='
    ("[core]\n\t2bare = 1\n", 2),  # name must start with a letter
    ("[core]\n\tbare = \\q\n", 2),  # unknown escape
    ("[co re]\n", 1),
]


@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_broken_config_is_an_error_on_the_right_line(text: str, line: int, tmp_path: Path) -> None:
    if shutil.which("git"):
        path = tmp_path / "config"
        path.write_text(text, "utf-8")
        # git's own message names the line; in English whatever the machine's locale (LANGUAGE outranks LC_ALL).
        english = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C"}
        done = subprocess.run(
            ["git", "config", "-f", str(path), "--list"], check=False, capture_output=True, text=True, env=english
        )
        assert done.returncode != 0 and f"line {line}" in done.stderr, done.stderr
    for operation in (
        lambda: gitconfig_format.read(text, "core.bare"),
        lambda: gitconfig_format.set_value(text, "core.bare", "true"),
        lambda: gitconfig_format.remove(text, "core.bare"),
    ):
        with pytest.raises(FormatError) as caught:
            operation()
        assert caught.value.line == line, caught.value


def test_a_long_file() -> None:
    text = "".join(
        f'[branch "feature-{i}"]\n\tremote = origin\n\tmerge = refs/heads/feature-{i}\n' for i in range(4000)
    )
    after = gitconfig_format.set_value(text, "branch.feature-3999.remote", "upstream")
    assert after == text.replace(
        "remote = origin\n\tmerge = refs/heads/feature-3999",
        "remote = upstream\n\tmerge = refs/heads/feature-3999",
    )
    assert (
        gitconfig_format.remove(
            gitconfig_format.set_value(text, "branch.feature-7.x", 1), "branch.feature-7.x"
        )
        == text
    )


# --- random files, checked against git -------------------------------------------------------------------------

SECTION = st.text(alphabet="abcz-0", min_size=1, max_size=5).filter(lambda s: s[0].isalpha())
SUBSECTION = st.one_of(st.none(), st.text(alphabet='ab .-"\\/é', min_size=1, max_size=5))
NAME = st.text(alphabet="abcxyz-0", min_size=1, max_size=5).filter(lambda s: s[0].isalpha())
VALUE = st.text(alphabet='ab z0#;"\\\t=é', max_size=8)
DOCUMENTS = st.lists(st.tuples(SECTION, SUBSECTION, st.lists(st.tuples(NAME, VALUE), max_size=4)), max_size=5)


def quote_value(value: str, rng: random.Random) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if rng.random() < 0.5 or value != value.strip(" ") or "#" in value or ";" in value or "  " in value:
        return f'"{escaped}"'
    return escaped


def render(document: list[tuple[str, str | None, list[tuple[str, str]]]], rng: random.Random) -> str:
    out = [rng.choice(["", "# top comment\n", "; another\n\n"])]
    for section, subsection, variables in document:
        if subsection is None:
            out.append(f"[{section}]")
        else:
            escaped = subsection.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'[{section} "{escaped}"]')
        out.append(rng.choice(["\n", " # header comment\n"]))
        indent = rng.choice(["\t", "    ", ""])
        for name, value in variables:
            if rng.random() < 0.15:
                out.append(f"{indent}{name}\n")
                continue
            comment = rng.choice(["", "", " ; note", " # note"])
            out.append(
                f"{indent}{name}{rng.choice([' = ', '=', ' =  '])}{quote_value(value, rng)}{comment}\n"
            )
    return "".join(out)


def key_for(section: str, subsection: str | None, name: str) -> str:
    if subsection is None:
        return f"{section}.{name}"
    return f'{section}."{subsection}".{name}' if "." in subsection else f"{section}.{subsection}.{name}"


def usable(subsection: str | None) -> bool:
    # A key segment cannot hold a double quote (split_key's quoting), nor be empty.
    return subsection is None or (
        '"' not in subsection and subsection.strip(".") == subsection and bool(subsection)
    )


@needs_git
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DOCUMENTS, SECTION, SUBSECTION, NAME, st.one_of(st.booleans(), st.integers(), VALUE), st.randoms())
def test_set_value_on_random_configs_agrees_with_git(
    tmp_path: Path,
    document: Any,
    section: str,
    subsection: str | None,
    name: str,
    value: Any,
    rng: random.Random,
) -> None:
    text = render(document, rng)
    before = git_entries(text, tmp_path)
    for key, expected in before.items():
        head, _, var = key.rpartition(".")
        sec, _, sub = head.partition(".")
        if usable(sub or None):
            assert gitconfig_format.read(text, key_for(sec, sub or None, var)).value == expected
    existing = [(s, sub, n) for s, sub, variables in document for n, _ in variables if usable(sub)]
    if existing and rng.random() < 0.6:
        section, subsection, name = rng.choice(existing)
    if not usable(subsection):
        subsection = None
    key = key_for(section, subsection, name)
    written = gitconfig_format.set_value(text, key, value)
    after = git_entries(written, tmp_path)
    git_key = _git_key(section, subsection, name)
    assert after.pop(git_key) == scalar_text(value)
    before.pop(git_key, None)
    assert after == before
    matching = [variables for s, sub, variables in document if (s, sub) == (section, subsection)]
    if not gitconfig_format.read(text, key).found and (not matching or matching[-1]):
        # (A section that existed with nothing in it would go with the removal: that case does not round-trip.)
        assert gitconfig_format.remove(written, key) == text


def _git_key(section: str, subsection: str | None, name: str) -> str:
    return section.lower() + ("" if subsection is None else "." + subsection) + "." + name.lower()


@needs_git
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DOCUMENTS, st.randoms())
def test_remove_on_random_configs_agrees_with_git(tmp_path: Path, document: Any, rng: random.Random) -> None:
    text = render(document, rng)
    existing = [(s, sub, n) for s, sub, variables in document for n, _ in variables if usable(sub)]
    if not existing:
        return
    section, subsection, name = rng.choice(existing)
    before = git_entries(text, tmp_path)
    removed = gitconfig_format.remove(text, key_for(section, subsection, name))
    before.pop(_git_key(section, subsection, name))
    assert git_entries(removed, tmp_path) == before
