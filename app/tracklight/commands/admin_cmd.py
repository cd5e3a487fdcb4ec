"""`tracklight policy show|check|apply|update` and `tracklight export --format F`: the admin side."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from tracklight.errors import TracklightError

EXPORT_FORMATS = ("ansible", "shell", "powershell", "reg", "mobileconfig", "firefox", "chromium")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy", help="an organisation's policy: show it, check this machine against it, apply it",
        description="Admin policy v1 (/etc/tracklight/policy.toml; its format is in policy/SPEC.md among "
                    "Tracklight's resources, with an example beside it).")
    actions = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    def common(action: argparse.ArgumentParser) -> None:
        action.add_argument("--policy", metavar="FILE", help="the policy file (default: this machine's policy)")
        action.add_argument("--root", metavar="DIR", help="treat DIR as / (build an image, test a policy)")

    show = actions.add_parser("show", help="what the policy opts out and locks, and the files it needs")
    common(show)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    check = actions.add_parser("check", help="validate the policy and list drift; exit 1 when the machine differs")
    common(check)
    check.set_defaults(func=run_check)

    apply = actions.add_parser("apply", help="write the system-wide settings (as root), or with --user your own")
    common(apply)
    apply.add_argument("--dry-run", action="store_true", help="print the diffs; write nothing")
    apply.add_argument("--user", action="store_true",
                       help="apply the policy's per-user opt-outs to your own account (run at login)")
    apply.set_defaults(func=run_apply)

    update = actions.add_parser("update", help="refresh the policy from the signed URL it names (updates.policy_url)")
    update.add_argument("--root", metavar="DIR", help="treat DIR as /")
    update.set_defaults(func=run_update)

    export = subparsers.add_parser("export", help="the policy for a fleet's engine (Ansible, shell, Windows, macOS)")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS, metavar="FORMAT",
                        help="one of: " + ", ".join(EXPORT_FORMATS))
    export.add_argument("--policy", metavar="FILE", help="the policy file (default: this machine's policy)")
    export.add_argument("-o", "--output", metavar="PATH", help="write here instead of standard output")
    export.set_defaults(func=run_export)


def _fail(error: TracklightError) -> int:
    print(f"tracklight: {error}", file=sys.stderr)
    return 1


def _context(args: argparse.Namespace) -> Any:
    from tracklight.admin.context import load_context

    ctx = load_context(args.policy, dict(os.environ), getattr(args, "root", None))
    for problem in ctx.index.ignored:  # system scope says what it would not read
        print(f"tracklight: {problem}", file=sys.stderr)
    return ctx


# ---------------------------------------------------------------- show

def run_show(args: argparse.Namespace) -> int:
    try:
        ctx = _context(args)
    except TracklightError as exc:
        return _fail(exc)
    plan = ctx.plan
    if args.json:
        payload = {
            "policy": ctx.policy.path,
            "revision": ctx.policy.revision,
            "optout": list(ctx.resolution.optout),
            "except": list(ctx.policy.except_),
            "locked": sorted(ctx.resolution.locked),
            "do_not_track": ctx.resolution.do_not_track,
            "env": {name: value for name, value, _tools in plan.env},
            "user_tools": list(plan.user_tools),
            "files": [{"path": f.path, "purpose": f.purpose, "tools": list(f.tools), "owned": f.owned,
                       "create": f.create} for f in plan.files],
            "updates": None if ctx.policy.updates is None else {
                "catalog_url": ctx.policy.updates.catalog_url, "policy_url": ctx.policy.updates.policy_url},
            "notes": list(plan.notes),
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"policy:       {ctx.policy.path}" + (f" (revision {ctx.policy.revision})" if ctx.policy.revision else ""))
    print(f"opts out:     {len(ctx.resolution.optout)} tools" + (": " + ", ".join(ctx.resolution.optout)
                                                                     if len(ctx.resolution.optout) <= 12 else ""))
    if ctx.policy.except_:
        print(f"never touches: {', '.join(ctx.policy.except_)}")
    print(f"locked:       {', '.join(sorted(ctx.resolution.locked)) or '(none)'}")
    print(f"DO_NOT_TRACK: {'set to 1 system-wide' if ctx.resolution.do_not_track else 'not set'}")
    updates = ctx.policy.updates
    print("updates:      " + ("off (no network, ever)" if updates is None else
                              f"catalog {updates.catalog_url or '-'}, policy {updates.policy_url or '-'}"))
    print("files (Linux, system scope):")
    for file in plan.files:
        how = "whole file" if file.owned else ("keys, created if absent" if file.create else "keys, if it exists")
        tools = f"  [{', '.join(file.tools[:6])}{', …' if len(file.tools) > 6 else ''}]" if file.tools else ""
        print(f"  {file.path}  ({file.purpose}; {how}){tools}")
    if plan.user_tools:
        print(f"at each login (tracklight policy apply --user): {', '.join(plan.user_tools)}")
    for note in plan.notes:
        print(f"note: {note}")
    return 0


# ---------------------------------------------------------------- check

def run_check(args: argparse.Namespace) -> int:
    from tracklight.admin.system_apply import outcomes

    try:
        ctx = _context(args)
        planned = outcomes(ctx.plan, ctx.root)
    except TracklightError as exc:
        return _fail(exc)
    drift = [o for o in planned if o.changes]
    for outcome in drift:
        what = "missing" if outcome.before is None else "differs from the policy"
        keys = ""
        if not outcome.file.owned and outcome.before is not None:
            keys = " (" + ", ".join(s.key for s in outcome.file.settings) + ")"
        print(f"drift: {outcome.file.path}: {what}{keys}")
    if drift:
        print(f"{len(drift)} file(s) differ from {ctx.policy.path}; `tracklight policy apply` fixes them.")
        return 1
    print(f"This machine matches {ctx.policy.path} ({len(planned)} files checked).")
    return 0


# ---------------------------------------------------------------- apply

def run_apply(args: argparse.Namespace) -> int:
    if args.user:
        return _apply_user(args)
    from tracklight.admin.system_apply import apply_system_plan, outcomes, require_linux_root_writable
    from tracklight.changes.difftext import unified_diff
    from tracklight.core import locations
    from tracklight.core.model import Os

    try:
        if locations.current_os() is not Os.LINUX and not args.root:
            print("tracklight: system scope is applied on Linux; on this system use "
                  "`tracklight export --format powershell|reg|mobileconfig`", file=sys.stderr)
            return 1
        ctx = _context(args)
        journaled = None
        if args.dry_run:
            planned = outcomes(ctx.plan, ctx.root)
        else:
            require_linux_root_writable(ctx.root)
            applied = apply_system_plan(ctx.plan, ctx.index, ctx.root)
            planned, journaled = applied.outcomes, applied.changeset
    except TracklightError as exc:
        return _fail(exc)
    changed = [o for o in planned if o.changes]
    for outcome in changed:
        if args.dry_run:
            sys.stdout.write(unified_diff(outcome.file.path, outcome.before, outcome.after))
        else:
            print(f"{'created' if outcome.before is None else 'updated'}: {outcome.target}")
    for note in ctx.plan.notes:
        print(f"note: {note}", file=sys.stderr)
    verb = "would change" if args.dry_run else "changed"
    same = sum(1 for o in planned if o.after is not None and not o.changes)
    absent = [o.file.path for o in planned if o.after is None]
    print(f"{len(changed)} file(s) {verb}; {same} already as the policy says."
          if changed else "Nothing to change: this machine already matches the policy.")
    if absent:
        print(f"Not present, so left alone (an application's own config is only edited when it exists): "
              f"{', '.join(absent)}")
    if journaled is not None:
        root = "" if ctx.root in ("", "/") else f" --root {ctx.root}"
        print(f"Change {journaled.id}; `tracklight undo --system{root}` reverts it.")
    return 0


def _apply_user(args: argparse.Namespace) -> int:
    """The policy's per-user opt-outs for the person running this (from autostart at login).

    Tools are described by root-owned files only (the catalog and system manifests): a user's manifest reusing a
    tool's id can't steer what is written, and a locked tool found back on (crossed by hand) is switched off again.
    """
    from tracklight.admin.system import build_system_plan
    from tracklight.changes import Changes
    from tracklight.core import locations
    from tracklight.core.catalog import system_index
    from tracklight.core.locks import Locks
    from tracklight.core.model import Os, State
    from tracklight.core.policy import resolve
    from tracklight.core.scan import scan

    env = dict(os.environ)
    os_ = locations.current_os()
    root = args.root or locations.system_root(env)
    try:
        from tracklight.admin.context import find_policy

        policy = find_policy(args.policy, os_, env, root)
        index = system_index(os_, env, root)
        resolution = resolve(policy, index.tools)
        locks = Locks(policy.path, policy, known=frozenset(index.tools))
        result = scan(env=env, os_=os_, root=root, index=index, locked=locks)
        wanted = set(resolution.optout)
        if os_ is Os.LINUX:
            wanted &= set(build_system_plan(policy, resolution, index, root).user_tools)
        reports = [r for r in result.reports if r.id in wanted and r.installed and r.switch_state is not State.OFF
                   and r.tool.telemetry.controls]
        if not reports:
            print("Nothing to change: your account already matches your organisation's policy.")
            return 0
        outcome = Changes(env=env, os_=os_, root=root).optout(reports, dry_run=args.dry_run)
    except TracklightError as exc:
        return _fail(exc)
    changeset = outcome.plan.changeset
    if args.dry_run:
        sys.stdout.write(changeset.diff)
    for failure in outcome.plan.failures:
        print(f"skipped: {failure}", file=sys.stderr)
    done = [r.id for r in reports if r.id not in {f.tool_id for f in outcome.plan.failures}]
    print(("Would opt out: " if args.dry_run else "Opted out: ") + (", ".join(done) or "(none)"))
    return 0


# ---------------------------------------------------------------- update

def run_update(args: argparse.Namespace) -> int:
    from tracklight.commands.updates import update_policy

    try:
        message = update_policy(dict(os.environ), args.root)
    except TracklightError as exc:
        return _fail(exc)
    print(message)
    return 0


# ---------------------------------------------------------------- export

def run_export(args: argparse.Namespace) -> int:
    from tracklight.admin.exports import export

    try:
        ctx = _context(args)
        rendered = export(ctx.plan, args.format)
    except TracklightError as exc:
        return _fail(exc)
    data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
    if args.output and args.output != "-":
        from tracklight.changes.atomic import atomic_write

        try:
            atomic_write(os.path.abspath(args.output), data, mode=0o755 if args.format == "shell" else 0o644)
        except TracklightError as exc:
            return _fail(exc)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
