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


def test_scan_read_without_argparse_means_what_argparse_reads() -> None:
    """`scan [--all] [--json]` skips the parser (a faster start): same namespace as argparse's, in any order; any
    other command line (help, abbreviation, repeat, another command) goes to the parser."""
    from itertools import permutations

    from tracklight.cli import SCAN_FLAGS, build_parser, plain_scan_args

    parser = build_parser("tracklight.commands.scan_cmd")
    for size in range(len(SCAN_FLAGS) + 1):
        for flags in permutations(SCAN_FLAGS, size):
            argv = ["scan", *flags]
            assert vars(plain_scan_args(argv)) == vars(parser.parse_args(argv)), argv
    for argv in (["scan", "--help"], ["scan", "--js"], ["scan", "--json", "--json"], ["scan", "x"], ["show", "x"],
                 ["optout", "--all"], []):
        assert plain_scan_args(argv) is None, argv


def test_a_scan_loads_no_parser_typing_or_openssl() -> None:
    """What a `tracklight scan --json` start does not pay for (issue 14's start-up target): argparse with gettext,
    locale and shutil, typing, and hashlib's OpenSSL for the parser's key (a file's digest, needed only when an
    entry's time changed, may still load it)."""
    import subprocess
    import sys

    code = ("import sys, io, contextlib\nfrom tracklight.core.catalog_index import parser_key\nparser_key()\n"
            "print(','.join(m for m in ('_hashlib',) if m in sys.modules))\n"
            "from tracklight.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['scan', '--json'])\n"
            "print(','.join(m for m in ('argparse', 'typing', 'shutil') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
