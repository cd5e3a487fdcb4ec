"""The catalog's JSON index and the user's JSON cache: no pickle anywhere, nothing in a cache can run, a stale or
hand-made index or cache only means the TOML is parsed again, and root never reads or writes a cache."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.core import catalog_index, locations
from tracklight.core.catalog import load_index
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import Control, Detect, Os, Proof, Source, Telemetry, Tool, ValueRule
from tracklight.core.tool_codec import (
    CONTROL_FIELDS,
    PROOF_FIELDS,
    RULE_FIELDS,
    TOOL_FIELDS,
    decode_result,
    encode_result,
)
from tracklight.core.trust import ReadScope
from tracklight.resources import catalog_path

ROOT = Path(__file__).resolve().parents[2]
TRACKLIGHT = [str(Path(sys.executable).with_name("tracklight"))]


def shipped_entries() -> list[Path]:
    return sorted(Path(catalog_path()).glob("*.toml"))


def copy_catalog(target: Path, count: int = 12) -> Path:
    target.mkdir(parents=True)
    for entry in shipped_entries()[:count]:
        shutil.copy2(entry, target / entry.name)
    return target


# ---------------------------------------------------------------- the codec


def test_every_catalog_entry_survives_the_json_layout_exactly() -> None:
    for entry in shipped_entries():
        parsed = load_manifest_file(entry, Source.CATALOG)
        data = json.loads(json.dumps(encode_result(parsed, str(entry))))
        assert decode_result(data, str(entry)) == parsed, entry.name


def test_a_refused_or_broken_manifest_survives_the_json_layout_as_it_was(tmp_path: Path) -> None:
    """A manifest asking for a refused write stays refused when read back from the cache (the scan then lists no
    tool for it, only the problem); one that is merely broken stays merely broken (its tool is listed as unknown)."""
    entry = next(e for e in shipped_entries() if "kind = \"env\"" in e.read_text())
    text = entry.read_text()
    cases = {"refused": text.replace('kind = "env"', 'kind = "file"\npath = "~/.bashrc"\nformat = "plain"', 1),
             "broken": text.replace("tier = ", "tier_was = ", 1)}
    for name, changed in cases.items():
        path = tmp_path / name / entry.name
        path.parent.mkdir()
        path.write_text(changed)
        parsed = load_manifest_file(path, Source.MANIFEST)
        assert parsed.tool is None and parsed.problems and parsed.refused is (name == "refused"), parsed.problems
        data = json.loads(json.dumps(encode_result(parsed, str(path))))
        assert decode_result(data, str(path)) == parsed


def test_the_layout_names_every_field_of_the_model() -> None:
    def names(cls: type) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    detect_fields = {f.split(".")[1] for f in TOOL_FIELDS if f.startswith("detect.")}
    assert detect_fields == names(Detect)
    tool_fields = {f for f in TOOL_FIELDS if not f.startswith("detect.")} | {"detect"}
    assert tool_fields == (names(Tool) | names(Telemetry)) - {"telemetry"}
    assert set(CONTROL_FIELDS) == names(Control)
    assert set(RULE_FIELDS) == names(ValueRule)
    assert set(PROOF_FIELDS) == names(Proof)


def test_an_index_built_in_one_folder_names_the_folder_it_is_read_from(tmp_path: Path) -> None:
    built = copy_catalog(tmp_path / "build" / "catalog")
    catalog_index.build_folder_index(str(built))
    installed = tmp_path / "site" / "catalog"
    shutil.copytree(built, installed)
    results = catalog_index.load_catalog_folder(str(installed))
    assert all(r.tool is not None and Path(r.tool.origin).parent == installed for r in results)


def test_a_catalog_with_a_broken_entry_gets_no_index_and_the_build_names_file_and_line(tmp_path: Path) -> None:
    """An entry edited into invalid TOML (an unescaped quote in a note) must stop the build, naming the file and
    line, and leave no index behind that would ship it as if it were fine."""
    folder = copy_catalog(tmp_path / "catalog")
    entry = sorted(folder.glob("*.toml"))[3]
    lines = entry.read_text(encoding="utf-8").splitlines(keepends=True)
    broken_line = next(n for n, line in enumerate(lines, 1) if line.startswith("notes = "))
    lines[broken_line - 1] = 'notes = "it says "off" here"\n'
    entry.write_text("".join(lines), encoding="utf-8")

    run = subprocess.run([sys.executable, "-m", "tracklight.core.catalog_index", str(folder)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stdout
    assert f"{entry}:{broken_line}" in run.stderr, run.stderr
    assert not (folder / catalog_index.INDEX_NAME).exists()

    entry.write_text("".join(shipped_entries_text(entry.name)), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "tracklight.core.catalog_index", str(folder)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert (folder / catalog_index.INDEX_NAME).exists()


def shipped_entries_text(name: str) -> str:
    return (Path(catalog_path()) / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- no pickle, nothing runs


def test_no_module_of_tracklight_uses_pickle_marshal_or_shelve() -> None:
    offenders = []
    for source in (ROOT / "app" / "tracklight").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for module in ("pickle", "marshal", "shelve", "dill", "cloudpickle"):
            if f"import {module}" in text or f"from {module} " in text:
                offenders.append(f"{source.relative_to(ROOT)}: {module}")
    assert offenders == []


class _Planted:
    """Unpickling this writes a marker file: what an attacker would plant in the cache."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "ran"))


def test_a_pickle_planted_in_the_cache_is_never_loaded(sandbox_home: Path, tmp_path: Path) -> None:
    """Issue 13 hole 1: the scan used to pickle.load $XDG_CACHE_HOME/tracklight/*.pickle before checking anything."""
    cache = Path(locations.cache_dir(Os.LINUX, dict(os.environ)))
    cache.mkdir(parents=True)
    marker = tmp_path / "marker"
    import zlib

    names = [f"catalog-{zlib.crc32(catalog_path().encode()):08x}.pickle", "manifests.pickle"]
    for name in names:
        (cache / name).write_bytes(pickle.dumps(_Planted(marker)))
    for command in (["scan", "--json"], ["catalog", "list"], ["show", "go"]):
        done = subprocess.run([*TRACKLIGHT, *command], check=False, capture_output=True, text=True,
                              env=dict(os.environ))
        assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_a_damaged_or_hand_made_cache_is_parsed_again_not_trusted(sandbox_home: Path) -> None:
    env = dict(os.environ)
    folder = Path(catalog_path())
    cache = Path(locations.cache_dir(Os.LINUX, env))
    load_index(Os.LINUX, env, scope=ReadScope())  # whatever this writes, the files below replace it
    import zlib

    cache_file = cache / f"catalog-{zlib.crc32(str(folder).encode()):08x}.json"
    cache.mkdir(parents=True, exist_ok=True)
    entry = folder / "go.toml"
    info = entry.stat()
    real = load_manifest_file(entry, Source.CATALOG)
    forged = encode_result(real, str(entry))
    forged[0][1] = 5  # a name that is not text
    for content in (b"\x80\x04not json", json.dumps([1, 2]).encode(),
                    json.dumps({"parser": catalog_index.parser_key(),
                                "entries": {"go.toml": [info.st_size, info.st_mtime_ns, "", forged]}}).encode()):
        cache_file.write_bytes(content)
        catalog_index._memory.clear()
        index = load_index(Os.LINUX, env, scope=ReadScope())
        assert index.tools["go"].tool.name == real.tool.name


# ---------------------------------------------------------------- freshness


def test_an_entry_changed_after_the_index_was_built_is_read_from_its_toml(tmp_path: Path) -> None:
    folder = copy_catalog(tmp_path / "catalog")
    catalog_index.build_folder_index(str(folder))
    entry = folder / "activepieces.toml"
    text = entry.read_text()
    changed = text.replace('name = "', 'name = "X', 1)[:-1]  # same size: one character in, one out
    assert len(changed.encode()) == len(text.encode())
    entry.write_text(changed)
    os.utime(entry, ns=(entry.stat().st_atime_ns, entry.stat().st_mtime_ns + 1_000_000))
    catalog_index._memory.clear()
    results = {r.tool.id: r.tool for r in catalog_index.load_catalog_folder(str(folder)) if r.tool}
    assert results["activepieces"].name.startswith("X")


def test_an_index_whose_files_only_changed_time_is_used_after_checking_their_bytes(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    """A wheel install does not keep file times: the index still serves, checked by SHA-256, and the user's
    cache then remembers the new times so the next start reads only it."""
    folder = copy_catalog(tmp_path / "catalog")
    catalog_index.build_folder_index(str(folder))
    for entry in folder.glob("*.toml"):
        os.utime(entry, ns=(1, 2_000_000_000_000_000_000))
    parsed: list[str] = []
    monkeypatch.setattr(catalog_index, "_parse_catalog_entry", lambda path: parsed.append(path))
    cache = tmp_path / "cache"
    catalog_index._memory.clear()
    results = catalog_index.load_catalog_folder(str(folder), str(cache))
    assert parsed == [] and len(results) == 12 and all(r.tool for r in results)
    (folder / catalog_index.INDEX_NAME).unlink()  # from now on only the cache can serve
    catalog_index._memory.clear()
    assert catalog_index.load_catalog_folder(str(folder), str(cache)) == results and parsed == []


# ---------------------------------------------------------------- root and system scope


def test_root_never_reads_or_writes_a_cache(sandbox_home: Path) -> None:
    env = dict(os.environ)
    manifests = sandbox_home / ".local/share/telemetry-disclosures"
    manifests.mkdir(parents=True)
    (manifests / "acme.toml").write_text(
        'manifest_version = 1\nid = "acme"\nname = "Acme"\n[telemetry]\ntier = "none"\ndefault = "off"\n')
    cache = Path(locations.cache_dir(Os.LINUX, env))
    load_index(Os.LINUX, env, scope=ReadScope(as_root=True))
    load_index(Os.LINUX, env, scope=ReadScope(system=True))
    assert not cache.exists()
    load_index(Os.LINUX, env, scope=ReadScope())
    assert cache.exists()


needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="makes files owned by another user")


def _give_to_user(path: Path, uid: int = 4242) -> None:
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, uid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, uid)


@needs_root
def test_as_root_a_users_manifests_catalog_update_and_cache_steer_nothing(sandbox_home: Path) -> None:
    """Issue 13 hole 1: root with a user's HOME (sudo -E, su without -) read that user's files."""
    env = dict(os.environ)
    data = Path(locations.data_dir(Os.LINUX, env))
    update = data / "catalog"
    update.mkdir(parents=True)
    (update / "VERSION").write_text("99\n")
    shutil.copy2(Path(catalog_path()) / "go.toml", update / "go.toml")
    text = (update / "go.toml").read_text().replace('name = "Go', 'name = "Planted Go', 1)
    (update / "go.toml").write_text(text)
    manifests = sandbox_home / ".local/share/telemetry-disclosures"
    manifests.mkdir(parents=True)
    (manifests / "planted.toml").write_text(
        'manifest_version = 1\nid = "planted"\nname = "Planted"\n[telemetry]\ntier = "none"\ndefault = "off"\n')
    _give_to_user(sandbox_home)

    done = subprocess.run([*TRACKLIGHT, "scan", "--json", "--all"], check=False, capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    ids = {tool["id"]: tool for tool in report["tools"]}
    assert "planted" not in ids and not ids["go"]["name"].startswith("Planted")
    said = "\n".join(p["text"] for p in report["problems"])
    assert "planted.toml: manifest not read: Tracklight runs as root here" in said
    assert f"{update}: catalog update not read" in said
    assert not (sandbox_home / ".cache" / "tracklight").exists()


@needs_root
def test_policy_check_ignores_a_users_catalog_folder_and_says_so(sandbox_home: Path, tmp_path: Path) -> None:
    """Issue 13 hole 1: an unsigned catalog folder in the user's data dir (any folder with VERSION) steered
    system-scope writes."""
    env = dict(os.environ)
    update = Path(locations.data_dir(Os.LINUX, env)) / "catalog"
    update.mkdir(parents=True)
    (update / "VERSION").write_text("99\n")
    (update / "acme-x.toml").write_text(_PLANTED_ENTRY)
    _give_to_user(sandbox_home)
    policy = tmp_path / "policy.toml"
    policy.write_text('policy_version = 1\n[optout]\ntools = ["acme-x"]\n')
    root = tmp_path / "image"
    done = subprocess.run([*TRACKLIGHT, "policy", "apply", "--policy", str(policy), "--root", str(root)],
                          check=False, capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "acme-x" in done.stderr and "catalog update not read: system scope" in done.stderr
    written = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    assert not [p for p in written if "LD_PRELOAD" in p.read_text(errors="replace")]


_PLANTED_ENTRY = """manifest_version = 1
id = "acme-x"
name = "Acme X"
sources = ["https://acme.example/docs"]
verified = 2026-01-01
[telemetry]
tier = "full"
default = "on"
tier_reason = "planted"
[[telemetry.controls]]
kind = "env"
name = "LD_PRELOAD"
off = "/tmp/evil.so"
"""


def test_bulk_decoding_pauses_the_cyclic_collector_and_puts_it_back() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(KeyError), catalog_index.many_objects():
        assert not gc.isenabled()
        raise KeyError("a failure inside still switches it back on")
    assert gc.isenabled()
    gc.disable()  # someone else switched it off: it stays off
    try:
        with catalog_index.many_objects():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
