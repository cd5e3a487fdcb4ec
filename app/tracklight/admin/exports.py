"""`tracklight export --format F`: the policy as the thing a fleet's own engine runs.

Every export is rendered from the same SystemPlan that `tracklight policy apply` writes, so a playbook, a shell
script and a direct apply produce the same files. Shared files are handled the way each engine can do it safely:
JSON is merged (existing content kept), `KEY=value` files get one line set, Tracklight's own files are written
whole, and a seed in /etc/skel in any other format is only created when absent. A shared system file in another
format (an application's INI or YAML config) can't be edited safely by a generic engine; the exports list it in
their header and leave it to `tracklight policy apply`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from tracklight import formats
from tracklight.admin.apply import new_shared_text
from tracklight.admin.browsers import BROWSERS, CHROMIUM, FIREFOX, BrowserPolicy
from tracklight.admin.system import SystemFile, SystemPlan
from tracklight.errors import PolicyError

LINE_FORMATS = ("keyvalue", "shellvars")  # one `KEY=value` line per key


@dataclass(frozen=True)
class ExportedFile:
    """How an engine handles one planned file."""

    file: SystemFile
    how: str  # "whole" (owned), "json" (merge), "line" (KEY=value lines), "seed" (create when absent), "skip"
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
            result.append(ExportedFile(file, "whole", file.content))
            continue
        new_text = new_shared_text(file)
        if file.format == "json":
            result.append(ExportedFile(file, "json", new_text, desired=nested(file)))
        elif file.format in LINE_FORMATS:
            assert file.format is not None
            module = formats.get(file.format)
            lines = tuple((s.key, module.new_document(s.key, s.value).rstrip("\n")) for s in file.settings)
            result.append(ExportedFile(file, "line", new_text, lines=lines))
        elif file.create:
            result.append(ExportedFile(file, "seed", new_text))
        else:
            result.append(ExportedFile(file, "skip", new_text))
    return result


def skipped_note(files: list[ExportedFile]) -> list[str]:
    skipped = [f.file.path for f in files if f.how == "skip"]
    if not skipped:
        return []
    return ["Not handled by this export (an application's own config in a format a generic engine can't edit",
            "safely; `tracklight policy apply` edits them in place when they exist):"] + [f"  {p}" for p in skipped]


def browser_json(plan: SystemPlan, browser: BrowserPolicy) -> str:
    """A browser's own policy JSON, when the policy opts it out."""
    if browser.tool_id not in plan.resolution.optout:
        raise PolicyError(f"the policy does not opt out {browser.tool_id}; nothing to export for {browser.name}",
                          path=plan.policy.path)
    return canonical_json(browser.json_settings())


def _firefox(plan: SystemPlan) -> str:
    return browser_json(plan, FIREFOX)


def _chromium(plan: SystemPlan) -> str:
    # Chrome and Chromium read the same policy names; the file is the same for both.
    if CHROMIUM.tool_id not in plan.resolution.optout and "google-chrome" in plan.resolution.optout:
        return browser_json(plan, BROWSERS["google-chrome"])
    return browser_json(plan, CHROMIUM)


def renderers() -> dict[str, Callable[[SystemPlan], str | bytes]]:
    """Format name -> renderer; imported lazily so `tracklight export --help` stays quick."""
    from tracklight.admin import export_ansible, export_apple, export_shell, export_windows

    return {
        "ansible": export_ansible.render,
        "shell": export_shell.render,
        "powershell": export_windows.render_powershell,
        "reg": export_windows.render_reg,
        "mobileconfig": export_apple.render_mobileconfig,
        "firefox": _firefox,
        "chromium": _chromium,
    }


EXPORT_FORMATS = ("ansible", "shell", "powershell", "reg", "mobileconfig", "firefox", "chromium")


def export(plan: SystemPlan, format_name: str) -> str | bytes:
    """Render the plan in one export format (bytes for .reg, which is UTF-16)."""
    table = renderers()
    if format_name not in table:
        raise PolicyError(f"unknown export format {format_name!r} (known: {', '.join(EXPORT_FORMATS)})")
    return table[format_name](plan)
