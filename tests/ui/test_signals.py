"""A long-running tray emits signals for days: emitting must not wear away a reference to True (PySide6 6.12)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from tracklight.ui.signals import emit


class _Source(QObject):
    ping = Signal()
    value = Signal(object)


def test_many_emits_leave_true_alone(qapp) -> None:
    source = _Source()
    received: list[object] = []
    source.value.connect(received.append)
    emit(source.ping)  # the first emit checks this PySide6
    before = sys.getrefcount(True)
    for number in range(20000):  # more than True's reference count: without the fix this aborts the process
        emit(source.ping)
        emit(source.value, number)
    assert abs(sys.getrefcount(True) - before) < 100
    assert len(received) == 20000
