"""The task runner at shutdown: nothing new starts once it is closed, and a task that ends after its runner was
deleted drops its result instead of raising "Signal source has been deleted" on a pool thread (the cause of a
flaky tray test under load: a delivery queued before teardown started the next scan on a runner about to go)."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThreadPool

from tracklight.ui.worker import TaskRunner


def test_a_closed_runner_starts_nothing(qtbot) -> None:
    runner = TaskRunner()
    ran = threading.Event()
    runner.close()
    assert runner.submit(ran.set) == 0
    assert runner.wait(2000)
    assert not ran.is_set() and runner.busy is False


def test_a_task_ending_after_its_runner_was_deleted_is_dropped_quietly(qtbot) -> None:
    pool = QThreadPool()  # outlives the runner, as a running task does at teardown
    runner = TaskRunner(pool=pool)
    release = threading.Event()
    delivered: list[object] = []

    def task() -> str:
        release.wait(5)
        return "late"

    runner.submit(task, delivered.append)
    shiboken6.delete(runner)  # the app (its parent) deleted at teardown while the task still runs
    assert not shiboken6.isValid(runner)
    release.set()
    assert pool.waitForDone(5000)
    qtbot.wait(50)  # pytest-qt fails the test on any exception raised on a pool thread meanwhile
    assert delivered == []
