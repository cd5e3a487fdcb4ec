"""Admin policy v1, the model and its reader: parse and validate the file, resolve what it opts out, and its locks.

The policy is strict where manifests are lenient: an unknown field is an error, because a typo in a policy must not
silently do nothing. Every error names the file and line. Resolving ids against the tools Tracklight knows is a
separate step (`resolve`), so a policy can be parsed before the catalog is loaded.

Which tools the machine's policy locks is core/locks.py (`machine_locks`, the one lock function). Writing the
policy's files is the admin layer's (tracklight.admin); this module only reads, so every layer above core may ask it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracklight.core import locations
from tracklight.core.model import Os
from tracklight.core.readfile import read_regular_file
from tracklight.core.toml_positions import TomlPositions
from tracklight.errors import PolicyError

KNOWN_VERSIONS = (1,)
MAX_BYTES = 1 << 20
ALL = "*"
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")

_TABLES: dict[str, tuple[str, ...]] = {
    "": ("policy_version", "revision", "optout", "lock", "updates"),
    "optout": ("tools", "except", "do_not_track"),
    "lock": ("tools",),
    "updates": ("catalog_url", "catalog_key", "policy_url", "policy_key"),
}


@dataclass(frozen=True)
class UpdateSources:
    """Where signed catalog and policy updates come from, with the ed25519 public keys they must be signed with."""

    catalog_url: str | None = None
    catalog_key: str | None = None
    policy_url: str | None = None
    policy_key: str | None = None  # defaults to catalog_key

    @property
    def policy_signing_key(self) -> str | None:
        return self.policy_key or self.catalog_key


@dataclass(frozen=True)
class Policy:
    """A parsed policy file. `optout` and `lock` hold ids or "*"; `lines` maps each id to where it is written."""

    path: str
    text: str
    version: int
    revision: int = 0
    optout: tuple[str, ...] = ()
    except_: tuple[str, ...] = ()
    do_not_track: bool = False
    lock: tuple[str, ...] = ()
    updates: UpdateSources | None = None
    positions: TomlPositions = field(default_factory=lambda: TomlPositions(""), compare=False, repr=False)

    def line_of(self, where: str, tool_id: str | None = None) -> int | None:
        """The line of a key (`optout.tools`) or of one id written in it."""
        path = tuple(where.split("."))
        if tool_id is not None:
            line = self.positions.value_line(path, tool_id)
            if line is not None:
                return line
        return self.positions.keys.get(path)


@dataclass(frozen=True)
class Resolution:
    """A policy resolved against the tools Tracklight knows: the concrete ids it opts out and locks."""

    policy: Policy
    optout: tuple[str, ...]  # sorted
    locked: frozenset[str]
    do_not_track: bool


# ---------------------------------------------------------------- parsing

def is_allowed_update_url(url: str) -> bool:
    """HTTPS anywhere; plain HTTP only to a loopback address (a local mirror or a test server)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[typo": not a URL at all, so not an allowed one (a policy problem, not a crash)
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def decode_public_key(text: str) -> bytes | None:
    """The 32 raw bytes of a base64 ed25519 public key, or None when it isn't one."""
    import base64

    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == 32 else None


class _Checker:
    """Collects every problem with its line, so one run of `policy check` lists them all."""

    def __init__(self, path: str, positions: TomlPositions) -> None:
        self.path = path
        self.positions = positions
        self.problems: list[tuple[int | None, str]] = []

    def problem(self, message: str, where: str, value: str | None = None) -> None:
        path = tuple(where.split("."))
        line = self.positions.value_line(path, value) if value is not None else None
        if line is None:
            line = self.positions.line(*path)
        self.problems.append((line, message))

    def unknown_fields(self, table: Mapping[str, Any], name: str) -> None:
        allowed = _TABLES[name]
        for key in table:
            if key not in allowed:
                where = f"{name}.{key}" if name else key
                hint = f" (known: {', '.join(allowed)})"
                self.problem(f"unknown field '{where}'{hint}", where)

    def ids(self, table: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
        where = f"{name}.{key}"
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"'{where}' must be an array of tool ids (or [\"*\"])", where)
            return ()
        for item in value:
            if item != ALL and not ID_RE.fullmatch(item):
                self.problem(f"'{where}' has an invalid tool id {item!r}", where, item)
        if ALL in value and len(value) > 1:
            self.problem(f"'{where}' mixes \"*\" with ids; \"*\" already means every tool", where, ALL)
        return tuple(dict.fromkeys(value))

    def error(self) -> PolicyError | None:
        if not self.problems:
            return None
        first_line, first = self.problems[0]
        if len(self.problems) == 1:
            return PolicyError(first, path=self.path, line=first_line)
        more = "\n".join(f"{self.path}:{line if line is not None else 1}: {message}"
                         for line, message in self.problems[1:])
        return PolicyError(f"{first}\n{more}", path=self.path, line=first_line)


def parse_policy(text: str, path: str) -> Policy:
    """Parse and validate a policy's text; PolicyError (file:line, every problem listed) when it is not valid."""
    import tomllib  # (imported here: a machine without a policy never parses one)

    from tracklight.core.manifest import toml_error_line

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = toml_error_line(exc)
        if line is None and "end of document" in message:
            line = max(1, len(text.splitlines()))
        raise PolicyError(f"not valid TOML: {message}", path=path, line=line) from None
    positions = TomlPositions(text)
    check = _Checker(path, positions)
    check.unknown_fields(data, "")

    version = data.get("policy_version")
    if version is None:
        check.problem("missing required field 'policy_version' (policy_version = 1)", "policy_version")
    elif isinstance(version, bool) or not isinstance(version, int) or version not in KNOWN_VERSIONS:
        check.problem(f"unknown policy_version {version!r} (this Tracklight knows {KNOWN_VERSIONS[0]})",
                      "policy_version")
    revision = data.get("revision", 0)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        check.problem("'revision' must be a whole number, 0 or more", "revision")
        revision = 0

    tables: dict[str, dict[str, Any]] = {}
    for name in ("optout", "lock", "updates"):
        value = data.get(name, {})
        if not isinstance(value, dict):
            check.problem(f"'{name}' must be a table ([{name}])", name)
            value = {}
        check.unknown_fields(value, name)
        tables[name] = value

    optout = check.ids(tables["optout"], "tools", "optout")
    except_ = check.ids(tables["optout"], "except", "optout")
    if ALL in except_:
        check.problem("'optout.except' cannot be \"*\": that would opt out nothing", "optout.except", ALL)
    dnt = tables["optout"].get("do_not_track", False)
    if not isinstance(dnt, bool):
        check.problem("'optout.do_not_track' must be true or false", "optout.do_not_track")
        dnt = False
    for tool_id in except_:
        if tool_id in optout:
            check.problem(f"{tool_id!r} is both opted out and excepted", "optout.except", tool_id)
    lock = check.ids(tables["lock"], "tools", "lock")
    for tool_id in lock:
        if tool_id in except_:
            check.problem(f"{tool_id!r} is locked but excepted from the opt-out; a lock keeps a tool opted out",
                          "lock.tools", tool_id)
        elif tool_id != ALL and ALL not in optout and tool_id not in optout:
            check.problem(f"{tool_id!r} is locked but the policy does not opt it out; add it to optout.tools",
                          "lock.tools", tool_id)

    updates = _parse_updates(check, tables["updates"]) if "updates" in data else None
    error = check.error()
    if error is not None:
        raise error
    return Policy(path=path, text=text, version=int(version or 0), revision=revision, optout=optout, except_=except_,
                  do_not_track=dnt, lock=lock, updates=updates, positions=positions)


def _parse_updates(check: _Checker, table: Mapping[str, Any]) -> UpdateSources:
    values: dict[str, str | None] = {}
    for key in _TABLES["updates"]:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            check.problem(f"'updates.{key}' must be a string", f"updates.{key}")
            value = None
        values[key] = value or None
    for key in ("catalog_url", "policy_url"):
        url = values[key]
        if url and not is_allowed_update_url(url):
            check.problem(f"'updates.{key}' must be an https:// URL (http:// only for a loopback address), "
                          f"got {url!r}", f"updates.{key}")
    for key in ("catalog_key", "policy_key"):
        key_text = values[key]
        if key_text and decode_public_key(key_text) is None:
            check.problem(f"'updates.{key}' must be a base64 ed25519 public key (32 bytes), as printed by "
                          "`tracklight catalog keygen`", f"updates.{key}")
    if values["catalog_url"] and not values["catalog_key"]:
        check.problem("'updates.catalog_url' needs 'updates.catalog_key': updates are only installed when "
                      "signed", "updates.catalog_url")
    if values["policy_url"] and not (values["policy_key"] or values["catalog_key"]):
        check.problem("'updates.policy_url' needs 'updates.policy_key' (or 'updates.catalog_key')",
                      "updates.policy_url")
    return UpdateSources(**values)


def read_policy_file(path: str) -> Policy:
    """Read and parse a policy file; PolicyError for a file that can't be read, isn't UTF-8, or isn't valid."""
    try:
        data = read_regular_file(path, MAX_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError("no policy file here", path=path) from None
    except OSError as exc:
        raise PolicyError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if len(data) > MAX_BYTES:
        raise PolicyError(f"larger than {MAX_BYTES // 1024} KiB; not read", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError("not valid UTF-8", path=path, line=data[: exc.start].count(b"\n") + 1) from None
    return parse_policy(text.removeprefix("\ufeff"), path)


def machine_policy_path(os_: Os, env: Mapping[str, str], root: str | None = None) -> str:
    """Where this machine's policy lives (under `root`, which defaults to TRACKLIGHT_SYSTEM_ROOT or /)."""
    return locations.policy_file(os_, env, root if root is not None else locations.system_root(env))


def load_machine_policy(os_: Os, env: Mapping[str, str], root: str | None = None) -> Policy | None:
    """This machine's policy, or None when there is none. PolicyError when it exists but is invalid."""
    path = machine_policy_path(os_, env, root)
    if not os.path.lexists(path):
        return None
    return read_policy_file(path)


# ---------------------------------------------------------------- resolving ids

def resolve(policy: Policy, known_ids: Collection[str]) -> Resolution:
    """The concrete ids the policy opts out and locks. PolicyError naming every unknown id with its line."""
    known = set(known_ids)
    check = _Checker(policy.path, policy.positions)
    for where, ids in (("optout.tools", policy.optout), ("optout.except", policy.except_),
                       ("lock.tools", policy.lock)):
        for tool_id in ids:
            if tool_id != ALL and tool_id not in known:
                check.problem(f"unknown tool id {tool_id!r} in '{where}' (see `tracklight scan --all`)",
                              where, tool_id)
    error = check.error()
    if error is not None:
        raise error
    return _resolution(policy, known)


def _resolution(policy: Policy, known: Collection[str]) -> Resolution:
    if ALL in policy.optout:
        optout = {tool_id for tool_id in known if tool_id not in policy.except_}
    else:
        optout = {tool_id for tool_id in policy.optout if tool_id in known}
    locked = set(optout) if ALL in policy.lock else {t for t in policy.lock if t in optout}
    return Resolution(policy, tuple(sorted(optout)), frozenset(locked), policy.do_not_track)


def is_locked(policy: Policy, tool_id: str) -> bool:
    """Whether the policy locks a tool, without needing the catalog (an id nobody knows can't be opted in anyway)."""
    if tool_id in policy.except_:
        return False
    opted_out = ALL in policy.optout or tool_id in policy.optout
    return opted_out and (ALL in policy.lock or tool_id in policy.lock)
