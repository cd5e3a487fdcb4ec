"""Start-up prescan: a helper process scans while this one loads Qt, so the icon shows the real state at once.

Loading Qt takes most of a tray app's start-up and holds the interpreter lock, so a scan in a thread would only
wait for it. A second process doesn't: it scans (the same core.scan as always) and writes one line — the worst
tier and the tooltip — to a pipe. The tray icon is drawn from that line; the app's own full scan, on its
worker pool, follows right after and redraws everything (menu, window) from the complete snapshot.

Qt-free. Anything unexpected (no fork/spawn on this platform, the helper fails or is slow) returns None and the
caller scans in-process instead.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

TIMEOUT_S = 5.0
_TIERS = ("none", "aggregated", "anonymized", "unknown", "full")


@dataclass(frozen=True)
class Summary:
    """What the icon needs: the worst tier among installed tools tracking now (a Tier value) and the tooltip."""

    worst_tier: str
    tooltip: str


class Prescan:
    """A running helper; `summary()` waits for its line (or gives up)."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd
        self._done = False

    def summary(self, timeout: float = TIMEOUT_S) -> Summary | None:
        """The helper's result, or None when it failed or took longer than `timeout` seconds."""
        data = b""
        deadline = time.monotonic() + timeout
        try:
            while not data.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                    return None
                chunk = os.read(self._fd, 65536)
                if not chunk:
                    break
                data += chunk
            tier, separator, tooltip = data.decode("utf-8").rstrip("\n").partition("\t")
            if not separator or tier not in _TIERS:
                return None
            return Summary(tier, tooltip)
        except (OSError, ValueError):
            return None
        finally:
            self.close()

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        os.close(self._fd)

    def reap(self) -> None:
        """Wait for the helper to exit (it does right after its line, or on the closed pipe). Blocking: call it
        off the UI thread."""
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass


def start(env: Mapping[str, str] | None = None) -> Prescan | None:
    """Start the helper (POSIX only); None where it can't be started."""
    if not hasattr(os, "posix_spawn") or getattr(sys, "frozen", False):
        # A frozen bundle's executable is Tracklight itself, not a Python that takes -c: no helper there.
        return None
    read_fd, write_fd = os.pipe()
    # stdout is the pipe; stderr goes nowhere (a failed helper only means the app scans in-process instead)
    actions = [(os.POSIX_SPAWN_DUP2, write_fd, 1), (os.POSIX_SPAWN_CLOSE, read_fd),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    argv = [sys.executable, "-c", "from tracklight.ui.prescan import main; main()"]
    try:
        pid = os.posix_spawn(sys.executable, argv, dict(os.environ if env is None else env), file_actions=actions)
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    os.close(write_fd)
    return Prescan(pid, read_fd)


def main() -> None:
    """The helper: scan, print the summary line, exit."""
    from tracklight.core.scan import scan
    from tracklight.ui.snapshot import Snapshot

    snapshot = Snapshot.from_scan(scan())
    # one line, "tier<TAB>tooltip": the waiting app reads it without loading a parser
    line = f"{snapshot.worst_tier.value}\t{' '.join(snapshot.tooltip().split())}"
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the app stopped waiting (it opened its window instead): nothing to say
