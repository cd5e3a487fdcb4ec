"""The tray app's composition root: builds the parts and wires their signals.

`TracklightApp` is a plain QObject that owns the parts (scanner, watcher, operations, tray, menu, window, notices);
it is not a QApplication subclass and not a message bus. Each part gets what it needs passed in and reports by
signal; the app connects the signals. The UI holds the latest snapshot and redraws from it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from tracklight.core import locations
from tracklight.core.model import Os, ToolReport
from tracklight.ui import actions, autostart, signals
from tracklight.ui.menu import MenuCallbacks, MenuState, TrayMenu
from tracklight.ui.notifications import Notice, NoticeAction, Notifier
from tracklight.ui.operations import Kind, Operations, Outcome, Preview
from tracklight.ui.scanner import Scanner
from tracklight.ui.settings import Settings, load_settings, save_settings
from tracklight.ui.snapshot import Snapshot, Transitions
from tracklight.ui.tray import TrayIcon, tray_available
from tracklight.ui.worker import TaskRunner

if TYPE_CHECKING:
    from tracklight.changes.journal import JournalEntry
    from tracklight.ui.watcher import Watcher
    from tracklight.ui.window import MainWindow

NO_TRAY_MESSAGE = ("No system tray was found on this desktop, so Tracklight opened its window instead. "
                   "Closing this window quits Tracklight. (On GNOME, the AppIndicator extension adds a tray.)")

WELCOME_MESSAGE = ("Tracklight stays in your tray: its icon's shape shows the most revealing kind of telemetry "
                   "still being sent, and its menu switches a tool off in one click. You can close this window.")

# "Keep me opted out" re-applies at most this often per tool, so a tool that keeps turning itself back on
# can't make Tracklight rewrite its file in a loop.
REAPPLY_LIMIT = 3
REAPPLY_WINDOW_S = 600.0


def release_source_cache() -> None:
    """Drop the source text PySide6 read while modules were imported.

    PySide6 replaces `__import__` and reads the whole source of every module imported after it (`inspect.getsource`,
    to see whether the module opts into its `__feature__` syntax); the text stays in `linecache` — about 5 MB for
    this app. linecache is only a cache for tracebacks, so emptying it is safe; a traceback reads what it needs again.
    """
    import linecache

    linecache.clearcache()


class TracklightApp(QObject):
    """Owns and wires the tray app's parts. `start()` scans and shows the icon (or the window without a tray)."""

    def __init__(self, env: Mapping[str, str] | None = None, os_: Os | None = None, root: str | None = None,
                 tray: bool | None = None, tray_icon: TrayIcon | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        signals.prepare()  # on the main thread, before any worker emits (see signals.py)
        self.env: Mapping[str, str] = dict(os.environ) if env is None else dict(env)
        self.os = os_ or locations.current_os()
        self.root = root or locations.system_root(self.env)
        self.target = actions.Target(self.env, self.os, self.root)
        self.runner = TaskRunner(self)
        self.scanner = Scanner(self.runner, self.env, self.os, self.root,
                               locked=lambda index: actions.locked_tools(index, self.target), parent=self)
        self.operations = Operations(self.runner, self.target, self)
        self.operations.expect_on = self.scanner.expect_on
        self.operations.forget_expected = self.scanner.forget_expected
        self.settings: Settings = load_settings(self.os, self.env)
        self.notifier = Notifier()
        self.history: tuple[JournalEntry, ...] = ()
        self.last_dialog: object | None = None
        self.window: MainWindow | None = None
        self.watcher: Watcher | None = None
        self._reapplied: dict[str, list[float]] = {}
        self._stopped = False
        self._autostart_wanted = False
        self._autostart_lock = threading.Lock()
        self.has_tray = tray_icon is not None or (tray_available() if tray is None else tray)

        self.menu = TrayMenu(lambda: self.scanner.snapshot, self._menu_state, MenuCallbacks(
            toggle=self.operations.toggle,
            optout_everything=self.optout_everything,
            undo_last=self.undo_last,
            open_window=self.open_window,
            quit=self.quit,
        ), self)
        self.tray: TrayIcon | None = tray_icon
        if self.tray is None and self.has_tray:
            self.tray = TrayIcon(self.open_window, self)
        if self.tray is not None:
            self.tray.setParent(self)
            self.tray.set_menu(self.menu.menu)
            self.tray.open_window = self.open_window

        self.scanner.snapshot_changed.connect(self._snapshot_changed)
        self.scanner.transitions.connect(self._transitions)
        self.scanner.scan_failed.connect(self._show_error)
        self.operations.finished.connect(self._operation_finished)
        self.operations.failed.connect(self._operation_failed)
        self.operations.history_loaded.connect(self._history_loaded)
        self.operations.history_failed.connect(self._show_error)
        self.operations.preview_ready.connect(self._preview_ready)
        self.operations.busy_changed.connect(self._busy_changed)

    # ------------------------------------------------------------ life cycle

    def start(self, show_window: bool = False, scan_in_background: bool = False) -> None:
        """Scan, show the icon with the real state, then start watching (after the icon is up).

        `scan_in_background`: the icon already shows the state (run_tray's prescan); the full scan runs on the
        worker pool and everything is redrawn when it lands.
        """
        if scan_in_background:
            self.scanner.rescan()
        else:
            self.scanner.scan_now()
        if self.tray is not None:
            self.tray.show()
        if show_window or self.tray is None:
            self.open_window()
        QTimer.singleShot(0, self._start_background)

    def _start_background(self) -> None:
        if self._stopped:
            return
        from tracklight.ui.watcher import Watcher

        self.watcher = Watcher(self)
        self.watcher.changed.connect(self.scanner.rescan_affected)
        self._update_watch_plan(self.scanner.snapshot)
        self.operations.load_history()
        release_source_cache()

    def shutdown(self) -> None:
        """Stop watching, hide the icon and notices, and let running writes finish."""
        self._stopped = True
        if self.watcher is not None:
            self.watcher.stop()
        if self.tray is not None:
            self.tray.hide()
        self.notifier.close()
        self.runner.wait(5000)

    def quit(self) -> None:
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # ------------------------------------------------------------ window

    def ensure_window(self) -> MainWindow:
        if self.window is None:
            from tracklight.ui.window import MainWindow

            window = MainWindow()
            window.optout_requested.connect(lambda r: self.operations.optout([r]))
            window.optin_requested.connect(lambda r: self.operations.optin([r]))
            window.preview_requested.connect(self.preview)
            window.optout_everything_requested.connect(self.optout_everything)
            window.rescan_requested.connect(lambda: self.scanner.rescan(None, reload_index=True))
            window.quit_requested.connect(self.quit)
            window.history.undo_requested.connect(self.operations.undo)
            window.history.refresh_requested.connect(self.operations.load_history)
            window.settings.settings_changed.connect(self._settings_edited)
            window.settings.autostart_changed.connect(self.set_autostart)
            window.settings.show_settings(self.settings, autostart.is_enabled(self.env))
            window.history.set_history(self.history)
            window.set_busy(self.operations.busy)
            if self.tray is None:
                window.quit_on_close = True
                window.show_banner(NO_TRAY_MESSAGE)
            window.show_snapshot(self.scanner.snapshot)
            self.window = window
            release_source_cache()
        return self.window

    def open_window(self, tool_id: str | None = None) -> None:
        """Show the window (created on first use), with a tool selected when one is named."""
        window = self.ensure_window()
        window.bring_to_front()
        if tool_id is not None:
            window.tabs.setCurrentIndex(0)
            if not window.select_tool(tool_id):
                window.scope.setCurrentIndex(1)
                window.tracking_only.setChecked(False)
                window.search.clear()
                window.select_tool(tool_id)

    # ------------------------------------------------------------ requests

    def optout_everything(self) -> None:
        self.operations.optout_everything(self.scanner.snapshot.tracking)

    def undo_last(self) -> None:
        self.operations.undo(None)

    def preview(self, report: ToolReport) -> None:
        """"Show what will change": plan the opt-out (or opt-in, for a tool that is off) and show the diff."""
        from tracklight.core.model import State

        kind = Kind.OPTIN if report.state is State.OFF else Kind.OPTOUT
        self.operations.preview(kind, [report])

    def save_settings(self, settings: Settings) -> None:
        """Keep the settings in force and write them off the UI thread (the latest wins when saves overlap)."""
        self.settings = settings
        os_, env = self.os, self.env
        self.runner.submit(lambda: save_settings(self.settings, os_, env), failed=self._show_error)

    def _settings_edited(self, edited: Settings) -> None:
        """The Settings tab changed a checkbox: merge its fields into the settings in force and save."""
        from dataclasses import replace

        self.save_settings(replace(self.settings, keep_opted_out=edited.keep_opted_out,
                                   announce_new_tools=edited.announce_new_tools,
                                   notify_changes=edited.notify_changes))

    def set_autostart(self, enabled: bool) -> None:
        """Write or remove the autostart entry off the UI thread; quick toggles end in the last one's state."""
        env = self.env
        self._autostart_wanted = enabled

        def task() -> bool:
            with self._autostart_lock:
                if self._autostart_wanted:
                    autostart.enable(env)
                else:
                    autostart.disable(env)
                return autostart.is_enabled(env)

        def done(now: bool) -> None:
            if self.window is not None:
                self.window.settings.status.setText(
                    f"Tracklight will start when you log in ({autostart.autostart_file(env)})." if now
                    else "Tracklight will not start by itself.")

        self.runner.submit(task, done, self._show_error)

    # ------------------------------------------------------------ signals from the parts

    def _menu_state(self) -> MenuState:
        undoable = any(actions.can_undo(e) and e.changeset.action.value != "undo" for e in self.history)
        return MenuState(can_undo=undoable,
                         busy=self.operations.busy)

    def _snapshot_changed(self, snapshot: Snapshot) -> None:
        if self._stopped:
            return  # a scan that finished while shutting down
        if self.tray is not None:
            self.tray.show_snapshot(snapshot)
        if self.window is not None:
            self.window.show_snapshot(snapshot)
        if self.watcher is not None:
            self._update_watch_plan(snapshot)

    def _update_watch_plan(self, snapshot: Snapshot) -> None:
        from tracklight.ui.watch_plan import build_plan

        assert self.watcher is not None
        self.watcher.set_plan(build_plan(snapshot.reports, self.env, self.os, self.root))

    def _busy_changed(self, busy: bool) -> None:
        if self.window is not None:
            self.window.set_busy(busy)

    def _transitions(self, found: Transitions) -> None:
        if self._stopped:
            return
        automatic: list[ToolReport] = []
        for report in found.reenabled:
            if self.settings.keep_opted_out and self._may_reapply(report.id):
                automatic.append(report)
            else:
                self._announce_reenabled(report)
        if automatic:
            self.operations.optout(automatic, automatic=True)
        if self.settings.announce_new_tools:
            for report in found.newly_tracking:
                self._announce_new(report)

    def _may_reapply(self, tool_id: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._reapplied.get(tool_id, []) if now - t < REAPPLY_WINDOW_S]
        if len(recent) >= REAPPLY_LIMIT:
            self._reapplied[tool_id] = recent
            return False
        self._reapplied[tool_id] = [*recent, now]
        return True

    def _announce_reenabled(self, report: ToolReport) -> None:
        tool_id = report.id

        def optout_again() -> None:
            fresh = self.scanner.snapshot.get(tool_id)
            if fresh is not None:
                self.operations.optout([fresh])

        def keep_opted_out() -> None:
            from dataclasses import replace

            self.save_settings(replace(self.settings, keep_opted_out=True))
            if self.window is not None:
                self.window.settings.show_settings(self.settings, autostart.is_enabled(self.env))
            optout_again()

        self.notifier.show(Notice(
            f"{report.tool.name} turned its telemetry back on",
            f"You had opted out; something (an update, or the tool itself) switched it on again. "
            f"Tier: {report.tool.telemetry.tier.value}.",
            (NoticeAction("Opt out again", optout_again), NoticeAction("Keep me opted out", keep_opted_out)),
        ))

    def _announce_new(self, report: ToolReport) -> None:
        tool_id = report.id

        def optout() -> None:
            fresh = self.scanner.snapshot.get(tool_id)
            if fresh is not None:
                self.operations.optout([fresh])

        self.notifier.show(Notice(
            f"Newly installed: {report.tool.name} sends telemetry",
            f"Tier: {report.tool.telemetry.tier.value}. It is on until you opt out.",
            (NoticeAction("Opt out", optout), NoticeAction("Details", lambda: self.open_window(tool_id))),
        ))

    def _operation_finished(self, outcome: Outcome) -> None:
        changeset = outcome.changeset
        if changeset is not None and not changeset.empty:
            rescan_all = bool(changeset.env) or outcome.kind in (Kind.UNDO, Kind.OPTOUT_EVERYTHING)
            self.scanner.rescan(None if rescan_all else {*outcome.tool_ids, *changeset.tool_ids})
            self.operations.load_history()
        if outcome.automatic or self.settings.notify_changes or outcome.failures:
            self._notify_outcome(outcome)

    def _notify_outcome(self, outcome: Outcome) -> None:
        changeset = outcome.changeset
        names = self._names(outcome.tool_ids or (changeset.tool_ids if changeset else ()))
        title = {
            Kind.OPTOUT: f"Opted out: {names}",
            Kind.OPTIN: f"Allowed again: {names}",
            Kind.OPTOUT_EVERYTHING: "Opted out of everything",
            Kind.UNDO: f"Undone: {names}",
        }[outcome.kind]
        if outcome.automatic:
            title = f"{names} turned telemetry back on — opted out again"
        buttons: tuple[NoticeAction, ...] = ()
        if changeset is not None and not changeset.empty and outcome.kind is not Kind.UNDO:
            change_id = changeset.id
            buttons = (NoticeAction("Undo", lambda: self.operations.undo(change_id)),)
        self.notifier.show(Notice(title, outcome.describe(locations.home(self.os, self.env)), buttons))

    def _operation_failed(self, message: str) -> None:
        self.notifier.show(Notice("Nothing was changed", message))
        if self.window is not None:
            self.window.status.setText(message)

    def _history_loaded(self, history: Sequence[JournalEntry]) -> None:
        self.history = tuple(history)
        if self.window is not None:
            self.window.history.set_history(self.history)

    def _preview_ready(self, preview: Preview) -> None:
        from tracklight.ui.diff_dialog import DiffDialog

        dialog = DiffDialog(preview, self.window)
        dialog.accepted.connect(lambda: self.operations.apply_preview(preview))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.last_dialog = dialog

    def _show_error(self, error: object) -> None:
        message = str(error)
        if self.window is not None:
            self.window.status.setText(message)
        else:
            sys.stderr.write(f"tracklight: {message}\n")

    def _names(self, tool_ids: Sequence[str]) -> str:
        snapshot = self.scanner.snapshot
        names = []
        for tool_id in tool_ids:
            report = snapshot.get(tool_id)
            names.append(report.tool.name if report is not None else tool_id)
        if len(names) > 3:
            return f"{', '.join(names[:3])} and {len(names) - 3} more"
        return ", ".join(names) or "Tracklight's settings"
