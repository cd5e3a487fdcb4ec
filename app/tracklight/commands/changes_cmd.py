"""`tracklight optout`, `optin`, `undo` and `history`: one-click opt-out from the command line.

Exit status: 0 done (or nothing to do); 1 an unknown tool id, a tool that could not be changed (the others are still
done; each failure names its file and line), a conflict or a refused undo; 2 a usage error (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tracklight.errors import TracklightError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "optout", help="switch tools' telemetry off (ID… or --all); --dry-run shows the diffs",
        description="Write each tool's own opt-out (its preference file, or an environment variable where that is "
                    "its only control). Every change is journaled: `tracklight undo` reverts it byte for byte.")
    parser.add_argument("ids", nargs="*", metavar="ID", help="tool ids (see `tracklight scan`)")
    parser.add_argument("--all", action="store_true",
                        help="every installed tool that tracks you (sending now, counting on disk, or asking on "
                             "first use: its \"no\" is written ahead), and DO_NOT_TRACK=1")
    parser.add_argument("--dry-run", action="store_true", help="print the diffs; write nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run_optout, parser=parser)

    parser = subparsers.add_parser(
        "optin", help="switch tools' telemetry back on: the value you had before Tracklight's opt-out where the "
                      "journal has it, else the tool's `on` value (or the opt-out removed)")
    parser.add_argument("ids", nargs="+", metavar="ID", help="tool ids")
    parser.add_argument("--dry-run", action="store_true", help="print the diffs; write nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run_optin)

    parser = subparsers.add_parser("undo", help="revert the last change (or a named one), byte for byte")
    parser.add_argument("change", nargs="?", metavar="CHANGE", help="a change id from `tracklight history`")
    _system_options(parser, "revert a system-wide change (`tracklight policy apply`; as root)")
    parser.set_defaults(func=run_undo)

    parser = subparsers.add_parser("history", help="the changes Tracklight made, newest first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    _system_options(parser, "the system-wide changes (`tracklight policy apply`)")
    parser.set_defaults(func=run_history)


def _system_options(parser: argparse.ArgumentParser, system_help: str) -> None:
    parser.add_argument("--system", action="store_true", help=system_help)
    parser.add_argument("--root", metavar="DIR", help="with --system: the folder treated as / (as policy apply's)")


def _error(message: str) -> None:
    print(f"tracklight: {message}", file=sys.stderr)


def _reports(ids: list[str]) -> tuple[list[Any], list[str]]:
    """Reports for the ids, in the order given, and the ids nobody knows."""
    from tracklight.core.scan import scan

    wanted = list(dict.fromkeys(ids))
    result = scan(only=set(wanted))
    found = {r.id: r for r in result.reports}
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]


def _run(args: argparse.Namespace, optout: bool) -> int:
    from tracklight.changes.changeset import Action
    from tracklight.changes.operations import Changes
    from tracklight.changes.plan import unwritable_as_notes
    from tracklight.core.scan import scan

    if optout and args.all:
        from tracklight.changes.everything import everything_to_opt_out

        reports = everything_to_opt_out(scan().reports)
    else:
        reports, unknown = _reports(args.ids)
        if unknown:
            _error(f"unknown tool id{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                   "(see `tracklight scan --all` for the known ids); nothing was changed")
            return 1
    try:
        outcome = Changes().run(Action.OPTOUT if optout else Action.OPTIN, reports,
                                do_not_track=bool(optout and args.all), dry_run=args.dry_run)
    except TracklightError as exc:
        _error(str(exc))
        return 1
    plan = unwritable_as_notes(outcome.plan) if args.all else outcome.plan
    failures = list(plan.failures)
    notes = list(plan.notes)
    if outcome.applied is not None and optout:
        from tracklight.changes.verify import not_off_after

        failures.extend(not_off_after(outcome.applied.tool_ids))
    if args.json:
        _print_json(outcome, failures, notes, args.dry_run)
    else:
        _print_text(outcome, failures, notes, args.dry_run, optout)
    return 1 if failures else 0


def run_optout(args: argparse.Namespace) -> int:
    if args.all and args.ids:
        args.parser.error("give tool ids or --all, not both")
    if not args.all and not args.ids:
        args.parser.error("give one or more tool ids, or --all")
    return _run(args, optout=True)


def run_optin(args: argparse.Namespace) -> int:
    args.all = False
    return _run(args, optout=False)


def _print_text(outcome: Any, failures: list[Any], notes: list[str], dry_run: bool, optout: bool) -> None:
    plan = outcome.plan
    changeset = plan.changeset
    if dry_run:
        if changeset.diff:
            sys.stdout.write(changeset.diff)
        for change in changeset.env:
            print(f"# environment: {change.name}: {_show(change.old_value)} -> {_show(change.new_value)}")
        print(f"# dry run: {changeset.summary}; nothing was written")
    elif outcome.applied is not None:
        applied = outcome.applied
        for change in applied.files:
            verb = "created" if change.creates else "removed" if change.removes else "changed"
            print(f"{verb} {change.path}")
        for change in applied.env:
            print(f"environment {change.name}: {_show(change.old_value)} -> {_show(change.new_value)}")
        print(f"{applied.summary}. Change {applied.id}; `tracklight undo` reverts it.")
    for tool_id in plan.unchanged:
        print(f"{tool_id}: already {'off' if optout else 'on'}; nothing to change")
    if not dry_run and outcome.applied is None and not plan.unchanged and not failures:
        print("nothing to change")
    for note in notes:
        print(f"note: {note}")
    for failure in failures:
        _error(f"could not {'opt out of' if optout else 'opt back in to'} {failure.tool_id}: {failure.error}")


def _show(value: str | None) -> str:
    return "(not set)" if value is None else value


def _failure_json(failure: Any) -> dict[str, Any]:
    error = failure.error
    return {"id": failure.tool_id, "error": type(error).__name__, "file": error.path, "line": error.line,
            "message": error.message, "text": str(error)}


def _changeset_json(changeset: Any) -> dict[str, Any]:
    return {
        "id": changeset.id,
        "created": changeset.created.isoformat(),
        "action": changeset.action.value,
        "summary": changeset.summary,
        "tools": list(changeset.tool_ids),
        "reverts": changeset.reverts,
        "files": [
            {"path": c.path, "purpose": c.purpose.value, "created": c.creates, "removed": c.removes,
             "diff": c.diff,
             "edits": [{"tool": e.tool_id, "key": e.key, "control": e.control, "old": e.old_value,
                        "new": e.new_value} for e in c.edits]}
            for c in changeset.files
        ],
        "env": [{"name": c.name, "old": c.old_value, "new": c.new_value, "tools": list(c.tool_ids)}
                for c in changeset.env],
    }


def _print_json(outcome: Any, failures: list[Any], notes: list[str], dry_run: bool) -> None:
    plan = outcome.plan
    shown = outcome.applied if outcome.applied is not None else plan.changeset
    payload = {
        "dry_run": dry_run,
        "applied": outcome.applied is not None,
        "change": _changeset_json(shown),
        "unchanged": list(plan.unchanged),
        "failures": [_failure_json(f) for f in failures],
        "notes": notes,
    }
    json.dump(payload, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _system_root(args: argparse.Namespace) -> str:
    import os

    from tracklight.core import locations

    return args.root or locations.system_root(dict(os.environ))


def run_undo(args: argparse.Namespace) -> int:
    try:
        if args.system:
            from tracklight.admin.system_apply import require_linux_root_writable, undo_system

            root = _system_root(args)
            require_linux_root_writable(root)
            undone = undo_system(root, args.change)
        else:
            from tracklight.changes.operations import Changes

            undone = Changes().undo(args.change)
    except TracklightError as exc:
        _error(str(exc))
        return 1
    for change in undone.files:
        verb = "removed" if change.removes else "restored"
        print(f"{verb} {change.path}")
    for env_change in undone.env:
        print(f"environment {env_change.name}: {_show(env_change.old_value)} -> {_show(env_change.new_value)}")
    print(f"{undone.summary} (change {undone.id})" if not undone.empty
          else f"{undone.summary}: every file already held its previous content")
    return 0


def run_history(args: argparse.Namespace) -> int:
    try:
        if args.system:
            from tracklight.admin.system_apply import system_history

            entries = system_history(_system_root(args))
        else:
            from tracklight.changes.operations import Changes

            entries = Changes().history()
    except TracklightError as exc:
        _error(str(exc))
        return 1
    if args.json:
        payload = {"changes": [dict(_changeset_json(e.changeset), status=e.status.value, undone_by=e.undone_by)
                               for e in entries]}
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not entries:
        print("no changes yet")
        return 0
    for entry in entries:
        changeset = entry.changeset
        status = entry.status.value + (f" by {entry.undone_by}" if entry.undone_by else "")
        when = changeset.created.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{changeset.id}  {when}  {status:<30}  {changeset.summary}")
        for change in changeset.files:
            print(f"    {change.path}")
        for env_change in changeset.env:
            print(f"    env {env_change.name}: {_show(env_change.old_value)} -> {_show(env_change.new_value)}")
    return 0
