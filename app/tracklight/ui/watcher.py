"""Live updates: watchdog reports file changes, a single-shot timer gathers a burst, the scanner rescans what changed.

watchdog calls back on its own thread, so the handler does one thing: emit a Qt signal. The signal is queued to the
UI thread, where paths are collected and a single-shot QTimer (the debounce) fires once the burst is over. Nothing
polls: with no file changes, nothing runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tracklight.ui.signals import emit
from tracklight.ui.watch_plan import Affected, WatchPlan

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver, ObservedWatch

DEBOUNCE_MS = 40
"""Editors save in several steps (temp file, rename, chmod); 40 ms gathers them and stays well under a human's notice."""

# Event types that can change what a scan reads. Opening and reading a file (which the scan itself does) are not.
_RELEVANT_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})


class _Relay(QObject):
    """Lives on the UI thread; the watchdog thread only emits its signal."""

    path_changed = Signal(str)


def _make_handler(relay: _Relay) -> Any:
    from watchdog.events import FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            if event.event_type not in _RELEVANT_EVENTS:
                return
            if event.is_directory and event.event_type == "modified":
                return  # a folder's own timestamps: the file event inside says what changed
            try:
                emit(relay.path_changed, os.fsdecode(event.src_path))
                dest = getattr(event, "dest_path", "")
                if dest:
                    emit(relay.path_changed, os.fsdecode(dest))
            except RuntimeError:
                pass  # the watcher was deleted while this thread was still delivering its last event

    return Handler()


class Watcher(QObject):
    """Watches the folders of a WatchPlan and emits `changed(Affected)` once per burst of relevant changes."""

    changed = Signal(object)  # Affected

    def __init__(self, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.path_changed.connect(self._collect)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._flush)
        self._pending: set[str] = set()
        self._plan = WatchPlan()
        self._observer: BaseObserver | None = None
        self._handler: Any = None
        self._watches: dict[str, ObservedWatch] = {}

    @property
    def folders(self) -> frozenset[str]:
        """The folders watched now."""
        return frozenset(self._watches)

    def set_plan(self, plan: WatchPlan) -> None:
        """Watch exactly the plan's folders (adding and removing watches as needed)."""
        self._plan = plan
        if self._observer is None:
            from watchdog.observers import Observer

            self._observer = Observer()
            self._observer.daemon = True
            self._handler = _make_handler(self._relay)
            self._observer.start()
        for folder in set(self._watches) - plan.folders:
            try:
                self._observer.unschedule(self._watches.pop(folder))
            except (KeyError, ValueError, OSError):
                pass
        for folder in sorted(plan.folders - set(self._watches)):
            try:
                self._watches[folder] = self._observer.schedule(self._handler, folder, recursive=False)
            except OSError:
                continue  # gone or unreadable: the next plan (after a rescan) tries again

    def stop(self) -> None:
        self._timer.stop()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
            self._watches.clear()

    @Slot(str)
    def _collect(self, path: str) -> None:
        self._pending.add(path)
        self._timer.start()  # restarts: fires DEBOUNCE_MS after the last event of a burst

    @Slot()
    def _flush(self) -> None:
        paths, self._pending = self._pending, set()
        affected: Affected = self._plan.affected(paths)
        if not affected.nothing:
            emit(self.changed, affected)
