"""A notice: a title, a line of text and its buttons (what notifications.Notifier shows in notice_window)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NoticeAction:
    label: str
    callback: Callable[[], None]


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    actions: tuple[NoticeAction, ...] = ()
