"""The words of every notice, and where it is shown.

Each change, each tool that turned its telemetry back on, each newly installed tool becomes a Notice (title, a
sentence or three, buttons); this module decides the wording and the buttons, the app only says what happened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tracklight.changes.changeset import Action, FileChange, Purpose
from tracklight.core.model import ToolReport
from tracklight.errors import TracklightError
from tracklight.ui.change_queue import ChangeDone, ChangeKind
from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel
from tracklight.ui.notifications import Notifier
from tracklight.ui.words import short_path, value_text

if TYPE_CHECKING:
    from tracklight.changes.journal import JournalEntry
    from tracklight.ui.window import MainWindow

MAX_FILES_SHOWN = 3  # more go to History: the notice must fit on the screen
MAX_NOTES_SHOWN = 2


@dataclass(frozen=True)
class NoticeCallbacks:
    """What a notice's buttons do."""

    undo: Callable[[str], None]  # a change id
    optout: Callable[[str], None]  # a tool id, opted out again from the latest snapshot
    keep_opted_out: Callable[[str], None]  # switch "Keep me opted out" on, then opt this tool out again
    open_tool: Callable[[str], None]  # the window, with this tool selected
    open_file: Callable[[str], None]  # a file that can't be read, in the person's editor


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
        """What a change did. Failures come first and set the tone: nothing written is an error ("Not changed"),
        some written a warning; each failure names its file and line, with a button that opens the file."""
        changeset = done.changeset
        written = changeset.tool_ids if changeset is not None and not changeset.empty else ()
        failed = tuple(dict.fromkeys(f.tool_id for f in done.failures))
        # A tool written but still reading on (changes/verify.py) failed: it is never among those called done.
        succeeded = tuple(tool_id for tool_id in written if tool_id not in failed)
        done_words = {
            ChangeKind.OPTOUT: "Opted out",
            ChangeKind.OPTIN: "Allowed again",
            ChangeKind.OPTOUT_EVERYTHING: "Opted out",
            ChangeKind.UNDO: "Undone",
        }[done.kind]
        if done.kind is ChangeKind.UNDO and not done.wrote and not failed:
            return Notice("Nothing to undo", "Every change Tracklight made is undone already (History lists them).",
                          level=NoticeLevel.INFO, answers_click=True)
        if done.kind is ChangeKind.OPTOUT_EVERYTHING and not failed:
            title = "Opted out of everything" if written else "Nothing left to opt out of"
        elif failed and not done.wrote:
            title = f"Not changed: {self._names(failed)}"
        elif failed and not succeeded:
            title = f"Not done: {self._names(failed)}"
        elif failed:
            title = f"{done_words}: {self._names(succeeded)} — not done: {self._names(failed)}"
        elif done.automatic:
            title = f"{self._names(written)} switched telemetry back on — opted out again"
        elif done.wrote:
            title = f"{done_words}: {self._names(written or done.tool_ids)}"
        else:
            title = f"Nothing to change: {self._names(done.unchanged or done.tool_ids)}"
        level = (NoticeLevel.ERROR if failed and not succeeded else NoticeLevel.WARNING if failed
                 else NoticeLevel.DONE if done.wrote else NoticeLevel.INFO)
        buttons: list[NoticeAction] = []
        if changeset is not None and not changeset.empty and done.kind is not ChangeKind.UNDO:
            change_id = changeset.id
            buttons.append(NoticeAction("Undo", lambda: self._callbacks.undo(change_id)))
        broken = next((f.error.path for f in done.failures if f.error.path), None)
        if broken is not None:
            buttons.append(NoticeAction(f"Open {os.path.basename(broken)}",
                                        lambda: self._callbacks.open_file(broken)))
        return Notice(title, self.describe(done), tuple(buttons), level, answers_click=not done.automatic)

    def describe(self, done: ChangeDone) -> str:
        """A few sentences: what could not be done (first), what each file now holds, the variables, notes."""
        parts: list[str] = [f"{self._name_of(f.tool_id)}: {self._error_text(f.error)}" for f in done.failures]
        changeset = done.changeset
        if changeset is not None and not changeset.empty:
            tool_files = [c for c in changeset.files if c.purpose is Purpose.TOOL]
            for change in tool_files[:MAX_FILES_SHOWN]:
                parts.append(self._file_sentence(change, done.kind))
            if len(tool_files) > MAX_FILES_SHOWN:
                parts.append(f"And {len(tool_files) - MAX_FILES_SHOWN} more files (see History).")
            variables = [f"{c.name}={c.new_value}" if c.new_value is not None else f"{c.name} unset"
                         for c in changeset.env]
            if variables:
                parts.append(f"For new sessions: {', '.join(variables)}.")
            if done.automatic:
                parts.append("It had switched its telemetry back on; “Keep me opted out” is on (Settings).")
        elif done.unchanged and not done.failures:
            parts.append("Nothing needed changing.")
        parts.extend(done.notes[:MAX_NOTES_SHOWN])
        if len(done.notes) > MAX_NOTES_SHOWN:
            parts.append(f"And {len(done.notes) - MAX_NOTES_SHOWN} more notes.")
        return " ".join(part if part.endswith((".", ")", "”")) else part + "." for part in parts) \
            or "Nothing was changed."

    def _file_sentence(self, change: FileChange, kind: ChangeKind) -> str:
        """"~/.config/Code/User/settings.json: "telemetry.telemetryLevel" "all" → "off"", or "put back"."""
        where = short_path(change.path, self._home)
        if kind is ChangeKind.UNDO:
            return f"Put back {where}"
        edits = [f"{e.key or 'setting'} {value_text(e.old_value)} → {value_text(e.new_value)}" for e in change.edits]
        if not edits:
            return f"Changed {where}"
        return f"{where}: {'; '.join(edits[:2])}"

    def _error_text(self, error: TracklightError) -> str:
        """An error with its file written with ~ and its line, the way the person would look for it."""
        if error.path is None:
            return error.message
        where = short_path(error.path, self._home) + (f", line {error.line}" if error.line else "")
        return f"{where}: {error.message}"

    def undo_label(self, history: Sequence[JournalEntry]) -> str | None:
        """The tray's undo entry, saying what it undoes: "Undo: opt out of Visual Studio Code" (None: nothing)."""
        entry = next((e for e in history if e.in_force and e.changeset.action is not Action.UNDO), None)
        if entry is None:
            return None
        changeset = entry.changeset
        names = self._names(changeset.tool_ids)
        if changeset.action is Action.OPTIN:
            what = f"allow {names} again"
        elif any(c.name == "DO_NOT_TRACK" and not c.tool_ids for c in changeset.env):
            what = f"opt out of everything ({names})" if changeset.tool_ids else "set DO_NOT_TRACK=1"
        else:
            what = f"{'automatic ' if changeset.automatic else ''}opt out of {names}"
        return f"Undo: {what}"

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
