"""The policy as an Ansible playbook: `hosts: all`, idempotent, `--check --diff` safe, every path under tracklight_root.

Privilege escalation is left to the caller (`-b`), as the policy spec asks (resources/policy/SPEC.md). Only ansible.builtin modules are used, so a
bare ansible-core runs it. Literal content is tagged `!unsafe` so that a `{{` in a policy comment is never templated.
"""

from __future__ import annotations

import json
import posixpath

from tracklight.admin.exported_files import ExportedFile, Handling, exported_files, skipped_note
from tracklight.admin.system import SystemPlan

PREFIX = "{{ tracklight_root | regex_replace('/+$', '') }}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _unsafe(text: str) -> str:
    return f"!unsafe {_q(text)}"


def _path(path: str) -> str:
    return _q(PREFIX + path)


def _tasks(number: int, item: ExportedFile) -> list[str]:
    file = item.file
    path = file.path
    folder = posixpath.dirname(path)
    register = f"tracklight_file_{number}"
    out: list[str] = []
    if item.how is Handling.SKIP:
        return [f"    # {path}: not handled here (see the header)"]
    if item.how in (Handling.WHOLE, Handling.SEED) or (
            item.how in (Handling.MERGE_JSON, Handling.SET_LINES) and file.create):
        out += [
            f"    - name: {_q('folder of ' + path)}",
            "      ansible.builtin.file:",
            f"        path: {_path(folder)}",
            "        state: directory",
        ]
    if item.how is Handling.WHOLE:
        out += [
            f"    - name: {_q(path + ' (' + file.purpose + ')')}",
            "      ansible.builtin.copy:",
            f"        dest: {_path(path)}",
            f"        content: {_unsafe(item.new_text)}",
            f"        mode: \"{file.mode:04o}\"",
        ]
    elif item.how is Handling.SEED:
        out += [
            f"    - name: {_q(path + ' (created when absent)')}",
            "      ansible.builtin.copy:",
            f"        dest: {_path(path)}",
            f"        content: {_unsafe(item.new_text)}",
            f"        mode: \"{file.mode:04o}\"",
            "        force: false",
        ]
    elif item.how is Handling.MERGE_JSON:
        exists = f"{register}.content is defined"
        condition = f"({exists}) and (merged != current)"
        if file.create:
            condition = f"(not ({exists})) or (merged != current)"
        out += [
            f"    - name: {_q('read ' + path)}",
            "      ansible.builtin.slurp:",
            f"        src: {_path(path)}",
            f"      register: {register}",
            "      failed_when: false",
            f"    - name: {_q(path + ' (keys merged, the rest kept)')}",
            "      vars:",
            f"        desired: {json.dumps(item.desired)}",
            f"        current: \"{{{{ ({register}.content | b64decode | from_json) if {exists} else {{}} }}}}\"",
            "        merged: \"{{ current | combine(desired, recursive=True) }}\"",
            "      ansible.builtin.copy:",
            f"        dest: {_path(path)}",
            "        content: \"{{ merged | to_nice_json(indent=2, sort_keys=False) }}\\n\"",
            # an existing file keeps its own mode, as with `tracklight policy apply`
            f"        mode: \"{{{{ omit if {exists} else '{file.mode:04o}' }}}}\"",
            f"      when: {condition}",
        ]
    elif item.how is Handling.SET_LINES:
        if not file.create:
            out += [
                f"    - name: {_q('is there ' + path)}",
                "      ansible.builtin.stat:",
                f"        path: {_path(path)}",
                f"      register: {register}",
            ]
        for key, line in item.lines:
            pattern = "^[ \t]*(export[ \t]+)?" + key + "[ \t]*="
            out += [
                f"    - name: {_q(path + ': ' + key)}",
                "      ansible.builtin.lineinfile:",
                f"        path: {_path(path)}",
                f"        regexp: {_q(pattern)}",
                f"        line: {_unsafe(line)}",
            ]
            if file.create:
                out += ["        create: true", f"        mode: \"{file.mode:04o}\""]
            else:
                out.append(f"      when: {register}.stat.exists")
    return out


def render(plan: SystemPlan) -> str:
    """The playbook text."""
    files = exported_files(plan)
    header = [
        "# Tracklight: the organisation's telemetry opt-outs, exported from " + plan.policy.path,
        "# Run with privilege escalation, e.g.:  ansible-playbook -b -i HOSTS tracklight.yml",
        "# Preview:  ansible-playbook -b -i HOSTS tracklight.yml --check --diff",
        "# Build an image tree instead of the machine:  -e tracklight_root=/path/to/tree",
        "# Opted out: " + (", ".join(plan.resolution.optout) or "(none)"),
    ]
    header += ["# " + line for line in skipped_note(files)]
    lines = header + [
        "---",
        "- name: Tracklight telemetry opt-outs",
        "  hosts: all",
        "  gather_facts: false",
        "  vars:",
        "    tracklight_root: /",
        "  tasks:",
    ]
    for number, item in enumerate(files, start=1):
        lines += _tasks(number, item)
    return "\n".join(lines) + "\n"
