"""`tracklight scan` and `tracklight show` as a person reads them: what the text says must match the state."""

from __future__ import annotations

from pathlib import Path

from tracklight.cli import main


def test_show_does_not_claim_the_default_applies_when_a_file_cannot_be_read(sandbox_home: Path, capsys) -> None:
    settings = sandbox_home / ".config/Code/User/settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"telemetry.telemetryLevel": "off",,}')
    assert main(["show", "vscode"]) == 0
    out = capsys.readouterr().out
    assert "state:     unknown" in out
    assert "default (on) applies" not in out
    assert "=> unknown:" in out and f"problem: {settings}:1:" in out


def test_show_says_the_default_applies_when_nothing_is_set(capsys) -> None:
    assert main(["show", "vscode"]) == 0
    out = capsys.readouterr().out
    assert "state:     on" in out and "=> nothing decides: the tool's default (on) applies" in out
