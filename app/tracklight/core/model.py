"""The typed vocabulary of Tracklight: tiers, defaults, states, controls, tools and what a scan reports.

Everything here is a frozen dataclass or an enum; the CLI, the tray, the change planner and the admin exports all
read the same records. No Qt, no I/O.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field

from tracklight.formats import values as _format_values

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Literal

# The leaf's vocabulary, named here too for the layers above (formats imports nothing of core).
Scalar = _format_values.Scalar
FORMATS = _format_values.FORMATS
KEYLESS_FORMATS = _format_values.KEYLESS_FORMATS


class Tier(enum.Enum):
    """How much a tool's telemetry can tell about a person, least to most (unknown: nobody said)."""

    NONE = "none"
    AGGREGATED = "aggregated"
    ANONYMIZED = "anonymized"
    FULL = "full"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Order for "worst tier": unknown sits between anonymized and full (it may be anything)."""
        return {"none": 0, "aggregated": 1, "anonymized": 2, "unknown": 3, "full": 4}[self.value]


class Default(enum.Enum):
    """What happens when the user has set nothing."""

    ON = "on"  # opt-out model
    OFF = "off"  # opt-in model
    ASK = "ask"  # prompts first; sends nothing until answered
    LOCAL = "local"  # collects on disk, sends nothing unless enabled (Go)
    UNKNOWN = "unknown"


class State(enum.Enum):
    """What is in force now for this user."""

    ON = "on"
    OFF = "off"
    LOCAL = "local"
    UNKNOWN = "unknown"


class Meaning(enum.Enum):
    """What one control's current value means by the tool's own rule."""

    ON = "on"
    OFF = "off"
    LOCAL = "local"
    DEFAULT = "default"  # set, but to a value the tool treats as "not decided" (or not set at all)


class Source(enum.Enum):
    """Where the facts about a tool came from."""

    MANIFEST = "manifest"  # declared by the tool itself, installed on this machine
    CATALOG = "catalog"  # Tracklight's built-in (or updated) catalog
    POLICY = "policy"  # an admin's policy


class ControlKind(enum.Enum):
    ENV = "env"
    FILE = "file"


class Os(enum.Enum):
    LINUX = "linux"
    MACOS = "macos"
    WINDOWS = "windows"


"""Every file format a control may name; one module each in tracklight.formats."""


@dataclass(frozen=True)
class ValueRule:
    """How a set value is read, by the tool's own rule (manifest v1 `off_when`, `on_when`, … fields).

    Empty tuples mean "only the control's `off` (resp. `on`) value itself".
    """

    off_when: tuple[Scalar, ...] = ()
    on_when: tuple[Scalar, ...] = ()
    local_when: tuple[Scalar, ...] = ()
    off_nonempty: bool = False  # off_when = "nonempty": any non-empty value disables (Next.js)
    off_pattern: str | None = None  # full-match regex (RE2, core/patterns.py) on the text of the value
    on_pattern: str | None = None
    # Values that leave the choice to the tool's default (or its other controls), tried before the two above: with
    # `other = "off"` it says "any value but these disables" (fastlane, Storybook), which RE2 has no lookahead for.
    default_pattern: str | None = None
    other: Literal["off", "on", "default"] = "default"  # any other set value
    match: Literal["exact", "casefold"] = "exact"


def _dated(value: Scalar, today: str) -> Scalar:
    return value.replace("{today}", today) if isinstance(value, str) else value


@dataclass(frozen=True)
class Control:
    """One way to read and change a tool's setting: an env var, or a key in a file of a given format."""

    kind: ControlKind
    off: Scalar
    on: Scalar | None = None
    rule: ValueRule = field(default_factory=ValueRule)
    name: str | None = None  # env var name (kind = env)
    # per-OS candidate path templates (kind = file), unexpanded: the first that exists is read, the first is created
    paths: tuple[tuple[Os, tuple[str, ...]], ...] = ()
    format: str | None = None  # one of FORMATS (kind = file)
    key: str | None = None  # dotted key path; segments may be "quoted.with.dots"
    write: bool | None = None  # None: decided by the planner (file controls first, env where it is the only way)
    # The exact value written when it differs from what is read: Go reads "off" but writes "off {today}".
    # "{today}" becomes the ISO date of the write.
    write_off: Scalar | None = None
    write_on: Scalar | None = None
    # What this control means when it is not set, where that differs from the tool's default: Syncthing's crash
    # reports are on unless switched off, while its usage reports are opt-in.
    unset: Meaning | None = None
    # What a file control means when its file exists but the key is not in it, where that differs from `unset`:
    # Testkube's CLI drops telemetryEnabled: false when it saves, and reads a file without the key as off.
    missing_key: Meaning | None = None
    # Which of the tool's senders this control switches (manifest `sender`), where one tool sends through several
    # that each read their own settings (conda's usage tokens and its package-list headers): "" when it has one.
    sender: str = ""
    note: str = ""

    def paths_for(self, os_: Os) -> tuple[str, ...]:
        """The unexpanded candidate path templates for one OS; empty when the control has none there."""
        for candidate_os, templates in self.paths:
            if candidate_os is os_:
                return templates
        return ()

    def off_to_write(self, today: str) -> Scalar:
        """What an opt-out writes: write_off where set, else off; "{today}" becomes `today` (an ISO date)."""
        return _dated(self.off if self.write_off is None else self.write_off, today)

    def on_to_write(self, today: str) -> Scalar | None:
        """What an opt-in writes: write_on where set, else on; None when the control has no `on`."""
        if self.on is None:
            return None
        return _dated(self.on if self.write_on is None else self.write_on, today)

    def describe(self) -> str:
        if self.kind is ControlKind.ENV:
            return f"env {self.name}"
        if self.format == "presence":
            return "a marker file"
        if self.key is None:
            return f"{self.format} file"
        return f"{self.format} key {self.key}"


@dataclass(frozen=True)
class Detect:
    """The tool is installed if any executable is on PATH or any path exists."""

    executables: tuple[str, ...] = ()
    paths: tuple[tuple[Os, tuple[str, ...]], ...] = ()  # per OS, like Control.paths; any that exists counts
    # Debian packages that install another program under one of these executable names (`yarn` from cmdtest):
    # an executable dpkg lists as theirs does not count.
    other_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Telemetry:
    """What a tool's telemetry is: how much it tells (tier), its default, what it collects and sends where, and
    the controls that switch it, with the order they are read in."""

    tier: Tier
    default: Default
    tier_reason: str = ""
    collects: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    retention: str = ""
    shared_with: tuple[str, ...] = ()
    controls: tuple[Control, ...] = ()
    # How the effective state is found when several controls are set:
    #   env-first: env controls (listed order) before file controls (listed order); first decisive one wins
    #   listed:    controls in listed order; first decisive one wins
    #   any-off:   off if any control says off, else first decisive one (VS Code's legacy keys)
    #   any-on:    on if any control says on, else first decisive one (separate channels: Syncthing's usage
    #              reports and crash reports are both telemetry)
    # Where controls name senders, each sender's controls are read by this precedence on their own, and the tool
    # is on while any sender is on.
    precedence: Literal["env-first", "listed", "any-off", "any-on"] = "env-first"
    notes: str = ""
    # Senders that no setting stops (manifest `no_switch`: Syside's licence heartbeats): while any is named, the
    # tool sends whatever its controls say, and an opt-out switches off only the senders its controls switch.
    no_switch: tuple[str, ...] = ()

    def sender_groups(self) -> list[list[int]]:
        """The controls' indices grouped by sender (manifest `sender`), in the order each sender first appears; one
        group when no sender is named (empty when there are no controls)."""
        groups: dict[str, list[int]] = {}
        for i, control in enumerate(self.controls):
            groups.setdefault(control.sender, []).append(i)
        return list(groups.values())


class ProofMethod(enum.Enum):
    """How a fact about a tool was established, most convincing first."""

    RUN = "run"  # the real tool, pinned, was asked: on before, off after the opt-out, on after undo
    SOURCE = "source"  # its upstream code was read at a pinned commit
    DOCS = "docs"  # only the vendor's documentation (closed-source tools)


class ProofResult(enum.Enum):
    """What a run proof found: the tool agreed with the entry, or it did not."""

    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class Proof:
    """One record of how some facts of an entry were established (`[[proofs]]` in a manifest or catalog entry).

    `covers` names the facts: "tier", "default", "env:NAME", "file:KEY" ("file:" + the file's base name for a
    control without a key), "endpoints", "collects", "retention".
    """

    method: ProofMethod
    covers: tuple[str, ...]
    date: _dt.date
    version: str = ""  # release, tag or package version the code/package/page belongs to
    commit: str = ""  # source: the full upstream commit that was read
    url: str = ""  # source: commit-pinned URL to the line; docs: the vendor page
    quote: str = ""  # source: the line(s) at url, at most 200 characters
    note: str = ""
    package: str = ""  # run: "pypi:NAME==V", "npm:NAME@V" or "debian:NAME"
    oracle: str = ""  # run: what the tool was asked, in words
    result: ProofResult | None = None  # run: pass or fail
    fingerprint: str = ""  # run: the covered facts' fingerprint when the proof was made (stale when they change)
    file: str = ""  # source read in a released package: the file inside it, to the line ("pkg/telemetry.py#L42")

    @property
    def passed(self) -> bool:
        """A proof that establishes its facts: any source or docs proof, a run proof only when it passed."""
        return self.method is not ProofMethod.RUN or self.result is ProofResult.PASS


@dataclass(frozen=True)
class Tool:
    """Everything declared about one tool, from one source (a manifest, the catalog, or a policy)."""

    id: str
    name: str
    telemetry: Telemetry
    source: Source
    origin: str  # the file it was read from
    vendor: str = ""
    homepage: str = ""
    privacy_policy: str = ""
    detect: Detect = field(default_factory=Detect)
    category: str = ""
    sources: tuple[str, ...] = ()  # catalog: URLs of the docs/code the facts come from
    verified: _dt.date | None = None
    proofs: tuple[Proof, ...] = ()  # how each fact was established (catalog: every fact; a manifest may carry some)


@dataclass(frozen=True)
class Problem:
    """Something wrong that belongs to a file (and maybe a tool): shown, never fatal to a scan."""

    message: str
    path: str | None = None
    line: int | None = None
    tool_id: str | None = None

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Evidence:
    """One control that was read: where, the raw value, and what it means by the tool's own rule."""

    control: Control
    where: str  # "env NEXT_TELEMETRY_DISABLED" or the expanded file path
    key: str | None  # file key, None for env
    is_set: bool
    raw: Scalar | None  # the value as found (typed for files), None when not set
    meaning: Meaning
    set_by: str | None = None  # env: "process environment" or the env file that sets it
    line: int | None = None  # file: line of the key, when the reader knows it
    decisive: bool = False  # this control decided the effective state
    note: str = ""


@dataclass(frozen=True)
class TierConflict:
    """A tool's own manifest and the catalog disagree about the tier: both are shown."""

    manifest_tier: Tier
    catalog_tier: Tier
    manifest_origin: str
    catalog_origin: str


@dataclass(frozen=True)
class ToolReport:
    """What a scan found about one tool: the only thing the CLI and the tray need to read."""

    tool: Tool
    installed: bool
    state: State
    evidence: tuple[Evidence, ...] = ()
    problems: tuple[Problem, ...] = ()
    conflict: TierConflict | None = None
    catalog_entry: Tool | None = None  # the catalog's view when a manifest overrides it
    locked: bool = False  # the machine's policy locks this tool (core.policy.machine_locks)
    controls_state: State | None = None  # what the controls say before the tier rule (differs for tier none)

    @property
    def id(self) -> str:
        return self.tool.id

    @property
    def tracking(self) -> bool:
        """True when the tool sends telemetry now (state on) and its tier is not none."""
        return self.state is State.ON and self.tool.telemetry.tier is not Tier.NONE

    @property
    def keeps_sending(self) -> tuple[str, ...]:
        """The senders that send whatever is set (manifest `no_switch`), for a tool that sends something."""
        return self.tool.telemetry.no_switch if self.tool.telemetry.tier is not Tier.NONE else ()

    @property
    def switch_state(self) -> State:
        """What the tool's switches can change: its state, except where some senders have no switch — then what
        its controls say (Syside with crash reports off is off here, while its licence heartbeats keep it on)."""
        if self.keeps_sending and self.controls_state is not None:
            return self.controls_state
        return self.state

    @property
    def partly_off(self) -> bool:
        """Every switch is off, yet senders without one keep it sending ("partly off" in the table, menu and scan)."""
        return bool(self.keeps_sending) and self.switch_state is State.OFF


@dataclass(frozen=True)
class ScanResult:
    """One scan: a report per known tool, and the problems that belong to no tool."""

    reports: tuple[ToolReport, ...]
    problems: tuple[Problem, ...] = ()  # what belongs to no tool (a manifest too broken to name one)

    def get(self, tool_id: str) -> ToolReport | None:
        for report in self.reports:
            if report.tool.id == tool_id:
                return report
        return None


@dataclass
class ManifestResult:
    """A parsed manifest: the tool when it is valid, and every problem found (empty when valid)."""

    tool: Tool | None
    problems: list[Problem] = field(default_factory=list)
    declared_id: str | None = None  # the id the file claims, even when invalid (to attach problems to a tool)
    refused: bool = False  # it asks for a write Tracklight refuses (core.write_rules): a problem, never a tool

    @property
    def ok(self) -> bool:
        return self.tool is not None and not self.problems
