"""The watch's inside runner: started by `namespace.py` in a fresh network + mount namespace, it makes every
address local, points name lookups at its own resolver, starts the recorders, runs the command, waits for it (and
for what it left running, a little), then writes what was seen to the outcome file.

    python -I -c 'from tracklight.watch.inside import main; main()' SPEC.json

SPEC.json (written by namespace.py): command, ip and mount paths, ports, linger seconds, out (the outcome file),
workdir (a private folder for the resolver files), user (a uid/gid to run the command as, via a nested user
namespace, or null to run it as the runner's own user), unshare (path).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

from tracklight.watch import processes
from tracklight.watch.model import attempt_to_json

PR_SET_CHILD_SUBREAPER = 36
_POLL = 0.05
NOT_FOUND = 127
CANNOT_RUN = 126
WATCH_FAILED = 125


class SetupError(Exception):
    """The namespace could not be made ready; nothing was run."""


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    from tracklight.watch.namespace import program_env

    return subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                          env=program_env(os.environ), check=False)


def setup_network(ip: str, notes: list[str]) -> bool:
    """lo up, every IPv4 (and IPv6) address local. True when IPv6 works too."""
    for argv in ([ip, "link", "set", "lo", "up"], [ip, "route", "add", "local", "0.0.0.0/0", "dev", "lo"]):
        done = _run(argv)
        if done.returncode != 0:
            raise SetupError(f"`{' '.join(argv[1:])}` failed: {done.stderr.strip()}")
    done = _run([ip, "-6", "route", "add", "local", "::/0", "dev", "lo"])
    if done.returncode != 0:
        notes.append("IPv6 is off in the watch (" + (done.stderr.strip() or "no IPv6") + "): names get IPv4 "
                     "answers only, and a connection to an IPv6 address fails without being seen")
        return False
    return True


def _bind(mount: str, source: str, target: str) -> str:
    done = _run([mount, "--bind", source, target])
    return "" if done.returncode == 0 else done.stderr.strip() or f"mount exited with {done.returncode}"


RESOLV_CONF = "# tracklight watch: every name is answered here, and recorded\nnameserver 127.0.0.1\n"
DAEMON_FOLDERS = ("run/nscd", "var/run/nscd", "run/systemd/resolve")


def hosts_only_files_and_dns(text: str) -> str | None:
    """nsswitch.conf with its `hosts:` line made `hosts: files dns`; None when it already is (or has none)."""
    lines = text.split("\n")
    hosts = [i for i, line in enumerate(lines) if line.split(":", 1)[0].strip() == "hosts" and ":" in line]
    if not hosts or lines[hosts[0]].split(":", 1)[1].split("#", 1)[0].split() == ["files", "dns"]:
        return None
    for index in hosts:
        lines[index] = "hosts: files dns"
    return "\n".join(lines)


def point_names_here(mount: str, workdir: str, notes: list[str], root: str = "/") -> None:
    """/etc/resolv.conf names 127.0.0.1; /etc/nsswitch.conf asks only files and DNS; the host's caching and
    resolving daemons (reachable through Unix sockets, which a network namespace does not cut) are hidden behind
    empty folders. A resolv.conf that is a link into one of those (systemd-resolved's stub-resolv.conf) is
    written into the empty folder instead. `root`: the folder treated as / (tests)."""
    resolv_link = os.path.join(root, "etc/resolv.conf")
    resolv_target = os.path.realpath(resolv_link)
    placed = False
    for number, folder in enumerate(os.path.join(root, d) for d in DAEMON_FOLDERS):
        if not os.path.isdir(folder) or os.path.islink(folder):
            continue
        stand_in = os.path.join(workdir, f"hidden-{number}")
        os.makedirs(stand_in, exist_ok=True)
        if resolv_target.startswith(os.path.realpath(folder) + os.sep):
            inside = os.path.join(stand_in, os.path.relpath(resolv_target, os.path.realpath(folder)))
            os.makedirs(os.path.dirname(inside), exist_ok=True)
            with open(inside, "w", encoding="ascii") as file:
                file.write(RESOLV_CONF)
            os.chmod(inside, 0o644)
            placed = True
        problem = _bind(mount, stand_in, folder)
        if problem:
            notes.append(f"/{os.path.relpath(folder, root)} could not be hidden ({problem}): lookups through it "
                         "bypass the watch")
            placed = False
    # With no resolv.conf at all, glibc, c-ares and Go ask 127.0.0.1, which is the watch's resolver.
    if not placed and os.path.exists(resolv_link):
        resolv = os.path.join(workdir, "resolv.conf")
        with open(resolv, "w", encoding="ascii") as file:
            file.write(RESOLV_CONF)
        os.chmod(resolv, 0o644)
        problem = _bind(mount, resolv, resolv_link)
        if problem:
            raise SetupError(f"cannot put the watch's resolv.conf in place: {problem}")
    try:
        with open(os.path.join(root, "etc/nsswitch.conf"), encoding="utf-8") as file:
            replaced = hosts_only_files_and_dns(file.read())
    except (OSError, UnicodeDecodeError):
        replaced = None
    if replaced is not None:
        nsswitch = os.path.join(workdir, "nsswitch.conf")
        with open(nsswitch, "w", encoding="utf-8") as file:
            file.write(replaced)
        os.chmod(nsswitch, 0o644)
        problem = _bind(mount, nsswitch, os.path.join(root, "etc/nsswitch.conf"))
        if problem:
            notes.append(f"/etc/nsswitch.conf could not be replaced ({problem}): names looked up through its "
                         "other services may bypass the watch")


def _become_subreaper() -> None:
    """Orphans of the command (a telemetry sender left running in the background) become our children."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_command(spec: dict[str, Any], notes: list[str]) -> int:
    """Run the command; wait for it, then up to `linger` seconds for the processes it left; stop those."""
    command: list[str] = spec["command"]
    if spec.get("user"):
        uid, gid = spec["user"]
        as_user = [spec["unshare"], "--user", f"--map-user={uid}", f"--map-group={gid}", "--"]
        tried = _run([*as_user, "true"])
        if tried.returncode == 0:
            command = [*as_user, *command]
        else:  # an unshare without --map-user (util-linux before 2.38), or a kernel refusing nested namespaces
            said = (tried.stderr.strip().splitlines() or ["no reason given"])[-1]
            notes.append(f"the command ran as root of the watch's own namespace, not as your uid {uid} "
                         f"(unshare could not map it: {said}); it had no more power outside the watch")
    from tracklight.watch.namespace import program_env

    try:
        child = subprocess.Popen(command, env=program_env(os.environ))
    except FileNotFoundError:
        print(f"tracklight watch: {command[0]}: command not found", file=sys.stderr)
        return NOT_FOUND
    except PermissionError:
        print(f"tracklight watch: {command[0]}: permission denied", file=sys.stderr)
        return CANNOT_RUN
    forward = lambda number, _frame: child.send_signal(number)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, forward)
    status = _status(child.wait())
    deadline = time.monotonic() + float(spec.get("linger", 0))
    left = processes.namespace_pids()
    while left and time.monotonic() < deadline:
        time.sleep(_POLL)
        _reap()
        left = processes.namespace_pids()
    if left:
        described = ", ".join(f"{pid} ({processes.command_line(pid) or '?'})" for pid in left[:5])
        notes.append(f"still running {spec.get('linger', 0):g} s after the command ended, and stopped: {described}"
                     + (f" and {len(left) - 5} more" if len(left) > 5 else ""))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in left:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            time.sleep(0.3)
            _reap()
            left = processes.namespace_pids()
            if not left:
                break
    return status


def watch(spec: dict[str, Any]) -> dict[str, Any]:
    from tracklight.watch.listeners import Listeners
    from tracklight.watch.packets import PacketReader
    from tracklight.watch.recorder import Recorder
    from tracklight.watch.resolver import Resolver
    from tracklight.watch.thread_failures import ThreadFailures

    notes: list[str] = []
    try:
        ipv6 = setup_network(spec["ip"], notes)
        point_names_here(spec["mount"], spec["workdir"], notes)
        recorder = Recorder()
        resolver = Resolver(recorder, ("127.0.0.1", "::1") if ipv6 else ("127.0.0.1",), ipv6_answers=ipv6)
        listeners = Listeners(recorder, tuple(spec.get("ports") or ()), ipv6)
    except (SetupError, OSError) as exc:
        return {"error": str(exc), "exit_status": WATCH_FAILED}
    try:
        packets: PacketReader | None = PacketReader(recorder)
    except OSError as exc:
        packets = None
        notes.append(f"connections to ports nothing listens on are not seen (no packet socket: {exc})")
    parts = [part for part in (resolver, listeners, packets) if part is not None]
    with ThreadFailures() as failures:
        for part in parts:
            part.start()
        _become_subreaper()
        for number in (signal.SIGINT, signal.SIGQUIT):
            # The terminal sends these to the command too, and it decides; a handler (unlike SIG_IGN) is not
            # inherited.
            signal.signal(number, lambda _number, _frame: None)
        recorder.start()
        status = run_command(spec, notes)
        for part in parts:
            part.stop()
    if failures.messages:
        return {"failed": failures.messages, "exit_status": WATCH_FAILED}
    return {"attempts": [attempt_to_json(a) for a in recorder.attempts()], "exit_status": status, "notes": notes}


def main() -> None:
    """Run the watch described by the spec file named last on the command line."""
    with open(sys.argv[-1], encoding="utf-8") as file:
        spec = json.load(file)
    outcome = watch(spec)
    with open(spec["out"], "w", encoding="utf-8") as file:
        json.dump(outcome, file)
    sys.exit(outcome["exit_status"])
