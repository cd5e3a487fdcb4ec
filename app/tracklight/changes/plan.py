"""Plan an opt-out or an opt-in: which controls are written, with what, as a ChangeSet of full file contents + diffs.

Which controls an opt-out writes (manifest v1 `write`): `write = true` always; `write = false` never; otherwise the
first file control that has a path on this OS in this scope's area (a catalog tool's /etc file is skipped in user
scope); env controls only when no file control is written, the tool's only way. A tool whose controls name
several senders (`sender`) gets that choice once per sender: each must be switched off. `write_off`/`write_on` replace
`off`/`on` when set ("{today}" becomes the ISO date). A control already reading off (by the tool's own rule) is left
alone. Opting in sets `on` where the control has one, else removes the key or unsets the variable (a marker file,
format `presence`, is created empty to opt out and deleted to opt back in, when it holds nothing).

Planning never writes. A file that doesn't parse fails that tool's plan (FormatError with file and line) and leaves
the plan of the other tools as it was; several tools editing one file (VS Code's settings.json) are composed into
one FileChange.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from tracklight import formats
from tracklight.changes.atomic import DEFAULT_NEW_FILE_MODE, check_writable, missing_parents, read_current
from tracklight.changes.before_optout import NOTHING_KNOWN, ValuesBeforeOptout
from tracklight.changes.changeset import (
    Action,
    ChangeSet,
    EnvChange,
    FileChange,
    KeyEdit,
    PlanResult,
    Purpose,
    ToolFailure,
    new_change_id,
)
from tracklight.changes.difftext import unified_diff
from tracklight.changes.environment_store import EnvironmentStore, EnvPlatform
from tracklight.changes.safety import OutsideAreaError, Scope, WriteGuard
from tracklight.core import env_file, locations, write_rules
from tracklight.core.detect import MAX_FILE_BYTES, meaning_of, resolve_file
from tracklight.core.locks import Locks, machine_locks
from tracklight.core.model import (
    Control,
    ControlKind,
    Default,
    Meaning,
    Os,
    Scalar,
    Source,
    Tier,
    Tool,
    ToolReport,
)
from tracklight.errors import FormatError, TracklightError, UnsafePathError
from tracklight.formats import presence_format

DO_NOT_TRACK = "DO_NOT_TRACK"


class NothingToWriteError(TracklightError):
    """The tool offers no control Tracklight can write (no opt-out exists, or only system-wide ones)."""


@dataclass(frozen=True)
class PlanContext:
    """Everything planning depends on besides the reports: passed in, never read from globals deep inside."""

    env: Mapping[str, str]
    os_: Os
    root: str
    now: dt.datetime
    guard: WriteGuard
    platform: EnvPlatform | None = None
    before_optout: ValuesBeforeOptout = NOTHING_KNOWN  # opt-in puts these back (changes.before_optout)

    @classmethod
    def create(cls, env: Mapping[str, str] | None = None, os_: Os | None = None, root: str | None = None,
               scope: Scope = Scope.USER, now: dt.datetime | None = None,
               platform: EnvPlatform | None = None) -> PlanContext:
        env = dict(os.environ) if env is None else env
        os_ = os_ or locations.current_os()
        root = root or locations.system_root(env)
        return cls(env, os_, root, now or dt.datetime.now().astimezone(),
                   WriteGuard.for_env(env, os_, scope, root), platform)

    @property
    def today(self) -> str:
        return self.now.date().isoformat()

    @functools.cached_property
    def locks(self) -> Locks:
        """This machine's locks, read once per plan (core.policy.machine_locks)."""
        return machine_locks(self.os_, self.env, self.root)

    def env_store(self) -> EnvironmentStore:
        return EnvironmentStore(self.os_, self.env, self.platform)


# ---------------------------------------------------------------- the working copy


@dataclass
class _WorkFile:
    path: str
    before: bytes | None
    text: str | None  # current planned text (None: the file does not exist)
    style: formats.TextStyle
    format_name: str = ""
    edits: list[KeyEdit] = field(default_factory=list)


@dataclass
class _Workspace:
    """Files and variables as they will be after the edits planned so far."""

    files: dict[str, _WorkFile] = field(default_factory=dict)
    env: dict[str, EnvChange] = field(default_factory=dict)
    managed: dict[str, str] = field(default_factory=dict)  # Tracklight's variables before this plan

    def file(self, path: str, format_name: str) -> _WorkFile:
        """The working copy, decoded as the tool reading `format_name` sees it (formats.decode_for: the scan's
        rule, so a BOM Go or Dart would trip on is not hidden from the planner)."""
        if path not in self.files:
            check_writable(path)
            before = read_current(path, MAX_FILE_BYTES)  # what the scan reads, and no more
            if before is None:
                self.files[path] = _WorkFile(path, None, None, formats.TextStyle(bom=False, crlf=False), format_name)
            else:
                text, style = formats.decode_for(before, format_name, path)
                self.files[path] = _WorkFile(path, before, text, style, format_name)
        work = self.files[path]
        if (work.before is not None and work.before.startswith(b"\xef\xbb\xbf")
                and (format_name in formats.BOM_TOLERANT) != (work.format_name in formats.BOM_TOLERANT)):
            raise FormatError(f"starts with a byte-order mark, which {work.format_name} readers and {format_name} "
                              "readers see differently; the file was not changed", path=path, line=1)
        return work

    def snapshot(self) -> tuple[dict[str, tuple[str | None, int]], dict[str, EnvChange]]:
        return {p: (w.text, len(w.edits)) for p, w in self.files.items()}, dict(self.env)

    def restore(self, saved: tuple[dict[str, tuple[str | None, int]], dict[str, EnvChange]]) -> None:
        files, env = saved
        for path in list(self.files):
            if path not in files:
                del self.files[path]
            else:
                text, count = files[path]
                self.files[path].text = text
                del self.files[path].edits[count:]
        self.env = env

    def env_value(self, name: str) -> str | None:
        if name in self.env:
            return self.env[name].new_value
        return self.managed.get(name)

    def set_env(self, name: str, value: str | None, tool_id: str | None) -> None:
        env_file.validate(name, value)
        old = self.managed.get(name)
        tools = self.env[name].tool_ids if name in self.env else ()
        if tool_id is not None and tool_id not in tools:
            tools = (*tools, tool_id)
        self.env[name] = EnvChange(name, old, value, tools)


# ---------------------------------------------------------------- which controls


@dataclass(frozen=True)
class _Target:
    control: Control
    path: str | None  # file controls: the file (already checked by safety)


def _writable_targets(tool: Tool, ctx: PlanContext) -> tuple[list[_Target], list[OutsideAreaError]]:
    """The controls an opt-out writes (module docstring), each with its checked file: for each of the tool's senders
    (manifest `sender`; one when none is named), its first writable file control, else its env controls."""
    targets: list[_Target] = []
    outside: list[OutsideAreaError] = []
    for group in tool.telemetry.sender_groups():
        controls = [tool.telemetry.controls[i] for i in group]
        chosen_file = False
        wrote_file = False
        for control in controls:
            if control.kind is not ControlKind.FILE or control.write is False:
                continue
            if control.write is None and chosen_file:
                continue
            path = resolve_file(control, ctx.os_, ctx.env, ctx.root)
            if path is None:
                continue
            try:
                ctx.guard.check_tool_file(path, tool, control.format)
            except OutsideAreaError as exc:
                outside.append(exc)
                continue
            targets.append(_Target(control, path))
            wrote_file = True
            if control.write is None:
                chosen_file = True
        for control in controls:
            if control.kind is ControlKind.ENV and (control.write is True or (control.write is None and not wrote_file)):
                targets.append(_Target(control, None))
    return targets, outside


# ---------------------------------------------------------------- edits


def _edit_file(ws: _Workspace, tool: Tool, control: Control, path: str, value: Scalar | None,
               expect: Meaning | None) -> None:
    """Set (value) or remove (None) one key in the working copy of a file, and read it back to be sure."""
    refusal = write_rules.key_refusal(control.format or "", control.key)
    if refusal:
        raise UnsafePathError(f"{refusal} ({tool.id}, as described in {tool.origin}); nothing was written", path=path)
    if value is not None:
        _check_value(tool, value)
    work = ws.file(path, control.format or "")
    module = formats.get(control.format or "")
    key = control.key or ""
    try:
        old = module.read(work.text, key) if work.text is not None else formats.NOT_FOUND
        if value is None and control.format == "presence":
            _remove_marker(work, tool, control, path)
            return
        if value is None:
            if not old.found or work.text is None:
                return
            new_text = module.remove(work.text, key)
        elif work.text is None:
            new_text = module.new_document(key, value)
        else:
            new_text = module.set_value(work.text, key, value)
        check = module.read(new_text, key)
    except FormatError as exc:
        raise FormatError(exc.message, path=exc.path or path, line=exc.line) from None
    # The tool's reader may see less than was written (Go reads "off" of "off 2026-11-30"); what counts is that
    # the key now means what was intended, by the tool's own rule.
    if value is not None and (not check.found or check.value is None
                              or meaning_of(control, check.value) is not expect):
        raise FormatError(f"after the edit, {key or 'the setting'} would read {check.value!r}, not {value!r}; "
                          "the file was not changed", path=path)
    if value is None and check.found:
        raise FormatError(f"{key or 'the setting'} could not be removed; the file was not changed", path=path)
    work.text = new_text
    work.edits.append(KeyEdit(tool.id, control.key, control.describe(), old.value if old.found else None, value))


def _remove_marker(work: _WorkFile, tool: Tool, control: Control, path: str) -> None:
    """Opting back in to a marker file (`presence`) is deleting it: only an empty one (or white space only, as
    `touch` or an installer leaves it), so nothing a person wrote into it is thrown away. The journal keeps its
    bytes and its mode, and undo puts it back."""
    if work.text is None:
        return
    if work.text.strip():
        raise FormatError(f"{tool.name} is opted out by this file existing, and it holds text, which Tracklight "
                          "does not delete: delete the file yourself to opt back in; the file was not changed",
                          path=path, line=1)
    work.text = None
    work.edits.append(KeyEdit(tool.id, control.key, control.describe(), presence_format.PRESENT, None))


def _file_meaning(ws: _Workspace, control: Control, path: str) -> Meaning | None:
    """What the control's key means in the working copy (None: not set; a file without the key means `missing_key`
    where the manifest gives one)."""
    work = ws.file(path, control.format or "")
    if work.text is None:
        return None
    try:
        found = formats.get(control.format or "").read(work.text, control.key or "")
    except FormatError as exc:
        raise FormatError(exc.message, path=exc.path or path, line=exc.line) from None
    if not found.found or found.value is None:
        return control.missing_key
    return meaning_of(control, found.value)


def _share_file_edit(ws: _Workspace, tool: Tool, control: Control, path: str) -> None:
    """The key is off only thanks to an edit planned for another tool (Flutter and Dart share one file): record
    this tool as opted out by the same change, so the summary and the journal name it."""
    work = ws.files[path]
    if not work.edits or work.before is None and not any(e.key == control.key for e in work.edits):
        return
    module = formats.get(control.format or "")
    key = control.key or ""
    before = formats.NOT_FOUND
    if work.before is not None:
        before = module.read(formats.decode_for(work.before, control.format or "", path)[0], key)
    if before.found and before.value is not None and meaning_of(control, before.value) is Meaning.OFF:
        return  # it was off before this change too
    now = module.read(work.text or "", key)
    work.edits.append(KeyEdit(tool.id, control.key, control.describe(), before.value if before.found else None,
                              now.value if now.found else None))


def _effective(meaning: Meaning | None, control: Control) -> Meaning | None:
    """A key's meaning, counting "not set" as what the tool reads then (manifest `unset`)."""
    return control.unset if meaning is None else meaning


def _process_env_meaning(control: Control, ctx: PlanContext) -> Meaning | None:
    value = ctx.env.get(control.name or "")
    return None if value is None else meaning_of(control, value)


def _nothing_to_write(tool: Tool) -> str:
    """Why an opt-out has nothing to write, in the words a user can act on."""
    see = f"(see `tracklight show {tool.id}`)"
    # With several senders, the switch to name is the first sender's (controls are listed in order of preference);
    # the others are named as what that switch does not stop (KurrentDB's licence checks, read from its licence key).
    groups = tool.telemetry.sender_groups()
    first = [tool.telemetry.controls[i] for i in groups[0]] if groups else []
    others = [tool.telemetry.controls[g[0]].sender for g in groups[1:]]
    also = f"; that does not stop its {' or its '.join(s for s in others if s)}" if others else ""
    read_only = [c for c in first if c.write is False]
    files = [c for c in read_only if c.kind is ControlKind.FILE]
    if files:
        return (f"{tool.name} keeps its telemetry choice in its own settings ({files[0].describe()}), which "
                f"Tracklight reads but does not write: turn it off in {tool.name} itself{also} {see}")
    if read_only:
        return (f"{tool.name} is switched off by {read_only[0].name} in its own environment (the service or "
                f"container it runs in), which Tracklight reads but does not set: set it where {tool.name} "
                f"runs{also} {see}")
    if tool.telemetry.controls:
        return f"{tool.name} offers no setting Tracklight can write on this system {see}"
    return f"{tool.name} offers no setting to turn its telemetry off {see}"


def _optout_tool(ws: _Workspace, report: ToolReport, ctx: PlanContext, notes: list[str]) -> None:
    tool = report.tool
    targets, outside = _writable_targets(tool, ctx)
    if not targets:
        if tool.telemetry.tier is Tier.NONE and not tool.telemetry.controls:
            notes.append(f"{tool.id}: collects nothing; there is nothing to switch off")
            return
        if outside:
            raise outside[0]
        raise NothingToWriteError(_nothing_to_write(tool))
    for target in targets:
        control = target.control
        if control.kind is ControlKind.FILE:
            assert target.path is not None
            if _effective(_file_meaning(ws, control, target.path), control) is Meaning.OFF:
                _share_file_edit(ws, tool, control, target.path)
                continue
            value = control.off_to_write(ctx.today)
            _edit_file(ws, tool, control, target.path, value, Meaning.OFF)
        else:
            name = control.name or ""
            managed = ws.env_value(name)
            if managed is not None and meaning_of(control, managed) is Meaning.OFF:
                if name in ws.env:  # set by this very change for another tool: this tool is opted out by it too
                    ws.set_env(name, managed, tool.id)
                continue
            if managed is None:
                inherited = _process_env_meaning(control, ctx)
                if inherited is Meaning.OFF:
                    notes.append(f"{tool.id}: {name} is already off in your environment (set outside Tracklight)")
                    continue
                if inherited is None and control.unset is Meaning.OFF:
                    continue
            value = control.off_to_write(ctx.today)
            _check_env_control(tool, name, value)
            ws.set_env(name, formats.scalar_text(value), tool.id)
    if report.keeps_sending:
        notes.append(f"{tool.id}: {_still_sending(report)}")


def _still_sending(report: ToolReport) -> str:
    """What an opt-out cannot stop, for a tool with senders no setting stops (manifest `no_switch`)."""
    senders = report.keeps_sending
    named = senders[0] if len(senders) == 1 else ", ".join(senders[:-1]) + " and " + senders[-1]
    return f"{report.tool.name} still sends its {named}: there is no setting to stop this"


def _check_env_control(tool: Tool, name: str, value: Scalar) -> None:
    """The env-name and value rules `manifest validate` applies, by where the description came from."""
    refusal = write_rules.env_name_refusal(name, from_catalog=tool.source is not Source.MANIFEST)
    if refusal:
        raise UnsafePathError(f"{refusal} ({tool.id}, as described in {tool.origin}); nothing was written")
    _check_value(tool, value)


def _check_value(tool: Tool, value: Scalar) -> None:
    refusal = write_rules.value_refusal(value)
    if refusal:
        raise FormatError(f"{refusal} ({tool.id}, as described in {tool.origin}); nothing was written")


def _refuse_locked(report: ToolReport, ctx: PlanContext) -> None:
    """Ask the machine's policy itself, not only the report (an invalid policy refuses every opt-in: fail closed)."""
    refusal = ctx.locks.refusal(report.id)
    if refusal is None and report.locked:  # the scan saw a lock the policy has dropped since: ask again first
        refusal = ctx.locks.refusal_of_locked(report.id)
    if refusal is not None:
        raise refusal


def _optin_tool(ws: _Workspace, report: ToolReport, ctx: PlanContext, notes: list[str]) -> None:
    tool = report.tool
    _refuse_locked(report, ctx)
    targets, _outside = _writable_targets(tool, ctx)
    chosen = {id(t.control) for t in targets}
    default_on = tool.telemetry.default is Default.ON
    for control in tool.telemetry.controls:
        if control.write is False:
            continue
        # Where nothing is set, `on` is written only when the tool would not be on by itself (default off, ask,
        # local) and only for the control an opt-out would write; an opt-out found elsewhere is turned back.
        unset_on = control.unset is Meaning.ON or (control.unset is None and default_on)
        enable = control.on is not None and id(control) in chosen and not unset_on
        on_value = control.on_to_write(ctx.today)
        if control.kind is ControlKind.FILE:
            path = resolve_file(control, ctx.os_, ctx.env, ctx.root)
            if path is None:
                continue
            if id(control) not in chosen:
                try:
                    ctx.guard.check_tool_file(path, tool, control.format)
                except OutsideAreaError:
                    continue
            meaning = _file_meaning(ws, control, path)
            known, before = ctx.before_optout.file_value(tool.id, path, control.key)
            if meaning is Meaning.OFF and known and _means_not_off(control, before):
                # the person's own value from before the opt-out (None: it was not set, so the tool's default)
                _edit_file(ws, tool, control, path, before, None if before is None else meaning_of(control, before))
            elif meaning is Meaning.OFF:
                _edit_file(ws, tool, control, path, on_value, Meaning.ON)  # on_value None: remove the key
            elif meaning is not Meaning.ON and enable:
                _edit_file(ws, tool, control, path, on_value, Meaning.ON)
            continue
        name = control.name or ""
        managed = ws.env_value(name)
        if managed is None and _process_env_meaning(control, ctx) is Meaning.OFF:
            notes.append(f"{tool.id}: {name}={ctx.env.get(name)} is set in your environment outside Tracklight; "
                         "remove it there to opt back in")
        meaning = None if managed is None else meaning_of(control, managed)
        known, before = ctx.before_optout.env_value(tool.id, name)
        if meaning is Meaning.OFF and known and _means_not_off(control, before):
            ws.set_env(name, before, tool.id)  # as it was before the opt-out (None: Tracklight did not set it)
        elif meaning is Meaning.OFF:
            # Tracklight's own variable: gone is "back to the tool's default"; `on` where the default isn't on.
            if enable and on_value is not None:
                _check_env_control(tool, name, on_value)
            ws.set_env(name, formats.scalar_text(on_value) if enable and on_value is not None else None, tool.id)
        elif meaning is not Meaning.ON and enable and on_value is not None:
            _check_env_control(tool, name, on_value)
            ws.set_env(name, formats.scalar_text(on_value), tool.id)


def _means_not_off(control: Control, value: Scalar | None) -> bool:
    """A value from before the opt-out that does not itself mean off (None: not set at all)."""
    return value is None or meaning_of(control, value) is not Meaning.OFF


# ---------------------------------------------------------------- entry points


def plan_changes(action: Action, reports: Iterable[ToolReport], ctx: PlanContext, *,
                 env: Mapping[str, str | None] | None = None) -> PlanResult:
    """Plan one opt-out or opt-in over several tools; `env` adds variables of no tool (DO_NOT_TRACK)."""
    ws = _Workspace(managed=ctx.env_store().current())
    failures: list[ToolFailure] = []
    unchanged: list[str] = []
    notes: list[str] = []
    planned: list[str] = []
    step: Callable[[_Workspace, ToolReport, PlanContext, list[str]], None]
    step = _optout_tool if action is Action.OPTOUT else _optin_tool
    for report in reports:
        saved = ws.snapshot()
        edits_before = _edit_count(ws)
        try:
            step(ws, report, ctx, notes)
        except TracklightError as exc:
            ws.restore(saved)
            failures.append(ToolFailure(report.tool.id, exc))
            continue
        except Exception as exc:  # noqa: BLE001 - planning writes nothing; a bug in one editor must not stop the rest
            ws.restore(saved)
            failures.append(ToolFailure(report.tool.id, TracklightError(
                f"could not plan the change ({type(exc).__name__}: {exc}); nothing was written")))
            continue
        if _edit_count(ws) == edits_before:
            unchanged.append(report.tool.id)
        else:
            planned.append(report.tool.id)
    for name, value in (env or {}).items():
        if ws.env_value(name) != value:
            ws.set_env(name, value, None)

    files = _file_changes(ws, ctx)
    env_changes = [c for c in ws.env.values() if c.old_value != c.new_value]
    env_plan = ctx.env_store().plan(env_changes)
    for change in env_plan.files:
        ctx.guard.check_env_file(change.path, change.before, change.after)
    files.extend(env_plan.files)
    summary = _summary(action, planned, env_plan.env)
    changeset = ChangeSet(new_change_id(ctx.now), ctx.now, action, summary, tuple(planned), tuple(files),
                          env_plan.env)
    return PlanResult(changeset, tuple(failures), tuple(unchanged), tuple(notes))


def unwritable_as_notes(result: PlanResult) -> PlanResult:
    """For an opt-out of everything (`optout --all`, the tray's "Opt out of everything"): a tool this user has no
    way to switch off — it offers no setting, or only a system-wide one — is a note, not a failure; --all is
    everything this user *can* switch off. A tool named on its own still fails, so the person hears why."""
    unwritable = [f for f in result.failures if isinstance(f.error, (NothingToWriteError, OutsideAreaError))]
    if not unwritable:
        return result
    # NothingToWriteError names the tool already; the area error names only its file.
    notes = [str(f.error) if isinstance(f.error, NothingToWriteError) else str(f) for f in unwritable]
    return replace(result, failures=tuple(f for f in result.failures if f not in unwritable),
                   notes=(*result.notes, *notes))


def _edit_count(ws: _Workspace) -> int:
    return sum(len(w.edits) for w in ws.files.values()) + sum(len(c.tool_ids) for c in ws.env.values())


def _file_changes(ws: _Workspace, ctx: PlanContext) -> list[FileChange]:
    result: list[FileChange] = []
    for work in ws.files.values():
        if not work.edits:
            continue
        after = None if work.text is None else formats.dump_text(work.text, work.style)
        if after == work.before:
            continue
        result.append(FileChange(
            path=work.path, before=work.before, after=after, diff=unified_diff(work.path, work.before, after),
            purpose=Purpose.TOOL, edits=tuple(work.edits),
            mode=_journal_mode(work, after),
            created_dirs=missing_parents(work.path) if work.before is None else (),
        ))
    return result


def _journal_mode(work: _WorkFile, after: bytes | None) -> int | None:
    """The permissions a FileChange records: a new file's, or those of a file the change deletes (so that undo
    creates it again as it was); None for a file that is only edited (it keeps its own)."""
    if work.before is None:
        return DEFAULT_NEW_FILE_MODE
    if after is not None:
        return None
    try:
        return stat.S_IMODE(os.stat(work.path).st_mode)
    except OSError:
        return None


def _summary(action: Action, tools: Sequence[str], env: Sequence[EnvChange]) -> str:
    verb = {Action.OPTOUT: "opt out of", Action.OPTIN: "opt back in to", Action.UNDO: "undo"}[action]
    parts = []
    if tools:
        shown = ", ".join(tools[:6]) + (f" and {len(tools) - 6} more" if len(tools) > 6 else "")
        parts.append(f"{verb} {shown}")
    for change in env:
        if not change.tool_ids:  # a variable of no tool: DO_NOT_TRACK
            parts.append(f"set {change.name}={change.new_value}" if change.new_value is not None
                         else f"unset {change.name}")
    return "; ".join(parts) or "nothing to change"

