"""`tracklight watch -- COMMAND`: run a program offline in a private network and show every host it tries."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Any

WATCH_FAILED = 125
TELEMETRY_CONTACTED = 3

DESCRIPTION = """\
Run COMMAND (and everything it starts) in a private network where nothing leaves the machine, and show every
host and address it tries to reach: names looked up, TCP connections and UDP datagrams to any port, with the
TLS server name or HTTP Host it sent, when, and which process (pid and command line). Each host is matched
against the endpoints the catalog and installed manifests declare as telemetry.

Linux only. The private network is a user + network + mount namespace (`unshare` from util-linux, `ip` from
iproute2): every address is local there, a resolver answers every name, and listeners on ports 80, 443 and
8443 read what the program sends first, then close. COMMAND runs offline, so it may report network errors;
that is expected. Where user namespaces are refused, `--proxy` is a weaker watch that needs none.

The report goes to standard error (so COMMAND's own output is left as it is); with --json the report is on
standard output and COMMAND's standard output goes to standard error. The last result for each tool involved is
kept for the window (`$XDG_STATE_HOME/tracklight/watch-results.json`).
"""

EPILOG = """\
exit status: COMMAND's own; 3 with --fail-on-telemetry when a declared telemetry endpoint was contacted;
125 when the watch itself could not run (the message says why and what to do); 127 COMMAND not found.

examples:
  tracklight watch -- heroku --version
  tracklight watch --json --fail-on-telemetry -- npx wrangler whoami
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "watch", help="run a command offline in a private network; show every host it tries to reach (Linux)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="tracklight watch [options] -- COMMAND [ARGS…]")
    parser.add_argument("--json", action="store_true", help="the report as JSON on standard output")
    parser.add_argument("--proxy", action="store_true",
                        help="no namespace: point HTTP(S)_PROXY and ALL_PROXY at a local recording proxy instead. "
                             "Weaker: programs that ignore proxy settings are not seen, and reach the network")
    parser.add_argument("--allow-network", action="store_true",
                        help="with --proxy: forward each request upstream, so COMMAND works online (and its "
                             "telemetry is really sent). Without --proxy the watch is always offline: its private "
                             "network has no way out")
    parser.add_argument("--fail-on-telemetry", action="store_true",
                        help="exit 3 when a declared telemetry endpoint was contacted (for CI)")
    parser.add_argument("--tool", action="append", default=[], metavar="ID",
                        help="the tool COMMAND belongs to, when its first word does not say (repeatable): its "
                             "result is kept for the window even when it contacts nothing")
    parser.add_argument("--linger", type=float, default=3.0, metavar="SECONDS",
                        help="how long processes COMMAND leaves running (a telemetry sender in the background) may "
                             "go on after it ends before they are stopped (default 3)")
    parser.add_argument("--port", type=int, action="append", default=[], metavar="N",
                        help="listen on this port too, to read what is sent to it (repeatable; 80, 443, 8443 "
                             "always). A program then cannot listen on it itself")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND",
                        help="the command to watch, after `--`")
    parser.set_defaults(func=run_watch, parser=parser)


def _command(args: argparse.Namespace) -> list[str]:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        args.parser.error("give the command to watch after `--`: tracklight watch -- COMMAND [ARGS…]")
    return command


def run_watch(args: argparse.Namespace) -> int:
    import json
    import os
    from datetime import UTC, datetime

    from tracklight.core.catalog import load_index
    from tracklight.core.locations import current_os
    from tracklight.core.scan import scan
    from tracklight.errors import TracklightError
    from tracklight.watch import report
    from tracklight.watch.namespace import Unavailable, WatchFailed, private_run
    from tracklight.watch.store import record_results

    command = _command(args)
    if args.allow_network and not args.proxy:
        args.parser.error("--allow-network needs --proxy: the private network of a watch has no way out "
                          "(a program there can only reach the watch itself)")
    env = dict(os.environ)
    index = load_index(current_os(), env)
    unknown = [tool_id for tool_id in args.tool if tool_id not in index.tools]
    if unknown:
        print(f"tracklight watch: unknown tool id: {', '.join(unknown)} (see `tracklight scan --all`)",
              file=sys.stderr)
        return 1
    when = datetime.now(UTC)
    ports = tuple(dict.fromkeys((80, 443, 8443, *args.port)))
    try:
        if args.proxy:
            from tracklight.watch.proxy_run import proxy_run

            outcome = proxy_run(command, env=env, allow_network=args.allow_network,
                                stdout=sys.stderr.fileno() if args.json else None)
        else:
            outcome = private_run(command, env=env, ports=ports, linger=args.linger,
                                  stdout=sys.stderr.fileno() if args.json else None)
    except (Unavailable, WatchFailed) as exc:
        print(exc, file=sys.stderr)
        return WATCH_FAILED

    tools = [indexed.tool for indexed in index.tools.values()]
    groups = report.group_attempts(outcome.attempts, report.endpoint_owners(tools))
    own = set(report.tools_of_command(command, tools)) | set(args.tool)
    involved = own | {tool.id for group in groups for tool in report.responsible(group, own)}
    states = {r.tool.id: r.state for r in scan(env, index=index, only=involved).reports} if involved else {}
    results = report.results_for(own, groups, states, when, command)
    if outcome.mode == "namespace" and results:
        try:
            record_results(env, results)
        except (OSError, TracklightError) as exc:
            print(f"tracklight watch: the result could not be kept for the window: {exc}", file=sys.stderr)
    if args.json:
        json.dump(report.render_json(outcome, groups, states, command, results, own), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report.render_text(outcome, groups, states, command, own), file=sys.stderr)
    if args.fail_on_telemetry and report.telemetry_contacted(groups, own):
        return TELEMETRY_CONTACTED
    return outcome.exit_status
