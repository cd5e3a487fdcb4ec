"""What every export does with each planned file: write it whole, merge JSON keys, set lines, seed, or leave it.

Shared files are handled the way each engine can do it safely: JSON is merged (existing content kept), `KEY=value`
files get one line set, Tracklight's own files are written whole, and a seed in /etc/skel in any other format is only
created when absent. A shared system file in another format (an application's INI or YAML config) can't be edited
safely by a generic engine; the exports list it in their header and leave it to `tracklight policy apply`.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from tracklight import formats
from tracklight.admin.system import SystemFile, SystemPlan
from tracklight.admin.system_apply import new_shared_text


class Handling(enum.Enum):
    """How an engine handles one planned file."""

    WHOLE = "whole"  # Tracklight owns it: written whole
    MERGE_JSON = "json"  # a shared JSON file: the keys merged in, existing content kept
    SET_LINES = "line"  # a shared KEY=value file: one line set per key
    SEED = "seed"  # a seed in /etc/skel in another format: created when absent
    SKIP = "skip"  # an application's own config in a format a generic engine can't edit safely


LINE_FORMATS = ("keyvalue", "keyvalue_exact", "shellvars")  # one `KEY=value` line per key


@dataclass(frozen=True)
class ExportedFile:
    """How an engine handles one planned file."""

    file: SystemFile
    how: Handling
    new_text: str  # the content when the file is created from nothing
    desired: dict[str, object] | None = None  # json: the nested keys to merge
    lines: tuple[tuple[str, str], ...] = ()  # line: (key, the exact line)


def nested(file: SystemFile) -> dict[str, object]:
    """A shared JSON file's settings as the nested object to merge into it."""
    result: dict[str, object] = {}
    for setting in file.settings:
        segments = formats.split_key(setting.key)
        node = result
        for segment in segments[:-1]:
            child = node.setdefault(segment, {})
            assert isinstance(child, dict)
            node = child
        node[segments[-1]] = setting.value
    return result


def canonical_json(document: object) -> str:
    """JSON as every engine writes it after a merge (Ansible's to_nice_json with indent 2, unsorted)."""
    return json.dumps(document, indent=2, separators=(",", ": ")) + "\n"


def exported_files(plan: SystemPlan) -> list[ExportedFile]:
    """Each planned file with the way exports handle it."""
    result = []
    for file in plan.files:
        if file.content is not None:
            result.append(ExportedFile(file, Handling.WHOLE, file.content))
            continue
        new_text = new_shared_text(file)
        if file.format == "json":
            result.append(ExportedFile(file, Handling.MERGE_JSON, new_text, desired=nested(file)))
        elif file.format in LINE_FORMATS:
            assert file.format is not None
            module = formats.get(file.format)
            lines = tuple((s.key, module.new_document(s.key, s.value).rstrip("\n")) for s in file.settings)
            result.append(ExportedFile(file, Handling.SET_LINES, new_text, lines=lines))
        elif file.create:
            result.append(ExportedFile(file, Handling.SEED, new_text))
        else:
            result.append(ExportedFile(file, Handling.SKIP, new_text))
    return result


def skipped_note(files: list[ExportedFile]) -> list[str]:
    skipped = [f.file.path for f in files if f.how is Handling.SKIP]
    if not skipped:
        return []
    return ["Not handled by this export (an application's own config in a format a generic engine can't edit",
            "safely; `tracklight policy apply` edits them in place when they exist):"] + [f"  {p}" for p in skipped]
