"""A notice: a title, a sentence or three, its buttons, how it reads at a glance (its level), and whether the person's
own click caused it. What notifications.Notifier shows in the corner (notice_window) and the window in its message
bar (message_bar); kept apart from both so neither imports the other.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class NoticeLevel(enum.Enum):
    """How a notice reads at a glance (its icon and colour): errors are never dressed as success."""

    INFO = "info"
    DONE = "done"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class NoticeAction:
    label: str
    callback: Callable[[], None]


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    actions: tuple[NoticeAction, ...] = ()
    level: NoticeLevel = NoticeLevel.INFO
    answers_click: bool = False  # the person's own click caused it: it may take the keyboard (Undo one Tab away)
