"""Exports run by the engines they target: ansible-playbook and sh for real in a sandbox root; the others parsed."""

from __future__ import annotations

import json
import os
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.admin.context import load_context
from tracklight.admin.exports import export
from tracklight.admin.system_apply import apply_system_plan
from tracklight.errors import PolicyError

from .conftest import FLEET_POLICY, tree

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def plan_for(policy: Path, root: Path):
    return load_context(str(policy), dict(os.environ), str(root))


def applied_tree(write_policy, tmp_path: Path, setup=None) -> dict[str, bytes]:
    """What `tracklight policy apply --root` writes into a fresh root (optionally prepared by setup)."""
    root = tmp_path / "applied"
    root.mkdir()
    if setup:
        setup(root)
    ctx = plan_for(write_policy(FLEET_POLICY), root)
    apply_system_plan(ctx.plan, ctx.index, str(root))
    # the files, not apply's journal of them (an export has no undo of its own)
    return {path: data for path, data in tree(root).items() if not path.startswith("var/lib/tracklight/")}


# ---------------------------------------------------------------- Ansible

def run_playbook(playbook: Path, root: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    assert ANSIBLE_PLAYBOOK.exists(), "ansible-core is a test dependency: pip install ansible-core"
    env = dict(os.environ)
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_STDOUT_CALLBACK="default")
    result = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
         "-e", f"tracklight_root={root}", str(playbook), *extra],
        capture_output=True, text=True, env=env, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0", result.stdout)
    assert recap, result.stdout
    return int(recap.group(2)), result.stdout


@pytest.mark.slow
def test_the_ansible_playbook_writes_what_apply_writes_and_a_second_run_changes_nothing(write_policy, sysroot,
                                                                                        tmp_path):
    popcon = 'MY_HOSTID="abc"\nPARTICIPATE="yes"\n'

    def installed_popcon(root: Path) -> None:
        (root / "etc").mkdir(parents=True, exist_ok=True)
        (root / "etc/popularity-contest.conf").write_text(popcon)

    expected = applied_tree(write_policy, tmp_path, installed_popcon)
    playbook = tmp_path / "tracklight.yml"
    playbook.write_text(export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "ansible"))
    root = tmp_path / "fleet-host"
    root.mkdir()
    installed_popcon(root)

    preview_changed, preview = run_playbook(playbook, root, tmp_path, "--check", "--diff")
    assert preview_changed > 0 and "DisableTelemetry" in preview  # the diff shows what would change
    assert tree(root) == {"etc/popularity-contest.conf": popcon.encode()}  # --check wrote nothing

    changed, _ = run_playbook(playbook, root, tmp_path)
    assert changed > 0
    assert tree(root) == expected
    assert (root / "etc/popularity-contest.conf").read_text() == 'MY_HOSTID="abc"\nPARTICIPATE="no"\n'

    again, _ = run_playbook(playbook, root, tmp_path)
    assert again == 0
    checked, _ = run_playbook(playbook, root, tmp_path, "--check", "--diff")
    assert checked == 0
    assert tree(root) == expected


@pytest.mark.slow
def test_the_ansible_playbook_merges_into_an_existing_browser_policy(write_policy, sysroot, tmp_path):
    playbook = tmp_path / "tracklight.yml"
    playbook.write_text(export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "ansible"))
    root = tmp_path / "host"
    firefox = root / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text('{"policies": {"BlockAboutConfig": true}, "{{ not templated }}": 1}')

    run_playbook(playbook, root, tmp_path)

    assert json.loads(firefox.read_text()) == {
        "policies": {"BlockAboutConfig": True, "DisableTelemetry": True, "DisableFirefoxStudies": True},
        "{{ not templated }}": 1}
    assert run_playbook(playbook, root, tmp_path)[0] == 0


def test_the_playbook_targets_all_hosts_and_leaves_become_to_the_caller(write_policy, sysroot):
    text = export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "ansible")
    assert "\n  hosts: all\n" in text and "become" not in text.split("---", 1)[1]
    assert "\n    tracklight_root: /\n" in text


# ---------------------------------------------------------------- POSIX shell

@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_the_shell_script_is_idempotent_and_writes_what_apply_writes(write_policy, sysroot, tmp_path, shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    expected = applied_tree(write_policy, tmp_path)
    script = tmp_path / "tracklight.sh"
    script.write_text(export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "shell"))
    root = tmp_path / "host"
    root.mkdir()

    first = subprocess.run(check=False, args=[shell, str(script), str(root)], capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert tree(root) == expected
    second = subprocess.run(check=False, args=[shell, str(script), str(root)], capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert second.stdout == "tracklight: 0 file(s) changed\n"
    assert tree(root) == expected


def test_the_shell_script_keeps_existing_content_and_refuses_broken_json(write_policy, sysroot, tmp_path):
    script = tmp_path / "tracklight.sh"
    script.write_text(export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "shell"))
    root = tmp_path / "host"
    chrome = root / "etc/opt/chrome/policies/managed/tracklight.json"
    chrome.parent.mkdir(parents=True)
    chrome.write_text('{"HomepageLocation": "https://intranet.example"}\n')
    firefox = root / "etc/firefox/policies/policies.json"
    firefox.parent.mkdir(parents=True)
    firefox.write_text("{ not json")

    result = subprocess.run(check=False, args=["sh", str(script), str(root)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert "/etc/firefox/policies/policies.json: is not valid JSON; not changed" in result.stderr
    assert firefox.read_text() == "{ not json"
    assert json.loads(chrome.read_text()) == {"HomepageLocation": "https://intranet.example",
                                              "MetricsReportingEnabled": False,
                                              "UrlKeyedAnonymizedDataCollectionEnabled": False}


# ---------------------------------------------------------------- Windows and macOS

def test_the_reg_file_is_registry_editor_5_format(write_policy, sysroot):
    data = export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "reg")
    assert isinstance(data, bytes) and data.startswith(b"\xff\xfe")  # UTF-16 LE with a BOM
    text = data[2:].decode("utf-16-le")
    lines = text.split("\r\n")
    assert lines[0] == "Windows Registry Editor Version 5.00" and lines[1] == ""
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    keys: dict[str, dict[str, str]] = {}
    current = None
    for line in lines[2:]:
        if not line or line.startswith(";"):
            continue
        header = re.fullmatch(r"\[(HKEY_LOCAL_MACHINE\\[^\]]+)\]", line)
        if header:
            current = keys.setdefault(header.group(1), {})
            continue
        value = re.fullmatch(r'"([^"\\]+)"=(dword:[0-9a-f]{8}|"(?:[^"\\]|\\.)*")', line)
        assert value and current is not None, f"not a .reg line: {line!r}"
        current[value.group(1)] = value.group(2)
    assert keys["HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox"] == {
        "DisableTelemetry": "dword:00000001", "DisableFirefoxStudies": "dword:00000001"}
    assert keys["HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome"]["MetricsReportingEnabled"] == "dword:00000000"
    # Chromium is opted out too, but it never sends usage statistics: no policy key is written for it.
    assert not any("Chromium" in key for key in keys)
    environment = keys["HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment"]
    assert environment["DO_NOT_TRACK"] == '"1"' and environment["DOTNET_CLI_TELEMETRY_OPTOUT"] == '"1"'


def test_the_powershell_script_sets_machine_environment_and_browser_policies(write_policy, sysroot):
    text = export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "powershell")
    assert "#Requires -RunAsAdministrator" in text
    assert "Set-TracklightMachineEnv 'DO_NOT_TRACK' '1'" in text
    assert "Set-TracklightPolicy 'HKLM:\\SOFTWARE\\Policies\\Mozilla\\Firefox' 'DisableTelemetry' 1" in text
    assert "Set-TracklightPolicy 'HKLM:\\SOFTWARE\\Policies\\Google\\Chrome' 'MetricsReportingEnabled' 0" in text
    # The policy travels along, quoted for PowerShell (a ' is doubled).
    assert "'policy_version = 1\nrevision = 1\n" in text


def test_the_mobileconfig_is_a_profile_with_one_payload_per_app(write_policy, sysroot):
    data = export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "mobileconfig")
    profile = plistlib.loads(data)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadScope"] == "System"
    payloads = {p["PayloadType"]: p for p in profile["PayloadContent"]}
    assert set(payloads) == {"org.mozilla.firefox", "com.google.Chrome"}  # none for Chromium, which never sends
    assert payloads["org.mozilla.firefox"]["EnterprisePoliciesEnabled"] is True
    assert payloads["org.mozilla.firefox"]["DisableTelemetry"] is True
    assert payloads["com.google.Chrome"]["MetricsReportingEnabled"] is False
    uuids = [profile["PayloadUUID"]] + [p["PayloadUUID"] for p in profile["PayloadContent"]]
    assert len(set(uuids)) == len(uuids)
    assert export(plan_for(write_policy(FLEET_POLICY), sysroot).plan, "mobileconfig") == data  # stable UUIDs


# Policy names as the browsers document them (Mozilla policy-templates; the Chrome Enterprise policy list).
FIREFOX_POLICY_NAMES = {"DisableTelemetry", "DisableFirefoxStudies", "DisablePocket", "DisableFeedbackCommands"}
CHROME_POLICY_NAMES = {"MetricsReportingEnabled", "UrlKeyedAnonymizedDataCollectionEnabled",
                       "SafeBrowsingExtendedReportingEnabled", "FeedbackSurveysEnabled"}


def test_browser_json_uses_the_browsers_documented_policy_names(write_policy, sysroot):
    plan = plan_for(write_policy(FLEET_POLICY), sysroot).plan
    firefox = json.loads(export(plan, "firefox"))
    assert set(firefox) == {"policies"}
    assert set(firefox["policies"]) <= FIREFOX_POLICY_NAMES and firefox["policies"]["DisableTelemetry"] is True
    chromium = json.loads(export(plan, "chromium"))
    assert set(chromium) <= CHROME_POLICY_NAMES and chromium["MetricsReportingEnabled"] is False


def test_chromium_alone_gets_no_policy_because_it_never_sends(write_policy, sysroot):
    """Unbranded Chromium switches usage statistics off whatever MetricsReportingEnabled says (the chromium entry:
    tier none), so opting it out writes no policy file, key or payload; Google Chrome's policy is its own."""
    path = write_policy('policy_version = 1\nrevision = 1\n\n[optout]\ntools = ["chromium"]\n')
    plan = plan_for(path, sysroot).plan
    with pytest.raises(PolicyError, match=r"does not opt out google-chrome.*Chromium itself never sends usage"):
        export(plan, "chromium")
    assert "Chromium" not in export(plan, "reg")[2:].decode("utf-16-le")
    assert not any("chromium" in p["PayloadType"].lower()
                   for p in plistlib.loads(export(plan, "mobileconfig"))["PayloadContent"])
    shell = export(plan, "shell")
    assert "/etc/chromium" not in shell and "MetricsReportingEnabled" not in shell
