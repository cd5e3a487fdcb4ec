"""The Settings tab's "Start Tracklight when I log in": writes or removes the autostart entry off the UI thread.

Quick toggles end in the state of the last one: each write reads the latest wish under a lock, so writes that
overlap on the worker pool cannot leave an older wish on disk. The result comes back as one sentence by signal.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal

from tracklight.ui import autostart
from tracklight.ui.signals import emit
from tracklight.ui.worker import TaskRunner


class AutostartController(QObject):
    """`set_enabled(bool)`; `changed(enabled, sentence)` once the entry on disk says so, `failed(str)` otherwise."""

    changed = Signal(bool, str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, env: Mapping[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._env = env
        self._wanted = False
        self._lock = threading.Lock()

    def is_enabled(self) -> bool:
        return autostart.is_enabled(self._env)

    def set_enabled(self, enabled: bool) -> None:
        env = self._env
        self._wanted = enabled

        def task() -> bool:
            with self._lock:
                if self._wanted:
                    autostart.enable(env)
                else:
                    autostart.disable(env)
                return autostart.is_enabled(env)

        def done(now: bool) -> None:
            sentence = (f"Tracklight will start when you log in ({autostart.autostart_file(env)})." if now
                        else "Tracklight will not start by itself.")
            emit(self.changed, now, sentence)

        self._runner.submit(task, done, lambda exc: emit(self.failed, str(exc)))
