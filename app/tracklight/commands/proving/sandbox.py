"""Run one execution oracle in a sandbox home: on before, off after `tracklight optout`, on again after `undo`.

The tool is asked the way a user's next program would find things: from a fresh login environment
(`env -i HOME=… PATH=… bash -lc`), so the env files Tracklight wrote are what sets a variable, and, where Tracklight
wrote a preference file, also from a plain environment that reads no profile, so the file alone must do it. The tool
runs without network (a network namespace of its own); Tracklight runs as the real CLI with the sandbox as its home.

After a passing run, each of the entry's variables is set to a row of probe values (empty, 0, 1, false, true, no,
yes, off, odd case, a word no tool knows, and the entry's own values), and the tool and Tracklight are each asked what
that value means: the entry's value rules (`off_when`, `other`, `match`) are proven value by value, and a value they
read differently from the tool fails the run. Each preference-file key in the sandbox home is probed the same way:
the file as the undo left it, with only that key set to each value (typed values too where the format has types:
`false`, `0`, `"false"`), then put back byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracklight import formats
from tracklight.commands.proving.install import Installed
from tracklight.core import locations
from tracklight.core.model import Control, ControlKind, Default, Os, State, Tool
from tracklight.core.oracle import Oracle
from tracklight.errors import FormatError
from tracklight.formats import scalar_text
from tracklight.formats.values import Scalar

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
WATCH_UNAVAILABLE = 125  # `tracklight watch`'s status when it cannot run here
OUTPUT_TAIL = 600  # characters of a tool's answer kept for the table and the failure report


def isolation_prefix() -> list[str] | None:
    """The command prefix that cuts a process off the network (a new network namespace), or None if none works."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "--net"], [unshare, "--map-root-user", "--net"]):
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, check=False, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return prefix
    return None


@dataclass(frozen=True)
class Answer:
    """What the tool said at one step, read through the oracle's on/off patterns."""

    state: State  # ON, OFF, or UNKNOWN (neither pattern, both, or the command failed to run)
    output: str  # the tail of what it printed
    exit_code: int | None = None
    watched: State | None = None  # the watch's own answer (an endpoint contacted: on), when the oracle watches
    contacted: tuple[str, ...] = ()  # the watched endpoints that were contacted


PROBE_VALUES = ("", "0", "1", "false", "true", "no", "yes", "off", "on", "FALSE", "True", "tracklight-probe")
# In formats with types a value's type matters as much as its text: JSON false is not "false".
TYPED_FORMATS = frozenset({"json", "jsonc", "toml", "yaml", "hcl"})
TYPED_PROBE_VALUES: tuple[Scalar, ...] = (False, True, 0, 1, "", "0", "1", "false", "true", "no", "off", "FALSE",
                                          "tracklight-probe")


@dataclass(frozen=True)
class Probe:
    """One variable (or one file key, named `file:KEY`) set to one value: what the tool said it means and what
    Tracklight reads. A file key's value in a typed format is shown as JSON (`false`, `"false"`)."""

    name: str
    value: str
    tool: State  # ON, OFF or UNKNOWN (the tool gave no readable answer for this value)
    tracklight: State

    @property
    def disagrees(self) -> bool:
        return self.tool in (State.ON, State.OFF) and self.tracklight in (State.ON, State.OFF) and \
            self.tool is not self.tracklight


@dataclass(frozen=True)
class RunOutcome:
    """One oracle, run: each answer, which facts it shows, and whether the tool agreed with the entry."""

    oracle: Oracle
    version: str = ""
    before: Answer | None = None
    after: Answer | None = None  # after the opt-out, fresh login environment
    after_plain: Answer | None = None  # after the opt-out, no profile read (only when a preference file was written)
    restored: Answer | None = None  # after undo
    written: tuple[str, ...] = ()  # the facts whose controls Tracklight wrote ("env:NAME", "file:KEY")
    covers: tuple[str, ...] = ()
    passed: bool = False
    reason: str = ""  # why it failed, or why a fact is not covered
    seconds: float = 0.0
    isolated: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)
    probes: tuple[Probe, ...] = ()  # the entry's variables set to probe values, after a passing run
    # False when the run says nothing about the entry: the oracle or the machine failed (the on-state could not be
    # planted, an answer matched neither pattern). Nothing is recorded then; the run is reported as broken.
    verdict: bool = True



def _in_home(command: str, setting: tuple[str, str] | None) -> str:
    """The bash line that runs `command` in the sandbox home, with `setting` (name, value) exported first (after
    the login profile is read, so it wins over anything the profile sets)."""
    exported = f"export {setting[0]}={shlex.quote(setting[1])} && " if setting else ""
    return f"{exported}cd ~ && {command}"


class Sandbox:
    """A throwaway home for one oracle run; the installed tool stays in the cache."""

    def __init__(self, oracle: Oracle, installed: Installed, tool: Tool, *, isolation: list[str] | None,
                 resources: str | None = None, keep: bool = False) -> None:
        self.oracle = oracle
        self.installed = installed
        self.tool = tool
        self.isolation = isolation or []
        self.resources = resources
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix=f"tracklight-prove-{oracle.id}-"))
        self.home = self.root / "home"
        self.home.mkdir()
        self.script = self.root / "oracle.py"

    def expand(self, text: str) -> str:
        return (text.replace("{bin}", str(self.installed.bin)).replace("{python}", self.installed.python)
                .replace("{prefix}", str(self.installed.prefix)).replace("{home}", str(self.home)))

    def _question(self) -> str:
        if self.oracle.python:
            self.script.write_text(self.oracle.python, encoding="utf-8")
            return f"{self.installed.python} {self.script}"
        return self.expand(self.oracle.command)

    def _shell(self, command: str, login: bool, setting: tuple[str, str] | None = None) -> tuple[int | None, str]:
        """Run a command in the sandbox; `setting` (name, value) is exported after the login profile is read, so
        it wins over anything the profile sets."""
        argv = [*self.isolation, "/usr/bin/env", "-i", f"HOME={self.home}", f"PATH={SYSTEM_PATH}", "LANG=C.UTF-8",
                "/bin/bash", "-lc" if login else "-c", _in_home(command, setting)]
        try:
            done = subprocess.run(argv, cwd=self.home, capture_output=True, text=True, check=False,
                                  timeout=self.oracle.timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            partial = exc.stdout or ""
            text = partial if isinstance(partial, str) else partial.decode("utf-8", "replace")
            return None, text + f"\n(no answer within {self.oracle.timeout} s)"
        return done.returncode, done.stdout + done.stderr

    def ask(self, login: bool = True, setting: tuple[str, str] | None = None) -> Answer:
        """The status question's answer and the watch's, together: on when either says on, off when all say off
        (an opt-out works only if the tool says so *and* stops calling home), unknown when either cannot tell.
        `setting`: a variable (name, value) set for this question only."""
        status = self._ask_status(login, setting) if self.oracle.asks_status else None
        watched = self.watch(login, setting) if self.oracle.watch is not None else None
        if status is None:
            assert watched is not None
            return watched
        if watched is None:
            return status
        if watched.watched is None:  # the watch cannot run on this machine: the status question alone answers
            return replace(status, output=f"{status.output}\n{watched.output}"[-OUTPUT_TAIL:])
        states = {status.state, watched.state}
        state = (State.UNKNOWN if State.UNKNOWN in states else State.ON if State.ON in states else State.OFF)
        output = f"{status.output}\n{watched.output}"[-OUTPUT_TAIL:]
        return Answer(state, output, status.exit_code, watched.state, watched.contacted)

    def _ask_status(self, login: bool, setting: tuple[str, str] | None = None) -> Answer:
        code, output = self._shell(self._question(), login, setting)
        on = re.search(self.oracle.on, output, re.MULTILINE) is not None
        off = re.search(self.oracle.off, output, re.MULTILINE) is not None
        state = State.ON if on and not off else State.OFF if off and not on else State.UNKNOWN
        return Answer(state, output.strip()[-OUTPUT_TAIL:], code)

    def watch(self, login: bool = True, setting: tuple[str, str] | None = None) -> Answer:
        """`tracklight watch` of the oracle's [watch] command in the sandbox: on when it contacts (or looks up) one
        of the watched endpoints, off when it contacts none of them. The watch is its own isolation: nothing
        leaves the machine."""
        question = self.oracle.watch
        assert question is not None
        command = self.expand(question.command)
        watch = (f"{shlex.quote(sys.executable)} -m tracklight.cli watch --json --linger 5 -- "
                 f"/bin/bash -c {shlex.quote(command)}")
        env = ["TRACKLIGHT_SYSTEM_ROOT=" + str(self.root / "sysroot")]
        if self.resources:
            env.append(f"TRACKLIGHT_RESOURCES={self.resources}")
        argv = ["/usr/bin/env", "-i", f"HOME={self.home}", f"PATH={SYSTEM_PATH}", "LANG=C.UTF-8", *env,
                "/bin/bash", "-lc" if login else "-c", _in_home(watch, setting)]
        try:
            done = subprocess.run(argv, cwd=self.home, capture_output=True, text=True, check=False,
                                  timeout=self.oracle.timeout + 30, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Answer(State.UNKNOWN, f"watch: no answer within {self.oracle.timeout + 30} s", None, State.UNKNOWN)
        if done.returncode == WATCH_UNAVAILABLE and not done.stdout.strip():
            why = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "no reason given"
            return Answer(State.UNKNOWN, f"watch unavailable: {why}", done.returncode, None)
        try:
            report = json.loads(done.stdout)
            hosts = [host["host"] for host in report["hosts"]]
        except (ValueError, KeyError, TypeError):
            why = done.stderr.strip()[-OUTPUT_TAIL:]
            return Answer(State.UNKNOWN, f"watch failed (status {done.returncode}): {why}", done.returncode,
                          State.UNKNOWN)
        wanted = {endpoint.lower() for endpoint in question.endpoints}
        contacted = tuple(host for host in hosts if host.lower() in wanted)
        others = len(hosts) - len(contacted)
        state = State.ON if contacted else State.OFF
        said = (f"watch: contacted {', '.join(contacted)}" if contacted
                else f"watch: contacted none of {', '.join(question.endpoints)}")
        if others:
            said += f" ({others} other host{'s' if others > 1 else ''}, not watched)"
        return Answer(state, said, report.get("exit_status"), state, contacted)

    def plant(self) -> str:
        """Put the tool in its on-state; returns a reason when that failed."""
        for step in self.oracle.plant:
            if step.path:
                target = self.home / step.path[2:]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(step.text, encoding="utf-8")
            else:
                failed = self.run_step(step.command)
                if failed:
                    return f"planting the on-state failed ({step.command}): {failed}"
        return ""

    def run_step(self, command: str) -> str:
        """Run one of the oracle's own commands (a plant, the tool's own opt-out) in the sandbox, from a plain
        environment; returns the tail of its output when it failed, else an empty string."""
        code, output = self._shell(self.expand(command), login=False)
        return "" if code == 0 else (output.strip()[-OUTPUT_TAIL:] or f"exit status {code}")

    def tracklight(self, *args: str, setting: tuple[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """The real CLI, with the sandbox as its home and system root (so nothing outside it is touched)."""
        env = {"HOME": str(self.home), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8",
               "TRACKLIGHT_SYSTEM_ROOT": str(self.root / "sysroot")}
        if self.resources:
            env["TRACKLIGHT_RESOURCES"] = self.resources
        if setting:
            env[setting[0]] = setting[1]
        return subprocess.run([sys.executable, "-m", "tracklight.cli", *args], env=env, cwd=self.home,
                              capture_output=True, text=True, check=False, timeout=300)

    def tracklight_reads(self, setting: tuple[str, str] | None = None) -> State:
        """What `tracklight show` reads from the tool's controls in the sandbox (with `setting` in its environment):
        its `controls_state`, which for a tool of tier none (always shown off) is whether the check its controls
        switch runs; comparing `state` made every reading of such a tool agree with an "off"."""
        shown = self.tracklight("show", self.oracle.id, "--json", setting=setting)
        try:
            return State(json.loads(shown.stdout)["controls_state"])
        except (ValueError, KeyError, TypeError):
            return State.UNKNOWN

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def written_facts(optout_json: str, tool_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """From `tracklight optout --json`: the env facts and the file facts Tracklight wrote for `tool_id`."""
    change = json.loads(optout_json)["change"]
    env = tuple(f"env:{c['name']}" for c in change["env"] if tool_id in c["tools"])
    files = []
    for file in change["files"]:
        for edit in file["edits"]:
            if edit["tool"] == tool_id and file["purpose"] == "tool":
                files.append(f"file:{edit['key']}" if edit["key"] else "file:" + os.path.basename(file["path"]))
    return env, tuple(dict.fromkeys(files))


def watched_endpoints(tool: Tool, before: Answer, after: Answer, after_plain: Answer | None,
                      restored: Answer) -> tuple[bool, str]:
    """Whether the watch shows the entry's `endpoints` fact (every declared endpoint contacted while on, none after
    the opt-out, again after undo), and a note saying what it showed."""
    declared = {endpoint.lower() for endpoint in tool.telemetry.endpoints}
    seen = {host.lower() for host in before.contacted}
    afterwards = [answer for answer in (after, after_plain) if answer is not None]
    silenced = all(answer.watched is State.OFF for answer in afterwards)
    back = restored.watched is State.ON
    if before.watched is None:
        return False, "the watch could not run on the machine that made this proof: " + before.output.split(
            "watch unavailable: ", 1)[-1][:200]
    if before.watched is not State.ON:
        return False, "the watched command contacted none of the endpoints while on"
    shown = f"watched: contacted {', '.join(sorted(seen))} while on"
    if not silenced:
        return False, shown + "; still contacted after the opt-out"
    shown += ", none after the opt-out" + (", again after undo" if back else "; not again after undo")
    missing = sorted(declared - seen)
    if missing:
        return False, shown + f" (endpoints not covered: {', '.join(missing)} not contacted by this command)"
    return back, shown


def probe_values(control: Control) -> tuple[str, ...]:
    """The values a variable is probed with: the common spellings, then the entry's own (in order, no repeats)."""
    own = [control.off, control.on, *control.rule.off_when, *control.rule.on_when, *control.rule.local_when]
    return tuple(dict.fromkeys([*PROBE_VALUES, *(scalar_text(v) for v in own if v is not None)]))


def file_probe_values(control: Control) -> tuple[Scalar, ...]:
    """The values a file key is probed with: typed ones where the format has types, then the entry's own."""
    if control.format not in TYPED_FORMATS:
        return probe_values(control)
    own = [control.off, control.on, *control.rule.off_when, *control.rule.on_when, *control.rule.local_when]
    seen: dict[str, Scalar] = {}
    for value in [*TYPED_PROBE_VALUES, *(v for v in own if v is not None)]:
        seen.setdefault(json.dumps(value), value)
    return tuple(seen.values())


def _file_probe_name(control: Control, path: Path) -> str:
    return f"file:{control.key}" if control.key else f"file:{path.name}"


def _shown_file_value(control: Control, value: Scalar) -> str:
    return json.dumps(value) if control.format in TYPED_FORMATS else scalar_text(value)


def probe_file_key(sandbox: Sandbox, control: Control, path: Path, value: Scalar) -> Probe | None:
    """The file as it stands with only this key set to `value`: what the tool says and what Tracklight reads. The
    file is put back byte for byte (or removed when it was not there). None when the format cannot hold the value."""
    assert control.format is not None
    module = formats.get(control.format)
    original = path.read_bytes() if path.exists() else None
    try:
        if original is None:
            new = module.new_document(control.key or "", value).encode("utf-8")
        else:
            text, style = formats.load_text(original, str(path))
            new = formats.dump_text(module.set_value(text, control.key or "", value), style)
    except FormatError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new)
        return Probe(_file_probe_name(control, path), _shown_file_value(control, value),
                     sandbox.ask(login=True).state, sandbox.tracklight_reads())
    finally:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(original)


def sandbox_file(sandbox: Sandbox, control: Control) -> Path | None:
    """The Linux path of a file control inside the sandbox home: the first that exists, else the first; None when
    the control names no file there (a system file is not probed)."""
    env = {"HOME": str(sandbox.home), "PATH": SYSTEM_PATH}
    candidates = [Path(locations.expand_path(t, Os.LINUX, env)) for t in control.paths_for(Os.LINUX)]
    inside = [p for p in candidates if p.is_relative_to(sandbox.home)]
    if not inside or len(inside) != len(candidates):
        return None
    return next((p for p in inside if p.exists()), inside[0])


def probe(sandbox: Sandbox) -> tuple[tuple[Probe, ...], tuple[Probe, ...], str]:
    """Each of the entry's variables, then each of its file keys in the sandbox home, set to each probe value from
    the on-state: what the tool says and what Tracklight reads. A variable (or key) is probed only when its own off
    value, set alone, makes the tool say off: an oracle that asks a status command which does not look at the
    variables (Keystone's) cannot tell what a value means. Returns the probes, the own-off probes the tool did not
    answer off to, and, when nothing could be probed, why."""
    skipped = dict(sandbox.oracle.unprobed)
    controls = {c.name: c for c in sandbox.tool.telemetry.controls
                if c.kind is ControlKind.ENV and c.name and c.name not in skipped}
    files = [(c, path) for c in sandbox.tool.telemetry.controls
             if c.kind is ControlKind.FILE and c.format and c.off is not None
             and (path := sandbox_file(sandbox, c)) is not None and _file_probe_name(c, path) not in skipped]
    if not controls and not files:
        return (), (), ""
    if sandbox.tracklight_reads() is not State.ON:
        return (), (), "values not probed: Tracklight does not read the restored on-state as on"
    def probed(name: str, value: str) -> Probe:
        setting = (name, value)
        return Probe(name, value, sandbox.ask(login=True, setting=setting).state, sandbox.tracklight_reads(setting))

    probes: list[Probe] = []
    unseen: list[Probe] = []
    for name, control in controls.items():
        own_off = scalar_text(control.off)
        first = probed(name, own_off)
        if first.tool is not State.OFF:
            unseen.append(first)
            continue
        probes += [first, *(probed(name, value) for value in probe_values(control) if value != own_off)]
    for control, path in files:
        assert control.off is not None
        first_file = probe_file_key(sandbox, control, path, control.off)
        if first_file is None:
            continue
        if first_file.tool is not State.OFF:
            unseen.append(first_file)
            continue
        own = _shown_file_value(control, control.off)
        others = (probe_file_key(sandbox, control, path, value) for value in file_probe_values(control)
                  if _shown_file_value(control, value) != own)
        probes += [first_file, *(p for p in others if p is not None)]
    return tuple(probes), tuple(unseen), ""


def _fact(probe_name: str) -> str:
    """The fact a probe's name stands for: `file:KEY` as it is, a variable as `env:NAME`."""
    return probe_name if probe_name.startswith("file:") else f"env:{probe_name}"


def _shown(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value  # a typed file probe's JSON string: already marked as text
    return repr(value) if value == "" or not value.replace("-", "").isalnum() else value


def probe_summary(probes: tuple[Probe, ...]) -> tuple[str, list[str]]:
    """The failure reason (values read differently from the tool, empty when none) and notes (what agreed, and
    values the tool gave no answer for)."""
    disagree = [p for p in probes if p.disagrees]
    reason = "; ".join(f"{p.name}={_shown(p.value)}: the tool says {p.tool.value}, Tracklight reads "
                       f"{p.tracklight.value}" for p in disagree)
    notes = []
    for name in dict.fromkeys(p.name for p in probes):
        mine = [p for p in probes if p.name == name]
        agreed = [p for p in mine if not p.disagrees and p.tool is p.tracklight]
        silent = [p for p in mine if p.tool is State.UNKNOWN]
        if agreed:
            notes.append(f"{name} probed: {', '.join(f'{_shown(p.value)} {p.tool.value}' for p in agreed)} "
                         "(the tool and Tracklight agree)")
        if silent:
            notes.append(f"{name}: no readable answer from the tool for {', '.join(_shown(p.value) for p in silent)}")
    return reason, notes


def own_optout_check(sandbox: Sandbox) -> tuple[str, str]:
    """The tool's own opt-out (the oracle's `own_optout`), run after the undo: the tool must say off, and then
    Tracklight must read off too. Wrangler's `telemetry disable` kept its choice in a file the entry did not read,
    and Yarn's wrote a number the entry did not take: users who opted out the vendor's way were shown as tracked.
    Returns (note, failure): one of them is empty."""
    command = sandbox.oracle.own_optout
    failed = sandbox.run_step(command)
    if failed:
        return "", f"the tool's own opt-out `{command}` failed: {failed}"
    told = sandbox.ask(login=True)
    if told.state is not State.OFF:
        return "", (f"the tool's own opt-out `{command}` left the tool {told.state.value}: the oracle's own_optout "
                    "does not opt out")
    read = sandbox.tracklight_reads()
    if read is not State.OFF:
        return "", f"after the tool's own opt-out `{command}` the tool says off, Tracklight reads {read.value}"
    return f"the tool's own opt-out `{command}`: the tool says off, Tracklight reads off", ""


def run_oracle(sandbox: Sandbox) -> RunOutcome:
    """The three questions around Tracklight's opt-out and undo; see the module docstring."""
    started = time.monotonic()
    oracle, tool = sandbox.oracle, sandbox.tool
    outcome = RunOutcome(oracle, version=sandbox.installed.package.version, isolated=bool(sandbox.isolation))

    def done(**changes: Any) -> RunOutcome:
        return replace(outcome, **changes, seconds=round(time.monotonic() - started, 1))

    failed_plant = sandbox.plant()
    if failed_plant:
        return done(reason=failed_plant, verdict=False)
    before = sandbox.ask()
    tested_default = not oracle.plants_on_state and tool.telemetry.default is Default.ON
    default = ("default",) if tested_default else ()
    if before.state is State.UNKNOWN:
        return done(before=before, verdict=False, reason="the first answer matched neither the on nor the off pattern")
    if before.state is not State.ON and not tested_default:
        return done(before=before, verdict=False,
                    reason="off before the opt-out: the oracle must plant the on-state (the entry's default is "
                           f"{tool.telemetry.default.value})" if not oracle.plant else
                           "off before the opt-out although the on-state was planted")
    if before.state is not State.ON:
        return done(before=before, covers=default, reason="off before the opt-out, though the entry says on by default")
    optout = sandbox.tracklight("optout", oracle.id, "--json")
    try:
        env_facts, file_facts = written_facts(optout.stdout, oracle.id)
    except (ValueError, KeyError) as exc:
        return done(before=before, reason=f"tracklight optout failed ({exc}): {(optout.stderr or optout.stdout)[-400:]}")
    written = env_facts + file_facts
    if optout.returncode != 0 or not written:
        why = optout.stderr.strip()[-400:] or "it wrote nothing for this tool"
        return done(before=before, written=written, covers=default, reason=f"tracklight optout: {why}")
    after = sandbox.ask(login=True)
    after_plain = sandbox.ask(login=False) if file_facts and env_facts else None
    undo = sandbox.tracklight("undo")
    restored = sandbox.ask(login=True)
    # What the answers show: the env facts by the login environment; the file facts by the file alone (no profile
    # read) where an env var was written too, else by the login answer.
    covers = list(default) + list(env_facts)
    notes = []
    if file_facts and (after_plain is None or after_plain.state is State.OFF):
        covers += file_facts
    elif file_facts:
        notes.append("the preference file alone (no login profile read) did not turn it off: "
                     f"{', '.join(file_facts)} not shown")
    three_steps_passed = after.state is State.OFF and restored.state is State.ON and undo.returncode == 0
    passed = three_steps_passed
    if oracle.watch is not None:
        endpoints, note = watched_endpoints(tool, before, after, after_plain, restored)
        if endpoints:
            covers.append("endpoints")
        if note:
            notes.append(note)
    probes: tuple[Probe, ...] = ()
    disagreement = ""
    if passed:
        probes, unseen, why_not = probe(sandbox)
        disagreement, probe_notes = probe_summary(probes)
        notes += probe_notes + ([why_not] if why_not else [])
        notes += [f"{name} not probed: {why}" for name, why in oracle.unprobed]
        # A variable Tracklight wrote, and which the run counts as shown, may not be read as off on its own while
        # the tool does not say off (Prefect: each of its two variables stops one of its two senders).
        claimed = [p.name for p in unseen if _fact(p.name) in covers and p.tracklight is State.OFF]
        disagreement = "; ".join([*(f"{name} set alone to its off value: Tracklight reads off, the tool does not "
                                    "say off" for name in claimed), *([disagreement] if disagreement else [])])
        others = [p.name for p in unseen if p.name not in claimed]
        if others:
            notes.append(f"not probed: {', '.join(others)} set alone to its off value does not turn this oracle's "
                         "answer off (the oracle does not see it, or the tool ignores it)")
        if disagreement:
            passed = False
    own_failure = ""
    if oracle.own_optout and three_steps_passed:
        own_note, own_failure = own_optout_check(sandbox)
        notes += [own_note] if own_note else []
        passed = passed and not own_failure
    reason = ""
    if after.state is not State.OFF:
        reason = f"still {after.state.value} after `tracklight optout {oracle.id}` (wrote {', '.join(written)})"
    elif undo.returncode != 0:
        reason = f"tracklight undo failed: {undo.stderr.strip()[-400:]}"
    elif restored.state is not State.ON:
        reason = f"{restored.state.value} after `tracklight undo`, not on"
    elif disagreement:
        reason = "a value is read differently from the tool: " + disagreement
    elif own_failure:
        reason = own_failure
    return done(before=before, after=after, after_plain=after_plain, restored=restored, written=written,
                covers=tuple(dict.fromkeys(covers if passed else (*default, *written))), passed=passed,
                reason=reason, notes=tuple(notes), probes=probes)
