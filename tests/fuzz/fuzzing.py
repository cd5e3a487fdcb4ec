"""Issue 13's campaign, kept: a seeded mutator over manifests and every preference format (`make fuzz`).

Manifests: each case is a catalog entry or a hand-made hostile one, mutated 1–4 times (bytes, TOML tokens, deep
nesting, NUL escapes, odd patterns). It is parsed as `manifest validate` parses it; when it is accepted, the scan's
detection and the opt-out planner run on it in a sandbox home. Any exception that escapes (or the planner's
catch-all "could not plan the change (SomeError: …)") is a **crash**.

Preference files: for each format, the fixtures of tests/formats/fixtures/<format>/ (with their key and opt-out
value) are mutated and put where a user manifest's control points; the opt-out runs through `changes.Changes`,
exactly as `tracklight optout` runs it, then undo. Counted:
- **crash**: an exception escaping, or the planner's catch-all;
- **false success**: done (or "already off") while the tool's reader (the scan) does not read off, or while the
  format's real parser (json, tomllib, PyYAML, configparser, `git config`, expat, `dash`, Terraform when installed,
  Go's and Dart's rules) rejects the file before or after, or reads a value that does not mean off;
- **refusal that changed the file**: a refused change must leave every byte;
- **undo failure**: undo does not give the original bytes back exactly.

Run: `python tests/fuzz/fuzzing.py --manifests 10000 --files 500 [--seed N]`; exit 1 when any count is not 0.
tests/fuzz/test_fuzz.py runs a few hundred cases in `make test`.
"""

from __future__ import annotations

import argparse
import configparser
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "tests" / "formats" / "fixtures"
CATALOG = ROOT / "resources" / "catalog"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
FORMATS = ("json", "jsonc", "toml", "yaml", "ini", "gitconfig", "xml", "hcl", "shellvars", "plain", "plain_line",
           "keyvalue", "keyvalue_exact")
FILE_NAMES = {"json": "settings.json", "jsonc": "settings.json", "toml": "config.toml", "yaml": "config.yaml",
              "ini": "config.ini", "gitconfig": "config", "xml": "config.xml", "hcl": "config.hcl",
              "shellvars": "settings.env", "plain": "mode", "plain_line": "choice.txt", "keyvalue": "settings.txt",
              "keyvalue_exact": "settings.txt"}

REJECT = object()  # the real parser refuses the file
WHY: dict[str, str] = {"last": ""}  # what the last external parser said when it refused
DUMP: dict[str, Path | None] = {"folder": None}  # --dump: where the original of each finding is written
MISSING = object()  # it parses, and the key is not there


@dataclass
class Stats:
    cases: int = 0
    accepted: int = 0  # manifests: valid; files: changed (or already off)
    refused: int = 0
    crashes: list[str] = field(default_factory=list)
    false_successes: list[str] = field(default_factory=list)
    changed_when_refused: list[str] = field(default_factory=list)
    undo_failures: list[str] = field(default_factory=list)
    undone: int = 0

    @property
    def bad(self) -> int:
        return len(self.crashes) + len(self.false_successes) + len(self.changed_when_refused) + len(self.undo_failures)


# ---------------------------------------------------------------- the mutator

COMMON_TOKENS = ["\n", "\r\n", "\r", "\ufeff", " ", "\t", "#", "\"", "'", "\\", "=", ":", ",", ";", "[", "]", "{",
                 "}", "\x00", "\x7f", "\u2028", "\u0085", "\u00e9", "\U0001f600", "true", "false", "0", "1", "-1",
                 "on", "off", "yes", "no", "null", "~", "$", "`", "&", "|", "<", ">", "(", ")", "*", "!", "%"]
FORMAT_TOKENS: dict[str, list[str]] = {
    "json": ["{}", "[]", "\"telemetry\"", "//", "/*", "*/", "NaN", "1e999", "\"\\u0000\"", ",}"],
    "jsonc": ["//", "/*", "*/", "{}", "[]", ",}", ",]", "\"telemetry.telemetryLevel\"", "\"\\\""],
    "toml": ["[[a]]", "[a.b]", "a.b = 1", "\"\"\"", "'''", "= {", "1979-05-27", "inf", "x = [", "telemetry"],
    "yaml": ["---", "...", "- ", ": ", "&a", "*a", "!!str", "|", ">-", "? ", "{a: 1}", "[1,", "  ", "%YAML 1.2"],
    "ini": ["[core]", "[", "]", "\n  continued", "key", " = ", ";comment", "[DEFAULT]", "%(x)s"],
    "gitconfig": ["[core]", "[a \"b\"]", "\\\n", "\"", "key = ", "[include]", "path", "=", ";"],
    "xml": ["<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&x;", "<?xml version=\"1.0\"?>",
            "<!DOCTYPE a>", "<options>", "</options>", "<urAccepted>", "</urAccepted>", "\"", "="],
    "hcl": ["{", "}", "=", "\"", "#", "//", "/*", "*/", "<<EOF\n", "\nEOF\n", "disable_checkpoint", "provider", "[",
            "]", "true", "bare"],
    "shellvars": ["if true; then ", "; fi", "&&", "||", "|", "&", ";", ";;", "$(", ")", "`", "${", "}", "export ",
                  "unset ", ". /x", "<<EOF\n", "\nEOF\n", "PARTICIPATE=", "\"", "'", "\\\n", "case x in", "{ ", " }",
                  "f() ", "echo >", "#"],
    "plain": ["on", "off", "local", " ", "\n", "\ufeff", "off 2026-01-01", "\t"],
    "keyvalue": ["reporting=", "=", "#", "\"", "'", "HOMEBREW_", "export ", " ", "\n"],
}
FORMAT_TOKENS["keyvalue_exact"] = FORMAT_TOKENS["keyvalue"]  # the same files, read literally
FORMAT_TOKENS["plain_line"] = FORMAT_TOKENS["plain"] + ["opt-out", "opt-in", "out", "DISABLED", "ENABLED", "true"]
TOML_HOSTILE = ["[" * 600 + "]" * 600, "{a = " * 300 + "1" + "}" * 300, "\"\\u0000\"", "\"\"", "\"x\"" * 50,
                "\"(([^!])+)+!\"", "\"(?!x).+\"", "\"~/../../etc/passwd\"", "\"$HOME/.bashrc\"", "\"LD_PRELOAD\"",
                "\"\\u2028\"", "\"" + "a" * 5000 + "\"", "99999999999999999999", "-0", "nan", "1979-05-27T07:32:00Z",
                "[]", "{}", "true", "\"env\"", "\"file\"", "\"json\"", "\"nonempty\"", "\"casefold\""]


def mutate(data: str, rng: random.Random, tokens: list[str], rounds: int | None = None) -> str:
    """1–4 random edits: insert a token, delete a span, duplicate or swap lines, replace a character, CRLF, BOM."""
    for _ in range(rounds or rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randint(0, len(data)) if data else 0
        if op < 0.35:
            data = data[:pos] + rng.choice(tokens) + data[pos:]
        elif op < 0.5 and data:
            end = min(len(data), pos + rng.randint(1, 12))
            data = data[:pos] + data[end:]
        elif op < 0.62:
            lines = data.split("\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[rng.randrange(len(lines))])
            data = "\n".join(lines)
        elif op < 0.72:
            lines = data.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = "\n".join(lines)
        elif op < 0.82 and data:
            i = rng.randrange(len(data))
            data = data[:i] + chr(rng.choice([rng.randint(0, 127), rng.randint(128, 0x3000)])) + data[i + 1:]
        elif op < 0.88:
            data = data.replace("\r\n", "\n").replace("\n", "\r\n")
        elif op < 0.94:
            data = "\ufeff" + data
        else:
            data = data[: rng.randint(0, len(data))]
    return data


# ---------------------------------------------------------------- manifests


def manifest_seeds() -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(CATALOG.glob("*.toml"))]
    seeds.append(MANIFEST_TEMPLATE.format(tool_id="acme", controls=""))
    return seeds


MANIFEST_TEMPLATE = """manifest_version = 1
id = "{tool_id}"
name = "Acme"
vendor = "Acme"
[detect]
executables = ["acme"]
paths = ["~/.config/{tool_id}"]
[telemetry]
tier = "anonymized"
default = "on"
{controls}"""

CONTROL_TEMPLATE = """[[telemetry.controls]]
kind = "file"
path = "$XDG_CONFIG_HOME/{tool_id}/{name}"
format = "{format}"
key = {key}
off = {off}
"""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


class Sandbox:
    """A home of its own (HOME and every XDG_* inside), a system root with no policy, a fixed clock."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        (base / "sysroot").mkdir(exist_ok=True)
        self.env = {"HOME": str(self.home), "PATH": "/nonexistent", "XDG_DATA_DIRS": str(base / "usr-share"),
                    "XDG_CONFIG_DIRS": str(base / "etc-xdg"), "TRACKLIGHT_SYSTEM_ROOT": str(base / "sysroot"),
                    "LANG": "C.UTF-8"}
        self.disclosures = self.home / ".local/share/telemetry-disclosures"
        self.disclosures.mkdir(parents=True, exist_ok=True)

    def reset_state(self) -> None:
        shutil.rmtree(self.home / ".local/state", ignore_errors=True)


def _report(tool: Any, sandbox: Sandbox) -> Any:
    from tracklight.core import locations
    from tracklight.core.detect import PathIndex, ScanContext, detect_state
    from tracklight.core.environment import environment_view
    from tracklight.core.model import ToolReport

    os_ = locations.current_os()
    root = sandbox.env["TRACKLIGHT_SYSTEM_ROOT"]
    context = ScanContext(os_, sandbox.env, root, environment_view(os_, sandbox.env), PathIndex("", os_))
    state, evidence, problems = detect_state(tool, context)
    return ToolReport(tool=tool, installed=True, state=state, evidence=evidence, problems=problems)


CATCH_ALL = "could not plan the change ("


def run_manifests(count: int, seed: int, sandbox: Sandbox) -> Stats:
    """`count` mutated manifests through validate, detection and the planner."""
    from tracklight.changes.changeset import Action
    from tracklight.changes.plan import PlanContext, plan_changes
    from tracklight.core.manifest import parse_manifest

    rng = random.Random(seed)
    seeds = manifest_seeds()
    tokens = COMMON_TOKENS + TOML_HOSTILE + ["\n[[telemetry.controls]]\n", "kind = ", "path = ", "key = ", "off = ",
                                             "name = ", "format = ", "off_pattern = ", "on_when = ", "write = ",
                                             "\nid = ", "\n[detect]\n", "\n[telemetry]\n", "paths = ", "tier = "]
    ctx = PlanContext.create(sandbox.env, now=NOW)
    stats = Stats()
    batch: dict[str, str] = {}
    for number in range(count):
        if len(batch) >= SCAN_BATCH:
            _scan_batch(batch, sandbox, stats, f"manifests {number - SCAN_BATCH}-{number - 1} (seed {seed})")
        text = mutate(rng.choice(seeds), rng, tokens)
        stats.cases += 1
        named = re.search(r'^id = "([^"\n]*)"', text, re.MULTILINE)  # a manifest's file is named for its id
        name = named.group(1) if named and re.fullmatch(r"[A-Za-z0-9_-]{1,100}", named.group(1)) else "case"
        path = str(sandbox.disclosures / f"{name}.toml")
        where = f"manifest case {number} (seed {seed})"
        batch[path] = text
        try:
            result = parse_manifest(text, path)
        except Exception as exc:  # noqa: BLE001 - the campaign counts every escape
            stats.crashes.append(f"{where}: validate: {type(exc).__name__}: {exc}"[:300])
            continue
        if result.tool is None:
            stats.refused += 1
            continue
        stats.accepted += 1
        try:
            report = _report(result.tool, sandbox)
            planned = plan_changes(Action.OPTOUT, [report], ctx)
        except Exception as exc:  # noqa: BLE001
            stats.crashes.append(f"{where}: scan/plan: {type(exc).__name__}: {exc}"[:300])
            continue
        for failure in planned.failures:
            if str(failure.error).startswith(CATCH_ALL) or CATCH_ALL in str(failure.error):
                stats.crashes.append(f"{where}: {failure}"[:300])
    if batch:
        _scan_batch(batch, sandbox, stats, f"the last manifests (seed {seed})")
    return stats


SCAN_BATCH = 250


def _scan_batch(batch: dict[str, str], sandbox: Sandbox, stats: Stats, where: str) -> None:
    """The whole scan over a folder of these manifests, accepted and refused alike: a refused one is a problem on
    that file, never a crash of the scan (what `tracklight scan` meets on a machine)."""
    from tracklight.core.scan import scan

    for path, text in batch.items():
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
            handle.write(text)
    try:
        scan(env=sandbox.env)
    except Exception as exc:  # noqa: BLE001
        stats.crashes.append(f"{where}: scan: {type(exc).__name__}: {exc}"[:300])
    for path in batch:
        os.unlink(path)
    batch.clear()


# ---------------------------------------------------------------- real parsers


def _without_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


def _walk(document: Any, segments: list[str]) -> Any:
    for segment in segments:
        if not isinstance(document, dict) or segment not in document:
            return MISSING
        document = document[segment]
    return document


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def real_json(data: bytes, key: str) -> Any:
    from tracklight.formats import split_key

    try:
        text = _without_bom(data.decode("utf-8"))
        # An empty file holds no settings: the tools behind this format (configstore and the like) start afresh.
        document = json.loads(text, parse_constant=_json_constant) if text.strip() else {}
    except (ValueError, RecursionError):
        return REJECT
    return _walk(document, split_key(key))


def real_jsonc(data: bytes, key: str) -> Any:
    sys.path.insert(0, str(ROOT / "tests" / "formats"))
    from reference_parsers import strip_jsonc  # type: ignore[import-not-found]

    from tracklight.formats import split_key

    try:
        stripped = strip_jsonc(_without_bom(data.decode("utf-8")))
        # VS Code's reader (microsoft/node-jsonc-parser) takes a file of comments or white space only as empty
        document = json.loads(stripped, parse_constant=_json_constant) if stripped.strip() else {}
    except (ValueError, IndexError, RecursionError):
        return REJECT
    return _walk(document, split_key(key))


def real_toml(data: bytes, key: str) -> Any:
    from tracklight.formats import split_key

    try:
        document = tomllib.loads(_without_bom(data.decode("utf-8")))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return REJECT
    return _walk(document, split_key(key))


def real_yaml(data: bytes, key: str) -> Any:
    import yaml

    from tracklight.formats import split_key

    try:
        document = yaml.safe_load(_without_bom(data.decode("utf-8")))
    except (yaml.YAMLError, ValueError, RecursionError):
        return REJECT
    return _walk(document, split_key(key))


def real_ini(data: bytes, key: str) -> Any:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(_without_bom(data.decode("utf-8")))
    except (configparser.Error, ValueError):
        return REJECT
    section, _, option = key.partition(".")
    if not parser.has_section(section) or not parser.has_option(section, option):
        return MISSING
    return parser.get(section, option)


def real_gitconfig(data: bytes, key: str, scratch: Path) -> Any:
    target = scratch / "gitconfig"
    target.write_bytes(data)
    done = subprocess.run(["git", "config", "--file", str(target), "--get", key], capture_output=True, check=False,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch),
                               "GIT_CONFIG_NOSYSTEM": "1"}, timeout=30)
    if done.returncode == 1:
        return MISSING
    if done.returncode != 0:
        return REJECT
    return done.stdout.decode("utf-8", "replace").rstrip("\n")


def real_xml(data: bytes, key: str) -> Any:
    try:
        xml.parsers.expat.ParserCreate().Parse(data, True)
        root = ElementTree.fromstring(data)
    except (xml.parsers.expat.ExpatError, ElementTree.ParseError, ValueError):
        return REJECT
    segments = key.split(".")
    if root.tag != segments[0]:
        return MISSING
    found = [root]
    for segment in segments[1:]:
        found = [child for element in found for child in element if child.tag == segment]
    if not found:
        return MISSING
    return (found[-1].text or "").strip()


def real_hcl(data: bytes, key: str, scratch: Path) -> Any:
    """Terraform's own CLI-config reader accepts or rejects the file (the value is read by our reader)."""
    if not shutil.which("terraform"):
        return None
    target = scratch / "terraformrc"
    target.write_bytes(data)
    done = subprocess.run(["terraform", "version"], capture_output=True, check=False, timeout=60, cwd=scratch,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch),
                               "TF_CLI_CONFIG_FILE": str(target), "CHECKPOINT_DISABLE": "1"})
    if b"Error parsing" in done.stdout + done.stderr:  # a syntax error (not, say, a missing plugin folder)
        found = re.search(rb"Error parsing [^:]*: ([^\n]*)", done.stdout + done.stderr)
        WHY["last"] = found.group(1).decode("utf-8", "replace") if found else ""
        return REJECT
    return None  # accepted; no value to compare


def real_shellvars(data: bytes, key: str, scratch: Path) -> Any:
    """dash: `dash -n` must accept it, then sourcing it (no PATH, in a scratch folder) gives the value."""
    if not shutil.which("dash"):
        return None
    target = scratch / "vars.sh"
    target.write_bytes(data)
    env = {"PATH": "/nonexistent", "HOME": str(scratch)}
    checked = subprocess.run([shutil.which("dash") or "dash", "-n", str(target)], capture_output=True, check=False,
                             env=env, cwd=scratch, timeout=30)
    if checked.returncode != 0:
        WHY["last"] = checked.stderr.decode("utf-8", "replace").strip()[-200:]
        return REJECT
    # `command .`: a fatal error in the file stops the sourcing there (as it stops the tool's own `. file`) without
    # killing the shell that prints what was set by then.
    script = (f'command . "$1" >/dev/null 2>&1 </dev/null; '
              f'if [ "${{{key}+set}}" = set ]; then printf "S%s" "${key}"; fi')
    try:
        done = subprocess.run([shutil.which("dash") or "dash", "-c", script, "dash", str(target)], capture_output=True,
                              check=False, env=env, cwd=scratch, timeout=10)
    except subprocess.TimeoutExpired:
        WHY["last"] = "sourcing it does not end"
        return REJECT
    out = done.stdout.decode("utf-8", "surrogateescape")
    return out[1:] if out.startswith("S") else MISSING


def real_plain(data: bytes, key: str) -> Any:
    """Go's reader (golang/telemetry internal/telemetry/dir.go, Dir.Mode): TrimSpace, the text before the first
    space; a file that is empty after trimming is no mode. Go's TrimSpace keeps a BOM."""
    text = data.decode("utf-8", "replace").strip("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                                                  "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
    return text.split(" ", 1)[0] if text else MISSING


def real_plain_line(data: bytes, key: str) -> Any:
    """Tilt's and kongctl's reader (wmclient pkg/analytics/opt.go, kongctl internal/telemetry ReadPreference):
    TrimSpace of the whole file; an empty result is compared as "" by both, which Tracklight counts as no setting."""
    text = data.decode("utf-8", "replace").strip("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
                                                  "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
    return text if text else MISSING


def real_keyvalue(data: bytes, key: str) -> Any:
    """Dart's reader for `reporting` (dart-lang/tools pkgs/unified_analytics lib/src/config_handler.dart,
    parseConfig): every line matching `^reporting=([0|1]) *$` (multi-line); any "0" disables. Other keys have no
    independent reader here (None)."""
    if key != "reporting":
        return None
    # Dart's RegExp(multiLine: true) follows ECMAScript: ^ and $ also match at \r, U+2028 and U+2029.
    js_line = "\n\r\u2028\u2029"
    # Every matching line counts, and one "0" disables ("the more conservative value", ConfigHandler.parseConfig).
    found = re.findall(f"(?:^|(?<=[{js_line}]))reporting=([0|1]) *(?=[{js_line}]|\\Z)", data.decode("utf-8", "replace"))
    if not found:
        return MISSING
    return "0" if "0" in found else found[0]


def real_reader(format_name: str, scratch: Path) -> Callable[[bytes, str], Any]:
    simple: dict[str, Callable[[bytes, str], Any]] = {
        "json": real_json, "jsonc": real_jsonc, "toml": real_toml, "yaml": real_yaml, "ini": real_ini,
        "xml": real_xml, "plain": real_plain, "plain_line": real_plain_line, "keyvalue": real_keyvalue,
        "keyvalue_exact": real_keyvalue}
    if format_name in simple:
        return simple[format_name]
    scratched = {"gitconfig": real_gitconfig, "hcl": real_hcl, "shellvars": real_shellvars}[format_name]
    return lambda data, key: scratched(data, key, scratch)


# ---------------------------------------------------------------- preference files through opt-out and undo


@dataclass(frozen=True)
class FileSeed:
    data: str
    key: str
    off: Any


def file_seeds(format_name: str) -> list[FileSeed]:
    folder = FIXTURES / ("keyvalue" if format_name == "keyvalue_exact" else format_name)  # same files, two readers
    cases = tomllib.loads((folder / "cases.toml").read_text(encoding="utf-8"))["case"]
    seeds = []
    for case in cases:
        raw = (folder / case["file"]).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        off = case["off"]
        if format_name == "plain":  # Go reads the first word: the fixtures' "off 2026-11-30" is written, "off" read
            off = str(off).split(" ", 1)[0]
        seeds.append(FileSeed(text, case.get("key", "mode"), off))
    return seeds


def _means_off(control: Any, value: Any) -> bool:
    from tracklight.core.detect import meaning_of
    from tracklight.core.model import Meaning

    if value is MISSING or value is REJECT:
        return False
    if isinstance(value, (dict, list)) or value is None:
        return False
    return meaning_of(control, value) is Meaning.OFF


def run_format(format_name: str, count: int, seed: int, sandbox: Sandbox) -> Stats:
    """`count` mutated files of one format through opt-out and undo (see the module docstring)."""
    from tracklight.changes.changeset import Action
    from tracklight.changes.operations import Changes
    from tracklight.core.manifest import parse_manifest
    from tracklight.core.model import State
    from tracklight.errors import TracklightError

    rng = random.Random(f"{seed}-{format_name}")
    seeds = file_seeds(format_name)
    tokens = COMMON_TOKENS + FORMAT_TOKENS[format_name]
    stats = Stats()
    scratch = sandbox.base / f"scratch-{format_name}"
    scratch.mkdir(exist_ok=True)
    real = real_reader(format_name, scratch)
    tools = []
    for number, file_seed in enumerate(seeds):
        tool_id = f"fuzz-{format_name.replace('_', '-')}-{number}"
        key = file_seed.key
        text = MANIFEST_TEMPLATE.format(tool_id=tool_id, controls=CONTROL_TEMPLATE.format(
            tool_id=tool_id, name=FILE_NAMES[format_name], format=format_name, key=json.dumps(key),
            off=_toml_value(file_seed.off)))
        result = parse_manifest(text, str(sandbox.disclosures / f"{tool_id}.toml"))
        tools.append(result.tool)  # None: a key no manifest may name (git's own settings): that seed is not used
    usable = [i for i, tool in enumerate(tools) if tool is not None]
    for number in range(count):
        which = rng.choice(usable)
        file_seed, tool = seeds[which], tools[which]
        control = tool.telemetry.controls[0]
        original = mutate(file_seed.data, rng, tokens).encode("utf-8", "surrogatepass")
        where = f"{format_name} case {number} (seed {seed})"
        path = sandbox.home / ".config" / tool.id / FILE_NAMES[format_name]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(original)
        sandbox.reset_state()
        stats.cases += 1
        changes = Changes(env=sandbox.env, now=lambda: NOW)
        try:
            report = _report(tool, sandbox)
            outcome = changes.run(Action.OPTOUT, [report])
        except TracklightError as exc:
            stats.refused += 1
            if path.read_bytes() != original:
                stats.changed_when_refused.append(f"{where}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - the campaign counts every escape
            stats.crashes.append(f"{where}: {type(exc).__name__}: {exc}"[:300])
            continue
        if outcome.plan.failures:
            stats.refused += 1
            failure = outcome.plan.failures[0]
            if CATCH_ALL in str(failure.error):
                stats.crashes.append(f"{where}: {failure}"[:300])
            elif str(path) not in str(failure.error) and failure.error.path != str(path):
                stats.crashes.append(f"{where}: the error does not name the file: {failure}"[:300])
            if path.read_bytes() != original:
                stats.changed_when_refused.append(f"{where}: {failure}"[:300])
            continue
        stats.accepted += 1
        found_before = len(stats.false_successes)
        after = path.read_bytes()
        try:
            state = _report(tool, sandbox).state
        except Exception as exc:  # noqa: BLE001
            stats.crashes.append(f"{where}: scan after: {type(exc).__name__}: {exc}"[:300])
            continue
        if state is not State.OFF:
            stats.false_successes.append(f"{where}: reported done, the scan reads {state.value}")
        before_real = real(original, control.key or "")
        after_real = real(after, control.key or "")
        if before_real is REJECT:
            WHY["last"] = ""
            real(original, control.key or "")
            stats.false_successes.append(f"{where}: done, but the real parser rejects the original file "
                                         f"({WHY['last']}) {original[:400]!r}")
        elif after_real is REJECT:
            stats.false_successes.append(f"{where}: done, but the real parser rejects the edited file {after[:120]!r}")
        elif after_real is not None and not _means_off(control, after_real):
            shown = "no such key" if after_real is MISSING else repr(after_real)
            stats.false_successes.append(f"{where}: done, but the real parser reads {shown} in {after[:160]!r}")
        if DUMP["folder"] is not None and len(stats.false_successes) > found_before:
            (DUMP["folder"] / f"{format_name}-{seed}-{number}").write_bytes(original)
        if outcome.applied is None:
            continue  # already off: nothing to undo
        try:
            changes.undo()
        except Exception as exc:  # noqa: BLE001
            stats.undo_failures.append(f"{where}: undo raised {type(exc).__name__}: {exc}"[:300])
            continue
        if path.read_bytes() != original:
            stats.undo_failures.append(f"{where}: undo gave {path.read_bytes()[:80]!r}, not {original[:80]!r}")
        else:
            stats.undone += 1
    return stats


# ---------------------------------------------------------------- the campaign


def campaign(manifests: int, files: int, seed: int, formats: tuple[str, ...] = FORMATS,
             report: Callable[[str], None] = print) -> dict[str, Stats]:
    results: dict[str, Stats] = {}
    with tempfile.TemporaryDirectory(prefix="tracklight-fuzz-") as base:
        sandbox = Sandbox(Path(base))
        saved = {k: os.environ.get(k) for k in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME",
                                                 "XDG_CACHE_HOME", "TRACKLIGHT_SYSTEM_ROOT")}
        os.environ.update({"HOME": sandbox.env["HOME"], "TRACKLIGHT_SYSTEM_ROOT": sandbox.env["TRACKLIGHT_SYSTEM_ROOT"]})
        for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ.pop(name, None)
        try:
            if manifests:
                started = time.monotonic()
                results["manifests"] = run_manifests(manifests, seed, sandbox)
                report(_line("manifests", results["manifests"], time.monotonic() - started))
            for format_name in formats if files else ():
                started = time.monotonic()
                results[format_name] = run_format(format_name, files, seed, sandbox)
                report(_line(format_name, results[format_name], time.monotonic() - started))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return results


def _line(name: str, stats: Stats, seconds: float) -> str:
    return (f"{name:10} cases {stats.cases:6}  accepted {stats.accepted:6}  refused {stats.refused:6}  "
            f"undone {stats.undone:5}  crashes {len(stats.crashes)}  false successes {len(stats.false_successes)}  "
            f"changed when refused {len(stats.changed_when_refused)}  undo failures {len(stats.undo_failures)}  "
            f"({seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=500, help="cases per format")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--format", action="append", choices=FORMATS, help="only these formats")
    parser.add_argument("--show", type=int, default=5, help="findings shown per kind")
    parser.add_argument("--dump", type=Path, help="write the original file of each false success into this folder")
    args = parser.parse_args(argv)
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
        DUMP["folder"] = args.dump
    results = campaign(args.manifests, args.files, args.seed, tuple(args.format or FORMATS))
    total = Stats()
    for stats in results.values():
        total.cases += stats.cases
        total.accepted += stats.accepted
        total.refused += stats.refused
        total.undone += stats.undone
        for kind in ("crashes", "false_successes", "changed_when_refused", "undo_failures"):
            getattr(total, kind).extend(getattr(stats, kind))
    print(_line("total", total, 0.0).rsplit("  (", 1)[0])
    for kind in ("crashes", "false_successes", "changed_when_refused", "undo_failures"):
        for finding in getattr(total, kind)[: args.show]:
            print(f"  {kind}: {finding}")
    return 1 if total.bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "app"))
    sys.exit(main())
