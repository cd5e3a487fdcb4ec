"""Issue 13's attacks on what a change reports and where it writes (holes 5 and 6), run as a person would.

Each test is one attack from the issue, re-run against the real `tracklight` command (or the one write function)
in a sandbox home. Where the attack must be refused, the test asserts a clear error naming the file (and line) and
the file's bytes unchanged; where the honest outcome is an edit, it asserts what the tool's own reader (or a real
parser: expat, dash) reads afterwards. Holes 1–4 have their tests beside the code they cover:
tests/core/test_catalog_index.py (no pickle, system scope reads root-owned inputs only), tests/core/test_write_rules.py
and tests/changes/test_safety.py (the allow-list), tests/admin/test_locks_hold.py (locks),
tests/core/test_manifest_bounds.py (bounded manifests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def machine(sandbox_home: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a person's shell: the sandbox home, and a PATH where Go, Dart and Terraform are found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("go", "dart", "terraform", "syncthing"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k.startswith(("HOME", "XDG_", "TRACKLIGHT_", "LANG", "TMPDIR"))}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKLIGHT, *args], env=env, check=False, capture_output=True, text=True, timeout=120)


def plant(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def go_mode(data: bytes) -> str:
    """Go's own reader (golang/telemetry internal/telemetry/dir.go, Dir.Mode): TrimSpace, then the first word.
    Go's TrimSpace does not strip a byte-order mark."""
    text = data.decode("utf-8").strip(" \t\n\r\v\f\x85\xa0")
    return text.split(" ", 1)[0] if text else "local"


def dart_reporting(data: bytes) -> str | None:
    """Dart's reader (dart-lang/tools unified_analytics config_handler.dart): the first line matching
    `^reporting=([01]) *$` in multi-line mode; a BOM before `reporting` makes the first line not match."""
    found = re.search(r"^reporting=([01]) *$", data.decode("utf-8"), re.MULTILINE)
    return found.group(1) if found else None


# ---------------------------------------------------------------- hole 5: success only when the tool reads off


def test_go_mode_file_with_a_bom_is_opted_out_as_go_reads_it(machine: dict[str, str], sandbox_home: Path) -> None:
    mode = plant(sandbox_home / ".config/go/telemetry/mode", BOM + b"on")
    assert go_mode(mode.read_bytes()) == "\ufeffon"  # not "on": Go itself reads this as no known mode

    done = run(machine, "optout", "go")

    assert done.returncode == 0, done.stderr
    assert go_mode(mode.read_bytes()) == "off"
    assert run(machine, "undo").returncode == 0
    assert mode.read_bytes() == BOM + b"on"


def test_go_mode_file_with_a_bom_is_not_called_already_off(machine: dict[str, str], sandbox_home: Path) -> None:
    mode = plant(sandbox_home / ".config/go/telemetry/mode", BOM + b"off 2026-01-01")
    assert "state:     local" in run(machine, "show", "go").stdout  # what Go reads: not "off"
    done = run(machine, "optout", "go")
    assert done.returncode == 0, done.stderr
    assert "already" not in done.stdout
    assert go_mode(mode.read_bytes()) == "off"


def test_dart_key_value_file_with_a_bom_ends_reading_off(machine: dict[str, str], sandbox_home: Path) -> None:
    config = plant(sandbox_home / ".dart-tool/dart-flutter-telemetry.config", BOM + b"reporting=1\n")
    done = run(machine, "optout", "dart")
    assert done.returncode == 0, done.stderr
    assert dart_reporting(config.read_bytes()) == "0"
    assert "dart" in run(machine, "scan", "--json").stdout


def test_an_opt_out_after_which_the_tool_still_reads_on_is_an_error(machine: dict[str, str],
                                                                   sandbox_home: Path) -> None:
    """The planner writes the file; the person's own environment still says on, and the tool reads that first."""
    plant(sandbox_home / ".local/share/telemetry-disclosures/acme.toml", ACME.format(
        controls=ENV_CONTROL + FILE_CONTROL.format(format="json", file="settings.json", key="telemetry",
                                                   off="false", on="true")).encode())
    settings = plant(sandbox_home / ".config/acme/settings.json", b'{"telemetry": true}\n')
    machine["ACME_TELEMETRY"] = "1"

    done = run(machine, "optout", "acme")

    assert done.returncode == 1
    assert "acme: still reads on after this change (env ACME_TELEMETRY" in done.stderr
    assert "not done" in done.stderr
    assert settings.read_bytes() == b'{"telemetry": false}\n'  # written and journaled: undo reverts it
    assert run(machine, "undo").returncode == 0
    assert settings.read_bytes() == b'{"telemetry": true}\n'


@pytest.mark.parametrize(("name", "data", "line"), [
    ("a BOM", BOM + b"disable_checkpoint = false\n", 1),
    ("a bare word", b"disable_checkpoint = false\nplugin_cache_dir\n", 2),
])
def test_terraform_config_terraform_rejects_is_refused(name: str, data: bytes, line: int,
                                                       machine: dict[str, str], sandbox_home: Path) -> None:
    rc = plant(sandbox_home / ".terraformrc", data)
    done = run(machine, "optout", "terraform")
    assert done.returncode == 1, name
    assert f"{rc}:{line}:" in done.stderr
    assert rc.read_bytes() == data


@pytest.mark.parametrize(("name", "data"), [
    ("junk after the root", b"<configuration><options><urAccepted>0</urAccepted></options></configuration><x/>\n"),
    ("an undefined entity", b"<configuration><options><urAccepted>&x;</urAccepted></options></configuration>\n"),
    ("a duplicate attribute", b'<configuration a="1" a="2"><options></options></configuration>\n'),
    ("a BOM then junk", BOM + b"<configuration><options/></configuration>junk\n"),
])
def test_syncthing_config_expat_rejects_is_refused(name: str, data: bytes, machine: dict[str, str],
                                                   sandbox_home: Path) -> None:
    import xml.parsers.expat

    with pytest.raises(xml.parsers.expat.ExpatError):
        xml.parsers.expat.ParserCreate().Parse(data, True)
    config = plant(sandbox_home / ".config/syncthing/config.xml", data)
    done = run(machine, "optout", "syncthing")
    assert done.returncode == 1, name
    assert str(config) in done.stderr and "not well-formed" in done.stderr
    assert config.read_bytes() == data


# name: (bytes, the line the error names, whether `dash -n` itself rejects the file)
SHELL_FILES = {
    "a conditional after the edited line": (b"ACME_PARTICIPATE=yes\nif true; then ACME_PARTICIPATE=yes; fi\n", 2,
                                            False),
    "a conditional block": (b"ACME_PARTICIPATE=yes\nif [ -r /x ]; then\n  ACME_PARTICIPATE=yes\nfi\n", 3, False),
    "an && chain": (b"ACME_PARTICIPATE=yes\ntrue && ACME_PARTICIPATE=yes\n", 2, False),
    "a sourced file after it": (b"ACME_PARTICIPATE=yes\n. /etc/acme.local\n", 2, False),
    "a function definition": (b"f() { ACME_PARTICIPATE=yes; }\nACME_PARTICIPATE=yes\n", 1, False),
    "an if never closed": (b"ACME_PARTICIPATE=yes\nif true; then\n  X=1\n", 2, True),
    "a stray fi": (b"ACME_PARTICIPATE=yes\nfi\n", 2, True),
    "a double semicolon": (b"ACME_PARTICIPATE=yes;;\n", 1, True),
    "a redirection without a target": (b"ACME_PARTICIPATE=yes\necho >\n", 2, True),
    "an unterminated quote": (b"ACME_PARTICIPATE=yes\nX='open\n", 2, True),
}


@pytest.mark.parametrize("name", sorted(SHELL_FILES))
def test_a_shell_file_that_cannot_be_followed_is_refused(name: str, machine: dict[str, str],
                                                         sandbox_home: Path) -> None:
    data, line, dash_rejects = SHELL_FILES[name]
    if shutil.which("dash"):
        checked = subprocess.run(["dash", "-n"], input=data, capture_output=True, check=False)
        assert (checked.returncode != 0) == dash_rejects, name
    plant(sandbox_home / ".local/share/telemetry-disclosures/acme.toml", ACME.format(
        controls=FILE_CONTROL.format(format="shellvars", file="acme.conf", key="ACME_PARTICIPATE", off='"no"',
                                     on='"yes"')).encode())
    conf = plant(sandbox_home / ".config/acme/acme.conf", data)

    done = run(machine, "optout", "acme")

    assert done.returncode == 1, done.stdout
    assert f"{conf}:{line}:" in done.stderr, done.stderr
    assert conf.read_bytes() == data


@pytest.mark.skipif(shutil.which("dash") is None, reason="needs dash")
def test_a_plain_shell_file_is_edited_and_dash_reads_off(machine: dict[str, str], sandbox_home: Path) -> None:
    plant(sandbox_home / ".local/share/telemetry-disclosures/acme.toml", ACME.format(
        controls=FILE_CONTROL.format(format="shellvars", file="acme.conf", key="ACME_PARTICIPATE", off='"no"',
                                     on='"yes"')).encode())
    data = b"# acme\nif true; then X=1; fi\nACME_PARTICIPATE=yes # weekly\necho hi >/dev/null\n"
    conf = plant(sandbox_home / ".config/acme/acme.conf", data)
    done = run(machine, "optout", "acme")
    assert done.returncode == 0, done.stderr
    sourced = subprocess.run(["dash", "-c", '. "$1"; printf %s "$ACME_PARTICIPATE"', "dash", str(conf)],
                             capture_output=True, text=True, check=True)
    assert sourced.stdout == "no"


# ---------------------------------------------------------------- hole 6: where a write lands, and how much is read


def test_a_symlink_swapped_in_after_the_check_is_not_written_through(sandbox_home: Path, tmp_path: Path) -> None:
    """The swap happens after the last safety check, right before the write (apply's after_journal hook)."""
    from tracklight.changes.apply import apply_changeset
    from tracklight.changes.changeset import Action
    from tracklight.changes.journal import Journal
    from tracklight.changes.plan import PlanContext, plan_changes
    from tracklight.core.scan import scan
    from tracklight.errors import WriteError

    env = {"HOME": str(sandbox_home), "PATH": "/nonexistent"}
    folder = sandbox_home / ".config/Code/User"
    settings = plant(folder / "settings.json", b'{\n  "telemetry.telemetryLevel": "all"\n}\n')
    outside = tmp_path / "outside"
    plant(outside / "settings.json", b'{"telemetry.telemetryLevel": "all"}\n')
    before_outside = (outside / "settings.json").read_bytes()
    ctx = PlanContext.create(env)
    planned = plan_changes(Action.OPTOUT, scan(env=env, only={"vscode"}).reports, ctx).changeset
    assert [c.path for c in planned.files] == [str(settings)]

    def swap(_changeset: object) -> None:
        folder.rename(folder.with_name("User.moved"))
        folder.symlink_to(outside)

    with pytest.raises(WriteError) as caught:
        apply_changeset(planned, journal=Journal.for_env(ctx.os_, env), guard=ctx.guard, store=ctx.env_store(),
                        after_journal=swap)
    assert caught.value.path == str(settings) and "not followed" in str(caught.value)
    assert (outside / "settings.json").read_bytes() == before_outside
    assert not [p for p in outside.iterdir() if p.name != "settings.json"]  # no temp file left there either


def test_a_2_gib_preference_file_is_a_clear_error(machine: dict[str, str], sandbox_home: Path) -> None:
    settings = sandbox_home / ".config/Code/User/settings.json"
    settings.parent.mkdir(parents=True)
    with open(settings, "wb") as handle:  # sparse: 2 GiB long, next to nothing on disk
        handle.write(b'{"telemetry.telemetryLevel": "all", "x": "')
        handle.truncate(2 << 30)
    (Path(machine["PATH"].split(":")[0]) / "code").write_text("#!/bin/sh\n")
    (Path(machine["PATH"].split(":")[0]) / "code").chmod(0o755)
    stat_before = settings.stat()

    done = run(machine, "optout", "vscode")

    assert done.returncode == 1
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr
    assert str(settings) in done.stderr and "larger than" in done.stderr
    after = settings.stat()
    assert (after.st_size, after.st_mtime_ns) == (stat_before.st_size, stat_before.st_mtime_ns)


def test_the_write_path_never_reads_more_than_its_bound(tmp_path: Path) -> None:
    from tracklight.changes.atomic import MAX_READ_BYTES, atomic_write, read_current
    from tracklight.errors import WriteError

    big = tmp_path / "big"
    with open(big, "wb") as handle:
        handle.truncate(2 << 30)
    with pytest.raises(WriteError, match="larger than 16 MiB"):
        read_current(str(big))
    with pytest.raises(WriteError, match="larger than"):
        atomic_write(str(big), b"x", expected_before=b"")
    assert big.stat().st_size == 2 << 30
    small = tmp_path / "small"
    small.write_bytes(b"x" * 100)
    with pytest.raises(WriteError, match="larger than 0 KiB"):
        read_current(str(small), limit=10)
    assert read_current(str(small), limit=MAX_READ_BYTES) == b"x" * 100


@pytest.mark.parametrize("version", [b"9" * 5000, "\u00b2".encode(), b"12\n3", b"-1", b"0"])
def test_a_version_that_is_no_whole_number_is_a_clear_error(version: bytes, tmp_path: Path) -> None:
    from tracklight.core.update_archive import installed_version, parse_version

    assert parse_version(version) is None
    (tmp_path / "VERSION").write_bytes(version)
    assert installed_version(tmp_path) is None


def test_an_opt_out_lands_against_a_tool_that_rewrites_its_file_every_few_ms(machine: dict[str, str],
                                                                             sandbox_home: Path) -> None:
    """A real writer thread rewrites the file every 2 ms for 0.3 s (read, change one setting, write: as an editor
    does), then lets it be: the change backs off and lands (before, it was refused 194 times in 210)."""
    import json

    from tracklight.changes.changeset import Action
    from tracklight.changes.operations import Changes
    from tracklight.core.scan import scan

    env = {"HOME": str(sandbox_home), "PATH": "/nonexistent"}
    settings = plant(sandbox_home / ".config/Code/User/settings.json", b"{}\n")
    stop = time.monotonic() + 0.3

    def busy_tool() -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            try:
                document = json.loads(settings.read_bytes())
            except ValueError:
                continue
            document["window.zoomLevel"] = n % 7
            settings.write_bytes(json.dumps(document).encode() + b"\n")
            time.sleep(0.002)

    writer = threading.Thread(target=busy_tool)
    writer.start()
    try:
        outcome = Changes(env=env).run(Action.OPTOUT, scan(env=env, only={"vscode"}).reports)
    finally:
        writer.join()
    assert outcome.applied is not None
    assert json.loads(settings.read_bytes())["telemetry.telemetryLevel"] == "off"


ACME = """manifest_version = 1
id = "acme"
name = "Acme"
[detect]
paths = ["~/.config/acme"]
[telemetry]
tier = "anonymized"
default = "on"
{controls}"""

ENV_CONTROL = """[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
off = "0"
on = "1"
"""

FILE_CONTROL = """[[telemetry.controls]]
kind = "file"
path = "$XDG_CONFIG_HOME/acme/{file}"
format = "{format}"
key = "{key}"
off = {off}
on = {on}
"""
