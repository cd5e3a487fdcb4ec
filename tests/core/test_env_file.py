"""Tracklight's env files mean the same to every reader: bash and dash source env.sh, systemd reads environment.d.

Each value is rendered by core.env_file, then read back three ways: by the module's own parser (what the scan
uses), by the real shells sourcing the file, and by systemd's own environment.d generator (what a graphical
session gets). They must all agree with the value that was written.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracklight.core import env_file
from tracklight.core.write_rules import env_name_refusal
from tracklight.errors import FormatError

GENERATOR = Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator")

VALUES = {
    "TL_PLAIN": "1",
    "TL_WORD": "off",
    "TL_SEMICOLON": "x;y",
    "TL_SPACE": "a b",
    "TL_DATE": "2026-11-30",
    "TL_ADDRESS": "https://telemetry.example/a?b=c&d=e",
    "TL_STAR": "*",
    "TL_HASH": "#not-a-comment",
    "TL_EQUALS": "a=b",
    "TL_TILDE": "~/x",
    "TL_BRACES": "{a,b}",
    "TL_PIPE": "a|b>c<d",
    "TL_ACCENT": "café",
    "TL_LEADING_SPACE": " x ",
}

# What a value may hold: anything printable but the characters validate refuses.
ALLOWED = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"), blacklist_characters="\"'`$\\")


def source_with(shell: str, script: Path, names: list[str]) -> dict[str, str]:
    """What `shell` sees after sourcing `script`: each variable printed NUL-separated."""
    printing = "".join(f' "${{{name}-UNSET}}"' for name in names)
    done = subprocess.run([shell, "-c", f". {shlex.quote(str(script))}; printf '%s\\0'{printing}"],
                          check=False, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    return dict(zip(names, done.stdout.decode("utf-8").split("\0")[:-1], strict=True))


def systemd_reads(config_home: Path) -> dict[str, str]:
    """The environment systemd's own environment.d generator builds from `config_home`/environment.d/."""
    done = subprocess.run([str(GENERATOR)], check=False, capture_output=True, text=True, timeout=30,
                          env={"HOME": str(config_home), "XDG_CONFIG_HOME": str(config_home)})
    assert done.returncode == 0, done.stderr
    found = {}
    for line in done.stdout.splitlines():
        word = shlex.split(line)[0]  # the generator prints NAME=value, quoting the value when it must
        name, _, value = word.partition("=")
        found[name] = value
    return found


@pytest.mark.parametrize("shell", ["bash", "dash"])
def test_bash_and_dash_read_every_value_of_env_sh_as_written(tmp_path: Path, shell: str) -> None:
    assert shutil.which(shell), f"{shell} is part of every Debian system"
    script = tmp_path / "env.sh"
    script.write_text(env_file.render_sh(VALUES, ["header"]), encoding="utf-8")
    assert source_with(shell, script, list(VALUES)) == VALUES
    assert env_file.parse_sh(script.read_text(encoding="utf-8")) == VALUES


def test_systemd_reads_every_value_of_the_environment_d_file_as_written(tmp_path: Path) -> None:
    assert GENERATOR.exists(), "systemd's environment.d generator (the systemd package) is needed"
    folder = tmp_path / "environment.d"
    folder.mkdir()
    text = env_file.render_environment_d(VALUES, ["header"])
    (folder / "60-tracklight.conf").write_text(text, encoding="utf-8")
    read = systemd_reads(tmp_path)
    assert {name: read.get(name) for name in VALUES} == VALUES
    assert env_file.parse_environment_d(text) == VALUES


def test_user_and_system_scope_quote_alike() -> None:
    """One renderer: the same value looks the same in ~/.config and /etc (`x;y` was quoted by one, not the other)."""
    rendered = env_file.render_environment_d([("TL_SEMICOLON", "x;y", "some-tool")], ["system header"])
    assert rendered == '# system header\n# some-tool\nTL_SEMICOLON="x;y"\n'
    assert env_file.render_environment_d({"TL_SEMICOLON": "x;y"}).endswith('TL_SEMICOLON="x;y"\n')
    assert env_file.render_sh({"A": "a b", "B": "1"}) == "export A='a b'\nexport B=1\n"  # shlex.quote's form


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.from_regex(r"TL_[A-Z0-9_]{1,8}", fullmatch=True), st.text(ALLOWED, min_size=1, max_size=20),
                       max_size=6))
def test_any_allowed_value_round_trips_through_every_format(values: dict[str, str]) -> None:
    # Names on the never-list (TL_CA, TL_PATH: a word of them changes how programs load) are refused by the writer,
    # which another test checks; here only names Tracklight may set.
    assume(all(env_name_refusal(name, from_catalog=True) is None for name in values))
    assert env_file.parse_environment_d(env_file.render_environment_d(values)) == values
    assert env_file.parse_sh(env_file.render_sh(values)) == values


@settings(max_examples=40, deadline=None)
@given(st.text(ALLOWED, min_size=1, max_size=12))
def test_dash_agrees_with_the_parser_on_any_allowed_value(tmp_path_factory: pytest.TempPathFactory,
                                                          value: str) -> None:
    script = tmp_path_factory.mktemp("sh") / "env.sh"
    script.write_text(env_file.render_sh({"TL_VALUE": value}), encoding="utf-8")
    assert source_with("dash", script, ["TL_VALUE"]) == {"TL_VALUE": value}


@pytest.mark.parametrize("value", [
    "", "a\nb", "a\rb", "a\x00b", "a\u2028b", "a\u2029b", "a\x85b", "$(id)", "`id`", "a'b", 'a"b', "a\\nb", "\x1b[31m",
])
def test_values_any_reader_would_take_for_code_or_a_new_line_are_refused(value: str) -> None:
    with pytest.raises(FormatError):
        env_file.render_sh({"TL_VALUE": value})
    with pytest.raises(FormatError):
        env_file.validate("TL_VALUE", value)


def test_a_line_separator_inside_a_file_does_not_start_a_new_assignment() -> None:
    """Read back as shells and systemd do: only "\\n" ends a line (str.splitlines would also split at U+2028)."""
    text = 'TL_A="x\u2028TL_B=1"\n'
    assert env_file.parse_environment_d(text) == {"TL_A": "x\u2028TL_B=1"}
    assert "TL_B" not in env_file.parse_sh("export TL_A='x\u2028TL_B=1'\n")


@pytest.mark.parametrize("name", ["1A", "A-B", "A B", "", "É"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(FormatError):
        env_file.validate(name, "1")
