"""Broken manifests hide nothing: a tool whose own manifest has an error stays in the list as unknown, with its
problems; a file too broken to name a tool is shown above the tabs with its file and line, and a way to open it."""

from __future__ import annotations

from pathlib import Path

from tracklight.core.model import State

from .conftest import Desk

BAD_TIER = """\
manifest_version = 1
id = "acme-cli"
name = "Acme CLI"
vendor = "Acme Inc."
[telemetry]
tier = "sometimes"
default = "on"
"""


def _manifests(home: Path) -> Path:
    folder = home / ".local" / "share" / "telemetry-disclosures"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_tool_whose_manifest_has_an_error_stays_in_the_list_with_its_problem(qtbot, make_app, desk: Desk) -> None:
    (_manifests(desk.home) / "acme-cli.toml").write_text(BAD_TIER)
    app = make_app(show_window=True, watch=False)
    report = app.scanner.snapshot.get("acme-cli")
    assert report is not None and report.installed and report.state is State.UNKNOWN
    assert app.window.show_tool("acme-cli")  # listed among the installed tools, not filtered out
    details = app.window.tools.details
    text = details.text.toPlainText()
    assert "acme-cli.toml:6" in text and "sometimes" in text


def test_a_manifest_too_broken_to_name_a_tool_is_shown_with_its_file(qtbot, make_app, desk: Desk) -> None:
    garbage = _manifests(desk.home) / "garbage.toml"
    garbage.write_text("this is = = not toml [")
    app = make_app(show_window=True, watch=False)
    opened: list[str] = []
    app.file_opener = opened.append
    bar = app.window.problems_bar
    assert bar.isVisibleTo(app.window)
    assert "~/.local/share/telemetry-disclosures/garbage.toml, line 1: not valid TOML" in bar.body.text()
    bar.button("Open garbage.toml").click()
    assert opened == [str(garbage)]
