"""`tracklight catalog prove` (`make prove`): ask the real tools whether Tracklight's opt-out works, and record it.

See resources/catalog/oracles/README.md for the oracle files and resources/manifest/SPEC.md for the records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any


def add_prove_action(actions: Any) -> None:
    prove = actions.add_parser(
        "prove", help="run the execution oracles: install each tool, opt out, ask the tool itself, record the result",
        description="For each oracle in the catalog's oracles/ folder: install the pinned package into a cache, "
                    "then in a sandbox home, offline, ask the tool: on before, off after `tracklight optout`, on "
                    "again after `tracklight undo`. Prints a table and writes each result into its entry's "
                    "[[proofs]] (method = \"run\").")
    _add_common_arguments(prove, latest="install the newest releases instead of the pinned ones, to catch a tool "
                                        "that changed (records nothing)",
                          jobs="runs at a time", cache="where packages are installed")
    prove.add_argument("--ci", action="store_true", help="only the oracles marked ci = true (the CI subset)")
    prove.add_argument("--check", action="store_true",
                       help="record nothing; exit 1 when a result differs from the recorded one (CI)")
    prove.add_argument("--budget", type=float, metavar="SECONDS", help="start no new run after this long")
    prove.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                       help="the date written into the records (default: today)")
    prove.add_argument("--keep", action="store_true", help="keep the sandbox homes, to look into an oracle")
    prove.add_argument("--allow-network", action="store_true",
                       help="run the tools with network access where no network namespace can be made")
    prove.set_defaults(func=run_prove)


def _add_common_arguments(parser: Any, latest: str, jobs: str, cache: str) -> None:
    """The arguments `prove` and `quotes` share: which entries, which releases, how many at a time, where."""
    parser.add_argument("ids", nargs="*", metavar="ID", help="only these entries (also: --only a,b)")
    parser.add_argument("--only", action="append", default=[], metavar="ID,ID", help="only these entries")
    parser.add_argument("--latest", action="store_true", help=latest)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, metavar="N", help=jobs)
    parser.add_argument("--cache", metavar="DIR",
                        help=f"{cache} (default $TRACKLIGHT_PROVE_CACHE or ~/.cache/tracklight-prove)")
    parser.add_argument("--catalog", metavar="DIR", help="the catalog folder (default: the built-in catalog)")


def add_quotes_action(actions: Any) -> None:
    quotes = actions.add_parser(
        "quotes", help="re-read the source proofs that cite a released package: download it, check each quote is "
                       "at its line",
        description="For each source proof with `package` and `file`: download that release (pip download, npm "
                    "pack, apt-get download; never installed) into the cache, unpack it, and check that the proof's "
                    "quote is at the cited line. Exit 1 when a quote is elsewhere or missing, 2 when the rest hold but a "
                    "package could not be downloaded.")
    _add_common_arguments(quotes, latest="read the newest releases instead of the pinned ones: a quote no longer "
                                         "there is code that changed since the proof",
                          jobs="downloads at a time", cache="where packages are unpacked")
    quotes.set_defaults(func=run_quotes)


def run_quotes(args: argparse.Namespace) -> int:
    from tracklight.commands.proving.install import default_cache
    from tracklight.commands.proving.quotes import PackageFiles, check_quotes, quote_targets, render_report
    from tracklight.commands.proving.runner import parse_only
    from tracklight.resources import catalog_dir

    env = dict(os.environ)
    catalog = Path(args.catalog) if args.catalog else catalog_dir()
    targets = quote_targets(catalog, parse_only([*args.ids, *args.only]) or ())
    files = PackageFiles(Path(args.cache) if args.cache else default_cache(env), env)
    report = check_quotes(targets, files, latest=args.latest, jobs=args.jobs,
                          log=lambda line: print(line, file=sys.stderr, flush=True))
    sys.stdout.write(render_report(report))
    return report.exit_code


def add_audit_action(actions: Any) -> None:
    audit = actions.add_parser("audit", help="the proof report (resources/catalog/AUDIT.md): counts by method, "
                                             "failed and missing proofs, every entry changed and why")
    audit.add_argument("--catalog", metavar="DIR", help="the catalog folder (default: the built-in catalog)")
    audit.set_defaults(func=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    from tracklight.commands.proving.record import audit_report
    from tracklight.errors import TracklightError
    from tracklight.resources import catalog_dir

    try:
        sys.stdout.write(audit_report(Path(args.catalog) if args.catalog else catalog_dir()))
    except TracklightError as exc:
        print(f"tracklight: {exc}", file=sys.stderr)
        return 1
    return 0


def run_prove(args: argparse.Namespace) -> int:
    from tracklight.commands.proving.install import default_cache
    from tracklight.commands.proving.runner import ProveOptions, parse_only, prove, render_table
    from tracklight.errors import TracklightError
    from tracklight.resources import catalog_dir

    env = dict(os.environ)
    options = ProveOptions(
        catalog=Path(args.catalog) if args.catalog else catalog_dir(),
        cache=Path(args.cache) if args.cache else default_cache(env),
        date=args.date or dt.date.today(),  # the one clock read: tests pass --date
        only=parse_only([*args.ids, *args.only]), ci=args.ci, latest=args.latest, check=args.check,
        jobs=args.jobs, budget=args.budget, keep=args.keep, allow_network=args.allow_network, install_env=env,
    )
    try:
        report = prove(options, log=lambda line: print(line, file=sys.stderr, flush=True))
    except TracklightError as exc:
        print(f"tracklight: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render_table(report))
    return 0 if report.ok else 1
