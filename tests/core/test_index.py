"""Manifests found in every kind of folder; a tool's own manifest beats the catalog, and a tier conflict shows both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tracklight.core import locations
from tracklight.core.model import Source, State, Tier
from tracklight.core.scan import scan

MANIFEST = """manifest_version = 1
id = "{id}"
name = "{name}"
vendor = "Example"

[detect]
executables = ["{id}"]

[telemetry]
tier = "{tier}"
default = "on"
collects = ["command name"]

[[telemetry.controls]]
kind = "env"
name = "{var}"
off = "1"
"""


def install(folder: Path, tool_id: str, *, tier: str = "anonymized", name: str | None = None,
            var: str | None = None, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tool_id}.toml"
    path.write_text(text if text is not None else MANIFEST.format(
        id=tool_id, name=name or tool_id.title(), tier=tier, var=var or tool_id.upper().replace("-", "_") + "_TELEMETRY"),
        encoding="utf-8")
    return path


def folders(sandbox_home: Path) -> dict[str, Path]:
    env = dict(os.environ)
    root = Path(locations.system_root(env))
    return {
        "user": sandbox_home / ".local/share/telemetry-disclosures",
        "data_dirs": Path(env["XDG_DATA_DIRS"].split(":")[0]) / "telemetry-disclosures",
        "admin": root / "etc/telemetry-disclosures",
    }


def test_manifests_are_found_in_each_folder_kind(sandbox_home: Path) -> None:
    places = folders(sandbox_home)
    for kind, folder in places.items():
        install(folder, f"tool-in-{kind.replace('_', '-')}")
    result = scan()
    for kind in places:
        report = result.get(f"tool-in-{kind.replace('_', '-')}")
        assert report is not None, kind
        assert report.tool.source is Source.MANIFEST and report.state is State.ON


def test_xdg_data_home_is_honoured(sandbox_home: Path, tmp_path: Path, monkeypatch) -> None:
    custom = tmp_path / "elsewhere"
    monkeypatch.setenv("XDG_DATA_HOME", str(custom))
    install(custom / "telemetry-disclosures", "moved-tool")
    assert scan().get("moved-tool") is not None


def test_a_tools_own_manifest_beats_the_catalog_and_a_tier_conflict_shows_both(sandbox_home: Path) -> None:
    path = install(folders(sandbox_home)["user"], "dotnet", tier="aggregated", name=".NET SDK (vendor manifest)",
                   var="DOTNET_CLI_TELEMETRY_OPTOUT")
    report = scan(only=["dotnet"]).get("dotnet")
    assert report is not None
    assert report.tool.source is Source.MANIFEST and report.tool.origin == str(path)
    assert report.tool.telemetry.tier is Tier.AGGREGATED
    assert report.catalog_entry is not None and report.catalog_entry.source is Source.CATALOG
    assert report.conflict is not None
    assert (report.conflict.manifest_tier, report.conflict.catalog_tier) == (Tier.AGGREGATED, Tier.FULL)


def test_no_conflict_when_the_manifest_agrees(sandbox_home: Path) -> None:
    install(folders(sandbox_home)["user"], "dotnet", tier="full", var="DOTNET_CLI_TELEMETRY_OPTOUT")
    report = scan(only=["dotnet"]).get("dotnet")
    assert report is not None and report.conflict is None and report.catalog_entry is not None


def test_the_admin_folder_wins_over_the_vendors(sandbox_home: Path) -> None:
    places = folders(sandbox_home)
    install(places["data_dirs"], "acme-cli", tier="aggregated", name="Acme (vendor)")
    install(places["admin"], "acme-cli", tier="full", name="Acme (corrected by admin)")
    report = scan().get("acme-cli")
    assert report is not None and report.tool.name == "Acme (corrected by admin)"


def test_broken_manifests_are_problems_and_every_other_tool_is_still_scanned(sandbox_home: Path) -> None:
    user = folders(sandbox_home)["user"]
    install(user, "good-tool")
    install(user, "mismatch", text=MANIFEST.format(id="other-name", name="X", tier="full", var="X_OFF"))
    install(user, "future", text=MANIFEST.format(id="future", name="F", tier="full", var="F_OFF").replace(
        "manifest_version = 1", "manifest_version = 9"))
    install(user, "garbage", text="this is = = not toml [")
    install(user, "dotnet", text='manifest_version = 1\nid = "dotnet"\nname = ".NET"\n[telemetry]\ntier = "bogus"\n')
    huge = user / "huge.toml"
    huge.write_text("#" * ((1 << 20) + 1))
    result = scan()
    assert result.get("good-tool") is not None
    texts = [str(p) for p in result.problems]
    assert any("mismatch.toml:2: 'id' is 'other-name'" in t for t in texts), texts
    # A manifest that names its tool (id = file name) but can't be used keeps the tool in the list, as unknown,
    # with the problem on it: a tool that vanished would hide the very problem to fix.
    future = result.get("future")
    assert future is not None and future.installed and future.state is State.UNKNOWN
    assert any("future.toml:1: unknown manifest_version 9" in str(p) for p in future.problems), future.problems
    assert any("garbage.toml:1: not valid TOML" in t for t in texts), texts
    assert any("huge.toml: larger than 1024 KiB" in t for t in texts), texts
    # A broken manifest for a tool the catalog knows is a problem on that tool; the catalog still describes it.
    dotnet = result.get("dotnet")
    assert dotnet is not None and dotnet.tool.source is Source.CATALOG
    assert any("tier' must be one of" in p.message and p.line == 5 for p in dotnet.problems)


def test_scan_json_reports_problems_and_exits_zero(sandbox_home: Path) -> None:
    install(folders(sandbox_home)["user"], "garbage", text="[[[")
    done = subprocess.run([sys.executable, "-m", "tracklight.cli", "scan", "--json"], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"tools", "problems"}
    assert any("garbage.toml" in p["file"] for p in payload["problems"])
    for tool in payload["tools"]:
        assert {"id", "name", "installed", "tier", "state", "default", "source", "evidence", "problems"} <= set(tool)
        assert tool["state"] in ("on", "off", "local", "unknown")
        assert tool["tier"] in ("none", "aggregated", "anonymized", "full", "unknown")


def test_cli_exit_codes(sandbox_home: Path) -> None:
    run = lambda *args: subprocess.run([sys.executable, "-m", "tracklight.cli", *args],
                                       check=False, capture_output=True, text=True)
    unknown = run("show", "no-such-tool")
    assert unknown.returncode == 1 and "unknown tool id 'no-such-tool'" in unknown.stderr
    assert run("scan", "--bogus").returncode == 2
    shown = run("show", "nextjs", "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["disclosure"]["endpoints"] == ["telemetry.nextjs.org"]
    table = run("scan", "--all")
    assert table.returncode == 0 and "TIER" in table.stdout and "anonymized" in table.stdout


def test_every_command_is_owned_by_the_module_that_registers_it() -> None:
    """The fast path loads one module per command: each owner must register exactly the commands mapped to it."""
    import argparse
    import importlib

    from tracklight.cli import COMMAND_MODULES, COMMAND_OWNERS

    registered: dict[str, str] = {}
    for module in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        importlib.import_module(module).register(parser.add_subparsers())
        for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
            for name in action.choices:
                registered[name] = module
    assert registered == COMMAND_OWNERS


def test_manifests_cached_by_another_version_are_parsed_again(sandbox_home: Path, monkeypatch) -> None:
    # The cache keys a manifest by size and mtime; what a parse yields also depends on the parser, so a cache
    # left by another Tracklight version (an upgrade) must not be trusted.
    from tracklight.core import catalog_index

    path = install(folders(sandbox_home)["user"], "acme", name="Acme")
    current = catalog_index.parser_key()
    monkeypatch.setattr(catalog_index, "_parser_key", "0.0.0-older")
    assert scan().get("acme").tool.name == "Acme"
    stat = path.stat()
    path.write_text(path.read_text().replace('"Acme"', '"Acmf"'))  # same size; same mtime below
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    monkeypatch.setattr(catalog_index, "_parser_key", current)
    assert scan().get("acme").tool.name == "Acmf"
