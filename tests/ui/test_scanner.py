"""The tray's scanner: whatever a scan raises becomes a message, never the end of the tray."""

from __future__ import annotations

import pytest

from tracklight.ui import scanner as scanner_module
from tracklight.ui.scanner import Scanner
from tracklight.ui.worker import TaskRunner

from .conftest import Desk


def test_a_scan_that_raises_at_start_is_reported_not_fatal(qtbot, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_scan(*_args: object, **_kwargs: object) -> object:  # the scan is the injected part here
        raise ValueError("a bug in reading the policy")

    monkeypatch.setattr(scanner_module, "scan", broken_scan)
    scanner = Scanner(TaskRunner())
    failures: list[str] = []
    scanner.scan_failed.connect(failures.append)
    snapshot = scanner.scan_now()
    assert failures == ["The scan failed: a bug in reading the policy"]
    assert snapshot is scanner.snapshot and not snapshot.reports
