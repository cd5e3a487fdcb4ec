"""The Qt binding in use keeps Python's reference counts: a tray app makes millions of Qt calls in a day.

PySide6 6.12.0 dropped a reference to None on every call of a method that returns nothing (`label.setText(…)`),
so after a few thousand calls Python freed None and the app crashed ("none_dealloc"), at a random later moment.
pyproject.toml excludes that release; this test fails on any binding with the same flaw.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

CALLS = 500


class _Probe(QObject):
    ping = Signal()


def test_calls_that_return_nothing_keep_none_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")
    assert before - sys.getrefcount(None) < CALLS // 10  # other threads touch None too: only a steady loss fails


def test_an_emit_from_python_keeps_true_alive() -> None:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(CALLS):
        probe.ping.emit()
    assert before - sys.getrefcount(True) < CALLS // 10
