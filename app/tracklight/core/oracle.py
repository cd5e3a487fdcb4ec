"""Execution oracles: how `make prove` asks a real tool whether its telemetry is on (resources/catalog/oracles/).

An oracle is data, one TOML file per catalog entry, named like the entry: what to install (a pinned package from
PyPI, npm or Debian's archive), what to run (the tool's own status command, or a Python script calling its own
decision function), and which output means on and which means off. The format is documented in
resources/catalog/oracles/README.md and in resources/manifest/SPEC.md; a broken oracle is named with its line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracklight.core.manifest import ID_RE, FieldReader, toml_error_line
from tracklight.core.model import Problem
from tracklight.core.toml_positions import TomlPositions

KNOWN_VERSIONS = (1,)
DEFAULT_TIMEOUT = 120
MAX_TIMEOUT = 900
REGISTRIES = ("pypi", "npm", "debian")
# Pinned: pypi:NAME==VERSION, npm:NAME@VERSION (scoped: npm:@scope/name@VERSION), debian:NAME or debian:NAME=VERSION.
_PINNED = {
    "pypi": re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9,._-]+\])?)==(?P<version>[A-Za-z0-9.+!-]+)"),
    "npm": re.compile(r"(?P<name>(?:@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*)@(?P<version>[0-9][A-Za-z0-9.+-]*)"),
    "debian": re.compile(r"(?P<name>[a-z0-9][a-z0-9.+-]+)(?:=(?P<version>[A-Za-z0-9.+:~-]+))?"),
}
PLACEHOLDERS = ("{bin}", "{python}", "{prefix}", "{home}")


@dataclass(frozen=True)
class Package:
    """One pinned package: registry, name and version (a Debian package may leave the version to the archive)."""

    registry: str
    name: str
    version: str

    @property
    def spec(self) -> str:
        """As written in an oracle and recorded in a proof: pypi:NAME==V, npm:NAME@V, debian:NAME[=V]."""
        if self.registry == "pypi":
            return f"pypi:{self.name}=={self.version}"
        if self.registry == "npm":
            return f"npm:{self.name}@{self.version}"
        return f"debian:{self.name}" + (f"={self.version}" if self.version else "")

    @property
    def base_name(self) -> str:
        """The distribution name without extras ("meltano" of "meltano[s3]"), for what is installed."""
        return self.name.split("[", 1)[0]

    def latest(self) -> Package:
        """The same package, any version: what `--latest` installs."""
        return Package(self.registry, self.name, "")


def parse_package(text: str) -> Package | None:
    """A pinned package spec, or None when it is not one."""
    registry, _, rest = text.partition(":")
    pattern = _PINNED.get(registry)
    match = pattern.fullmatch(rest) if pattern else None
    if match is None:
        return None
    return Package(registry, match.group("name"), match.group("version") or "")


@dataclass(frozen=True)
class Plant:
    """One step that puts the tool in its on-state before it is asked: a file written, or a command run."""

    path: str = ""  # "~/…": a file in the sandbox home
    text: str = ""
    command: str = ""  # run in the sandbox (placeholders allowed), before the first question


@dataclass(frozen=True)
class WatchQuestion:
    """`[watch]`: a command that phones home while telemetry is on, run under `tracklight watch`; contacting one of
    `endpoints` means on, contacting none means off."""

    command: str  # a bash command (placeholders allowed)
    endpoints: tuple[str, ...]  # host names, each one of the entry's declared endpoints


@dataclass(frozen=True)
class Oracle:
    """How to install one tool and ask it whether it would send telemetry."""

    id: str  # the catalog entry (the file name)
    package: Package
    oracle: str  # what is asked, in words: goes into the proof record
    on: str = ""  # a regular expression searched in the output: telemetry on (with command or python)
    off: str = ""  # … telemetry off
    command: str = ""  # a bash command, or:
    python: str = ""  # a Python script run with the installed interpreter
    also: tuple[Package, ...] = ()  # more packages installed beside it (same registry)
    no_deps: bool = False  # pypi: install without dependencies (then `also` names the few modules needed)
    plant: tuple[Plant, ...] = ()
    timeout: int = DEFAULT_TIMEOUT  # seconds, per question
    ci: bool = False  # part of the time-bounded subset CI runs
    note: str = ""
    origin: str = ""
    watch: WatchQuestion | None = None  # the network question, beside or instead of the status question
    # Variables (or "file:KEY") the value probes leave alone, each with why (the question asks a layer whose rule is
    # not the sender's: Nuxt skips @nuxt/telemetry for any value, the module's own status reads only 1 and true).
    unprobed: tuple[tuple[str, str], ...] = ()
    # The tool's own opt-out (a bash command: `wrangler telemetry disable`), run after the undo: the tool must then
    # say off and Tracklight must read off too, or a user who opted out the vendor's way is shown as tracked.
    own_optout: str = ""

    @property
    def asks_status(self) -> bool:
        """True when the tool is asked through its status command or decision function (command or python)."""
        return bool(self.command or self.python)

    @property
    def plants_on_state(self) -> bool:
        """True when the on-state is planted: the first answer then says nothing about the tool's default."""
        return bool(self.plant)


def _regex(reader: FieldReader, table: dict[str, Any], key: str) -> str:
    value = reader.text(table, key, (), required=True)
    try:
        re.compile(value)
    except re.error as exc:
        reader.problem(f"'{key}' is not a valid regular expression: {exc}", key)
        return ""
    return value


def _packages(reader: FieldReader, data: dict[str, Any]) -> tuple[Package | None, tuple[Package, ...]]:
    main = None
    raw = reader.text(data, "package", (), required=True)
    if raw:
        main = parse_package(raw)
        if main is None:
            reader.problem(f"'package' must be pinned: pypi:NAME==VERSION, npm:NAME@VERSION or debian:NAME[=VERSION], "
                           f"got {raw!r}", "package")
    also = []
    for item in reader.strings(data, "also", ()):
        package = parse_package(item)
        if package is None:
            reader.problem(f"'also' must list pinned packages like 'package', got {item!r}", "also")
        elif main is not None and package.registry != main.registry:
            reader.problem(f"'also' must come from the same registry as 'package' ({main.registry}), got {item!r}",
                           "also")
        else:
            also.append(package)
    return main, tuple(also)


def _plants(reader: FieldReader, data: dict[str, Any]) -> tuple[Plant, ...]:
    raw = data.get("plant", [])
    if not isinstance(raw, list):
        reader.problem("'plant' must be an array of tables ([[plant]])", "plant")
        return ()
    plants = []
    for number, item in enumerate(raw):
        where = ("plant", number)
        if not isinstance(item, dict):
            reader.problem("each plant entry must be a table", "plant")
            continue
        path = reader.text(item, "path", where)
        text = reader.text(item, "text", where)
        command = reader.text(item, "command", where)
        if bool(path) == bool(command):
            reader.problem("a plant step is either a file (path and text) or a command, not both or neither", *where)
        elif path and not path.startswith("~/"):
            reader.problem(f"a planted file must be in the sandbox home (start with ~/), got {path!r}", *where, "path")
        elif path and "/../" in path + "/":
            reader.problem(f"a planted file may not climb out of the home with '..': {path!r}", *where, "path")
        else:
            plants.append(Plant(path=path, text=text, command=command))
    return tuple(plants)


def _watch(reader: FieldReader, data: dict[str, Any]) -> WatchQuestion | None:
    raw = data.get("watch")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.problem("'watch' must be a table ([watch])", "watch")
        return None
    command = reader.text(raw, "command", ("watch",), required=True)
    endpoints = tuple(reader.strings(raw, "endpoints", ("watch",)))
    if not endpoints:
        reader.problem("[watch] needs 'endpoints': the declared host names the command contacts while on",
                       "watch")
    for endpoint in endpoints:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", endpoint):
            reader.problem(f"a watched endpoint is a host name, got {endpoint!r}", "watch", "endpoints")
    unknown = sorted(set(raw) - {"command", "endpoints"})
    if unknown:
        reader.problem(f"unknown field(s) in [watch]: {', '.join(unknown)}", "watch")
    if not command or not endpoints:
        return None
    return WatchQuestion(command=command, endpoints=endpoints)


def _unprobed(reader: FieldReader, data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = data.get("unprobed", {})
    if not isinstance(raw, dict):
        reader.problem("'unprobed' must be a table: VARIABLE = \"why its values are not probed\"", "unprobed")
        return ()
    found = []
    for name, why in raw.items():
        if not isinstance(why, str) or not why.strip():
            reader.problem(f"'unprobed.{name}' must say why (a non-empty string)", "unprobed", name)
        else:
            found.append((name, why.strip()))
    return tuple(found)


def parse_oracle(text: str, path: str) -> tuple[Oracle | None, list[Problem]]:
    """Parse one oracle file; every problem carries its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(f"not valid TOML: {exc}", path, toml_error_line(exc))]
    tool_id = Path(path).name.removesuffix(".toml")
    reader = FieldReader(path, TomlPositions(text), tool_id)
    version = data.get("oracle_version")
    if version not in KNOWN_VERSIONS or isinstance(version, bool):
        reader.problem(f"'oracle_version' must be {KNOWN_VERSIONS[0]}, got {version!r}", "oracle_version")
        return None, reader.problems
    if not ID_RE.fullmatch(tool_id):
        reader.problem(f"the file must be named after a catalog entry id (<id>.toml), got {Path(path).name!r}")
    package, also = _packages(reader, data)
    command = reader.text(data, "command", ())
    python = reader.text(data, "python", ())
    watch = _watch(reader, data)
    if command and python:
        reader.problem("an oracle asks the tool with either 'command' or 'python' (exactly one)", "command")
    elif not command and not python and "watch" not in data:
        reader.problem("an oracle asks the tool with either 'command' or 'python' (exactly one), or watches it "
                       "([watch])", "oracle")
    no_deps = data.get("no_deps", False)
    if not isinstance(no_deps, bool):
        reader.problem("'no_deps' must be true or false", "no_deps")
    elif no_deps and package is not None and package.registry != "pypi":
        reader.problem("'no_deps' applies to pypi packages only", "no_deps")
    ci = data.get("ci", False)
    if not isinstance(ci, bool):
        reader.problem("'ci' must be true or false", "ci")
    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= MAX_TIMEOUT:
        reader.problem(f"'timeout' must be a whole number of seconds from 1 to {MAX_TIMEOUT}", "timeout")
    fields = {
        "oracle": reader.text(data, "oracle", (), required=True),
        "note": reader.text(data, "note", ()),
    }
    if command or python:
        fields["on"] = _regex(reader, data, "on")
        fields["off"] = _regex(reader, data, "off")
    else:
        for key in ("on", "off"):
            if key in data:
                reader.problem(f"'{key}' reads the answer of 'command' or 'python'; a watch-only oracle has none",
                               key)
    plants = _plants(reader, data)
    unprobed = _unprobed(reader, data)
    own_optout = reader.text(data, "own_optout", ())
    if reader.problems or package is None:
        return None, reader.problems
    return Oracle(id=tool_id, package=package, command=command, python=python, also=also, no_deps=bool(no_deps),
                  plant=plants, timeout=timeout, ci=bool(ci), origin=path, watch=watch, unprobed=unprobed,
                  own_optout=own_optout, **fields), []


def load_oracle_file(path: str | Path) -> tuple[Oracle | None, list[Problem]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(f"cannot read: {exc}", str(path))]
    return parse_oracle(text, str(path))


def load_oracles(folder: str | Path) -> tuple[list[Oracle], list[Problem]]:
    """Every oracle in a folder (sorted by id), and every problem found."""
    oracles, problems = [], []
    for path in sorted(Path(folder).glob("*.toml")):
        oracle, found = load_oracle_file(path)
        problems += found
        if oracle is not None:
            oracles.append(oracle)
    return oracles, problems
