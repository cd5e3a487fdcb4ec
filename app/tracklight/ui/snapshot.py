"""What the UI knows at one moment: the latest scan, as an immutable value the tray, menu and window redraw from.

No Qt here: the snapshot, its summary and the comparison of two snapshots (what was re-enabled, what was newly
installed) are plain functions of the scan, tested without a display.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from tracklight.core.model import Problem, ScanResult, State, Tier, ToolReport

TIER_WORDS = {
    Tier.NONE: "collects nothing",
    Tier.AGGREGATED: "counts only, can't tell users apart",
    Tier.ANONYMIZED: "no name, but one random ID ties all your events together",
    Tier.FULL: "tied to you or your account",
    Tier.UNKNOWN: "nobody has said what it collects",
}
"""One line per tier for people (docs/ARCHITECTURE.md, "Tiers, in one line each")."""


@dataclass(frozen=True)
class Snapshot:
    """The latest scan: every known tool's report, plus problems that belong to no tool."""

    reports: tuple[ToolReport, ...] = ()
    problems: tuple[Problem, ...] = ()
    scanned: bool = False  # False until the first scan finished (the icon says "looking")
    _by_id: dict[str, ToolReport] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update((report.id, report) for report in self.reports)

    @classmethod
    def from_scan(cls, result: ScanResult) -> Snapshot:
        return cls(result.reports, result.problems, scanned=True)

    def get(self, tool_id: str) -> ToolReport | None:
        return self._by_id.get(tool_id)

    def merged(self, result: ScanResult, only: Collection[str] | None) -> Snapshot:
        """This snapshot with the tools of a partial rescan replaced (a tool gone from the index is dropped)."""
        if only is None:
            return Snapshot.from_scan(result)
        fresh = {report.id: report for report in result.reports}
        reports: list[ToolReport] = []
        for report in self.reports:
            if report.id not in only:
                reports.append(report)
            elif report.id in fresh:
                reports.append(fresh.pop(report.id))
        reports.extend(fresh.values())  # a tool that a new manifest brought in
        reports.sort(key=lambda r: r.id)
        return Snapshot(tuple(reports), result.problems, scanned=True)

    @property
    def installed(self) -> tuple[ToolReport, ...]:
        return tuple(r for r in self.reports if r.installed)

    @property
    def tracking(self) -> tuple[ToolReport, ...]:
        """Installed tools that send telemetry now."""
        return tuple(r for r in self.reports if r.installed and r.tracking)

    @property
    def switchable(self) -> tuple[ToolReport, ...]:
        """The tray menu's entries: installed tools whose telemetry exists and has a switch (on or off now)."""
        return tuple(
            r for r in self.reports
            if r.installed and r.tool.telemetry.tier is not Tier.NONE and r.tool.telemetry.controls
        )

    @property
    def worst_tier(self) -> Tier:
        """The worst tier among installed tools that track now; Tier.NONE when nothing does."""
        tracking = self.tracking
        if not tracking:
            return Tier.NONE
        return max((r.tool.telemetry.tier for r in tracking), key=lambda tier: tier.rank)

    def headline(self) -> str:
        """The menu's header line: how many installed tools send telemetry."""
        if not self.scanned:
            return "Looking for installed tools…"
        count = len(self.tracking)
        if count == 0:
            return f"No tool sends telemetry ({len(self.installed)} installed checked)"
        return f"{count} {'tool sends' if count == 1 else 'tools send'} telemetry"

    def tooltip(self) -> str:
        """The tray tooltip: "3 tools send telemetry: VS Code, .NET SDK, Next.js"."""
        if not self.scanned:
            return "Tracklight: looking for installed tools…"
        tracking = sorted(self.tracking, key=lambda r: (-r.tool.telemetry.tier.rank, r.tool.name.casefold()))
        if not tracking:
            return f"Tracklight: no installed tool sends telemetry ({len(self.installed)} checked)"
        names = ", ".join(r.tool.name for r in tracking)
        return f"{self.headline()}: {names}"


@dataclass(frozen=True)
class Transitions:
    """What changed between two snapshots that a person should hear about."""

    reenabled: tuple[ToolReport, ...] = ()  # was off, now sends again, and not because Tracklight turned it on
    newly_tracking: tuple[ToolReport, ...] = ()  # newly installed (or newly known) and sending telemetry


def compare(before: Snapshot, after: Snapshot, expected_on: Iterable[str] = ()) -> Transitions:
    """Re-enabled and newly installed tracking tools; `expected_on` are tools Tracklight itself just turned on."""
    if not before.scanned:
        return Transitions()  # the first scan announces nothing: the menu shows it all
    expected = set(expected_on)
    reenabled = []
    newly = []
    for report in after.tracking:
        old = before.get(report.id)
        if old is None or not old.installed:
            newly.append(report)
        elif (old.switch_state in (State.OFF, State.LOCAL) and report.switch_state is State.ON
              and report.id not in expected):
            reenabled.append(report)
    return Transitions(tuple(reenabled), tuple(newly))
