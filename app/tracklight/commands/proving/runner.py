"""Run many execution oracles: install what they need (cached), run them in parallel, print a table, record results.

Installs run two at a time (they are network- and disk-bound); the runs themselves `jobs` at a time, each in its own
sandbox home. Nothing is recorded for a run that never reached the tool (an install failed), for `--latest` runs
(they compare the newest releases with the entry, and leave the pinned records alone) or with `check`, which
instead compares each result with the one already recorded: the CI mode.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tracklight.commands.proving.install import Installed, Installer
from tracklight.commands.proving.record import record_outcome, refresh_listings
from tracklight.commands.proving.sandbox import Answer, RunOutcome, Sandbox, isolation_prefix, run_oracle
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import ProofMethod, ProofResult, Source, Tool
from tracklight.core.oracle import Oracle, Package, load_oracles, parse_package
from tracklight.errors import InstallError, TracklightError


@dataclass(frozen=True)
class ProveOptions:
    catalog: Path  # the folder of <id>.toml entries; its oracles are in catalog/oracles
    cache: Path
    date: dt.date  # written into records (the caller's clock)
    only: tuple[str, ...] = ()
    ci: bool = False  # only the oracles marked ci = true
    latest: bool = False  # newest releases instead of the pins; records nothing
    check: bool = False  # compare with the recorded results instead of recording
    jobs: int = 2
    budget: float | None = None  # seconds: start no new run after this long
    keep: bool = False  # keep the sandbox homes (for debugging an oracle)
    allow_network: bool = False
    install_env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ProveReport:
    outcomes: list[RunOutcome]
    skipped: list[tuple[str, str]]  # (id, why) never run: install failed, over budget
    mismatches: list[str]  # check mode: results that differ from the records
    recorded: list[str]
    check: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Check mode (CI): every oracle that could run gave the recorded result; a package that could not be
        installed (registry unreachable) is reported, not failed, as the real-tool tests skip then. Otherwise: every
        install worked and every run passed."""
        if not all(o.verdict for o in self.outcomes):
            return False
        if self.check:
            return not self.mismatches
        return not any(why.startswith("install") for _, why in self.skipped) and all(o.passed for o in self.outcomes)


def select_oracles(options: ProveOptions) -> list[Oracle]:
    oracles, problems = load_oracles(options.catalog / "oracles")
    if problems:
        raise TracklightError("broken oracle files:\n" + "\n".join(str(p) for p in problems))
    known = {o.id for o in oracles}
    unknown = [i for i in options.only if i not in known]
    if unknown:
        raise TracklightError(f"no oracle for {', '.join(unknown)} in {options.catalog / 'oracles'} "
                              "(see its README.md for how to add one)")
    if options.only:
        oracles = [o for o in oracles if o.id in options.only]
    if options.ci:
        oracles = [o for o in oracles if o.ci]
    return oracles


def _entry(options: ProveOptions, oracle: Oracle) -> Tool:
    result = load_manifest_file(options.catalog / f"{oracle.id}.toml", Source.CATALOG)
    if result.tool is None:
        raise TracklightError(f"oracle {oracle.id}: no valid catalog entry {oracle.id}.toml: "
                              + "; ".join(str(p) for p in result.problems))
    return result.tool


def recorded_result(tool: Tool, oracle: Oracle) -> ProofResult | None:
    """The result recorded for this oracle's package (any version), or None when there is none."""
    for proof in tool.proofs:
        package = parse_package(proof.package) if proof.method is ProofMethod.RUN else None
        if package is not None and (package.registry, package.base_name) == (oracle.package.registry,
                                                                              oracle.package.base_name):
            return proof.result
    return None


def prove(options: ProveOptions, log: Callable[[str], None] = print) -> ProveReport:
    started = time.monotonic()
    oracles = select_oracles(options)
    tools = {o.id: _entry(options, o) for o in oracles}
    isolation = isolation_prefix()
    if isolation is None and not options.allow_network:
        raise TracklightError("cannot cut the tools off the network here (`unshare --net` failed); "
                              "pass --allow-network to run them online anyway")
    installer = Installer(options.cache, options.install_env)
    resources = str(options.catalog.parent)
    skipped: list[tuple[str, str]] = []
    installed: dict[str, Installed] = {}

    def install(oracle: Oracle) -> None:
        if options.budget is not None and time.monotonic() - started > options.budget:
            skipped.append((oracle.id, f"not run: over the {options.budget:.0f} s budget"))
            return
        try:
            installed[oracle.id] = installer.install(oracle, latest=options.latest)
        except InstallError as exc:
            skipped.append((oracle.id, f"install failed: {exc}"))

    log(f"installing {len(oracles)} package set(s) into {options.cache} …")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(install, oracles))

    def run(oracle: Oracle) -> RunOutcome | None:
        if oracle.id not in installed:
            return None
        if options.budget is not None and time.monotonic() - started > options.budget:
            skipped.append((oracle.id, f"not run: over the {options.budget:.0f} s budget"))
            return None
        sandbox = Sandbox(oracle, installed[oracle.id], tools[oracle.id], isolation=isolation,
                          resources=resources, keep=options.keep)
        try:
            return run_oracle(sandbox)
        finally:
            sandbox.close()

    log(f"running {len(installed)} oracle(s), {options.jobs} at a time …")
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        outcomes = [o for o in pool.map(run, oracles) if o is not None]

    mismatches, recorded = [], []
    for outcome in outcomes:
        tool = tools[outcome.oracle.id]
        if not outcome.verdict:
            continue  # the oracle or the machine failed: nothing to record or compare (the table says why)
        if options.check:
            was = recorded_result(tool, outcome.oracle)
            now = ProofResult.PASS if outcome.passed else ProofResult.FAIL
            if was is not now:
                mismatches.append(f"{outcome.oracle.id}: recorded {was.value if was else 'nothing'}, "
                                  f"now {now.value}" + (f" ({outcome.reason})" if outcome.reason else ""))
        elif not options.latest:
            record_outcome(options.catalog / f"{outcome.oracle.id}.toml", outcome, options.date)
            recorded.append(outcome.oracle.id)
    if recorded:
        refresh_listings(options.catalog)
    return ProveReport(outcomes, skipped, mismatches, recorded, options.check, round(time.monotonic() - started, 1))


def _cell(answer: Answer | None) -> str:
    return "-" if answer is None else answer.state.value


def _result(outcome: RunOutcome) -> str:
    return "PASS" if outcome.passed else "FAIL" if outcome.verdict else "BROKEN"


def render_table(report: ProveReport) -> str:
    rows = [("entry", "package", "before", "opted out", "file only", "undone", "result", "s")]
    for o in sorted(report.outcomes, key=lambda o: o.oracle.id):
        package = Package(o.oracle.package.registry, o.oracle.package.name, o.version).spec
        rows.append((o.oracle.id, package, _cell(o.before), _cell(o.after), _cell(o.after_plain), _cell(o.restored),
                     _result(o), f"{o.seconds:.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in sorted(report.outcomes, key=lambda o: o.oracle.id):
        if not o.passed:
            lines.append(f"\n{o.oracle.id}: {_result(o)}: {o.reason}")
            last = o.restored or o.after or o.before
            if last is not None and last.output:
                lines.append("  the tool said: " + last.output.replace("\n", "\n  "))
    for tool_id, why in report.skipped:
        lines.append(f"\n{tool_id}: {why}")
    for mismatch in report.mismatches:
        lines.append(f"\nresult differs from the record: {mismatch}")
    if report.check and not report.mismatches:
        lines.append("\nevery result that could be had is the one recorded (a recorded FAIL failing again is as "
                     "recorded)")
    passed = sum(o.passed for o in report.outcomes)
    broken = sum(not o.verdict for o in report.outcomes)
    lines.append(f"\n{passed} passed, {len(report.outcomes) - passed - broken} failed, {broken} broken (oracle or "
                 f"machine), {len(report.skipped)} not run, "
                 f"in {report.seconds:.0f} s" + (f"; recorded in {len(report.recorded)} entries" if report.recorded
                                                 else ""))
    return "\n".join(lines) + "\n"


def parse_only(values: Sequence[str]) -> tuple[str, ...]:
    """ONLY=a,b or several arguments: one list of ids, in order, without repeats."""
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return tuple(dict.fromkeys(ids))
