"""System scope: what a policy means as files on a Linux machine, as one plan that apply, check and every export read.

The plan is a list of `SystemFile`s, each either owned by Tracklight (its whole content is ours: the profile.d script,
the environment.d file, the autostart entry, the copy of the policy) or shared (keys set inside a file that others
also write: a browser's policies.json, /etc/popularity-contest.conf, the seeds in /etc/skel). Paths are the paths as
on the target machine (`/etc/…`); `--root` and the exports' `tracklight_root` put them under another folder.

Which files a tool gets (see resources/policy/SPEC.md, "What apply writes"):
- its machine-wide controls (files under /etc): a drop-in file that exists only to hold such settings (a browser's
  managed policy file, a file named for Tracklight, Homebrew's brew.env) is created when absent; any other system
  file (an application's own config) is only edited when it exists, so Tracklight never plants config for software
  that isn't installed;
- when no drop-in covers it: its per-user file controls, seeded into /etc/skel for new accounts and applied for every
  user at login (`tracklight policy apply --user`, from /etc/xdg/autostart), and its env controls where those are
  what the tool reads (environment.d for graphical sessions, profile.d for login shells).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from tracklight.admin.browsers import BROWSERS
from tracklight.core import env_file, locations
from tracklight.core.catalog import ToolIndex
from tracklight.core.model import Control, ControlKind, Os, Scalar, Tier, Tool
from tracklight.core.policy import Policy, Resolution

POLICY_PATH = "/etc/tracklight/policy.toml"
PROFILE_D = "/etc/profile.d/tracklight.sh"
ENVIRONMENT_D = "/etc/environment.d/60-tracklight.conf"
AUTOSTART = "/etc/xdg/autostart/tracklight-policy.desktop"
SKEL = "/etc/skel"

# System files that exist only to hold settings like ours: created when absent (besides files named for Tracklight).
DROP_IN_FILES = frozenset({"/etc/homebrew/brew.env"} | {b.linux_file for b in BROWSERS.values()})

HEADER = ("Written by Tracklight from the organisation's policy ({policy}); "
          "`tracklight policy apply` rewrites this file.")


@dataclass(frozen=True)
class KeySetting:
    """One key a shared file must hold: the value written, and the control whose rule says a value already means off."""

    key: str
    value: Scalar
    tool_id: str
    control: Control | None = None  # None: only this exact value will do (browser policies)


@dataclass(frozen=True)
class SystemFile:
    """One file the policy needs. `content` set: Tracklight owns the file. Else `format` + `settings`: keys inside it."""

    path: str  # as on the target machine
    purpose: str  # "policy", "environment", "login shells", "autostart", "machine-wide", "browser policy", "skel"
    tools: tuple[str, ...] = ()
    content: str | None = None
    format: str | None = None
    settings: tuple[KeySetting, ...] = ()
    create: bool = True  # shared files: create when absent (drop-ins, skel); False: only edit an existing file
    mode: int = 0o644

    @property
    def owned(self) -> bool:
        return self.content is not None


@dataclass(frozen=True)
class SystemPlan:
    """Everything a policy makes Tracklight write on a machine, and what it leaves to each user's login."""

    policy: Policy
    resolution: Resolution
    files: tuple[SystemFile, ...]
    env: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, value, tool ids), sorted by name
    user_tools: tuple[str, ...]  # applied by `tracklight policy apply --user` at each login
    notes: tuple[str, ...] = field(default=())  # tools the plan can't cover on Linux, and why

    def file(self, path: str) -> SystemFile | None:
        for item in self.files:
            if item.path == path:
                return item
        return None


def write_value(control: Control, today: dt.date | None = None) -> Scalar:
    """The value opt-out writes for a control: write_off (with {today}) when it has one, else off."""
    return control.off_to_write((today or dt.date.today()).isoformat())


def _linux_templates(control: Control) -> tuple[str, ...]:
    return control.paths_for(Os.LINUX)


def _is_machine_wide(control: Control) -> bool:
    templates = _linux_templates(control)
    return control.kind is ControlKind.FILE and bool(templates) and all(
        t.startswith("/etc/") for t in templates)


def _is_per_user(control: Control) -> bool:
    templates = _linux_templates(control)
    return control.kind is ControlKind.FILE and bool(templates) and not any(t.startswith("/") for t in templates)


def _is_drop_in(path: str) -> bool:
    return path in DROP_IN_FILES or "tracklight" in posixpath.basename(path)


def machine_controls(tool: Tool) -> list[Control]:
    """The machine-wide controls system scope writes: writable ones, or the read-only ones when there is nothing else

    (Homebrew marks /etc/homebrew/brew.env read-only for user scope, which can't write there; it is still the
    machine-wide switch)."""
    machine = [c for c in tool.telemetry.controls if _is_machine_wide(c)]
    writable = [c for c in machine if c.write is not False]
    return writable or machine


def user_file_controls(tool: Tool) -> list[Control]:
    """Per-user file controls opt-out writes: the first writable one, and any marked write = true."""
    chosen: list[Control] = []
    for control in tool.telemetry.controls:
        if not _is_per_user(control) or control.write is False:
            continue
        if control.write is True or not any(c.write is not True for c in chosen):
            chosen.append(control)
    return chosen


def env_controls(tool: Tool) -> list[Control]:
    """Env controls opt-out writes: all writable ones when the tool has no writable file control, else write = true."""
    env = [c for c in tool.telemetry.controls if c.kind is ControlKind.ENV and c.write is not False]
    has_file = any(c.kind is ControlKind.FILE and c.write is not False for c in tool.telemetry.controls)
    return [c for c in env if c.write is True or not has_file]


def _skel_path(template: str, root: str) -> str | None:
    """Where a per-user file lands in /etc/skel (first existing candidate is picked by the caller)."""
    env = {"HOME": SKEL}
    path = locations.expand_path(template, Os.LINUX, env, "/")
    if not path.startswith(SKEL + "/"):
        return None
    return path


def _first_skel_candidate(control: Control, root: str) -> str | None:
    import os

    candidates = [p for p in (_skel_path(t, root) for t in _linux_templates(control)) if p]
    for candidate in candidates:
        if os.path.lexists(locations.under_root(root, candidate)):
            return candidate
    return candidates[0] if candidates else None


def _forbidden_in_skel(path: str) -> str | None:
    from tracklight.changes import safety

    relative = posixpath.relpath(path, SKEL)
    for entries in (safety.CREDENTIAL_PATHS, safety.STARTUP_PATHS):
        if safety._matches(relative, entries):
            return relative
    return relative if safety._name_matches(relative) else None


class _Files:
    """Shared files by path, so tools that write the same file (several keys of one policy file) share one entry."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.entries: dict[str, dict[str, object]] = {}

    def add(self, path: str, fmt: str, purpose: str, setting: KeySetting, create: bool) -> None:
        entry = self.entries.get(path)
        if entry is None:
            self.order.append(path)
            entry = {"format": fmt, "purpose": purpose, "settings": [], "create": create, "tools": []}
            self.entries[path] = entry
        settings: list[KeySetting] = entry["settings"]  # type: ignore[assignment]
        if any(s.key == setting.key for s in settings):
            return  # two tools (or a catalog entry and the browser table) asking for the same key: first one wins
        settings.append(setting)
        tools: list[str] = entry["tools"]  # type: ignore[assignment]
        if setting.tool_id not in tools:
            tools.append(setting.tool_id)
        entry["create"] = bool(entry["create"]) or create

    def build(self) -> list[SystemFile]:
        result = []
        for path in self.order:
            entry = self.entries[path]
            result.append(SystemFile(
                path=path, purpose=str(entry["purpose"]), tools=tuple(entry["tools"]),  # type: ignore[arg-type]
                format=str(entry["format"]), settings=tuple(entry["settings"]),  # type: ignore[arg-type]
                create=bool(entry["create"])))
        return result


def environment_d_file_text(env: Iterable[tuple[str, str, tuple[str, ...]]], policy_path: str) -> str:
    """/etc/environment.d/60-tracklight.conf: read by systemd for every user's session."""
    header = (HEADER.format(policy=policy_path), "Read by systemd user sessions, so graphical apps see it.")
    return env_file.render_environment_d([(n, v, ", ".join(t)) for n, v, t in env], header)


def profile_d_text(env: Iterable[tuple[str, str, tuple[str, ...]]], policy_path: str) -> str:
    """/etc/profile.d/tracklight.sh: sourced by login shells."""
    header = (HEADER.format(policy=policy_path), "Sourced by login shells.")
    return env_file.render_sh([(n, v, ", ".join(t)) for n, v, t in env], header)


def autostart_text(policy_path: str) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Tracklight policy\n"
        "Comment=Applies your organisation's telemetry opt-outs to your account\n"
        "TryExec=tracklight\n"
        "Exec=tracklight policy apply --user\n"
        "NoDisplay=true\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
        f"# {HEADER.format(policy=policy_path)}\n"
    )


def build_system_plan(policy: Policy, resolution: Resolution, index: ToolIndex, root: str = "/",
               today: dt.date | None = None) -> SystemPlan:
    """The files a resolved policy needs on a Linux machine (root: the folder treated as / for skel lookups)."""
    shared = _Files()
    env: dict[str, tuple[str, list[str]]] = {}
    user_tools: list[str] = []
    notes: list[str] = []

    def add_env(name: str, value: str, tool_id: str) -> None:
        env_file.validate(name, value)
        if name in env:
            if env[name][0] != value:
                notes.append(f"{tool_id}: {name} is already set to {env[name][0]!r} for {', '.join(env[name][1])}; "
                             f"its own value {value!r} is not written")
                return
            env[name][1].append(tool_id)
        else:
            env[name] = (value, [tool_id])

    for tool_id in resolution.optout:
        browser = BROWSERS.get(tool_id)
        covered = False
        if browser is not None:
            for key, value in browser.json_keys():
                shared.add(browser.linux_file, "json", "browser policy", KeySetting(key, value, tool_id), True)
            covered = True
        indexed = index.tools.get(tool_id)
        if indexed is None:
            continue
        tool = indexed.tool
        if tool.telemetry.tier is Tier.NONE and not tool.telemetry.controls:
            continue
        for control in machine_controls(tool):
            path = _linux_templates(control)[0]
            drop_in = _is_drop_in(path)
            covered = covered or drop_in
            assert control.format is not None
            shared.add(path, control.format, "browser policy" if browser else "machine-wide",
                       KeySetting(control.key or "", write_value(control, today), tool_id, control), drop_in)
        for control in env_controls(tool):
            if control.write is True or not covered:
                assert control.name is not None
                add_env(control.name, str(write_value(control, today)), tool_id)
        if covered:
            continue
        seeded = False
        for control in user_file_controls(tool):
            seed = _first_skel_candidate(control, root)
            if seed is None:
                continue
            if _forbidden_in_skel(seed):
                notes.append(f"{tool_id}: ~/{posixpath.relpath(seed, SKEL)} is a startup or credentials file; "
                             "not seeded")
                continue
            assert control.format is not None
            shared.add(seed, control.format, "skel",
                       KeySetting(control.key or "", write_value(control, today), tool_id, control), True)
            seeded = True
        if seeded:
            user_tools.append(tool_id)
        elif not tool.telemetry.controls:
            notes.append(f"{tool_id}: no documented way to opt out")
        elif not env_controls(tool) and not machine_controls(tool):
            notes.append(f"{tool_id}: no control Tracklight can set on Linux")

    if resolution.do_not_track:
        add_env("DO_NOT_TRACK", "1", "policy")
    env_items = tuple((name, value, tuple(tools)) for name, (value, tools) in sorted(env.items()))

    files: list[SystemFile] = [SystemFile(POLICY_PATH, "policy", content=policy.text)]
    files.append(SystemFile(ENVIRONMENT_D, "environment", tools=_tools_of(env_items),
                            content=environment_d_file_text(env_items, POLICY_PATH)))
    files.append(SystemFile(PROFILE_D, "login shells", tools=_tools_of(env_items),
                            content=profile_d_text(env_items, POLICY_PATH)))
    if user_tools:
        files.append(SystemFile(AUTOSTART, "autostart", tools=tuple(user_tools), content=autostart_text(POLICY_PATH)))
    files.extend(shared.build())
    return SystemPlan(policy, resolution, tuple(files), env_items, tuple(user_tools), tuple(notes))


def _tools_of(env_items: Iterable[tuple[str, str, tuple[str, ...]]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for _n, _v, tools in env_items for t in tools))
