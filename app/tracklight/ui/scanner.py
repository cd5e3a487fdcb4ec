"""Keeps the latest snapshot: runs scans on the worker pool and publishes each result by signal.

One scan runs at a time. Requests that arrive meanwhile are merged (the union of their tools) and run next, so an
older result never overwrites a newer one. The tool index (catalog + manifests) is loaded once and reused; it is
reloaded only when a manifest folder changed. Admin locks are the scan's own (core.locks.machine_locks, the one
lock function of the CLI and the tray: an invalid policy locks every tool and is reported as a problem).
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from tracklight.core import locations
from tracklight.core.catalog import ToolIndex, load_index
from tracklight.core.model import Os, ScanResult
from tracklight.core.scan import scan
from tracklight.ui.signals import emit
from tracklight.ui.snapshot import Snapshot, Transitions, compare
from tracklight.ui.watch_plan import Affected
from tracklight.ui.worker import TaskRunner


@dataclass(frozen=True)
class _Request:
    only: frozenset[str] | None  # None: every tool
    reload_index: bool


@dataclass(frozen=True)
class _Outcome:
    result: ScanResult
    index: ToolIndex
    only: frozenset[str] | None
    seconds: float


class Scanner(QObject):
    """Owns the snapshot. `snapshot_changed(Snapshot)` after every scan; `transitions(Transitions)` when notable."""

    snapshot_changed = Signal(object)
    transitions = Signal(object)
    scan_failed = Signal(str)

    def __init__(self, runner: TaskRunner, env: Mapping[str, str] | None = None, os_: Os | None = None,
                 root: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._env = dict(os.environ) if env is None else dict(env)
        self._os = os_ or locations.current_os()
        self._root = root or locations.system_root(self._env)
        self._index: ToolIndex | None = None
        self._snapshot = Snapshot()
        self._running = False
        self._queued: _Request | None = None
        self.last_scan_seconds = 0.0

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    @property
    def os(self) -> Os:
        return self._os

    @property
    def root(self) -> str:
        return self._root

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def busy(self) -> bool:
        return self._running

    def rescan(self, only: Collection[str] | None = None, reload_index: bool = False) -> None:
        """Scan every tool (only=None) or some; merged with any request still waiting."""
        request = _Request(None if only is None else frozenset(only), reload_index)
        if self._queued is not None:
            request = _merge(self._queued, request)
        self._queued = request
        if not self._running:
            self._start_next()

    def rescan_affected(self, affected: Affected) -> None:
        """What the watcher found: a manifest change reloads the index, an env file change rescans everything."""
        if affected.reload_index or affected.everything:
            self.rescan(None, reload_index=affected.reload_index)
        elif affected.tool_ids:
            self.rescan(affected.tool_ids)

    def scan_now(self) -> Snapshot:
        """Scan on the calling thread (start-up, before the event loop runs); publishes like a background scan,
        and fails like one: `scan_failed` and the snapshot as it was, so the tray still starts."""
        started = time.perf_counter()
        try:
            index = load_index(self._os, self._env, self._root)
            result = scan(self._env, self._os, self._root, index=index)
        except Exception as exc:  # noqa: BLE001 - as _failed does for a scan on the worker pool
            emit(self.scan_failed, f"The scan failed: {exc}")
            return self._snapshot
        self._finish(_Outcome(result, index, None, time.perf_counter() - started))
        return self._snapshot

    def _start_next(self) -> None:
        request, self._queued = self._queued, None
        if request is None:
            return
        self._running = True
        env, os_, root = self._env, self._os, self._root
        index = None if request.reload_index else self._index

        def task() -> _Outcome:
            started = time.perf_counter()
            used = index or load_index(os_, env, root)
            result = scan(env, os_, root, index=used, only=request.only)
            return _Outcome(result, used, request.only, time.perf_counter() - started)

        self._runner.submit(task, self._finished, self._failed)

    def _finished(self, outcome: _Outcome) -> None:
        self._running = False
        self._finish(outcome)
        self._start_next()

    def _failed(self, error: BaseException) -> None:
        self._running = False
        emit(self.scan_failed, f"The scan failed: {error}")
        self._start_next()

    def _finish(self, outcome: _Outcome) -> None:
        self._index = outcome.index
        self.last_scan_seconds = outcome.seconds
        before = self._snapshot
        self._snapshot = before.merged(outcome.result, outcome.only)
        found: Transitions = compare(before, self._snapshot)
        emit(self.snapshot_changed, self._snapshot)
        if found.reenabled or found.newly_tracking:
            emit(self.transitions, found)


def _merge(first: _Request, second: _Request) -> _Request:
    if first.only is None or second.only is None:
        only = None
    else:
        only = first.only | second.only
    return _Request(only, first.reload_index or second.reload_index)
