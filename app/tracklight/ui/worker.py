"""Run scans and writes off the UI thread; their results come back to the UI thread by signal.

A task is a plain function. It runs on a QThreadPool thread and never touches a widget or asks for the
QApplication; its return value (or exception) is handed to the callbacks on the thread the runner lives on.

At shutdown the runner is closed (it starts nothing more: a result delivered late must not start the next scan on a
runner about to be deleted) and waited for. A task that still ends after its runner was deleted has nobody to tell:
its result is dropped, as a queued one would be.
"""

from __future__ import annotations

import itertools
import sys
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from tracklight.ui.signals import emit

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Failure:
    """Wraps an exception on its way to the UI thread (a plain object crosses threads best)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, job_id: int, task: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._job_id = job_id
        self._task = task

    def run(self) -> None:
        value: Any
        try:
            value = self._task()
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which tells the user
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            value = _Failure(exc)
        try:
            emit(self._runner._finished, self._job_id, value)
        except RuntimeError:
            pass  # "Signal source has been deleted": the runner went while this ran (see the module's docstring)


class TaskRunner(QObject):
    """Starts tasks on a thread pool; `busy_changed` says when the first starts and the last ends."""

    _finished = Signal(int, object)  # emitted from a pool thread; queued to this object's thread
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool(self)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Done | None, Failed | None]] = {}
        self._closed = False
        self._finished.connect(self._deliver)

    def submit(self, task: Callable[[], Any], done: Done | None = None, failed: Failed | None = None) -> int:
        """Run `task` on the pool; call `done(result)` or `failed(exc)` on this object's thread afterwards.
        Once closed, nothing is started (and 0 returned)."""
        if self._closed:
            return 0
        job_id = next(self._ids)
        self._pending[job_id] = (done, failed)
        if len(self._pending) == 1:
            emit(self.busy_changed, True)
        self._pool.start(_Job(self, job_id, task))
        return job_id

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def close(self) -> None:
        """Start no more tasks (shutdown); the running ones go on, `wait` waits for them."""
        self._closed = True

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (tests and shutdown); pending deliveries still need the event loop."""
        return self._pool.waitForDone(msecs)

    @Slot(int, object)
    def _deliver(self, job_id: int, value: Any) -> None:
        done, failed = self._pending.pop(job_id, (None, None))
        try:
            if not isinstance(value, _Failure):
                if done is not None:
                    done(value)
            elif failed is not None:
                failed(value.error)
            else:
                sys.stderr.write(getattr(value.error, "__traceback_text__", repr(value.error)))
        finally:
            if not self._pending:
                emit(self.busy_changed, False)
