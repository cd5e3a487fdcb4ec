"""Parse and validate Telemetry Disclosure Manifest v1 files (and catalog entries, which use the same format).

Validation collects every problem with its line instead of stopping at the first, so `tracklight manifest validate`
can list them all. Unknown fields are ignored, as the standard requires.
"""

from __future__ import annotations

import datetime as dt
import ntpath
import os
import re
import tomllib
from collections.abc import Callable
from typing import Any, TypeVar

from tracklight.core import locations, patterns, write_rules
from tracklight.core.model import (
    FORMATS,
    KEYLESS_FORMATS,
    Control,
    ControlKind,
    Default,
    Detect,
    ManifestResult,
    Meaning,
    Os,
    Problem,
    Proof,
    ProofMethod,
    ProofResult,
    Scalar,
    Source,
    Telemetry,
    Tier,
    Tool,
    ValueRule,
)
from tracklight.core.readfile import read_regular_file
from tracklight.core.toml_positions import TomlPositions

MAX_BYTES = 1 << 20  # a manifest over 1 MiB is refused unread
MAX_CONTROLS = 32
MAX_LIST = 256
MAX_TEXT = 4096
MAX_PATTERN = 200
MAX_SENDER = 60  # a sender is named in a few words ("usage tokens", "package-list headers")
MAX_PROOFS = 64
MAX_QUOTE = 200
KNOWN_VERSIONS = (1,)

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters (a tab or a line break in prose is fine), line separators and bidi overrides."""
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""No control character at all in a path or a name."""
EXECUTABLE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
DEBIAN_NAME_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+")  # a Debian package name (Debian Policy 5.6.1)
URL_RE = re.compile(r"https?://[^\s]+")
COMMIT_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
LINE_ANCHOR_RE = re.compile(r"#L\d+")
PACKAGE_RE = re.compile(r"(pypi|npm|debian):\S+")
# A released package pinned to its version, for a source proof read in it (npm names may start with a scope's @).
PINNED_PACKAGE_RE = re.compile(r"pypi:[^=\s]+==\S+|npm:@?[^@\s]+@\S+|debian:[^=\s]+=\S+")
FINGERPRINT_RE = re.compile(r"[0-9a-f]{16}")
COVERS_RE = re.compile(r"tier|default|endpoints|collects|retention|no_switch|env:[A-Za-z_][A-Za-z0-9_]*|file:\S+")

_TIERS = {t.value: t for t in Tier if t is not Tier.UNKNOWN}
_DEFAULTS = {d.value: d for d in Default if d is not Default.UNKNOWN}
_PRECEDENCE = ("env-first", "listed", "any-off", "any-on")


def toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


T = TypeVar("T")


class FieldReader:
    """Typed field access that records a problem (with line) instead of raising."""

    def __init__(self, path: str, index: TomlPositions, tool_id: str | None) -> None:
        self.path = path
        self.index = index
        self.tool_id = tool_id
        self.problems: list[Problem] = []
        self.refused = False  # a control asks for a write the allow-list forbids (write_rules)

    def problem(self, message: str, *where: Any) -> None:
        self.problems.append(Problem(message, self.path, self.index.line(*where), self.tool_id))

    def refusal(self, message: str, *where: Any) -> None:
        """A problem that is a refused write, not a slip: the scan lists no tool for such a manifest."""
        self.refused = True
        self.problem(message, *where)

    def text(self, table: dict[str, Any], key: str, where: tuple[Any, ...], required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(f"missing required field '{_dotted(where, key)}'", *where)
            return ""
        if not isinstance(value, str):
            self.problem(f"'{_dotted(where, key)}' must be a string", *where, key)
            return ""
        if len(value) > MAX_TEXT:
            self.problem(f"'{_dotted(where, key)}' is longer than {MAX_TEXT} characters", *where, key)
            return value[:MAX_TEXT]
        if _TEXT_CONTROL.search(value):
            # A terminal would act on it when `tracklight scan` prints the field.
            self.problem(f"'{_dotted(where, key)}' holds a control character", *where, key)
            return ""
        return value

    def url(self, table: dict[str, Any], key: str, where: tuple[Any, ...]) -> str:
        value = self.text(table, key, where)
        if value and not URL_RE.fullmatch(value):
            self.problem(f"'{_dotted(where, key)}' must be an http(s) URL, got {value!r}", *where, key)
            return ""
        return value

    def strings(self, table: dict[str, Any], key: str, where: tuple[Any, ...],
                check: Callable[[str], object] | None = None, what: str = "") -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"'{_dotted(where, key)}' must be an array of strings", *where, key)
            return ()
        if len(value) > MAX_LIST:
            self.problem(f"'{_dotted(where, key)}' has more than {MAX_LIST} entries", *where, key)
            value = value[:MAX_LIST]
        if any(_TEXT_CONTROL.search(item) for item in value):
            self.problem(f"'{_dotted(where, key)}' holds a control character", *where, key)
            return ()
        if check is not None:
            for item in value:
                if not check(item):
                    self.problem(f"'{_dotted(where, key)}' has an invalid {what}: {item!r}", *where, key)
                    return ()
        return tuple(value)

    def choice(self, table: dict[str, Any], key: str, where: tuple[Any, ...], choices: dict[str, T],
               required: bool) -> T | None:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(f"missing required field '{_dotted(where, key)}'", *where)
            return None
        if not isinstance(value, str) or value not in choices:
            allowed = " | ".join(choices)
            self.problem(f"'{_dotted(where, key)}' must be one of {allowed}, got {value!r}", *where, key)
            return None
        return choices[value]


def _dotted(where: tuple[Any, ...], key: str) -> str:
    parts = [p if isinstance(p, str) else f"[{p}]" for p in where]
    return ".".join([*parts, key]).replace(".[", "[")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float)) and not isinstance(value, dt.date)


def _parse_paths(reader: FieldReader, value: Any, where: tuple[Any, ...], key: str
                 ) -> tuple[tuple[Os, tuple[str, ...]], ...] | None:
    """A path value: string (every OS), array (candidates), or {linux, macos, windows} of either."""

    def candidates(item: Any) -> tuple[str, ...] | None:
        if isinstance(item, str) and item:
            return (item,)
        if isinstance(item, list) and item and all(isinstance(v, str) and v for v in item):
            return tuple(item[:MAX_LIST])
        return None

    if isinstance(value, dict):
        result = []
        for os_name, item in value.items():
            try:
                os_ = Os(os_name)
            except ValueError:
                continue  # an OS this reader doesn't know: ignored like any unknown field
            found = candidates(item)
            if found is None:
                reader.problem(f"'{_dotted(where, key)}.{os_name}' must be a path or an array of paths", *where, key)
                return None
            if any(_CONTROL_CHARS.search(path) for path in found):
                reader.problem(f"'{_dotted(where, key)}.{os_name}' holds a control character (a NUL, a line break, "
                               "…)", *where, key)
                return None
            result.append((os_, found))
        if not result:
            reader.problem(f"'{_dotted(where, key)}' names no path for linux, macos or windows", *where, key)
            return None
        return tuple(result)
    found = candidates(value)
    if found is None:
        reader.problem(f"'{_dotted(where, key)}' must be a path, an array of paths, or a per-OS table", *where, key)
        return None
    if any(_CONTROL_CHARS.search(path) for path in found):
        reader.problem(f"'{_dotted(where, key)}' holds a control character (a NUL, a line break, …)", *where, key)
        return None
    if all(path.startswith("/") for path in found):
        return tuple((os_, found) for os_ in (Os.LINUX, Os.MACOS))  # /etc/x does not exist on Windows
    return tuple((os_, found) for os_ in Os)


def _value_list(reader: FieldReader, control: dict[str, Any], key: str, where: tuple[Any, ...]) -> tuple[Scalar, ...]:
    value = control.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
        reader.problem(f"'{_dotted(where, key)}' must be an array of values", *where, key)
        return ()
    return tuple(value[:MAX_LIST])


def _pattern(reader: FieldReader, control: dict[str, Any], key: str, where: tuple[Any, ...]) -> str | None:
    value = control.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_PATTERN:
        reader.problem(f"'{_dotted(where, key)}' must be a regular expression of at most {MAX_PATTERN} characters",
                       *where, key)
        return None
    problem = patterns.pattern_problem(value)
    if problem:
        reader.problem(f"'{_dotted(where, key)}' {problem}", *where, key)
        return None
    return value


_VALIDATION_ENV: dict[Os, dict[str, str]] = {
    Os.LINUX: {"HOME": "/home/user"}, Os.MACOS: {"HOME": "/Users/user"}, Os.WINDOWS: {"USERPROFILE": "C:\\Users\\user"},
}


def path_template_problem(template: str, os_: Os, format_: str | None, written: bool = True) -> str | None:
    """Why a control may not write the file this path template names on `os_` (write_rules, judged for a home
    folder of that OS with no variable set), or None. Relative paths and control characters are never valid.

    `written` False: a system path that no system plan writes (admin/system.py writes the first candidate of a
    control whose Linux paths are all under /etc); it may be someone else's file read as evidence
    (/usr/lib/firefox/distribution/policies.json), and must only not be code. Every candidate in a home folder
    must pass in full: the user's own scope writes the one that exists."""
    if _CONTROL_CHARS.search(template):
        return f"the path {template!r} holds a control character"
    if ".." in re.split(r"[/\\]", template):
        return f"the path {template!r} goes up with '..'; name the file directly"
    env = _VALIDATION_ENV[os_]
    path = locations.expand_path(template, os_, env)
    home = locations.home(os_, env)
    if os_ is Os.WINDOWS:
        if not ntpath.isabs(path) or not ntpath.splitdrive(path)[0]:
            return f"the path {template!r} is not absolute; start it with ~, %APPDATA% or a drive"
        prefix = home.lower() + "\\"
        if not path.lower().startswith(prefix):
            return None  # outside the profile: nothing writes there on Windows (an admin uses `tracklight export`)
        return write_rules.home_path_refusal(path[len(prefix):].replace("\\", "/"), format_, os_)
    if not path.startswith("/"):
        return f"the path {template!r} is not absolute; start it with ~, $XDG_CONFIG_HOME or /"
    if path.startswith(home + "/"):
        return write_rules.home_path_refusal(path[len(home) + 1:], format_, os_)
    if not template.startswith("/"):
        return f"the path {template!r} names a place outside the home folder through a variable; write it out"
    return write_rules.system_path_refusal(path.lstrip("/"), read_only=not written)


def _check_written_value(reader: FieldReader, control: dict[str, Any], field_name: str, where: tuple[Any, ...]) -> None:
    value = control.get(field_name)
    if value is not None and _is_scalar(value):
        refusal = write_rules.value_refusal(value)
        if refusal:
            reader.refusal(f"'{_dotted(where, field_name)}': {refusal}", *where, field_name)


def _parse_control(reader: FieldReader, control: Any, number: int, source: Source) -> Control | None:
    where: tuple[Any, ...] = ("telemetry", "controls", number)
    if not isinstance(control, dict):
        reader.problem("each telemetry.controls entry must be a table", "telemetry", "controls")
        return None
    before = len(reader.problems)
    kind = reader.choice(control, "kind", where, {k.value: k for k in ControlKind}, required=True)
    off = control.get("off")
    if off is None:
        reader.problem(f"missing required field '{_dotted(where, 'off')}'", *where)
    elif not _is_scalar(off):
        reader.problem(f"'{_dotted(where, 'off')}' must be a string, boolean or number", *where, "off")
    on = control.get("on")
    if on is not None and not _is_scalar(on):
        reader.problem(f"'{_dotted(where, 'on')}' must be a string, boolean or number", *where, "on")
    name = None
    paths: tuple[tuple[Os, tuple[str, ...]], ...] = ()
    format_ = key = None
    if kind is ControlKind.ENV:
        name = reader.text(control, "name", where, required=True)
        # A read-only control is never set: its name need not say it is a telemetry switch (the never-list holds).
        read_only = control.get("write") is False
        refusal = write_rules.env_name_refusal(name, from_catalog=source is Source.CATALOG or read_only)
        if isinstance(control.get("name"), str) and refusal:
            reader.refusal(f"'{_dotted(where, 'name')}': {refusal}", *where, "name")
        for field_name in ("off", "on"):
            if isinstance(control.get(field_name), (bool, int, float)) and field_name in control:
                reader.problem(f"'{_dotted(where, field_name)}' of an env control must be a string", *where,
                               field_name)
    elif kind is ControlKind.FILE:
        if "path" not in control:
            reader.problem(f"missing required field '{_dotted(where, 'path')}'", *where)
        else:
            paths = _parse_paths(reader, control["path"], where, "path") or ()
        format_ = reader.choice(control, "format", where, {f: f for f in FORMATS}, required=True)
        keyless = format_ is None or format_ in KEYLESS_FORMATS
        key = reader.text(control, "key", where, required=not keyless) or None
        if format_ is not None and (key is not None or format_ in KEYLESS_FORMATS):
            refusal = write_rules.key_refusal(format_, key)
            if refusal:
                reader.refusal(f"'{_dotted(where, 'key')}': {refusal}", *where, "key")
        refused: set[str] = set()
        linux = next((templates for os_, templates in paths if os_ is Os.LINUX), ())
        machine_wide = control.get("write") is not False and bool(linux) and all(t.startswith("/etc/") for t in linux)
        for os_, templates in paths:
            for position, template in enumerate(templates):
                written = machine_wide and position == 0 and os_ is Os.LINUX
                refusal = path_template_problem(template, os_, format_, written)
                if refusal and refusal not in refused:
                    refused.add(refusal)
                    reader.refusal(f"'{_dotted(where, 'path')}': {refusal}", *where, "path")
    off_when_raw = control.get("off_when")
    off_nonempty = off_when_raw == "nonempty"
    off_when = () if off_nonempty else _value_list(reader, control, "off_when", where)
    rule = ValueRule(
        off_when=off_when,
        on_when=_value_list(reader, control, "on_when", where),
        local_when=_value_list(reader, control, "local_when", where),
        off_nonempty=off_nonempty,
        off_pattern=_pattern(reader, control, "off_pattern", where),
        default_pattern=_pattern(reader, control, "default_pattern", where),
        on_pattern=_pattern(reader, control, "on_pattern", where),
        other=reader.choice(control, "other", where, {"off": "off", "on": "on", "default": "default"},
                            required=False) or "default",
        match=reader.choice(control, "match", where, {"exact": "exact", "casefold": "casefold"},
                            required=False) or "exact",
    )
    write = control.get("write")
    if write is not None and not isinstance(write, bool):
        reader.problem(f"'{_dotted(where, 'write')}' must be true or false", *where, "write")
        write = None
    if kind is ControlKind.FILE and control.get("format") == "presence":
        if control.get("on") is not None:
            reader.problem(f"'{_dotted(where, 'on')}' is not for a presence control: the file's absence is its only "
                           "other state (the control's `unset`)", *where, "on")
        if control.get("off") != "present":
            reader.problem(f"'{_dotted(where, 'off')}' must be \"present\" for a presence control: the file "
                           "switches telemetry off by existing", *where, "off")
    write_values: list[Scalar | None] = []
    for field_name in ("write_off", "write_on"):
        value = control.get(field_name)
        if value is not None and not _is_scalar(value):
            reader.problem(f"'{_dotted(where, field_name)}' must be a string, boolean or number", *where, field_name)
            value = None
        write_values.append(value)
    for field_name in ("off", "on", "write_off", "write_on"):
        _check_written_value(reader, control, field_name, where)
    note = reader.text(control, "note", where)
    unset = reader.choice(control, "unset", where, {"on": Meaning.ON, "off": Meaning.OFF, "local": Meaning.LOCAL},
                          required=False)
    missing_key = reader.choice(control, "missing_key", where,
                                {"on": Meaning.ON, "off": Meaning.OFF, "local": Meaning.LOCAL}, required=False)
    if missing_key is not None and kind is ControlKind.ENV:
        reader.problem(f"'{_dotted(where, 'missing_key')}' is for file controls (an env control has no key)", *where,
                       "missing_key")
    elif missing_key is not None and missing_key is not Meaning.ON and on is None:
        # Opting back in removes a key that has no `on`; here the tool would read that as off.
        reader.problem(f"'{_dotted(where, 'missing_key')}' = {missing_key.value!r} needs '{_dotted(where, 'on')}': "
                       "without it, opting back in removes the key, which the tool reads as not on", *where,
                       "missing_key")
    sender = reader.text(control, "sender", where).strip()
    if len(sender) > MAX_SENDER:
        reader.problem(f"'{_dotted(where, 'sender')}' is longer than {MAX_SENDER} characters: it names a sender "
                       "in a few words", *where, "sender")
    if len(reader.problems) > before or kind is None or off is None:
        return None
    return Control(kind=kind, off=off, on=on, rule=rule, name=name or None, paths=paths, format=format_, key=key,
                   write=write, write_off=write_values[0], write_on=write_values[1], note=note, unset=unset,
                   missing_key=missing_key, sender=sender)


def _check_senders(reader: FieldReader, raw_controls: list[Any], no_switch: tuple[str, ...]) -> None:
    """Senders are named on every control or on none: a control without one would belong to no sender. Where some
    senders have no switch (`no_switch`), every control names the sender it does switch, and none of those."""
    senders = [str(c.get("sender") or "").strip() if isinstance(c, dict) else "" for c in raw_controls]
    named = [bool(sender) for sender in senders]
    if (any(named) or no_switch) and not all(named):
        number = named.index(False)
        why = ("once one control names its sender, every control must say which sender it switches" if any(named)
               else "with 'telemetry.no_switch', every control must say which sender it does switch")
        reader.problem(f"'telemetry.controls.{number}.sender' is missing: {why}", "telemetry", "controls", number)
    for number, sender in enumerate(senders):
        if sender and sender in no_switch:
            reader.problem(f"'telemetry.controls.{number}.sender' is {sender!r}, which 'telemetry.no_switch' says "
                           "has no switch", "telemetry", "controls", number, "sender")


def _no_switch(reader: FieldReader, table: dict[str, Any]) -> tuple[str, ...]:
    """The senders no setting stops (manifest `no_switch`), each named in a few words, each once."""
    senders = reader.strings(table, "no_switch", ("telemetry",))
    for sender in senders:
        if not sender.strip() or len(sender) > MAX_SENDER:
            reader.problem(f"'telemetry.no_switch' has {sender!r}: name each sender in a few words (1 to "
                           f"{MAX_SENDER} characters)", "telemetry", "no_switch")
            return ()
    if len(set(senders)) != len(senders):
        reader.problem("'telemetry.no_switch' names a sender twice", "telemetry", "no_switch")
        return ()
    return senders


def control_fact(control: Control) -> str:
    """The `covers` word for one control: "env:NAME", "file:KEY", or "file:" + the base name of a key-less file."""
    if control.kind is ControlKind.ENV:
        return f"env:{control.name}"
    if control.key:
        return f"file:{control.key}"
    first = next((paths[0] for _, paths in control.paths if paths), "")
    return "file:" + re.split(r"[/\\]", first)[-1]


def _date(reader: FieldReader, table: dict[str, Any], key: str, where: tuple[Any, ...]) -> dt.date | None:
    value = table.get(key)
    if value is None:
        reader.problem(f"missing required field '{_dotted(where, key)}'", *where)
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        reader.problem(f"'{_dotted(where, key)}' must be a TOML date (2026-12-05)", *where, key)
        return None
    return value


def _check_quote(reader: FieldReader, quote: str, where: tuple[Any, ...]) -> None:
    if len(quote) > MAX_QUOTE:
        reader.problem(f"'{_dotted(where, 'quote')}' is longer than {MAX_QUOTE} characters: quote the line "
                       "that decides, not the file", *where, "quote")


def _parse_proof(reader: FieldReader, raw: Any, number: int, facts: set[str]) -> Proof | None:
    """One `[[proofs]]` table; what each method must carry is checked here so a sloppy proof is named with its line."""
    where: tuple[Any, ...] = ("proofs", number)
    if not isinstance(raw, dict):
        reader.problem("each proofs entry must be a table", "proofs")
        return None
    before = len(reader.problems)
    method = reader.choice(raw, "method", where, {m.value: m for m in ProofMethod}, required=True)
    covers = reader.strings(raw, "covers", where, COVERS_RE.fullmatch, "fact (tier, default, env:NAME, file:KEY, "
                            "endpoints, collects, retention, no_switch)")
    if not covers and "covers" not in raw:
        reader.problem(f"missing required field '{_dotted(where, 'covers')}'", *where)
    for fact in covers:
        if fact.split(":")[0] in ("env", "file") and fact not in facts:
            reader.problem(f"'{_dotted(where, 'covers')}' names {fact!r}, which is no control of this entry "
                           f"(its controls: {', '.join(sorted(facts)) or 'none'})", *where, "covers")
    date = _date(reader, raw, "date", where)
    fields = {key: reader.text(raw, key, where) for key in
              ("version", "commit", "quote", "note", "package", "oracle", "fingerprint", "file")}
    url = reader.url(raw, "url", where)
    result = reader.choice(raw, "result", where, {r.value: r for r in ProofResult}, required=method is ProofMethod.RUN)

    def need(*keys: str) -> None:
        for key in keys:
            if not (url if key == "url" else fields[key]):
                reader.problem(f"a {method.value if method else ''} proof needs '{_dotted(where, key)}'", *where)

    if method is ProofMethod.SOURCE and (fields["package"] or fields["file"]) and not fields["commit"]:
        # Read in the upstream's own released package (a wheel, an npm tarball, a Debian source package): as fixed
        # as a commit, and the only form where the repository can't be pinned to a line.
        need("version", "package", "file", "quote")
        if fields["package"] and not PINNED_PACKAGE_RE.fullmatch(fields["package"]):
            reader.problem(f"'{_dotted(where, 'package')}' must pin a version: pypi:NAME==VERSION, npm:NAME@VERSION "
                           f"or debian:NAME=VERSION, got {fields['package']!r}", *where, "package")
        if fields["file"] and not LINE_ANCHOR_RE.search(fields["file"]):
            reader.problem(f"'{_dotted(where, 'file')}' must point to the line in the package (…/telemetry.py#L88)",
                           *where, "file")
        _check_quote(reader, fields["quote"], where)
    elif method is ProofMethod.SOURCE:
        need("version", "commit", "url", "quote")
        commit = fields["commit"]
        if commit and not COMMIT_RE.fullmatch(commit):
            reader.problem(f"'{_dotted(where, 'commit')}' must be a full commit hash (40 hex digits), got {commit!r}",
                           *where, "commit")
        elif commit and url and commit not in url:
            reader.problem(f"'{_dotted(where, 'url')}' must be pinned to the commit {commit[:12]}… it names",
                           *where, "url")
        if url and not LINE_ANCHOR_RE.search(url):
            reader.problem(f"'{_dotted(where, 'url')}' must point to the line (…#L88)", *where, "url")
        _check_quote(reader, fields["quote"], where)
    elif method is ProofMethod.DOCS:
        need("url")
    elif method is ProofMethod.RUN:
        need("package", "version", "oracle")
        if fields["package"] and not PACKAGE_RE.fullmatch(fields["package"]):
            reader.problem(f"'{_dotted(where, 'package')}' must be pypi:NAME==VERSION, npm:NAME@VERSION or "
                           f"debian:NAME, got {fields['package']!r}", *where, "package")
    if fields["fingerprint"] and not FINGERPRINT_RE.fullmatch(fields["fingerprint"]):
        reader.problem(f"'{_dotted(where, 'fingerprint')}' must be 16 hex digits", *where, "fingerprint")
    if len(reader.problems) > before or method is None or date is None:
        return None
    return Proof(method=method, covers=covers, date=date, url=url, result=result, **fields)


def _parse_proofs(reader: FieldReader, data: dict[str, Any], controls: list[Control | None]) -> tuple[Proof, ...]:
    raw = data.get("proofs", [])
    if not isinstance(raw, list):
        reader.problem("'proofs' must be an array of tables ([[proofs]])", "proofs")
        return ()
    if len(raw) > MAX_PROOFS:
        reader.problem(f"more than {MAX_PROOFS} proofs", "proofs")
        raw = raw[:MAX_PROOFS]
    facts = {control_fact(c) for c in controls if c is not None}
    proofs = [_parse_proof(reader, item, number, facts) for number, item in enumerate(raw)]
    return tuple(p for p in proofs if p is not None)


def parse_manifest(text: str, path: str, source: Source = Source.MANIFEST) -> ManifestResult:
    """Parse the text of one manifest (or catalog entry when source is CATALOG) into a Tool, collecting problems.

    Never raises: whatever a file holds, the answer is a problem on that file."""
    if len(text) > MAX_BYTES:
        return ManifestResult(None, [Problem(f"larger than {MAX_BYTES // 1024} KiB; not read", path)])
    try:
        return _parse(text, path, source)
    except RecursionError:
        return ManifestResult(None, [Problem("nested too deeply to read (arrays or tables inside each other hundreds "
                                             "of levels deep)", path)])
    except (MemoryError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return ManifestResult(None, [Problem(f"cannot be read ({type(exc).__name__}: {exc})", path)])


def _parse(text: str, path: str, source: Source) -> ManifestResult:
    index = TomlPositions(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return ManifestResult(None, [Problem(f"not valid TOML: {message}", path, toml_error_line(exc))])
    declared = data.get("id") if isinstance(data.get("id"), str) else None
    reader = FieldReader(path, index, declared)

    version = data.get("manifest_version")
    if version is None:
        reader.problem("missing required field 'manifest_version'")
        return ManifestResult(None, reader.problems, declared)
    if not isinstance(version, int) or isinstance(version, bool) or version not in KNOWN_VERSIONS:
        reader.problem(f"unknown manifest_version {version!r} (this reader knows {KNOWN_VERSIONS[0]})",
                       "manifest_version")
        return ManifestResult(None, reader.problems, declared)

    tool_id = reader.text(data, "id", (), required=True)
    file_name = os.path.basename(path)
    stem = file_name.removesuffix(".toml")
    if tool_id:
        if len(tool_id) > 64 or not ID_RE.fullmatch(tool_id):
            reader.problem(f"'id' must match [a-z0-9][a-z0-9-]* (at most 64 characters), got {tool_id!r}", "id")
        elif tool_id != stem:
            reader.problem(f"'id' is {tool_id!r} but the file is named {file_name!r}; they must be equal", "id")
    name = reader.text(data, "name", (), required=True)
    if isinstance(data.get("name"), str) and not name.strip():
        reader.problem("'name' must not be empty", "name")
    vendor = reader.text(data, "vendor", ())
    homepage = reader.url(data, "homepage", ())
    privacy = reader.url(data, "privacy_policy", ())
    category = reader.text(data, "category", ())

    detect_table = data.get("detect", {})
    if not isinstance(detect_table, dict):
        reader.problem("'detect' must be a table", "detect")
        detect_table = {}
    executables = reader.strings(detect_table, "executables", ("detect",), EXECUTABLE_RE.fullmatch, "executable name")
    other_packages = reader.strings(detect_table, "other_packages", ("detect",), DEBIAN_NAME_RE.fullmatch,
                                    "Debian package name")
    detect_paths: list[tuple[Os, tuple[str, ...]]] = []
    raw_paths = detect_table.get("paths", [])
    if not isinstance(raw_paths, list):
        reader.problem("'detect.paths' must be an array", "detect", "paths")
        raw_paths = []
    for item in raw_paths[:MAX_LIST]:
        parsed = _parse_paths(reader, item, ("detect",), "paths")
        if parsed:
            detect_paths.extend(parsed)

    telemetry_table = data.get("telemetry")
    if not isinstance(telemetry_table, dict):
        reader.problem("missing required table [telemetry]" if telemetry_table is None
                       else "'telemetry' must be a table", "telemetry")
        telemetry_table = {}
    where = ("telemetry",)
    tier = reader.choice(telemetry_table, "tier", where, _TIERS, required=True)
    default = reader.choice(telemetry_table, "default", where, _DEFAULTS, required=True)
    precedence = reader.choice(telemetry_table, "precedence", where, {p: p for p in _PRECEDENCE}, required=False)
    raw_controls = telemetry_table.get("controls", [])
    if not isinstance(raw_controls, list):
        reader.problem("'telemetry.controls' must be an array of tables", "telemetry", "controls")
        raw_controls = []
    if len(raw_controls) > MAX_CONTROLS:
        reader.problem(f"more than {MAX_CONTROLS} controls", "telemetry", "controls")
        raw_controls = raw_controls[:MAX_CONTROLS]
    controls = [_parse_control(reader, c, i, source) for i, c in enumerate(raw_controls)]
    no_switch = _no_switch(reader, telemetry_table)
    if no_switch and tier is Tier.NONE:
        reader.problem("'telemetry.no_switch' names senders of a tool whose tier is none, which sends nothing",
                       "telemetry", "no_switch")
    _check_senders(reader, raw_controls, no_switch)
    tier_reason = reader.text(telemetry_table, "tier_reason", where, required=source is Source.CATALOG)
    telemetry_fields = {
        "collects": reader.strings(telemetry_table, "collects", where),
        "endpoints": reader.strings(telemetry_table, "endpoints", where),
        "retention": reader.text(telemetry_table, "retention", where),
        "shared_with": reader.strings(telemetry_table, "shared_with", where),
        "notes": reader.text(telemetry_table, "notes", where),
    }

    sources: tuple[str, ...] = ()
    verified: dt.date | None = None
    if source is Source.CATALOG:
        sources = reader.strings(data, "sources", (), URL_RE.fullmatch, "URL")
        if not sources:
            reader.problem("a catalog entry needs 'sources' (URLs of the docs or code its facts come from)",
                           "sources")
        raw_verified = data.get("verified")
        if isinstance(raw_verified, dt.date) and not isinstance(raw_verified, dt.datetime):
            verified = raw_verified
        else:
            reader.problem("a catalog entry needs 'verified' as a TOML date (verified = 2026-11-30)", "verified")

    proofs = _parse_proofs(reader, data, controls)

    if reader.problems or tier is None or default is None:
        return ManifestResult(None, reader.problems, declared, refused=reader.refused)
    telemetry = Telemetry(
        tier=tier, default=default, tier_reason=tier_reason,
        controls=tuple(c for c in controls if c is not None),
        precedence=precedence or "env-first",  # type: ignore[arg-type]
        no_switch=no_switch,
        **telemetry_fields,  # type: ignore[arg-type]
    )
    tool = Tool(
        id=tool_id, name=name, telemetry=telemetry, source=source, origin=path, vendor=vendor, homepage=homepage,
        privacy_policy=privacy, detect=Detect(executables=executables, paths=tuple(detect_paths),
                                                    other_packages=other_packages),
        category=category, sources=sources, verified=verified, proofs=proofs,
    )
    return ManifestResult(tool, [], declared)


def load_manifest_file(path: str | os.PathLike[str], source: Source = Source.MANIFEST) -> ManifestResult:
    """Read and parse one manifest file; size, read and encoding failures become problems, never exceptions."""
    path = str(path)
    try:
        data = read_regular_file(path, MAX_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return ManifestResult(None, [Problem(f"cannot read: {getattr(exc, 'strerror', None) or exc}", path)])
    if len(data) > MAX_BYTES:
        return ManifestResult(None, [Problem(f"larger than {MAX_BYTES // 1024} KiB; not read", path)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ManifestResult(None, [Problem("not valid UTF-8", path, line)])
    return parse_manifest(text.removeprefix("\ufeff"), path, source)
