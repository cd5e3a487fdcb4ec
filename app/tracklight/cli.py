"""`tracklight` — the command-line front for everything; with no command it starts the tray.

Each command group lives in tracklight.commands.<name> and registers its subparsers; heavy modules (Qt, httpx, the
format editors) are imported only by the command that needs them, so `tracklight scan` starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from tracklight import __version__

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    import argparse

# Command groups, in the order `tracklight --help` lists them.
COMMAND_MODULES = [
    "tracklight.commands.tray_cmd",
    "tracklight.commands.scan_cmd",
    "tracklight.commands.manifest_cmd",
    "tracklight.commands.changes_cmd",
    "tracklight.commands.admin_cmd",
    "tracklight.commands.catalog_cmd",
    "tracklight.commands.watch_cmd",
]

# Which module registers each command: a known command loads only its own module (the tray and `scan` start
# faster); anything else (--help, a typo) builds the full parser so argparse can list and suggest.
COMMAND_OWNERS = {
    "tray": "tracklight.commands.tray_cmd",
    "scan": "tracklight.commands.scan_cmd",
    "show": "tracklight.commands.scan_cmd",
    "manifest": "tracklight.commands.manifest_cmd",
    "optout": "tracklight.commands.changes_cmd",
    "optin": "tracklight.commands.changes_cmd",
    "undo": "tracklight.commands.changes_cmd",
    "history": "tracklight.commands.changes_cmd",
    "policy": "tracklight.commands.admin_cmd",
    "export": "tracklight.commands.admin_cmd",
    "catalog": "tracklight.commands.catalog_cmd",
    "watch": "tracklight.commands.watch_cmd",
}

NOT_TRAY_OPTIONS = frozenset({"-h", "--help", "--version"})
"""Options of `tracklight` itself; any other leading option is Qt's, for the tray (`tracklight -style fusion`)."""

EPILOG = """\
exit status: 0 success (problems found in files are reported, not fatal); 1 a command failed or an unknown tool id;
2 usage error.

Tracklight sends nothing anywhere; the network is used only for catalog/policy updates you or your admin turned on.
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser; with `only`, just the module that registers that command."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="tracklight",
        description="See which installed software tracks you, how much, and switch it off.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tracklight {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only else COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


SCAN_FLAGS = ("--all", "--json")
"""The options of `tracklight scan`, all flags: a command line of only these is read without argparse."""


def plain_scan_args(args_list: Sequence[str]) -> argparse.Namespace | None:
    """`tracklight scan [--all] [--json]` read without argparse, which with gettext, locale and its help formatter's
    shutil costs every start ~5 ms: it is what scripts and the benchmarks run. The same namespace argparse makes (a
    test checks every combination); None for anything else (--help, an abbreviation, a typo), which goes through
    the parser so usage and errors stay argparse's own."""
    rest = args_list[1:]
    if args_list[:1] != ["scan"] or len(set(rest)) != len(rest) or not set(rest) <= set(SCAN_FLAGS):
        return None
    from types import SimpleNamespace

    from tracklight.commands.scan_cmd import run_scan

    namespace = SimpleNamespace(command="scan", func=run_scan, **{f[2:]: f in rest for f in SCAN_FLAGS})
    return namespace  # type: ignore[return-value]  # read as the parser's: attributes only


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in NOT_TRAY_OPTIONS:
        args_list = ["tray", *args_list]  # `tracklight -style fusion`: Qt's options go to the tray
    if args_list[0] == "tray" and not set(args_list[1:]) & {"-h", "--help"}:
        # The tray is what most starts are (login, the app menu): straight to it, without argparse. Every option
        # but --show-window is Qt's own (-style, -platform, -reverse…): the QApplication takes them.
        from tracklight.ui.launch import run_tray

        rest = args_list[1:]
        return run_tray(show_window="--show-window" in rest, qt_args=[a for a in rest if a != "--show-window"])
    args = plain_scan_args(args_list)
    if args is None:
        parser = build_parser(COMMAND_OWNERS.get(args_list[0]))
        args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def main_gui() -> int:
    """Entry point for GUI launchers (no console on Windows): the tray."""
    return main(["tray"])


if __name__ == "__main__":
    sys.exit(main())
