"""Running a command in the watch's private network: `unshare` (util-linux) makes a user + network + mount
namespace, and the inside runner (`inside.py`) does the rest there.

As an ordinary user this needs unprivileged user namespaces; where the system refuses them, `Unavailable` says
which setting refuses, and what to do. As root no user namespace is made (`unshare --net --mount`), and the command
runs as root. As an ordinary user the command runs as that user: the runner starts it in a nested user namespace
that maps the user's own uid and gid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence

from tracklight.watch.model import Outcome, attempt_from_json
from tracklight.watch.thread_failures import incomplete

SYSCTLS = "/proc/sys"
_SEARCH = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")
_PROBE_TIMEOUT = 10


class Unavailable(Exception):
    """The watch cannot run on this system; the message says why and what to do."""


class WatchFailed(Exception):
    """The watch started but could not be made ready, or ended without a result."""


def find_program(name: str, env: Mapping[str, str], also: Sequence[str] = _SEARCH) -> str | None:
    """`name` on PATH, else in the system folders an ordinary user's PATH often lacks (Debian leaves out sbin)."""
    path = os.pathsep.join([env.get("PATH", ""), *also])
    return shutil.which(name, path=path)


def check_platform(platform: str = sys.platform) -> None:
    if platform.startswith("linux"):
        return
    system = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows"}.get(platform, platform)
    raise Unavailable(f"tracklight watch is not available on {system}: it needs Linux's network namespaces. "
                      f"`tracklight watch --proxy -- COMMAND` is not available there either yet.")


def _sysctl(name: str, root: str) -> str | None:
    try:
        with open(os.path.join(root, *name.split(".")), encoding="ascii") as file:
            return file.read().strip()
    except OSError:
        return None


def refusal_message(unshare_said: str, sysctls: str = SYSCTLS) -> str:
    """Why user namespaces were refused (naming the setting that refuses them, where one does) and what to do."""
    causes: list[tuple[str, str]] = []
    if _sysctl("kernel.apparmor_restrict_unprivileged_userns", sysctls) == "1":
        causes.append(("kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu's AppArmor restriction)",
                       "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"))
    if _sysctl("kernel.unprivileged_userns_clone", sysctls) == "0":
        causes.append(("kernel.unprivileged_userns_clone = 0", "sudo sysctl -w kernel.unprivileged_userns_clone=1"))
    if _sysctl("user.max_user_namespaces", sysctls) == "0":
        causes.append(("user.max_user_namespaces = 0", "sudo sysctl -w user.max_user_namespaces=10000"))
    said = unshare_said.strip().splitlines()[-1] if unshare_said.strip() else "no reason given"
    if causes:
        why = "; ".join(cause for cause, _ in causes)
        allow = " and ".join(f"`{fix}`" for _, fix in causes)
        lines = [(f"tracklight watch cannot run here: this system does not let ordinary users create user "
                  f"namespaces ({why}; unshare said: {said})."),
                 "To watch anyway, either:",
                 "  - run it as root: `sudo tracklight watch -- COMMAND` (COMMAND then runs as root), or",
                 f"  - allow user namespaces until the next reboot: {allow}, or"]
    else:
        lines = [(f"tracklight watch cannot run here: the system refused to create the namespaces it needs "
                  f"(unshare said: {said}). A container or sandbox (Docker's default seccomp profile, a Flatpak, "
                  f"a chroot) refuses them; so do hardened kernels."),
                 "To watch anyway, either:",
                 "  - run it as root, outside any container: `sudo tracklight watch -- COMMAND`, or"]
    lines.append("  - use the weaker proxy watch, which needs no namespace: `tracklight watch --proxy -- COMMAND` "
                 "(it sees only programs that honour HTTP(S)_PROXY, and the others reach the network unseen).")
    return "\n".join(lines)


def namespace_argv(unshare: str, euid: int) -> list[str]:
    if euid == 0:
        return [unshare, "--net", "--mount", "--"]
    return [unshare, "--user", "--map-root-user", "--net", "--mount", "--"]


def tools(env: Mapping[str, str], also: Sequence[str] = _SEARCH) -> dict[str, str]:
    """unshare, ip and mount, or Unavailable naming what is missing and where it comes from."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for name, package in (("unshare", "util-linux"), ("mount", "util-linux"), ("ip", "iproute2")):
        path = find_program(name, env, also)
        if path is None:
            missing.append(f"`{name}` (from {package})")
        else:
            found[name] = path
    if missing:
        raise Unavailable(f"tracklight watch needs {' and '.join(missing)}, which is not installed "
                          f"(searched PATH{''.join(', ' + folder for folder in also)}). Install it with your package manager; "
                          f"or use `tracklight watch --proxy -- COMMAND`, which needs neither.")
    return found


def probe(unshare: str, euid: int, env: Mapping[str, str]) -> None:
    """Make the namespaces once, running `true`: Unavailable (with what to do) if the system refuses."""
    try:
        done = subprocess.run([*namespace_argv(unshare, euid), "true"], capture_output=True, text=True,
                              timeout=_PROBE_TIMEOUT, stdin=subprocess.DEVNULL, env=program_env(env),
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(refusal_message(str(exc))) from None
    if done.returncode != 0:
        raise Unavailable(refusal_message(done.stderr))


def _package_parent() -> str:
    import tracklight

    return os.path.dirname(os.path.dirname(os.path.abspath(tracklight.__file__)))


BOOT = "import sys; sys.path.insert(0, {path!r}); from tracklight.watch.inside import main; main()"
INSIDE_FLAG = "--tracklight-watch-inside"
"""The bundled app's executable runs the inside runner when started with this first argument (tracklight_main.py)."""


def program_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment a watched program gets: the bundled app's loader points LD_LIBRARY_PATH at the bundle's own
    libraries (keeping the user's in LD_LIBRARY_PATH_ORIG); the program gets the user's back."""
    env = dict(env)
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


def runner_argv() -> list[str]:
    """How to start the inside runner: this interpreter, isolated from PYTHON* variables, or the bundled app."""
    if getattr(sys, "frozen", False):
        return [sys.executable, INSIDE_FLAG]
    return [sys.executable, "-I", "-c", BOOT.format(path=_package_parent())]


def private_run(command: Sequence[str], *, env: Mapping[str, str] | None = None, ports: Sequence[int] = (80, 443, 8443),
                linger: float = 3.0, stdout: int | None = None) -> Outcome:
    """Run `command` in the private network and return what it tried. Unavailable / WatchFailed otherwise.

    `linger`: how long processes the command leaves running may go on after it ends. `stdout`: a file descriptor
    for the command's standard output (default: this one's)."""
    env = dict(os.environ if env is None else env)
    check_platform()
    found = tools(env)
    euid = os.geteuid()
    probe(found["unshare"], euid, env)
    with tempfile.TemporaryDirectory(prefix="tracklight-watch-") as work:
        spec = {"command": list(command), "ip": found["ip"], "mount": found["mount"], "unshare": found["unshare"],
                "ports": list(ports), "linger": linger, "workdir": work, "out": os.path.join(work, "outcome.json"),
                "user": None if euid == 0 else [os.getuid(), os.getgid()]}
        spec_path = os.path.join(work, "spec.json")
        with open(spec_path, "w", encoding="utf-8") as file:
            json.dump(spec, file)
        argv = [*namespace_argv(found["unshare"], euid), *runner_argv(), spec_path]
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
        try:
            runner = subprocess.Popen(argv, env=program_env(env), stdout=stdout)
            returncode = runner.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        try:
            with open(spec["out"], encoding="utf-8") as file:
                outcome = json.load(file)
        except (OSError, ValueError):
            raise WatchFailed(f"the watch ended (status {returncode}) without a result") from None
    if "error" in outcome:
        raise WatchFailed(f"the watch's network could not be made ready: {outcome['error']}")
    if outcome.get("failed"):
        raise WatchFailed(incomplete([str(message) for message in outcome["failed"]]))
    return Outcome(attempts=tuple(attempt_from_json(item) for item in outcome["attempts"]),
                   exit_status=int(outcome["exit_status"]), notes=tuple(outcome.get("notes", ())))
