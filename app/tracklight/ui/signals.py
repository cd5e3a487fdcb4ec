"""Emitting a Qt signal from Python, safely on PySide6 versions whose `emit()` loses a reference to `True`.

PySide6 6.12.0's `SignalInstance.emit()` returns `True` without taking a reference to it, so every emit made from
Python lowers `True`'s reference count by one; a few thousand emits later (a tray app living for days gets there)
the interpreter frees `True` and aborts ("Fatal Python error: bool_dealloc"). Qt's own signals delivered to Python,
and signal-to-signal connections, are not affected.

So the UI emits through `emit()` below and connects signals to signals (not to `some_signal.emit`). At first use it
checks whether this PySide6 has the flaw (a few probe emits, measured), and if so gives the reference back after each
emit. On a fixed PySide6 it does nothing extra.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 16
_lock = threading.Lock()
_give_back: Callable[[], None] | None = None
_checked = False


class _Probe(QObject):
    ping = Signal()


def _noop() -> None:
    return None


def _detect() -> Callable[[], None]:
    """Measure one emit; return what to do after every emit (restore True's reference, or nothing)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost < _PROBES // 2:  # another thread may touch True meanwhile: judge by the bulk, not an exact count
        return _noop
    import ctypes

    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def give_back() -> None:
        incref(True)

    for _ in range(_PROBES):
        give_back()  # the probes' own losses
    return give_back


def prepare() -> None:
    """Check this PySide6 now (call it early, on the main thread, before other threads emit)."""
    global _give_back, _checked
    if not _checked:
        with _lock:
            if not _checked:
                _give_back = _detect()
                _checked = True


def emit(signal: SignalInstance, *args: object) -> None:
    """`signal.emit(*args)`, minus the PySide6 reference leak described above. Safe from any thread."""
    if not _checked:
        prepare()
    signal.emit(*args)
    assert _give_back is not None
    _give_back()
