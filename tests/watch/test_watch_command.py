"""`tracklight watch -- COMMAND`, run as a user would (the real command in a subprocess, in a sandbox home):
real programs in Python and Node resolve and connect by name, by hard-coded address and over UDP, and every
attempt is reported with the process that made it; a tool that declares its endpoint is named, before and after
`tracklight optout` from a fresh login environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tracklight.core.watch_results import describe, load_results
from watch_support import watch_refusal

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
PROGRAMS = Path(__file__).parent / "programs"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


pytestmark = pytest.mark.skipif(bool(watch_refusal()), reason=f"the watch cannot run here: {watch_refusal()} "
                                "(test_watch_unavailable.py covers that case)")


@pytest.fixture
def env(sandbox_home: Path) -> dict[str, str]:
    keep = ("HOME", "XDG_", "TRACKLIGHT_SYSTEM_ROOT", "LANG", "LC_", "TMPDIR")
    environment = {k: v for k, v in os.environ.items() if k.startswith(keep)}
    environment["PATH"] = os.environ["PATH"]
    return environment


def watch(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKLIGHT, "watch", *argv], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def watch_json(env: dict[str, str], *command: str) -> dict[str, Any]:
    done = watch(env, "--json", "--", *command)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def attempts(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [attempt for host in report["hosts"] for attempt in host["attempts"]]


def find(report: dict[str, Any], **fields: Any) -> dict[str, Any]:
    matching = [a for a in attempts(report) if all(a[k] == v for k, v in fields.items())]
    assert matching, f"no attempt with {fields} among {json.dumps(attempts(report), indent=1)}"
    return matching[0]


@pytest.mark.parametrize(("program", "language"), [(["python3", "phone_home.py"], "python"),
                                                   (["node", "phone_home.js"], "node")])
def test_every_attempt_is_reported_with_its_process(env: dict[str, str], program: list[str], language: str) -> None:
    if shutil.which(program[0]) is None:
        pytest.skip(f"{program[0]} is not installed")
    command = [program[0], str(PROGRAMS / program[1])]
    report = watch_json(env, *command)
    by_name = f"telemetry.{language}-example.test"
    pinned = f"pinned.{language}-example.test"
    seen = [
        find(report, kind="dns", name=by_name, detail="A query"),
        find(report, kind="tcp", name=by_name, port=443, how="sni", detail="TLS ClientHello"),
        find(report, kind="tcp", address="203.0.113.7", port=443, name=pinned, how="sni"),
        find(report, kind="udp", address="198.51.100.9", port=9999, detail="1 datagram"),
    ]
    for attempt in seen:
        assert attempt["pid"] is not None, attempt
        assert attempt["command"].endswith(program[1]), attempt
        assert os.path.basename(attempt["command"].split()[0]).startswith(program[0].rstrip("3")), attempt
    assert len({attempt["pid"] for attempt in seen}) == 1
    # nothing else was tried, and nothing is a telemetry endpoint of a known tool
    assert {(a["kind"], a["name"] or a["address"]) for a in attempts(report)} == {
        ("dns", by_name), ("tcp", by_name), ("tcp", pinned), ("udp", "198.51.100.9")}
    assert report["telemetry_contacted"] == []
    assert report["exit_status"] == 0


def test_an_ordinary_user_watches_as_themselves(env: dict[str, str]) -> None:
    """Not root: the watch makes its own user namespace, and the command still runs as the user's own uid."""
    unshare = shutil.which("unshare")
    assert unshare is not None
    code = ("import os, socket, ssl\nprint(os.getuid(), os.getgid())\n"
            "raw = socket.create_connection(('as-user.example.test', 443), 3)\ntry:\n"
            "    ssl.create_default_context().wrap_socket(raw, server_hostname='as-user.example.test')\n"
            "except OSError:\n    pass\n")
    done = subprocess.run([unshare, "--user", "--map-user=1000", "--map-group=1000", "--", TRACKLIGHT, "watch",
                           "--json", "--", sys.executable, "-c", code],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 and "unshare" in done.stderr and "watch" not in done.stderr:
        pytest.skip(f"cannot become an ordinary user here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("1000 1000\n")
    report = json.loads(done.stdout)
    attempt = find(report, kind="tcp", name="as-user.example.test", port=443, how="sni")
    assert attempt["pid"] is not None and "as-user.example.test" in attempt["command"]


def test_a_connection_to_a_port_nothing_listens_on_is_seen_with_its_address(env: dict[str, str]) -> None:
    code = ("import socket\nfor target in (('192.0.2.44', 7777), ('closed.example.test', 7778)):\n    try:\n"
            "        socket.create_connection(target, timeout=2)\n    except OSError as exc:\n        print(exc.errno)\n")
    report = watch_json(env, sys.executable, "-c", code)
    refused = find(report, kind="tcp", address="192.0.2.44", port=7777)
    assert "nothing listens" in refused["detail"]
    # Refused at once, the socket is gone before it can be looked up; by name, the lookup names the process.
    by_name = find(report, kind="tcp", name="closed.example.test", port=7778)
    assert by_name["pid"] == find(report, kind="dns", name="closed.example.test")["pid"] is not None
    assert "its process is the one that looked up closed.example.test" in by_name["detail"]


def test_the_commands_exit_status_and_output_are_its_own(env: dict[str, str]) -> None:
    done = watch(env, "--", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert done.returncode == 7
    assert done.stdout == "out\n"
    assert done.stderr.startswith("err\n")
    assert "Nothing was contacted" in done.stderr
    done = watch(env, "--json", "--", "sh", "-c", "echo out; exit 5")
    assert done.returncode == 5
    assert json.loads(done.stdout)["exit_status"] == 5  # the command's output went to stderr, the JSON is whole
    assert done.stderr.startswith("out\n")


def test_a_missing_command_is_status_127(env: dict[str, str]) -> None:
    done = watch(env, "--", "no-such-command-here")
    assert done.returncode == 127
    assert "no-such-command-here" in done.stderr


def test_a_background_sender_left_running_is_seen_then_stopped(env: dict[str, str], tmp_path: Path) -> None:
    # The command ends at once; the child it leaves behind phones home half a second later, then would sleep on.
    sender = tmp_path / "sender.py"
    sender.write_text("import socket, ssl, time\ntime.sleep(0.5)\ntry:\n"
                      "    raw = socket.create_connection(('late.example.test', 443), 2)\n"
                      "    ssl.create_default_context().wrap_socket(raw, server_hostname='late.example.test')\n"
                      "except OSError:\n    pass\ntime.sleep(60)\n")
    # --linger 8: time enough for the sender's Python to start on a loaded machine.
    done = watch(env, "--json", "--linger", "8", "--", "sh", "-c", f"{sys.executable} {sender} >/dev/null 2>&1 &")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    late = find(report, kind="tcp", name="late.example.test", port=443)
    assert late["pid"] is not None
    assert any("still running 8 s after" in note and "sender.py" in note for note in report["notes"]), report["notes"]


ACME_MANIFEST = """\
manifest_version = 1
id = "acme-cli"
name = "Acme CLI"
vendor = "Acme Inc."
homepage = "https://acme.example"
privacy_policy = "https://acme.example/privacy"

[detect]
executables = ["acme"]

[telemetry]
tier = "anonymized"
default = "on"
collects = ["command name"]
endpoints = ["telemetry.acme.test"]

[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
off = "0"
on = "1"
"""

ACME = f"""#!{sys.executable}
import os, socket, ssl
if os.environ.get("ACME_TELEMETRY") != "0":
    try:
        with socket.create_connection(("telemetry.acme.test", 443), timeout=3) as raw:
            ssl.create_default_context().wrap_socket(raw, server_hostname="telemetry.acme.test")
    except OSError:
        pass
print("acme 1.0")
"""


def test_a_declared_endpoint_is_named_and_gone_after_optout(env: dict[str, str], sandbox_home: Path,
                                                            tmp_path: Path) -> None:
    manifests = sandbox_home / ".local/share/telemetry-disclosures"
    manifests.mkdir(parents=True)
    (manifests / "acme-cli.toml").write_text(ACME_MANIFEST)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "acme").write_text(ACME)
    (bin_dir / "acme").chmod(0o755)
    env["PATH"] = f"{bin_dir}:{SYSTEM_PATH}"
    env.pop("XDG_DATA_HOME", None)

    done = watch(env, "--fail-on-telemetry", "--", "acme", "--version")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "acme 1.0\n"
    assert ("telemetry.acme.test:443 — Acme CLI's telemetry (tier anonymized; `tracklight optout acme-cli`)"
            in done.stderr)
    result = load_results(env)["acme-cli"]
    assert result.contacted == ("telemetry.acme.test:443",) and not result.opted_out
    assert describe(result).startswith("seen contacting telemetry.acme.test on ")

    optout = subprocess.run([TRACKLIGHT, "optout", "acme-cli"], env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert optout.returncode == 0, optout.stderr
    login = subprocess.run(
        ["/usr/bin/env", "-i", f"HOME={sandbox_home}", f"PATH={env['PATH']}",
         f"TRACKLIGHT_SYSTEM_ROOT={env['TRACKLIGHT_SYSTEM_ROOT']}", f"XDG_DATA_DIRS={env['XDG_DATA_DIRS']}",
         "/bin/bash", "-lc", f"{TRACKLIGHT} watch --fail-on-telemetry --json -- {bin_dir}/acme --version"],
        cwd=sandbox_home, capture_output=True, text=True, timeout=120, check=False)
    assert login.returncode == 0, login.stderr
    report = json.loads(login.stdout)
    assert report["hosts"] == [] and report["telemetry_contacted"] == []
    assert report["results"] == [{"tool": "acme-cli", "contacted": [], "opted_out": True}]
    result = load_results(env)["acme-cli"]
    assert result.contacted == () and result.opted_out
    assert describe(result).startswith("seen silent after opt-out on ")

