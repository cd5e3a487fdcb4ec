"""Is a tool installed, and what is in force for it now — read by each tool's own rule, with the evidence.

`NEXT_TELEMETRY_DISABLED=0` disables Next.js and `GATSBY_TELEMETRY_DISABLED=0` does not: every control carries its
tool's reading rule (model.ValueRule), and `meaning_of` applies it. The effective state follows the tool's precedence.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from tracklight import formats
from tracklight.core import locations, patterns
from tracklight.core.environment import EnvironmentView
from tracklight.core.model import (
    Control,
    ControlKind,
    Default,
    Evidence,
    Meaning,
    Os,
    Problem,
    Scalar,
    State,
    Tier,
    Tool,
)
from tracklight.core.readfile import NotRegularFile, read_regular_file
from tracklight.errors import FormatError

MAX_FILE_BYTES = 1 << 20


# ---------------------------------------------------------------- what a value means

def _text(value: Scalar) -> str:
    return formats.scalar_text(value)


def _equal(found: Scalar, declared: Scalar, casefold: bool) -> bool:
    """Compare by the tool's rule: types must agree (JSON false is not "false") unless both are text.

    `casefold` compares lower-cased text, as tools do (Python's lower(), JavaScript's toLowerCase(), .NET's
    ToLowerInvariant()): not Unicode case folding, which would also take "yeſ" or "falß" for a switch value that
    the tool does not read as one."""
    if isinstance(found, bool) or isinstance(declared, bool):
        if isinstance(found, bool) and isinstance(declared, bool):
            return found is declared
        if casefold and isinstance(found, str) and isinstance(declared, bool):
            return found.lower() == _text(declared)
        return False
    if isinstance(found, str) and isinstance(declared, str):
        return found.lower() == declared.lower() if casefold else found == declared
    if isinstance(found, (int, float)) and isinstance(declared, (int, float)):
        return found == declared
    return False


TEXT_FORMATS = frozenset({"ini", "gitconfig", "keyvalue", "keyvalue_exact", "shellvars", "xml", "plain", "plain_line",
                          "presence"})
"""Formats with no types: a declared `false` or `0` means the text "false" or "0" there."""


def _as_text(value: Scalar) -> Scalar:
    return value if isinstance(value, str) else _text(value)


def meaning_of(control: Control, value: Scalar) -> Meaning:
    """What a set value means for this control, by the tool's own rule."""
    if control.kind is ControlKind.ENV or control.format in TEXT_FORMATS:
        control = _textual(control)
        value = _as_text(value)
    rule = control.rule
    casefold = rule.match == "casefold"
    if rule.off_nonempty and isinstance(value, str) and value != "":
        return Meaning.OFF
    if _equal(value, control.off, casefold) or any(_equal(value, v, casefold) for v in rule.off_when):
        return Meaning.OFF
    if any(_equal(value, v, casefold) for v in rule.local_when):
        return Meaning.LOCAL
    if (control.on is not None and _equal(value, control.on, casefold)) or any(
        _equal(value, v, casefold) for v in rule.on_when
    ):
        return Meaning.ON
    text = _text(value)
    if rule.default_pattern is not None and patterns.full_match(rule.default_pattern, text, casefold):
        return Meaning.DEFAULT
    if rule.off_pattern is not None and patterns.full_match(rule.off_pattern, text, casefold):
        return Meaning.OFF
    if rule.on_pattern is not None and patterns.full_match(rule.on_pattern, text, casefold):
        return Meaning.ON
    return {"off": Meaning.OFF, "on": Meaning.ON, "default": Meaning.DEFAULT}[rule.other]


def _textual(control: Control) -> Control:
    rule = control.rule
    return replace(
        control,
        off=_as_text(control.off),
        on=None if control.on is None else _as_text(control.on),
        rule=replace(rule, off_when=tuple(map(_as_text, rule.off_when)), on_when=tuple(map(_as_text, rule.on_when)),
                     local_when=tuple(map(_as_text, rule.local_when))),
    )


_STATE_OF_MEANING = {Meaning.ON: State.ON, Meaning.OFF: State.OFF, Meaning.LOCAL: State.LOCAL}
_STATE_OF_DEFAULT = {
    Default.ON: State.ON,
    Default.OFF: State.OFF,
    Default.ASK: State.OFF,  # sends nothing until the user answers the prompt
    Default.LOCAL: State.LOCAL,
    Default.UNKNOWN: State.UNKNOWN,
}


# ---------------------------------------------------------------- reading files, once per scan

@dataclass
class FileCache:
    """Each preference file is read at most once per scan (VS Code's settings.json serves many entries)."""

    contents: dict[str, bytes | Problem | None] = field(default_factory=dict)

    def data(self, path: str) -> bytes | Problem | None:
        """The file's bytes, None when it does not exist, or a Problem when it can't be read."""
        if path not in self.contents:
            self.contents[path] = _read_bytes(path)
        return self.contents[path]


def _read_bytes(path: str) -> bytes | Problem | None:
    try:
        data = read_regular_file(path, MAX_FILE_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except NotRegularFile as exc:
        return Problem(str(exc), path)
    except OSError as exc:
        return Problem(f"cannot read: {exc.strerror or exc}", path)
    if len(data) > MAX_FILE_BYTES:
        return Problem(f"larger than {MAX_FILE_BYTES // 1024} KiB; not read", path)
    return data


def resolve_file(control: Control, os_: Os, env: Mapping[str, str], root: str = "/",
                 expand: Callable[[str], str] | None = None) -> str | None:
    """The file this control reads on this OS: the first candidate that exists, else the first (None: no path here)."""
    expand = expand or (lambda template: locations.expand_path(template, os_, env, root))
    candidates = [expand(t) for t in control.paths_for(os_)]
    if not candidates:
        return None
    for candidate in candidates:
        if os.path.lexists(candidate):
            return candidate
    return candidates[0]


@dataclass
class ScanContext:
    """What one scan reads once and shares across tools: the environment, PATH, files and expanded paths."""

    os_: Os
    env: Mapping[str, str]
    root: str
    env_view: EnvironmentView
    path_index: PathIndex
    files: FileCache = field(default_factory=FileCache)
    expanded: dict[str, str] = field(default_factory=dict)

    def expand(self, template: str) -> str:
        path = self.expanded.get(template)
        if path is None:
            path = self.expanded[template] = locations.expand_path(template, self.os_, self.env, self.root)
        return path


# ---------------------------------------------------------------- installed?

_LISTINGS: dict[tuple[str, bool], tuple[int, set[str]]] = {}


def _folder_names(folder: str, windows: bool) -> set[str] | None:
    """The names in one PATH folder, listed again only when the folder changed (a rescan pays one stat)."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    cached = _LISTINGS.get((folder, windows))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        listed = os.listdir(folder)
    except OSError:
        return None
    if windows:
        listed = [os.path.splitext(n)[0].lower() for n in listed
                  if os.path.splitext(n)[1].lower() in (".exe", ".cmd", ".bat", ".ps1")]
    names = set(listed)
    _LISTINGS[(folder, windows)] = (mtime, names)
    return names


class PathIndex:
    """Which executables are on PATH: each folder is listed once per scan (names only, no stat per entry), and
    only the names a tool asks for are checked for the executable bit."""

    def __init__(self, path_variable: str, os_: Os) -> None:
        self.windows = os_ is Os.WINDOWS
        separator = ";" if self.windows else os.pathsep
        self.folders = [folder for folder in path_variable.split(separator) if folder]
        self._listings: list[tuple[str, set[str]]] | None = None
        self._known: dict[str, bool] = {}

    def _listing(self) -> list[tuple[str, set[str]]]:
        if self._listings is None:
            self._listings = []
            for folder in self.folders:
                names = _folder_names(folder, self.windows)
                if names is not None:
                    self._listings.append((folder, names))
        return self._listings

    def __contains__(self, name: str) -> bool:
        if name not in self._known:
            self._known[name] = any(
                name in names and (self.windows or os.access(os.path.join(folder, name), os.X_OK))
                for folder, names in self._listing()
            )
        return self._known[name]

    def found(self, name: str) -> list[str]:
        """Every executable of this name on PATH, in PATH order (POSIX only: Windows names lose their suffix)."""
        return [os.path.join(folder, name) for folder, names in self._listing()
                if name in names and os.access(os.path.join(folder, name), os.X_OK)]


DPKG_INFO = "/var/lib/dpkg/info"


def _dpkg_files(name: str, packages: tuple[str, ...], root: str) -> set[str]:
    """The files named `name` that dpkg lists as installed by one of `packages`, symlinks resolved (a merged /usr's
    /bin/x is /usr/bin/x). No dpkg, or no list of theirs, is the empty set: only what dpkg says excludes an
    executable. Read only when such a name is on PATH, so a scan pays for it only on machines that have the name."""
    info = locations.under_root(root, DPKG_INFO)
    suffix = "/" + name
    owned: set[str] = set()
    for package in packages:  # a Multi-Arch: same package (pkg:arch.list) ships no bin/
        try:
            with open(os.path.join(info, f"{package}.list"), encoding="utf-8", errors="replace") as handle:
                entries = [line.rstrip("\n") for line in handle if line.rstrip("\n").endswith(suffix)]
        except OSError:
            continue
        owned.update(os.path.realpath(locations.under_root(root, entry)) for entry in entries)
    return owned


def _executable_found(tool: Tool, context: ScanContext) -> bool:
    windows = context.os_ is Os.WINDOWS
    for exe in tool.detect.executables:
        if (exe.lower() if windows else exe) not in context.path_index:
            continue
        if windows or not tool.detect.other_packages:
            return True
        # The name is shared with another Debian package's program: count it only where dpkg does not own it.
        owned = _dpkg_files(exe, tool.detect.other_packages, context.root)
        if any(os.path.realpath(path) not in owned for path in context.path_index.found(exe)):
            return True
    return False


def is_installed(tool: Tool, context: ScanContext) -> bool:
    if _executable_found(tool, context):
        return True
    for candidate_os, templates in tool.detect.paths:
        if candidate_os is context.os_:
            for template in templates:
                path = context.expand(template)
                if any(ch in path for ch in "*?[") and _glob_exists(path):
                    return True
                if os.path.exists(path):
                    return True
    return False


def _glob_exists(pattern: str) -> bool:
    """A detect path with wildcards (`~/.vscode/extensions/eamodio.gitlens-*`): does anything match?"""
    import glob

    return next(glob.iglob(pattern), None) is not None


# ---------------------------------------------------------------- state and evidence

NO_FILE = "file does not exist"
"""The note of a file control's evidence when its file is not there (readers word "not set" by it)."""


def _unset(control: Control) -> Meaning:
    return control.unset or Meaning.DEFAULT


def read_control(control: Control, context: ScanContext) -> tuple[Evidence, Problem | None]:
    """Read one control: the evidence, and a problem when its file could not be read."""
    if control.kind is ControlKind.ENV:
        assert control.name is not None
        found = context.env_view.get(control.name)
        where = f"env {control.name}"
        if found is None:
            return Evidence(control, where, None, False, None, _unset(control), note="not set"), None
        return Evidence(control, where, None, True, found.value, meaning_of(control, found.value),
                        set_by=found.set_by), None

    path = resolve_file(control, context.os_, context.env, context.root, context.expand)
    if path is None:
        return Evidence(control, "(no file on this OS)", control.key, False, None, Meaning.DEFAULT,
                        note="this control has no file on this operating system"), None
    data = context.files.data(path)
    if data is None:
        return Evidence(control, path, control.key, False, None, _unset(control), note=NO_FILE), None
    if isinstance(data, Problem):
        return Evidence(control, path, control.key, False, None, Meaning.DEFAULT, note=data.message), data
    assert control.format is not None
    try:
        # Terraform, sh, Homebrew, Dart and Go do not skip a byte-order mark, and sh reads a carriage return as
        # text: read what they would read (the planner decodes by the same rule, formats.decode_for).
        text_for_tool = formats.as_read_by(data, control.format, path)
        lookup = formats.get(control.format).read(text_for_tool, control.key or "")
    except FormatError as exc:
        problem = Problem(exc.message, path, exc.line)
        return Evidence(control, path, control.key, False, None, Meaning.DEFAULT, note=exc.message), problem
    except (RecursionError, MemoryError, ImportError, ValueError, TypeError) as exc:
        # A hostile or odd file (nesting thousands deep) must not stop the scan of every other tool.
        message = f"cannot read {control.format} key {control.key}: {type(exc).__name__}"
        return Evidence(control, path, control.key, False, None, Meaning.DEFAULT, note=message), Problem(message, path)
    if not lookup.found or lookup.value is None:
        if control.missing_key is not None:  # how the tool reads a file without the key (manifest `missing_key`)
            return Evidence(control, path, control.key, False, None, control.missing_key,
                            note=f"key not in the file, which the tool reads as {control.missing_key.value}"), None
        return Evidence(control, path, control.key, False, None, _unset(control), note="key not set"), None
    return Evidence(control, path, control.key, True, lookup.value, meaning_of(control, lookup.value),
                    line=lookup.line), None


def _evaluation_order(tool: Tool, evidence: list[Evidence]) -> list[int]:
    indices = list(range(len(evidence)))
    if tool.telemetry.precedence == "listed":
        return indices
    env_first = [i for i in indices if evidence[i].control.kind is ControlKind.ENV]
    return env_first + [i for i in indices if evidence[i].control.kind is not ControlKind.ENV]


def asks_where_unreadable(tool: Tool) -> bool:
    """A tool that asks first but declares no file control keeps the answer where Tracklight cannot read it (a
    project file, a database, a per-crash marker): with nothing set, a "yes" may be in force, so the state is
    unknown, not off (SPEC.md, What readers must do)."""
    telemetry = tool.telemetry
    return telemetry.default is Default.ASK and not any(c.kind is ControlKind.FILE for c in telemetry.controls)


def detect_state(tool: Tool, context: ScanContext) -> tuple[State, tuple[Evidence, ...], tuple[Problem, ...]]:
    """The effective state of one tool, every control's evidence (the decisive one marked), and read problems.

    A tool that sends nothing (tier none) is off whatever its controls say; use `controls_state` for what they say
    (whether the update check they switch runs)."""
    said, evidence, problems = controls_state(tool, context)
    return effective_state(tool, said), evidence, problems


def effective_state(tool: Tool, said: State) -> State:
    """The tool's state from what its controls say: a tool that sends nothing (tier none) is off regardless; one
    with a sender that no setting stops (manifest `no_switch`) is on regardless."""
    if tool.telemetry.tier is Tier.NONE:
        return State.OFF
    return State.ON if tool.telemetry.no_switch else said


def controls_state(tool: Tool, context: ScanContext) -> tuple[State, tuple[Evidence, ...], tuple[Problem, ...]]:
    """What the tool's controls say, by its precedence, before the tier rule (for tier none: whether the check its
    controls switch is on), every control's evidence with the decisive one marked, and read problems."""
    evidence: list[Evidence] = []
    problems: list[Problem] = []
    for control in tool.telemetry.controls:
        item, problem = read_control(control, context)
        evidence.append(item)
        if problem is not None:
            found = Problem(problem.message, problem.path, problem.line, tool.id)
            if found not in problems:  # several keys of one broken file: one problem to fix, not one per key
                problems.append(found)

    # Each sender (manifest `sender`; one when none is named) is read by the tool's precedence on its own; the tool
    # is on while any of them is on, off only when every one is off.
    order = _evaluation_order(tool, evidence)
    results = [_sender_state(tool, evidence, problems, [i for i in order if i in group])
               for group in tool.telemetry.sender_groups() or [[]]]
    rank = (State.ON, State.UNKNOWN, State.LOCAL, State.OFF)
    worst = min((state for state, _ in results), key=rank.index)
    for state, decisive in results:  # marked: the setting of each sender that reads as the tool does
        if decisive is not None and state is worst:
            evidence[decisive] = _mark_decisive(evidence[decisive])
    return worst, tuple(evidence), tuple(problems)


def _sender_state(tool: Tool, evidence: list[Evidence], problems: list[Problem],
                  order: list[int]) -> tuple[State, int | None]:
    """One sender's state from its controls' evidence in evaluation order, and the index of the evidence that
    decides it (None: nothing set decides, the default applies, or an unreadable file hides it)."""
    decisive: int | None = None
    if tool.telemetry.precedence == "any-off":
        decisive = next((i for i in order if evidence[i].meaning is Meaning.OFF), None)
    elif tool.telemetry.precedence == "any-on":
        decisive = next((i for i in order if evidence[i].meaning is Meaning.ON), None)
    if decisive is None:
        for i in order:
            if evidence[i].meaning is not Meaning.DEFAULT:
                decisive = i
                break
            # An unreadable file that comes before anything decisive hides what the tool would see.
            if evidence[i].control.kind is ControlKind.FILE and any(p.path == evidence[i].where for p in problems):
                return State.UNKNOWN, None
    if decisive is None:
        if asks_where_unreadable(tool):
            return State.UNKNOWN, None
        return _STATE_OF_DEFAULT[tool.telemetry.default], None
    return _STATE_OF_MEANING[evidence[decisive].meaning], decisive


def _mark_decisive(item: Evidence) -> Evidence:
    return replace(item, decisive=True)
