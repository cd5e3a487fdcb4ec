"""A recorder thread that dies while the command runs makes the watch fail (exit 125), never report silence.

(Seen for real: a venv without dnspython killed the resolver's thread at the first lookup, and the watch then said
"Nothing was contacted".)"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from tracklight.watch import proxy_run as proxy_module
from tracklight.watch.namespace import WatchFailed
from tracklight.watch.thread_failures import ThreadFailures, incomplete

# The dying threads are the point here; pytest's own hook still sees them (ours passes them on).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def test_a_thread_that_ends_with_an_exception_is_noted_and_the_hook_restored() -> None:
    before = threading.excepthook
    with ThreadFailures() as failures:
        thread = threading.Thread(target=lambda: 1 / 0, name="resolver")
        thread.start()
        thread.join()
        fine = threading.Thread(target=lambda: None, name="listener")
        fine.start()
        fine.join()
    assert failures.messages == ["resolver: ZeroDivisionError: division by zero"]
    assert threading.excepthook is before
    assert incomplete(failures.messages).startswith("tracklight watch: part of the watch failed while the command ran")


FETCH = """
import sys, urllib.request
try:
    urllib.request.urlopen("http://telemetry.proxy-example.test/e", timeout=5).read()
except Exception as exc:
    print("failed:", exc)
"""


def test_a_proxy_that_dies_on_a_request_fails_the_watch(sandbox_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injected into the recording proxy's request handler: the program's request is never recorded, so the
    watch must not return a result that says nothing went through."""
    def broken(self: object, *args: object) -> None:
        raise RuntimeError("the recorder broke")

    monkeypatch.setattr(proxy_module.RecordingProxy, "_serve", broken)
    with pytest.raises(WatchFailed, match="part of the watch failed.*the recorder broke"):
        proxy_module.proxy_run([sys.executable, "-c", FETCH], env=dict(os.environ))
