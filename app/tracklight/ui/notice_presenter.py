"""The words of every notice, and where it is shown.

Each change, each tool that turned its telemetry back on, each newly installed tool becomes a Notice (title, a
sentence or three, buttons); this module decides the wording and the buttons, the app only says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tracklight.core.model import ToolReport
from tracklight.ui.change_queue import ChangeDone, ChangeKind
from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel
from tracklight.ui.notifications import Notifier

if TYPE_CHECKING:
    from tracklight.ui.window import MainWindow


@dataclass(frozen=True)
class NoticeCallbacks:
    """What a notice's buttons do."""

    undo: Callable[[str], None]  # a change id
    optout: Callable[[str], None]  # a tool id, opted out again from the latest snapshot
    keep_opted_out: Callable[[str], None]  # switch "Keep me opted out" on, then opt this tool out again
    open_tool: Callable[[str], None]  # the window, with this tool selected


def short_path(path: str, home: str) -> str:
    """A path with the home folder written as ~."""
    if home and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


class NoticePresenter:
    """Words notices and shows them, one at a time (a new one replaces the old).

    Where: in the window's message bar whenever the window exists (so it is there when the person looks), and in
    the corner notice unless the window is the active window (then the bar is in front of them already). A button
    pressed in one closes both: the other's Undo would be stale.
    """

    def __init__(self, notifier: Notifier, callbacks: NoticeCallbacks, name_of: Callable[[str], str],
                 home: str, window: Callable[[], MainWindow | None] = lambda: None) -> None:
        self.notifier = notifier
        self._callbacks = callbacks
        self._name_of = name_of
        self._home = home
        self._window = window

    # ------------------------------------------------------------ showing

    def present(self, notice: Notice) -> None:
        notice = replace(notice, actions=tuple(NoticeAction(a.label, self._closing_both(a.callback))
                                                for a in notice.actions))
        window = self._window()
        if window is not None:
            window.show_message(notice)
        if window is not None and window.isVisible() and window.isActiveWindow():
            self.notifier.close()  # an older corner notice would offer a stale Undo
        else:
            self.notifier.show(notice)

    def dismiss(self) -> None:
        self.notifier.close()
        window = self._window()
        if window is not None:
            window.clear_message()

    def _closing_both(self, callback: Callable[[], None]) -> Callable[[], None]:
        def pressed() -> None:
            self.dismiss()
            callback()

        return pressed

    def change_done(self, done: ChangeDone) -> None:
        self.present(self.change_notice(done))

    def reenabled(self, report: ToolReport) -> None:
        self.present(self.reenabled_notice(report))

    def new_tool(self, report: ToolReport) -> None:
        self.present(self.new_tool_notice(report))

    def failed(self, message: str) -> None:
        self.present(Notice("Nothing was changed", message, level=NoticeLevel.ERROR, answers_click=True))

    # ------------------------------------------------------------ wording

    def change_notice(self, done: ChangeDone) -> Notice:
        changeset = done.changeset
        names = self._names(done.tool_ids or (changeset.tool_ids if changeset else ()))
        title = {
            ChangeKind.OPTOUT: f"Opted out: {names}",
            ChangeKind.OPTIN: f"Allowed again: {names}",
            ChangeKind.OPTOUT_EVERYTHING: "Opted out of everything",
            ChangeKind.UNDO: f"Undone: {names}",
        }[done.kind]
        if done.automatic:
            title = f"{names} turned telemetry back on — opted out again"
        buttons: tuple[NoticeAction, ...] = ()
        if changeset is not None and not changeset.empty and done.kind is not ChangeKind.UNDO:
            change_id = changeset.id
            buttons = (NoticeAction("Undo", lambda: self._callbacks.undo(change_id)),)
        level = NoticeLevel.WARNING if done.failures else NoticeLevel.DONE
        return Notice(title, self.describe(done), buttons, level, answers_click=not done.automatic)

    def describe(self, done: ChangeDone) -> str:
        """A sentence or three: which files and variables changed, and what did not."""
        parts: list[str] = []
        changeset = done.changeset
        if changeset is not None and not changeset.empty:
            tool_files = [short_path(c.path, self._home) for c in changeset.files if c.purpose.value == "tool"]
            if tool_files:
                shown = ", ".join(tool_files[:3]) + (f" and {len(tool_files) - 3} more" if len(tool_files) > 3 else "")
                verb = "Put back" if done.kind is ChangeKind.UNDO else "Changed"
                parts.append(f"{verb} {shown}.")
            for change in changeset.env:
                if change.new_value is None:
                    parts.append(f"{change.name} unset for new sessions.")
                else:
                    parts.append(f"{change.name}={change.new_value} for new sessions.")
        elif done.unchanged and not done.failures:
            parts.append("Nothing needed changing.")
        if done.failures:
            parts.append("Not changed: " + "; ".join(str(f) for f in done.failures))
        parts.extend(done.notes)
        return " ".join(parts) or "Nothing was changed."

    def reenabled_notice(self, report: ToolReport) -> Notice:
        tool_id = report.id
        return Notice(
            f"{report.tool.name} turned its telemetry back on",
            f"You had opted out; something (an update, or the tool itself) switched it on again. "
            f"Tier: {report.tool.telemetry.tier.value}.",
            (NoticeAction("Opt out again", lambda: self._callbacks.optout(tool_id)),
             NoticeAction("Keep me opted out", lambda: self._callbacks.keep_opted_out(tool_id))),
        )

    def new_tool_notice(self, report: ToolReport) -> Notice:
        tool_id = report.id
        return Notice(
            f"Newly installed: {report.tool.name} sends telemetry",
            f"Tier: {report.tool.telemetry.tier.value}. It is on until you opt out.",
            (NoticeAction("Opt out", lambda: self._callbacks.optout(tool_id)),
             NoticeAction("Details", lambda: self._callbacks.open_tool(tool_id))),
        )

    def _names(self, tool_ids: Sequence[str]) -> str:
        names = [self._name_of(tool_id) for tool_id in tool_ids]
        if len(names) > 3:
            return f"{', '.join(names[:3])} and {len(names) - 3} more"
        return ", ".join(names) or "Tracklight's settings"
