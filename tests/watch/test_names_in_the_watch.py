"""How the watch points every name lookup at its own resolver: resolv.conf, nsswitch.conf's hosts line, and the
host's name daemons hidden. Run on a folder laid out like a system with systemd-resolved and nscd, in a mount
namespace of the test's own (the real bind mounts, on that folder)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracklight.watch.inside import hosts_only_files_and_dns
from watch_support import watch_refusal


def test_the_hosts_line_asks_only_files_and_dns() -> None:
    text = "passwd: files systemd\nhosts:          files mdns4_minimal [NOTFOUND=return] resolve dns myhostname\n"
    assert hosts_only_files_and_dns(text) == "passwd: files systemd\nhosts: files dns\n"
    assert hosts_only_files_and_dns("hosts: files dns # comment\n") is None
    assert hosts_only_files_and_dns("hosts:files dns\n") is None
    assert hosts_only_files_and_dns("passwd: files\n") is None


SCRIPT = """
import json, os, sys
from tracklight.watch.inside import point_names_here
root, work = sys.argv[1], sys.argv[2]
notes = []
point_names_here(sys.argv[3], work, notes, root=root)
read = lambda p: open(os.path.join(root, p)).read()
print(json.dumps({"resolv": read("etc/resolv.conf"), "nsswitch": read("etc/nsswitch.conf"),
                  "nscd": sorted(os.listdir(os.path.join(root, "run/nscd"))), "notes": notes}))
"""


@pytest.mark.skipif(bool(watch_refusal()), reason=f"the watch cannot run here: {watch_refusal()}")
def test_a_resolved_stub_and_nscd_are_replaced(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "run/systemd/resolve").mkdir(parents=True)
    (root / "run/systemd/resolve/stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (root / "etc/resolv.conf").symlink_to("../run/systemd/resolve/stub-resolv.conf")
    (root / "etc/nsswitch.conf").write_text("hosts: files resolve [!UNAVAIL=return] dns\n")
    (root / "run/nscd").mkdir()
    (root / "run/nscd/socket").write_text("")
    work = tmp_path / "work"
    work.mkdir()
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    assert unshare and mount
    done = subprocess.run([unshare, "--user", "--map-root-user", "--mount", sys.executable, "-c", SCRIPT,
                           str(root), str(work), mount], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["resolv"].endswith("nameserver 127.0.0.1\n")
    assert seen["nsswitch"] == "hosts: files dns\n"
    assert seen["nscd"] == [] and seen["notes"] == []
    # Outside that mount namespace, nothing changed.
    assert (root / "run/systemd/resolve/stub-resolv.conf").read_text() == "nameserver 127.0.0.53\n"
    assert (root / "etc/nsswitch.conf").read_text() == "hosts: files resolve [!UNAVAIL=return] dns\n"
