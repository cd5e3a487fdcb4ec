"""The literal `name=value` reader agrees with the two tools that read their files literally.

Dart counts only lines matching `^reporting=([0|1]) *$`; Homebrew exports each `HOMEBREW_` line as it stands
(`read -r line; export "$line"`, run here in bash). The lenient `keyvalue` reader takes `reporting = 0` or
`reporting="0"` for an opt-out, which Dart ignores; this reader must not.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklight.formats import Lookup
from tracklight.formats import keyvalue_exact_format as exact
from tracklight.formats import keyvalue_format as lenient

DART_FLAG = re.compile(r"^reporting=([0|1]) *$", re.MULTILINE)  # dart-lang/tools unified_analytics 8.0.17
BREW_LOADER = r"""
while [[ -z "${eof:-}" ]]; do
  read -r line || eof=1
  [[ "$line" = "HOMEBREW_"* ]] || continue
  export "$line" 2>/dev/null
done < "$1"
printf '%s' "${!2-<unset>}"
"""  # Homebrew/brew bin/brew export_homebrew_env_file


def _dart_reports(text: str) -> bool:
    """Dart's parseConfig: on unless some counted line says 0."""
    return "0" not in [m.group(1) for m in DART_FLAG.finditer(text)]


def _brew_value(path: Path, key: str) -> str | None:
    bash = shutil.which("bash")
    assert bash is not None
    out = subprocess.run([bash, "-c", BREW_LOADER, "brew-loader", str(path), key], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"}).stdout
    return None if out == "<unset>" else out


@pytest.mark.parametrize("line", ["reporting = 0", "reporting =0", "reporting= 0", "reporting='0'",
                                  'reporting="0"', " reporting=0", "\treporting=0", "reporting=00"])
def test_spellings_dart_ignores_are_not_read_as_its_opt_out(line: str) -> None:
    text = f"# Dart\n{line}\n"
    assert _dart_reports(text)  # Dart still sends
    assert lenient.read(text, "reporting").value == "0" or line == "reporting=00"  # what the lenient reader saw
    assert exact.read(text, "reporting").value != "0"


def test_the_exact_line_is_read_with_trailing_spaces_dropped() -> None:
    text = "# Dart\nreporting=0   \nflutter-tool=2026-01-01,1\n"
    assert not _dart_reports(text)
    assert exact.read(text, "reporting") == Lookup(True, "0", 2)


def test_opt_out_beside_a_spelling_dart_ignores_adds_the_line_dart_reads() -> None:
    text = "reporting = 0\nflutter-tool=2026-01-01,1\n"
    written = exact.set_value(text, "reporting", "0")
    assert written == "reporting = 0\nflutter-tool=2026-01-01,1\nreporting=0\n"
    assert not _dart_reports(written)
    assert exact.read(written, "reporting") == Lookup(True, "0", 3)
    assert exact.remove(written, "reporting") == text


def test_opt_out_rewrites_the_counted_line_and_nothing_else() -> None:
    text = "# a comment\nreporting=1\n# Dart-tools that have run.\ndart-tool=2026-01-01,1\n"
    assert exact.set_value(text, "reporting", "0") == text.replace("reporting=1", "reporting=0")
    assert exact.set_value(text, "reporting", "1") == text  # already there: no byte changes


def test_quotes_are_part_of_the_value_as_homebrew_exports_them(tmp_path: Path) -> None:
    path = tmp_path / "brew.env"
    path.write_text('HOMEBREW_NO_ANALYTICS=""\n', "utf-8")
    assert _brew_value(path, "HOMEBREW_NO_ANALYTICS") == '""'
    assert exact.read(path.read_text("utf-8"), "HOMEBREW_NO_ANALYTICS").value == '""'


# --- property tests: random lines, each tool's own reading --------------------------------------------------

PAD = st.sampled_from(["", "", " ", "\t", "  "])
VALUE = st.sampled_from(["0", "1", "", "00", "true", '"0"', "'1'", "0 # off", "yes"])


@st.composite
def lines_of(draw: st.DrawFn, key: str) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["pair", "pair", "pair", "comment", "other"]))
        if kind == "pair":
            lead, before, after = draw(PAD), draw(PAD), draw(PAD)
            trail = draw(st.sampled_from(["", " ", "  "]))
            lines.append(f"{lead}{key}{before}={after}{draw(VALUE)}{trail}")
        elif kind == "comment":
            lines.append(f"# {key}=0")
        else:
            lines.append("other-tool=2026-01-01,1")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(lines_of("reporting"))
def test_property_read_as_off_only_when_dart_is_off(text: str) -> None:
    counted = DART_FLAG.findall(text)
    if len(counted) > 1:
        return  # Dart's rule for several lines (any 0 wins) is stricter than the last line; see the module
    read_off = exact.read(text, "reporting").value == "0"
    assert read_off == (not _dart_reports(text))


@settings(max_examples=40, deadline=None)
@given(text=lines_of("HOMEBREW_NO_ANALYTICS"))
def test_property_homebrew_sees_what_the_reader_reads(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("brew") / "brew.env"
    path.write_text(text, "utf-8")
    brew = _brew_value(path, "HOMEBREW_NO_ANALYTICS")
    found = exact.read(text, "HOMEBREW_NO_ANALYTICS")
    if found.found:
        # the last counted line is the last export; an indented line after it would win in Homebrew
        last_counted = found.line
        indented_later = [n for n, line in enumerate(text.split("\n"), 1)
                          if n > (last_counted or 0) and line[:1] in (" ", "\t")
                          and line.lstrip().startswith("HOMEBREW_NO_ANALYTICS=")]
        if not indented_later:
            # Homebrew's read drops trailing tabs too; this reader keeps them (Dart counts no line ending in one)
            assert brew == (found.value or "").rstrip("\t ")
    else:
        # nothing counted: Homebrew sees a value only from an indented line, which this reader skips on purpose
        indented = [line for line in text.split("\n") if line[:1] in (" ", "\t")
                    and line.lstrip().startswith("HOMEBREW_NO_ANALYTICS=")]
        if not indented:
            assert brew is None
