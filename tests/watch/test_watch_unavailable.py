"""Where the watch cannot run, it says why and what to do, and exits 125 without running the command.

The refusal is real: the kernel refuses a user namespace to a user that has no uid mapping (EPERM, the same error
the sysctl and AppArmor refusals give). Which setting refuses is read from /proc/sys; that reading is tested on a
folder laid out the same way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.watch.namespace import Unavailable, check_platform, refusal_message, tools

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
UNSHARE = shutil.which("unshare")


def can_make_user_namespaces() -> bool:
    if UNSHARE is None:
        return False
    return subprocess.run([UNSHARE, "--user", "--map-root-user", "true"], capture_output=True,
                          check=False).returncode == 0


needs_userns = pytest.mark.skipif(not can_make_user_namespaces(),
                                  reason="this machine refuses user namespaces outright; the refusal is the "
                                         "case tested, but it cannot be entered from here")


@needs_userns
def test_a_user_the_kernel_refuses_namespaces_to_is_told_what_to_do(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    # In a user namespace without a uid mapping, the kernel refuses a nested one with EPERM.
    done = subprocess.run([UNSHARE, "--user", "--", TRACKLIGHT, "watch", "--", "touch", str(marker)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "HOME": str(tmp_path), "LC_ALL": "C"})  # unshare's own words, in English
    assert done.returncode == 125, done.stderr
    assert not marker.exists()
    assert "tracklight watch cannot run here: the system refused to create the namespaces it needs" in done.stderr
    assert "unshare said: unshare: unshare failed: Operation not permitted" in done.stderr
    assert "`sudo tracklight watch -- COMMAND`" in done.stderr
    assert "`tracklight watch --proxy -- COMMAND`" in done.stderr
    assert done.stdout == ""


def test_the_refusal_names_the_setting_and_its_fix(tmp_path: Path) -> None:
    sysctls = tmp_path / "sys"
    (sysctls / "kernel").mkdir(parents=True)
    (sysctls / "kernel" / "apparmor_restrict_unprivileged_userns").write_text("1\n")
    message = refusal_message("unshare: write failed /proc/self/uid_map: Operation not permitted\n", str(sysctls))
    assert "kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu's AppArmor restriction" in message
    assert "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`" in message
    assert "unshare said: unshare: write failed /proc/self/uid_map: Operation not permitted" in message
    assert "`tracklight watch --proxy -- COMMAND`" in message

    (sysctls / "kernel" / "apparmor_restrict_unprivileged_userns").write_text("0\n")
    (sysctls / "kernel" / "unprivileged_userns_clone").write_text("0\n")
    message = refusal_message("unshare: unshare failed: Operation not permitted", str(sysctls))
    assert "kernel.unprivileged_userns_clone = 0" in message and "apparmor" not in message
    assert "`sudo sysctl -w kernel.unprivileged_userns_clone=1`" in message


def test_missing_programs_are_named_with_their_packages(tmp_path: Path) -> None:
    with pytest.raises(Unavailable) as raised:
        tools({"PATH": str(tmp_path)}, also=())
    message = str(raised.value)
    assert "`unshare` (from util-linux) and `mount` (from util-linux) and `ip` (from iproute2)" in message
    assert "--proxy" in message
    (tmp_path / "ip").write_text("#!/bin/sh\n")
    (tmp_path / "ip").chmod(0o755)
    with pytest.raises(Unavailable) as raised:
        tools({"PATH": str(tmp_path)}, also=())
    assert "`ip`" not in str(raised.value)


def test_ip_in_sbin_is_found_though_a_users_path_lacks_sbin() -> None:
    if not (os.path.exists("/usr/sbin/ip") or os.path.exists("/sbin/ip")):
        pytest.skip("ip is not in sbin here")
    assert tools({"PATH": "/nonexistent"})["ip"].endswith("/ip")


@pytest.mark.parametrize(("platform", "name"), [("darwin", "macOS"), ("win32", "Windows")])
def test_macos_and_windows_are_told_it_is_not_available(platform: str, name: str) -> None:
    with pytest.raises(Unavailable, match=f"not available on {name}"):
        check_platform(platform)
    check_platform("linux")
