"""The whole built-in catalog held to the standard: valid, sourced, readable and writable, consistent, current."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tracklight import formats
from tracklight.core import locations
from tracklight.core.detect import meaning_of
from tracklight.core.listing import catalog_rows, render_markdown
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import ControlKind, Meaning, Os, Source, State, Tier, Tool
from tracklight.core.scan import scan

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "resources" / "catalog"
ENTRIES = sorted(CATALOG.glob("*.toml"))

REQUIRED = ["dotnet", "vscode", "vscodium", "go", "homebrew", "nextjs", "gatsby", "angular-cli", "azure-cli", "gcloud", "aws-sam-cli", "terraform", "packer", "vagrant", "yarn", "nuxt", "flutter", "dart", "powershell", "huggingface-hub", "streamlit", "gradio", "conda", "netlify-cli", "vercel-cli", "storybook", "astro", "prisma", "cypress", "salesforce-cli", "syncthing", "popularity-contest", "firefox", "google-chrome", "chromium", "bun", "github-cli", "rasa", "meilisearch", "scarf", "earthly", "turborepo", "stripe-cli", "cocoapods", "fastlane", "ollama"]


def load_all() -> list[Tool]:
    tools = []
    for path in ENTRIES:
        result = load_manifest_file(path, Source.CATALOG)
        assert result.tool is not None, [str(p) for p in result.problems]
        tools.append(result.tool)
    return tools


TOOLS = load_all()


def test_every_entry_is_valid_with_sources_and_a_verified_date() -> None:
    problems = []
    for path in ENTRIES:
        problems += [str(p) for p in load_manifest_file(path, Source.CATALOG).problems]
    assert problems == []
    for tool in TOOLS:
        assert tool.sources and all(s.startswith("https://") for s in tool.sources), tool.id
        # A real date; how it relates to the proofs is checked in test_catalog_proofs.py (never the wall clock).
        assert isinstance(tool.verified, dt.date), tool.id
        assert tool.telemetry.tier_reason.strip(), tool.id


def test_required_tools_are_present() -> None:
    ids = {t.id for t in TOOLS}
    assert sorted(set(REQUIRED) - ids) == []


def test_at_least_250_tools() -> None:
    assert len(TOOLS) >= 250, f"the catalog has {len(TOOLS)} entries"


def test_ids_and_names_are_unique() -> None:
    ids = [t.id for t in TOOLS]
    assert len(ids) == len(set(ids))
    names = [t.name.casefold() for t in TOOLS]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_tools_that_track_without_controls_explain_themselves() -> None:
    """No controls is a finding, not a gap: the notes say there is no opt-out, or how it is done elsewhere."""
    silent = [t.id for t in TOOLS if t.telemetry.tier is not Tier.NONE and not t.telemetry.controls
              and len(t.telemetry.notes.strip()) < 20]
    assert silent == []


LEFTOVER = re.compile(r"\$|%[A-Za-z_]+%")


@pytest.mark.parametrize("os_", list(Os))
def test_every_path_expands_to_an_absolute_path_on_each_os(os_: Os) -> None:
    env = {"HOME": "/home/ana", "USERPROFILE": "C:\\Users\\ana"}
    for tool in TOOLS:
        templates = [t for _, ts in tool.detect.paths for t in ts if _ == os_]
        for control in tool.telemetry.controls:
            templates += list(control.paths_for(os_))
        for template in templates:
            path = locations.expand_path(template, os_, env)
            assert not LEFTOVER.search(path), f"{tool.id}: {template!r} -> {path!r}"
            if os_ is Os.WINDOWS:
                assert re.match(r"^[A-Za-z]:\\", path), f"{tool.id}: {path}"
            else:
                assert path.startswith("/"), f"{tool.id}: {path}"


def _control_cases():
    for tool in TOOLS:
        for number, control in enumerate(tool.telemetry.controls):
            yield pytest.param(tool, control, id=f"{tool.id}-{number}")


@pytest.mark.parametrize("tool,control", list(_control_cases()))
def test_every_control_is_readable_and_writable_by_its_format(tool: Tool, control) -> None:
    """Write the off value as the planner would, read it back, and it means off by the tool's own rule."""
    off = control.write_off if control.write_off is not None else control.off
    off = off.replace("{today}", "2026-11-30") if isinstance(off, str) else off
    if control.kind is ControlKind.ENV:
        assert isinstance(off, str) and meaning_of(control, off) is Meaning.OFF
        if control.on is not None:
            assert meaning_of(control, control.on) is Meaning.ON
        return
    module = formats.get(control.format)
    document = module.new_document(control.key or "", off)
    found = module.read(document, control.key or "")
    assert found.found and meaning_of(control, found.value) is Meaning.OFF, (document, found)
    if control.on is not None:
        on = control.write_on if control.write_on is not None else control.on
        on = on.replace("{today}", "2026-11-30") if isinstance(on, str) else on
        switched = module.set_value(document, control.key or "", on)
        assert meaning_of(control, module.read(switched, control.key or "").value) is Meaning.ON


def test_no_two_entries_claim_the_same_file_key_with_different_meanings() -> None:
    """Entries that write one shared file key agree on what it means. An entry that only reads it (write = false:
    GitLens reads VS Code's telemetry level, which silences it at error and crash too) may read it by its own rule,
    as long as the value the writers write means off for it as well."""
    claims: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    owners: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    readers: dict[tuple[str, str, str], list[tuple[str, object]]] = defaultdict(list)
    writers: dict[tuple[str, str, str], list[tuple[str, object]]] = defaultdict(list)
    for tool in TOOLS:
        for control in tool.telemetry.controls:
            if control.kind is ControlKind.ENV:
                continue
            path = control.paths_for(Os.LINUX)[0] if control.paths_for(Os.LINUX) else ""
            target = ("file", path, ".".join(formats.split_key(control.key)) if control.key else "")
            if control.write is False:
                readers[target].append((tool.id, control))
                continue
            writers[target].append((tool.id, control))
            claims[target].add((repr(control.off), repr(control.rule)))
            owners[target].append(tool.id)
    disagreements = {k: owners[k] for k, v in claims.items() if len(v) > 1}
    assert disagreements == {}
    for target, users in readers.items():
        for tool_id, control in users:
            for writer_id, writer in writers.get(target, []):
                value = writer.write_off if writer.write_off is not None else writer.off
                assert meaning_of(control, value) is Meaning.OFF, \
                    f"{target[2]}={value!r} written for {writer_id} does not mean off for {tool_id}"


def test_env_variables_written_by_several_tools_mean_off_for_each_of_them() -> None:
    """Tools that each write one shared variable (CHECKPOINT_DISABLE, DO_NOT_TRACK) must write a value that turns
    all of them off. A tool that only reads a shared variable (write = false) may read it by its own rule."""
    writers: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for tool in TOOLS:
        for control in tool.telemetry.controls:
            if control.kind is ControlKind.ENV and control.write is not False:
                writers[control.name or ""].append((tool.id, control))
    for name, users in writers.items():
        for tool_id, control in users:
            for other_id, other in users:
                value = other.write_off if other.write_off is not None else other.off
                assert meaning_of(control, value) is Meaning.OFF, \
                    f"{name}={value!r} written for {other_id} does not mean off for {tool_id}"


def test_catalog_markdown_is_current() -> None:
    expected = render_markdown(catalog_rows(TOOLS))
    actual = (CATALOG / "CATALOG.md").read_text(encoding="utf-8")
    assert actual == expected, "run `tracklight catalog list --markdown > resources/catalog/CATALOG.md`"


def _plant(path: str, control, value) -> None:
    module = formats.get(control.format)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        text = module.set_value(text, control.key or "", value)
    except FileNotFoundError:
        text = module.new_document(control.key or "", value)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


@pytest.mark.parametrize("tool,control", [c for c in _control_cases()
                                          if c.values[1].kind is ControlKind.FILE
                                          and c.values[1].paths_for(Os.LINUX)])
def test_every_file_control_reports_its_planted_state_in_a_scan(tool: Tool, control, sandbox_home: Path) -> None:
    """A sandbox with the tool's preference file in the off state, then in the on state: the scan agrees."""
    if tool.telemetry.tier is Tier.NONE:
        pytest.skip("a tool with no telemetry is off whatever its file says")
    from tracklight.core.detect import resolve_file

    env = dict(os.environ)
    root = locations.system_root(env)
    path = resolve_file(control, Os.LINUX, env, root)
    assert path is not None
    off = control.write_off if control.write_off is not None else control.off
    _plant(path, control, off.replace("{today}", "2026-11-30") if isinstance(off, str) else off)
    report = scan(env=env, os_=Os.LINUX, only=[tool.id]).get(tool.id)
    assert report is not None and not report.problems, report and report.problems
    evidence = [e for e in report.evidence if e.control == control]
    assert evidence and evidence[0].is_set and evidence[0].meaning is Meaning.OFF and evidence[0].where == path
    others_default_on = any(c.unset is Meaning.ON for c in tool.telemetry.controls if c is not control)
    other_senders = any(c.sender != control.sender for c in tool.telemetry.controls)  # each needs its own off
    if control.write is not False and not others_default_on and not other_senders:
        assert report.switch_state is State.OFF
        assert report.state is (State.ON if tool.telemetry.no_switch else State.OFF), "senders with no switch send"
    if control.on is not None:
        on = control.write_on if control.write_on is not None else control.on
        _plant(path, control, on.replace("{today}", "2026-11-30") if isinstance(on, str) else on)
        report = scan(env=env, os_=Os.LINUX, only=[tool.id]).get(tool.id)
        assert report is not None
        evidence = [e for e in report.evidence if e.control == control]
        assert evidence[0].meaning is Meaning.ON
