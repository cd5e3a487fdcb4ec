"""`tracklight tray`: start the tray app (Qt is imported only here)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tray", help="start the tray app (the default with no command)",
        description="Start the tray app. Qt's own options (-style NAME, -platform NAME, -reverse, …) are passed "
                    "to Qt, with or without the word tray: `tracklight -style fusion`.")
    parser.add_argument("--show-window", action="store_true", help="open the window at start")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracklight.ui.launch import run_tray

    return run_tray(show_window=args.show_window)
