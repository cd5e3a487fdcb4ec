"""`tracklight catalog prove` end to end, on a real (small) tool built here: installed by pip from a local wheel
into the cache, asked offline in a sandbox home before and after a real `tracklight optout` and `undo`, and its
result written into the entry.

The tool, tlprobe, reads its telemetry switch the way many Python tools do: an env variable, then a JSON file in
~/.config. Its catalog entry is right in one test and wrong in another (it names a variable the tool never reads,
as Meltano's entry named MELTANO_DISABLE_TRACKING): the run must say so, and the record must show it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tracklight.commands.proving.sandbox import isolation_prefix
from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import ProofMethod, ProofResult, Source
from tracklight.core.proofs import fact_fingerprint, stale_proofs
from watch_support import watch_refusal

pytestmark = pytest.mark.timeout(600)

# Captured at import, before the sandbox fixture empties the environment.
MACHINE_ENV = dict(os.environ)

TOOL_MODULE = '''import json, os, pathlib

def telemetry_enabled():
    if os.environ.get("TLPROBE_NO_TELEMETRY", "").lower() in ("1", "true"):
        return False
    config = pathlib.Path.home() / ".config" / "tlprobe" / "config.json"
    if config.exists():
        return json.loads(config.read_text()).get("telemetry", True) is not False
    return True


def opt_out():
    """The tool's own opt-out command: it writes its file, whatever a catalog entry says it reads."""
    config = pathlib.Path.home() / ".config" / "tlprobe" / "config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"telemetry": False}))


def main():
    """Phones home (a TLS hello to its endpoint) when on by its environment variable; it ignores its file."""
    import socket, ssl
    if os.environ.get("TLPROBE_NO_TELEMETRY", "").lower() in ("1", "true"):
        return
    try:
        with socket.create_connection(("telemetry.tlprobe.test", 443), timeout=3) as raw:
            ssl.create_default_context().wrap_socket(raw, server_hostname="telemetry.tlprobe.test")
    except OSError:
        pass
'''

ENTRY = '''manifest_version = 1
id = "tlprobe"
name = "tlprobe"
sources = ["https://tlprobe.example/docs"]
verified = 2026-11-30

[detect]
executables = ["tlprobe"]

[telemetry]
tier = "anonymized"
tier_reason = "a random install id"
default = "on"
CONTROLS
'''
ENV_CONTROL = '''
[[telemetry.controls]]
kind = "env"
name = "NAME"
off = "1"
off_when = ["1", "true"]
match = "casefold"
'''
FILE_CONTROL = '''
[[telemetry.controls]]
kind = "file"
path = "~/.config/tlprobe/config.json"
format = "json"
key = "telemetry"
off = false
on = true
'''
ORACLE = '''oracle_version = 1
package = "pypi:tlprobe==1.0"
oracle = "tlprobe.telemetry_enabled()"
python = """
import tlprobe
print("telemetry enabled:", tlprobe.telemetry_enabled())
"""
on = "enabled: True"
off = "enabled: False"
'''


def _wheel(folder: Path) -> Path:
    """A real wheel of tlprobe 1.0 (py3-none-any), with a RECORD pip can check."""
    files = {
        "tlprobe/__init__.py": TOOL_MODULE.encode(),
        "tlprobe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tlprobe\nVersion: 1.0\n",
        "tlprobe-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tracklight-tests\nRoot-Is-Purelib: true\n"
                                       b"Tag: py3-none-any\n",
        "tlprobe-1.0.dist-info/entry_points.txt": b"[console_scripts]\ntlprobe = tlprobe:main\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("tlprobe-1.0.dist-info/RECORD,,")
    files["tlprobe-1.0.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    path = folder / "tlprobe-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    _wheel(folder)
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prove-cache")


def make_catalog(root: Path, controls: str, oracle: str = ORACLE) -> Path:
    catalog = root / "resources" / "catalog"
    (catalog / "oracles").mkdir(parents=True)
    (catalog / "tlprobe.toml").write_text(ENTRY.replace("CONTROLS", controls), encoding="utf-8")
    (catalog / "oracles" / "tlprobe.toml").write_text(oracle, encoding="utf-8")
    return catalog


def prove(catalog: Path, cache: Path, wheels: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in MACHINE_ENV.items() if not k.startswith(("PIP_", "TRACKLIGHT_"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))  # pip installs from the local wheel, offline
    argv = [sys.executable, "-m", "tracklight.cli", "catalog", "prove", "--catalog", str(catalog), "--cache",
            str(cache), "--date", "2026-12-07", *args]
    if isolation_prefix() is None:
        argv.append("--allow-network")
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=500)


def entry(catalog: Path):
    result = load_manifest_file(catalog / "tlprobe.toml", Source.CATALOG)
    assert result.tool is not None, result.problems
    return result.tool


def test_a_right_entry_is_proven_and_recorded(tmp_path: Path, cache: Path, wheels: Path) -> None:
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY"))
    done = prove(catalog, cache, wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("tlprobe"))
    assert row.split()[1:7] == ["pypi:tlprobe==1.0", "on", "off", "-", "on", "PASS"]
    tool = entry(catalog)
    (proof,) = tool.proofs
    assert proof.method is ProofMethod.RUN and proof.result is ProofResult.PASS
    assert proof.covers == ("default", "env:TLPROBE_NO_TELEMETRY")
    assert (proof.package, proof.version, proof.oracle) == ("pypi:tlprobe==1.0", "1.0", "tlprobe.telemetry_enabled()")
    assert str(proof.date) == str(tool.verified) == "2026-12-07"  # the injected date, not the clock
    # Every probe value agreed: the value rules are proven too, value by value.
    assert "TLPROBE_NO_TELEMETRY probed: 1 off, '' on, 0 on, false on, true off, no on, yes on, off on, on on, " \
        "FALSE on, True off, tracklight-probe on (the tool and Tracklight agree)" in proof.note
    document = tomllib.loads((catalog / "tlprobe.toml").read_text(encoding="utf-8"))
    assert stale_proofs(document, tool) == []
    # Editing the proven control afterwards makes the record stale.
    edited = (catalog / "tlprobe.toml").read_text(encoding="utf-8").replace('off = "1"', 'off = "true"')
    assert proof.fingerprint != fact_fingerprint(tomllib.loads(edited), proof.covers)
    # Run again: the record is replaced, not added to.
    assert prove(catalog, cache, wheels).returncode == 0
    assert len(entry(catalog).proofs) == 1


def test_a_wrong_entry_fails_and_the_record_shows_it(tmp_path: Path, cache: Path, wheels: Path) -> None:
    """The variable the entry names is one the tool never reads: after the opt-out the tool still says on."""
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_DISABLE_TRACKING"))
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1
    assert "tlprobe: FAIL: still on after `tracklight optout tlprobe` (wrote env:TLPROBE_DISABLE_TRACKING)" \
        in done.stdout
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.FAIL and not proof.passed
    assert proof.covers == ("default", "env:TLPROBE_DISABLE_TRACKING") and "still on" in proof.note
    # CI's check mode: the same result as recorded is fine; it records nothing.
    before = (catalog / "tlprobe.toml").read_bytes()
    assert prove(catalog, cache, wheels, "--check").returncode == 0
    assert (catalog / "tlprobe.toml").read_bytes() == before


def test_a_value_the_entry_reads_differently_from_the_tool_fails_the_run(tmp_path: Path, cache: Path,
                                                                          wheels: Path) -> None:
    """The entry's own off value works, so opt-out and undo pass; but tlprobe also takes `true` (any case), which
    the entry reads as undecided (on): a user who set TLPROBE_NO_TELEMETRY=true would be shown on while it is off.
    The probes find it, and the record says which values."""
    bare = ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY").replace('off_when = ["1", "true"]\nmatch = "casefold"\n',
                                                                      "")
    catalog = make_catalog(tmp_path, bare)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1
    assert ("tlprobe: FAIL: a value is read differently from the tool: TLPROBE_NO_TELEMETRY=true: the tool says "
            "off, Tracklight reads on; TLPROBE_NO_TELEMETRY=True: the tool says off, Tracklight reads on") \
        in done.stdout
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.FAIL and "TLPROBE_NO_TELEMETRY=true: the tool says off" in proof.note


def test_a_variable_the_oracle_cannot_see_is_not_probed_unless_the_run_claims_it(tmp_path: Path, cache: Path,
                                                                                  wheels: Path) -> None:
    """Keystone's status command reads only its file: set alone, a variable changes nothing in its answer. Probing
    it would blame the entry for the oracle's blind spot; it is named as not probed. But a variable the run claims
    to have shown (Tracklight wrote it) must turn the tool off on its own, or the run fails."""
    blind = ORACLE.replace("import tlprobe\n", "import os, tlprobe\nos.environ.pop('TLPROBE_NO_TELEMETRY', None)\n")
    env = ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY")
    catalog = make_catalog(tmp_path / "unclaimed", FILE_CONTROL + env.replace('off = "1"', 'off = "1"\nwrite = false'),
                           blind)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    (proof,) = entry(catalog).proofs
    assert proof.covers == ("default", "file:telemetry")
    assert ("not probed: TLPROBE_NO_TELEMETRY set alone to its off value does not turn this oracle's answer off"
            in proof.note)

    catalog = make_catalog(tmp_path / "claimed", FILE_CONTROL + env.replace('off = "1"', 'off = "1"\nwrite = true'),
                           blind)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1
    assert ("tlprobe: FAIL: a value is read differently from the tool: TLPROBE_NO_TELEMETRY set alone to its off "
            "value: Tracklight reads off, the tool does not say off") in done.stdout


def test_check_mode_fails_when_the_tool_no_longer_agrees_with_the_record(tmp_path: Path, cache: Path,
                                                                       wheels: Path) -> None:
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY"))
    assert prove(catalog, cache, wheels).returncode == 0
    # The oracle now asks in a way that no longer sees the opt-out (as a tool that changed would answer).
    oracle = ORACLE.replace("tlprobe.telemetry_enabled())", "True)")
    (catalog / "oracles" / "tlprobe.toml").write_text(oracle, encoding="utf-8")
    done = prove(catalog, cache, wheels, "--check")
    assert done.returncode == 1
    assert "result differs from the record: tlprobe: recorded pass, now fail" in done.stdout


def test_a_file_control_is_proven_by_the_file_alone(tmp_path: Path, cache: Path, wheels: Path) -> None:
    """Tracklight writes the file and, because the entry asks for it, the variable too: the file facts count only
    because the tool also reads off from a plain environment that sets no variable."""
    env_too = ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY").replace('off = "1"', 'off = "1"\nwrite = true')
    catalog = make_catalog(tmp_path, FILE_CONTROL + env_too)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("tlprobe"))
    assert row.split()[2:7] == ["on", "off", "off", "on", "PASS"]
    (proof,) = entry(catalog).proofs
    assert set(proof.covers) == {"default", "env:TLPROBE_NO_TELEMETRY", "file:telemetry"}
    # The file key is probed too, with typed values: only JSON false is off for tlprobe, as the entry says.
    assert ('file:telemetry probed: false off, true on, 0 on, 1 on, "" on, "0" on, "1" on, "false" on, "true" on, '
            '"no" on, "off" on, "FALSE" on, "tracklight-probe" on (the tool and Tracklight agree)') in proof.note


def test_a_file_value_the_entry_reads_differently_from_the_tool_fails_the_run(tmp_path: Path, cache: Path,
                                                                           wheels: Path) -> None:
    """The entry says the number 0 in the file also means off; tlprobe reads only JSON false as off. Opt-out and
    undo pass (they write false), and the file probe finds the value the entry gets wrong, leaving the file as the
    undo left it."""
    wrong = FILE_CONTROL.replace("off = false", "off = false\noff_when = [false, 0]")
    catalog = make_catalog(tmp_path, wrong)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("tlprobe: FAIL: a value is read differently from the tool: file:telemetry=0: the tool says on, "
            "Tracklight reads off") in done.stdout


OWN_OPTOUT = ORACLE + """own_optout = "{python} -c 'import tlprobe; tlprobe.opt_out()'"
"""


def test_the_tools_own_opt_out_must_read_as_off_too(tmp_path: Path, cache: Path, wheels: Path) -> None:
    """Wrangler's `telemetry disable` kept its choice in a file the entry did not read: Tracklight's own opt-out
    and undo passed, yet a user who opted out the vendor's way was shown as tracked. With `own_optout` the run asks
    that too: tlprobe's own opt-out writes its config file, which an entry of the variable alone does not read."""
    env = ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY")
    catalog = make_catalog(tmp_path / "env-only", env, OWN_OPTOUT)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("tlprobe: FAIL: after the tool's own opt-out `{python} -c 'import tlprobe; tlprobe.opt_out()'` the tool "
            "says off, Tracklight reads on") in done.stdout
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.FAIL

    catalog = make_catalog(tmp_path / "with-file", FILE_CONTROL + env, OWN_OPTOUT)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.PASS
    assert "the tool says off, Tracklight reads off" in proof.note


def test_a_tool_that_sends_nothing_is_judged_by_what_its_controls_say(tmp_path: Path, cache: Path,
                                                                     wheels: Path) -> None:
    """A tool of tier none (an update check with no id) is always shown off, so comparing that state with the
    tool's answers proved nothing: PDM's own `pdm config check_update false` wrote a text its entry did not read,
    and the run still said "Tracklight reads off". The run reads what the controls say (`controls_state`)."""
    env = ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY")
    catalog = make_catalog(tmp_path / "env-only", env, OWN_OPTOUT)
    path = catalog / "tlprobe.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('tier = "anonymized"', 'tier = "none"'), encoding="utf-8")
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the tool says off, Tracklight reads on" in done.stdout
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.FAIL


def test_an_oracle_that_cannot_read_the_tool_records_nothing(tmp_path: Path, cache: Path, wheels: Path) -> None:
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY"),
                           ORACLE.replace('on = "enabled: True"', 'on = "telemetry is ON"')
                           .replace('off = "enabled: False"', 'off = "telemetry is OFF"'))
    before = (catalog / "tlprobe.toml").read_bytes()
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1
    assert "tlprobe: BROKEN: the first answer matched neither the on nor the off pattern" in done.stdout
    assert (catalog / "tlprobe.toml").read_bytes() == before


def test_only_names_an_oracle_that_exists(tmp_path: Path, cache: Path, wheels: Path) -> None:
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY"))
    done = prove(catalog, cache, wheels, "--only", "tlprobe,nosuchtool")
    assert done.returncode == 1 and "no oracle for nosuchtool" in done.stderr


WATCH = """
[watch]
command = "{bin}/tlprobe"
endpoints = ["telemetry.tlprobe.test"]
"""
WATCH_ONLY = ORACLE.split('python = """')[0] + WATCH


def with_endpoint(catalog: Path) -> None:
    path = catalog / "tlprobe.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'default = "on"', 'default = "on"\nendpoints = ["telemetry.tlprobe.test"]'), encoding="utf-8")


@pytest.mark.skipif(bool(watch_refusal()), reason=f"the watch cannot run here: {watch_refusal()}")
def test_a_watch_oracle_proves_the_opt_out_and_the_endpoint(tmp_path: Path, cache: Path, wheels: Path) -> None:
    catalog = make_catalog(tmp_path, ENV_CONTROL.replace("NAME", "TLPROBE_NO_TELEMETRY"), WATCH_ONLY)
    with_endpoint(catalog)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.PASS
    assert set(proof.covers) == {"default", "env:TLPROBE_NO_TELEMETRY", "endpoints"}
    assert proof.oracle == ("tlprobe.telemetry_enabled(); and `tracklight watch` of `{bin}/tlprobe`, on when it "
                            "contacts telemetry.tlprobe.test")
    assert "watched: contacted telemetry.tlprobe.test while on, none after the opt-out, again after undo" in proof.note


@pytest.mark.skipif(bool(watch_refusal()), reason=f"the watch cannot run here: {watch_refusal()}")
def test_a_tool_that_says_off_but_still_calls_home_fails(tmp_path: Path, cache: Path, wheels: Path) -> None:
    """tlprobe's decision function reads its file, but its sender does not: the status question alone would pass
    the file control; the watch sees it still calling home."""
    catalog = make_catalog(tmp_path, FILE_CONTROL, ORACLE + WATCH)
    with_endpoint(catalog)
    done = prove(catalog, cache, wheels)
    assert done.returncode == 1
    assert "tlprobe: FAIL: still on after `tracklight optout tlprobe` (wrote file:telemetry)" in done.stdout
    (proof,) = entry(catalog).proofs
    assert proof.result is ProofResult.FAIL and "still contacted after the opt-out" in proof.note
