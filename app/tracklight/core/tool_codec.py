"""Parsed manifests as plain JSON data and back: the catalog index and the user's cache store them this way.

JSON, not pickle: loading an index or a cache must never run code, whoever wrote the file. Decoding checks every
type and raises `CodecError` on anything unexpected, so a damaged or hand-made file is simply not used (the entry is
parsed from its TOML again); it can never hand the scan a Tool whose fields have the wrong types.

A scan decodes every catalog entry on each start, so the layout is built for speed: each record is a JSON array
with its fields in the order the *_FIELDS tuples below give (no keys to parse), type checks are exact
(`type(x) is str`), and the frozen records are filled in directly, as pickle would, instead of through __init__.
The entry's own path is stored as "" so an index built in one place (a build tree) is right where it is installed.
"""

from __future__ import annotations

import datetime as dt

from tracklight.core.model import (
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

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
if TYPE_CHECKING:
    from typing import Any

CODEC_VERSION = 9
"""Bumped whenever the layout below changes: an index or cache of another version is not read."""

# The order of each record's fields in its JSON array (a test checks they name every field of the model).
TOOL_FIELDS = ("id", "name", "source", "origin", "vendor", "homepage", "privacy_policy", "category", "sources",
               "verified", "detect.executables", "detect.paths", "detect.other_packages", "tier", "default",
               "tier_reason", "collects", "endpoints", "retention", "shared_with", "controls", "precedence", "notes",
               "no_switch", "proofs")
CONTROL_FIELDS = ("kind", "off", "on", "rule", "name", "paths", "format", "key", "write", "write_off", "write_on",
                  "unset", "missing_key", "sender", "note")
PROOF_FIELDS = ("method", "covers", "date", "version", "commit", "url", "quote", "note", "package", "oracle", "result",
                "fingerprint", "file")
RULE_FIELDS = ("off_when", "on_when", "local_when", "off_nonempty", "off_pattern", "on_pattern", "other", "match",
               "default_pattern")
HERE = ""  # stands for the entry's own path


class CodecError(ValueError):
    """The data is not a parsed manifest in this layout."""


PathTable = tuple[tuple[Os, tuple[str, ...]], ...]


# ---------------------------------------------------------------- encode

def _paths(paths: PathTable) -> list[Any]:
    return [[os_.value, list(templates)] for os_, templates in paths]


def _rule(rule: ValueRule) -> list[Any] | None:
    if rule == _DEFAULT_RULE:
        return None
    return [list(rule.off_when), list(rule.on_when), list(rule.local_when), rule.off_nonempty, rule.off_pattern,
            rule.on_pattern, rule.other, rule.match, rule.default_pattern]


def _control(control: Control) -> list[Any]:
    return [control.kind.value, control.off, control.on, _rule(control.rule), control.name, _paths(control.paths),
            control.format, control.key, control.write, control.write_off, control.write_on,
            control.unset.value if control.unset else None,
            control.missing_key.value if control.missing_key else None, control.sender, control.note]


def _proof(proof: Proof) -> list[Any]:
    return [proof.method.value, list(proof.covers), proof.date.isoformat(), proof.version, proof.commit, proof.url,
            proof.quote, proof.note, proof.package, proof.oracle, proof.result.value if proof.result else None,
            proof.fingerprint, proof.file]


def _tool(tool: Tool, path: str) -> list[Any]:
    telemetry = tool.telemetry
    return [
        tool.id, tool.name, tool.source.value, HERE if tool.origin == path else tool.origin, tool.vendor,
        tool.homepage, tool.privacy_policy, tool.category, list(tool.sources),
        tool.verified.isoformat() if tool.verified else None, list(tool.detect.executables),
        _paths(tool.detect.paths), list(tool.detect.other_packages), telemetry.tier.value, telemetry.default.value,
        telemetry.tier_reason, list(telemetry.collects), list(telemetry.endpoints), telemetry.retention,
        list(telemetry.shared_with), [_control(c) for c in telemetry.controls], telemetry.precedence, telemetry.notes,
        list(telemetry.no_switch), [_proof(p) for p in tool.proofs],
    ]


def encode_result(result: ManifestResult, path: str) -> list[Any]:
    """One parsed manifest as JSON-ready data: [tool or null, problems, declared id, refused]; `path` is its
    file."""
    return [
        _tool(result.tool, path) if result.tool else None,
        [[p.message, HERE if p.path == path else p.path, p.line, p.tool_id] for p in result.problems],
        result.declared_id,
        result.refused,
    ]


# ---------------------------------------------------------------- decode (every type checked)

_DEFAULT_RULE = ValueRule()
_OS = {o.value: o for o in Os}
_KINDS = {k.value: k for k in ControlKind}
_MEANINGS = {m.value: m for m in Meaning}
_TIERS = {t.value: t for t in Tier}
_DEFAULTS = {d.value: d for d in Default}
_SOURCES = {s.value: s for s in Source}
_OTHER = {v: v for v in ("off", "on", "default")}
_MATCH = {v: v for v in ("exact", "casefold")}
_METHODS = {m.value: m for m in ProofMethod}
_RESULTS = {r.value: r for r in ProofResult}
_PRECEDENCE = {v: v for v in ("env-first", "listed", "any-off", "any-on")}
_SCALAR_TYPES = frozenset({str, bool, int, float})
_new = object.__new__
_JOIN = "".join


def _fail(what: str) -> CodecError:
    return CodecError(f"not a parsed manifest: {what}")


def _record(value: Any, size: int, what: str) -> list[Any]:
    if type(value) is not list or len(value) != size:
        raise _fail(f"{what} is not an array of {size}")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _fail("expected text")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise _fail("expected text or null")
    return value


def _strs(value: Any) -> tuple[str, ...]:
    if type(value) is not list:
        raise _fail("expected a list")
    _JOIN(value)  # TypeError unless every item is text: one C call instead of a loop
    return tuple(value)


def _texts(*values: Any) -> None:
    """TypeError unless every value is text."""
    _JOIN(values)


def _scalar(value: Any) -> Scalar:
    if type(value) not in _SCALAR_TYPES:
        raise _fail("expected a value")
    return value  # type: ignore[no-any-return]


def _opt_scalar(value: Any) -> Scalar | None:
    if value is not None and type(value) not in _SCALAR_TYPES:
        raise _fail("expected a value or null")
    return value  # type: ignore[no-any-return]


def _scalars(value: Any) -> tuple[Scalar, ...]:
    if type(value) is not list:
        raise _fail("expected a list")
    for item in value:
        if type(item) not in _SCALAR_TYPES:
            raise _fail("expected a list of values")
    return tuple(value)


def _one_of(table: dict[str, Any], value: Any) -> Any:
    if type(value) is not str or value not in table:
        raise _fail(f"unknown value {value!r}")
    return table[value]


def _paths_of(value: Any) -> PathTable:
    if type(value) is not list:
        raise _fail("expected a list of paths")
    return tuple([(_one_of(_OS, os_name), _strs(templates))
                  for os_name, templates in (_record(item, 2, "a path entry") for item in value)])


def _rule_of(data: Any) -> ValueRule:
    if data is None:
        return _DEFAULT_RULE
    off_when, on_when, local_when, nonempty, off_pattern, on_pattern, other, match, default_pattern = _record(
        data, 9, "a rule")
    if type(nonempty) is not bool:
        raise _fail("off_nonempty is true or false")
    rule = _new(ValueRule)
    rule.__dict__.update(
        off_when=_scalars(off_when), on_when=_scalars(on_when), local_when=_scalars(local_when),
        off_nonempty=nonempty, off_pattern=_opt_str(off_pattern), on_pattern=_opt_str(on_pattern),
        other=_one_of(_OTHER, other), match=_one_of(_MATCH, match), default_pattern=_opt_str(default_pattern),
    )
    return rule


def _control_of(data: Any) -> Control:
    kind, off, on, rule, name, paths, format_, key, write, write_off, write_on, unset, missing_key, sender, note = (
        _record(data, 15, "a control"))
    if write is not None and type(write) is not bool:
        raise _fail("write is true, false or null")
    _texts(note, sender, *(v for v in (name, format_, key) if v is not None))
    control = _new(Control)
    control.__dict__.update(
        kind=_one_of(_KINDS, kind), off=_scalar(off), on=_opt_scalar(on), rule=_rule_of(rule), name=name,
        paths=_paths_of(paths), format=format_, key=key, write=write, write_off=_opt_scalar(write_off),
        write_on=_opt_scalar(write_on), unset=None if unset is None else _one_of(_MEANINGS, unset),
        missing_key=None if missing_key is None else _one_of(_MEANINGS, missing_key), sender=sender, note=note,
    )
    return control


def _proof_of(data: Any) -> Proof:
    method, covers, date, version, commit, url, quote, note, package, oracle, result, fingerprint, file = _record(
        data, 13, "a proof")
    _texts(date, version, commit, url, quote, note, package, oracle, fingerprint, file)
    proof = _new(Proof)
    proof.__dict__.update(
        method=_one_of(_METHODS, method), covers=_strs(covers), date=dt.date.fromisoformat(date), version=version,
        commit=commit, url=url, quote=quote, note=note, package=package, oracle=oracle,
        result=None if result is None else _one_of(_RESULTS, result), fingerprint=fingerprint, file=file,
    )
    return proof


def _tool_of(data: Any, path: str) -> Tool:
    (tool_id, name, source, origin, vendor, homepage, privacy_policy, category, sources, verified, executables,
     detect_paths, other_packages, tier, default, tier_reason, collects, endpoints, retention, shared_with, controls,
     precedence, notes, no_switch, proofs) = _record(data, 25, "a tool")
    if type(controls) is not list or type(proofs) is not list:
        raise _fail("controls and proofs are lists")
    _texts(tool_id, name, origin, vendor, homepage, privacy_policy, category, tier_reason, retention, notes)
    verified_date = dt.date.fromisoformat(verified) if _opt_str(verified) else None
    telemetry = _new(Telemetry)
    telemetry.__dict__.update(
        tier=_one_of(_TIERS, tier), default=_one_of(_DEFAULTS, default), tier_reason=tier_reason,
        collects=_strs(collects), endpoints=_strs(endpoints), retention=retention, shared_with=_strs(shared_with),
        controls=tuple([_control_of(c) for c in controls]), precedence=_one_of(_PRECEDENCE, precedence),
        notes=notes, no_switch=_strs(no_switch),
    )
    detect = _new(Detect)
    detect.__dict__.update(executables=_strs(executables), paths=_paths_of(detect_paths),
                           other_packages=_strs(other_packages))
    tool = _new(Tool)
    tool.__dict__.update(
        id=tool_id, name=name, telemetry=telemetry, source=_one_of(_SOURCES, source), origin=origin or path,
        vendor=vendor, homepage=homepage, privacy_policy=privacy_policy, detect=detect, category=category,
        sources=_strs(sources), verified=verified_date, proofs=tuple([_proof_of(p) for p in proofs]),
    )
    return tool


def _problem_of(value: Any, path: str) -> Problem:
    message, where, line, tool_id = _record(value, 4, "a problem")
    if line is not None and type(line) is not int:
        raise _fail("a problem's line is a number")
    where = _opt_str(where)
    return Problem(_str(message), path if where == HERE else where, line, _opt_str(tool_id))


def decode_result(data: Any, path: str) -> ManifestResult:
    """The parsed manifest `encode_result(…, path)` made; CodecError for anything else."""
    tool, problems, declared_id, refused = _record(data, 4, "an entry")
    if type(problems) is not list:
        raise _fail("problems is a list")
    if type(refused) is not bool:
        raise _fail("refused is true or false")
    try:
        return ManifestResult(None if tool is None else _tool_of(tool, path),
                              [_problem_of(p, path) for p in problems], _opt_str(declared_id), refused)
    except (TypeError, ValueError) as exc:  # _texts and _strs raise TypeError; a bad date ValueError
        raise _fail(str(exc)) from None
