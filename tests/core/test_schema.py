"""The published JSON Schema agrees with the parser: the spec's example and every catalog entry validate."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "resources" / "manifest" / "schema.json").read_text())


def spec_example() -> str:
    match = re.search(r"## Example\n\n```toml\n(.*?)```", (ROOT / "resources/manifest/SPEC.md").read_text(), re.DOTALL)
    assert match
    return match.group(1)


def as_json(value: Any) -> Any:
    """TOML dates become ISO strings, as a JSON rendering of the manifest would show them."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validate(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(as_json(document))]


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_spec_example_validates() -> None:
    assert validate(tomllib.loads(spec_example())) == []


def test_every_catalog_entry_validates() -> None:
    failures = {}
    for path in sorted((ROOT / "resources" / "catalog").glob("*.toml")):
        errors = validate(tomllib.loads(path.read_text(encoding="utf-8")))
        if errors:
            failures[path.name] = errors
    assert failures == {}


def test_schema_rejects_what_the_parser_rejects() -> None:
    document = tomllib.loads(spec_example())
    document["telemetry"]["tier"] = "sneaky"
    assert validate(document)
    document = tomllib.loads(spec_example())
    document["telemetry"]["controls"][0]["off"] = 0  # env values are text
    assert validate(document)
    document = tomllib.loads(spec_example())
    del document["telemetry"]["controls"][1]["key"]
    assert validate(document)
