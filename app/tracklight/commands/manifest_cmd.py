"""`tracklight manifest validate FILE…`: exit 0 when every file is a valid manifest; else file:line lines, exit 1."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("manifest", help="Telemetry Disclosure Manifest v1 tools")
    actions = parser.add_subparsers(dest="manifest_command", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check manifest files; print file:line: problem lines")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--catalog", action="store_true",
                          help="also require the catalog-only fields (sources, verified, tier_reason)")
    validate.set_defaults(func=run_validate)


def _looks_like_catalog(path: str) -> bool:
    return Path(path).resolve().parent.name == "catalog" and Path(path).resolve().parent.parent.name == "resources"


def run_validate(args: argparse.Namespace) -> int:
    from tracklight.core.manifest import load_manifest_file
    from tracklight.core.model import Source

    failed = False
    for path in args.files:
        source = Source.CATALOG if args.catalog or _looks_like_catalog(path) else Source.MANIFEST
        result = load_manifest_file(path, source)
        for problem in result.problems:
            failed = True
            print(f"{problem.path}:{problem.line if problem.line is not None else 1}: {problem.message}")
    return 1 if failed else 0
