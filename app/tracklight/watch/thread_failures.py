"""A recorder that dies while the command runs leaves the watch blind: collect such deaths, so the watch fails
instead of reporting "nothing was contacted".

The resolver, the listeners, the packet reader and the proxy each serve in threads of their own; an exception there
ends that thread silently (Python prints it and goes on). `ThreadFailures` catches every such end while it is
entered, and the watch turns any into an error (exit 125), never into a clean report.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self


class ThreadFailures:
    """While entered: every thread that ends with an exception is noted (name, exception); `messages` lists them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[str] = []
        self._previous = threading.excepthook

    def __enter__(self) -> Self:
        self._previous = threading.excepthook
        threading.excepthook = self._note
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        threading.excepthook = self._previous

    def _note(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        where = args.thread.name if args.thread is not None else "a thread"
        with self._lock:
            self.messages.append(f"{where}: {args.exc_type.__name__}: {args.exc_value}")
        self._previous(args)  # the traceback still goes to standard error, for a bug report


def incomplete(messages: list[str]) -> str:
    """The error a watch gives when part of it failed."""
    return ("tracklight watch: part of the watch failed while the command ran, so it cannot say what the command "
            "contacted or did not contact (no result was kept): " + "; ".join(messages[:3])
            + (f" (and {len(messages) - 3} more)" if len(messages) > 3 else ""))
