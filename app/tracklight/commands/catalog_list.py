"""`tracklight catalog list [--json | --markdown]`: the catalog in force (update first, then built-in), browsable."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def add_list_action(actions: Any) -> None:
    listing = actions.add_parser("list", help="every tool in the catalog: id, name, tier, default, how to opt out")
    style = listing.add_mutually_exclusive_group()
    style.add_argument("--json", action="store_true", help="machine-readable output")
    style.add_argument("--markdown", action="store_true", help="the Markdown table of resources/catalog/CATALOG.md")
    listing.add_argument("--builtin", action="store_true", help="only the built-in catalog, not an installed update")
    listing.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    from tracklight.core import locations
    from tracklight.core.catalog import load_catalog, load_catalog_folder
    from tracklight.core.listing import catalog_rows, render_json, render_markdown, render_text
    from tracklight.core.model import Problem
    from tracklight.resources import catalog_path

    env = dict(os.environ)
    os_ = locations.current_os()
    ignored: list[Problem] = []
    results = load_catalog_folder(catalog_path()) if args.builtin else load_catalog(os_, env, ignored=ignored)
    for problem in ignored:
        print(f"tracklight: {problem}", file=sys.stderr)
    tools = {}
    for result in results:
        if result.tool is not None and result.tool.id not in tools:
            tools[result.tool.id] = result.tool
    rows = catalog_rows(tools.values())
    render = render_json if args.json else render_markdown if args.markdown else render_text
    sys.stdout.write(render(rows))
    return 0
