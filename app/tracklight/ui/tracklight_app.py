"""The tray app's composition root: builds the parts and wires their signals.

`TracklightApp` is a plain QObject that owns the parts (scanner, watcher, change queue, tray, menu, window, notice
presenter, re-apply limiter, autostart controller); it is not a QApplication subclass and not a message bus. Each
part gets what it needs passed in and reports by signal; the app connects the signals and decides nothing of its
own: wording is the presenter's, rate limits the limiter's, threads the runner's. The UI holds the latest snapshot
and redraws from it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, QTimer
from PySide6.QtWidgets import QApplication

from tracklight.core import locations
from tracklight.core.model import Os, State, ToolReport
from tracklight.ui import signals
from tracklight.ui.autostart_controller import AutostartController
from tracklight.ui.change_queue import ChangeDone, ChangeKind, ChangeQueue, Preview, Target
from tracklight.ui.menu import MenuCallbacks, MenuState, TrayMenu
from tracklight.ui.notice_presenter import NoticeCallbacks, NoticePresenter
from tracklight.ui.notifications import Notifier
from tracklight.ui.reapply_limiter import ReapplyLimiter
from tracklight.ui.scanner import Scanner
from tracklight.ui.settings import Settings, load_settings, save_settings
from tracklight.ui.snapshot import Snapshot, Transitions
from tracklight.ui.tray import TrayIcon, tray_available
from tracklight.ui.worker import TaskRunner

if TYPE_CHECKING:
    from tracklight.changes.journal import JournalEntry
    from tracklight.ui.change_dialog import ChangeDialog
    from tracklight.ui.watcher import Watcher
    from tracklight.ui.window import MainWindow

NO_TRAY_MESSAGE = ("No system tray was found on this desktop, so Tracklight opened its window instead. "
                   "Closing this window quits Tracklight. (On GNOME, the AppIndicator extension adds a tray.)")

TRAY_APPEARED_MESSAGE = ("A system tray appeared, so Tracklight now lives there: its icon shows the most revealing "
                         "kind of telemetry still being sent. You can close this window.")
TRAY_POLL_MS = 2000
"""Without a tray, how often to look for one (a panel that starts after Tracklight); nothing polls once it is there."""

WELCOME_MESSAGE = ("Tracklight stays in your tray: its icon's shape shows the most revealing kind of telemetry "
                   "still being sent, and its menu switches a tool off in one click. You can close this window.")


def _open_with_desktop(path: str) -> bool:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(path)))


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
                 tray: bool | None = None, tray_icon: TrayIcon | None = None, parent: QObject | None = None,
                 tray_probe: Callable[[], bool] = tray_available, tray_poll_ms: int = TRAY_POLL_MS) -> None:
        super().__init__(parent)
        signals.prepare()  # on the main thread, before any worker emits (see signals.py)
        self.env: Mapping[str, str] = dict(os.environ) if env is None else dict(env)
        self.os = os_ or locations.current_os()
        self.root = root or locations.system_root(self.env)
        self.runner = TaskRunner(self)
        self.scanner = Scanner(self.runner, self.env, self.os, self.root, parent=self)
        self.changes = ChangeQueue(self.runner, Target(self.env, self.os, self.root), self)
        self.settings: Settings = load_settings(self.os, self.env)
        self.reapply = ReapplyLimiter()
        self.autostart = AutostartController(self.runner, self.env, self)
        self.notices = NoticePresenter(
            Notifier(self._tray_geometry),
            NoticeCallbacks(undo=self.changes.undo, optout=self._optout_again, keep_opted_out=self._keep_opted_out,
                            open_tool=self.open_window, open_file=self.open_file),
            self._name_of, locations.home(self.os, self.env), lambda: self.window)
        self.history: tuple[JournalEntry, ...] = ()
        self.last_dialog: ChangeDialog | None = None
        self._news: str | None = None  # the tool the last change or notice was about: the window opens on it
        self.window: MainWindow | None = None
        self.watcher: Watcher | None = None
        self._stopped = False
        self.file_opener: Callable[[str], object] = _open_with_desktop
        self.has_tray = tray_icon is not None or (tray_probe() if tray is None else tray)
        self._tray_probe = tray_probe
        self._tray_poll = QTimer(self)
        self._tray_poll.setInterval(tray_poll_ms)
        self._tray_poll.timeout.connect(self._look_for_tray)

        self.menu = TrayMenu(lambda: self.scanner.snapshot, self._menu_state, MenuCallbacks(
            toggle=self.changes.toggle,
            optout_everything=self.optout_everything,
            undo_last=self.undo_last,
            open_window=self.open_window,
            quit=self.quit,
        ), self)
        self.tray: TrayIcon | None = tray_icon
        if self.tray is None and self.has_tray:
            self.tray = TrayIcon(self.open_window, self)
        if self.tray is not None:
            self._adopt_tray(self.tray)

        self.scanner.snapshot_changed.connect(self._snapshot_changed)
        self.scanner.transitions.connect(self._transitions)
        self.scanner.scan_failed.connect(self._show_error)
        self.changes.finished.connect(self._change_finished)
        self.changes.failed.connect(self._change_failed)
        self.changes.history_loaded.connect(self._history_loaded)
        self.changes.history_failed.connect(self._show_error)
        self.changes.preview_ready.connect(self._preview_ready)
        self.changes.busy_changed.connect(self._busy_changed)
        self.changes.reenabled_checked.connect(self._reenabled)
        self.autostart.changed.connect(self._autostart_changed)
        self.autostart.failed.connect(self._show_error)

    @property
    def notifier(self) -> Notifier:
        return self.notices.notifier

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
        if self.tray is None:
            self._tray_poll.start()
        QTimer.singleShot(0, self._start_background)

    def _start_background(self) -> None:
        if self._stopped:
            return
        from tracklight.ui.watcher import Watcher

        self.watcher = Watcher(self)
        self.watcher.changed.connect(self.scanner.rescan_affected)
        self._update_watch_plan(self.scanner.snapshot)
        self.changes.load_history()
        release_source_cache()

    def _adopt_tray(self, tray: TrayIcon) -> None:
        tray.setParent(self)
        tray.set_menu(self.menu.menu)
        tray.open_window = self.open_window

    def _look_for_tray(self) -> None:
        """A tray that appears after start-up (a panel starting later than autostart): move into it."""
        if self._stopped or not self._tray_probe():
            return
        self._tray_poll.stop()
        self.has_tray = True
        self.tray = TrayIcon(self.open_window, self)
        self._adopt_tray(self.tray)
        self.tray.show_snapshot(self.scanner.snapshot)
        self.tray.show()
        if self.window is not None:
            self.window.quit_on_close = False
            self.window.show_banner(TRAY_APPEARED_MESSAGE)

    def shutdown(self) -> None:
        """Stop watching, hide the icon and notices, and let running writes finish."""
        self._stopped = True
        self._tray_poll.stop()
        if self.watcher is not None:
            self.watcher.stop()
        if self.tray is not None:
            self.tray.hide()
        self.notifier.close()
        self.runner.close()  # a result delivered from now on starts nothing new (a merged rescan, a check)
        self.runner.wait(5000)

    def quit(self) -> None:
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # ------------------------------------------------------------ window

    def ensure_window(self) -> MainWindow:
        if self.window is None:
            from tracklight.ui.last_watched import LastWatched
            from tracklight.ui.window import MainWindow

            window = MainWindow(locations.home(self.os, self.env), last_watched=LastWatched(self.env))
            window.optout_requested.connect(lambda r: self.changes.optout([r]))
            window.optin_requested.connect(lambda r: self.changes.optin([r]))
            window.preview_requested.connect(self.preview)
            window.optout_everything_requested.connect(self.optout_everything)
            window.undo_requested.connect(self.changes.undo)
            window.undo_last_requested.connect(self.undo_last)
            window.history_requested.connect(self.changes.load_history)
            window.settings_changed.connect(self._settings_edited)
            window.autostart_changed.connect(self.autostart.set_enabled)
            window.open_file_requested.connect(self.open_file)
            window.rescan_requested.connect(lambda: self.scanner.rescan(None, reload_index=True))
            window.quit_requested.connect(self.quit)
            window.show_settings(self.settings, self.autostart.is_enabled())
            window.show_history(self.history)
            window.set_busy(self.changes.busy)
            if self.tray is None:
                window.quit_on_close = True
                window.show_banner(NO_TRAY_MESSAGE)
            window.show_snapshot(self.scanner.snapshot)
            self.window = window
            release_source_cache()
        return self.window

    def open_window(self, tool_id: str | None = None) -> None:
        """Show the window (created on first use), with a tool selected: the one named, else the one the last
        change or notice was about (once: then the person's own choice stays), else the one chosen before."""
        if tool_id is None:
            tool_id = self._news
        self._news = None
        window = self.ensure_window()
        if tool_id is not None and self.scanner.snapshot.get(tool_id) is not None:
            window.show_tool(tool_id)  # before it shows: the first row is never selected on the way
        window.bring_to_front()

    # ------------------------------------------------------------ requests

    def open_file(self, path: str) -> None:
        """Open a file in the person's editor (one that can't be read, to fix it)."""
        self.file_opener(path)

    def optout_everything(self) -> None:
        """Plan "opt out of everything" and ask once, showing what it will do (the tray and the window alike)."""
        self.changes.preview(ChangeKind.OPTOUT_EVERYTHING, self.scanner.snapshot.reports)

    def undo_last(self) -> None:
        """Ctrl+Z and the tray's Undo: the newest change still in force (the one the tray's entry names)."""
        self.changes.undo(None)

    def preview(self, report: ToolReport) -> None:
        """"Show what will change": plan the opt-out (or opt-in, for a tool that is off) and show the diff."""
        kind = ChangeKind.OPTIN if report.switch_state is State.OFF else ChangeKind.OPTOUT
        self.changes.preview(kind, [report])

    def save_settings(self, settings: Settings) -> None:
        """Keep the settings in force and write them off the UI thread (the latest wins when saves overlap)."""
        self.settings = settings
        os_, env = self.os, self.env
        self.runner.submit(lambda: save_settings(self.settings, os_, env), failed=self._show_error)

    def _settings_edited(self, edited: Settings) -> None:
        """The Settings tab changed a checkbox: merge its fields into the settings in force and save."""
        self.save_settings(replace(self.settings, keep_opted_out=edited.keep_opted_out,
                                   announce_new_tools=edited.announce_new_tools,
                                   notify_changes=edited.notify_changes))

    def _optout_again(self, tool_id: str) -> None:
        fresh = self.scanner.snapshot.get(tool_id)
        if fresh is not None:
            self.changes.optout([fresh])

    def _keep_opted_out(self, tool_id: str) -> None:
        self.save_settings(replace(self.settings, keep_opted_out=True))
        if self.window is not None:
            self.window.show_settings(self.settings, self.autostart.is_enabled())
        self._optout_again(tool_id)

    # ------------------------------------------------------------ signals from the parts

    def _menu_state(self) -> MenuState:
        return MenuState(undo_label=self.notices.undo_label(self.history), busy=self.changes.busy)

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
        if found.reenabled:
            self.changes.check_reenabled(found.reenabled)  # -> _reenabled, without those Tracklight turned on
        if self.settings.announce_new_tools:
            for report in found.newly_tracking:
                self._news = report.id
                self.notices.new_tool(report)

    def _reenabled(self, reports: Sequence[ToolReport]) -> None:
        """Tools that switched their telemetry back on by themselves: opted out again ("Keep me opted out",
        within the limiter's rate) or announced."""
        if self._stopped:
            return
        automatic: list[ToolReport] = []
        for report in reports:
            if self.settings.keep_opted_out and self.reapply.allow(report.id):
                automatic.append(report)
            else:
                self._news = report.id
                self.notices.reenabled(report)
        if automatic:
            self.changes.optout(automatic, automatic=True)

    def _change_finished(self, done: ChangeDone) -> None:
        changeset = done.changeset
        touched = (changeset.tool_ids if changeset is not None and not changeset.empty else ()) or \
            tuple(f.tool_id for f in done.failures)
        if len(set(touched)) == 1 and not (self.window is not None and self.window.isVisible()
                                          and self.window.isActiveWindow()):
            self._news = touched[0]  # one tool, changed from the tray or a notice: the window opens on it
        if changeset is not None and not changeset.empty:
            rescan_all = bool(changeset.env) or done.kind in (ChangeKind.UNDO, ChangeKind.OPTOUT_EVERYTHING)
            self.scanner.rescan(None if rescan_all else {*done.tool_ids, *changeset.tool_ids})
            self.changes.load_history()
        asked_in_vain = done.kind is ChangeKind.UNDO and not done.wrote  # Ctrl+Z with nothing to undo: say so
        if done.automatic or self.settings.notify_changes or done.failures or asked_in_vain:
            self.notices.change_done(done)

    def _change_failed(self, message: str) -> None:
        self.notices.failed(message)
        if self.window is not None:
            self.window.show_status(message)

    def _history_loaded(self, history: Sequence[JournalEntry]) -> None:
        self.history = tuple(history)
        if self.window is not None:
            self.window.show_history(self.history)

    def _autostart_changed(self, _enabled: bool, sentence: str) -> None:
        if self.window is not None:
            self.window.show_autostart_status(sentence)

    def _preview_ready(self, preview: Preview) -> None:
        from tracklight.ui.change_dialog import ChangeDialog

        previous = self.last_dialog
        if isinstance(previous, ChangeDialog) and previous.isVisible():
            previous.reject()  # one question at a time: the newer plan replaces it
        window = self.window if self.window is not None and self.window.isVisible() else None
        dialog = ChangeDialog(preview, locations.home(self.os, self.env), window)
        dialog.accepted.connect(lambda: self.changes.apply_preview(preview))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()  # from the tray there is no window behind it: it must come to the front
        self.last_dialog = dialog

    def _dialog_closed(self, dialog: ChangeDialog) -> None:
        """A closed question is deleted, and forgotten first: the next one must not ask a deleted dialog whether it
        is visible (that raised, and "Opt out of everything" opened nothing the second time)."""
        if self.last_dialog is dialog:
            self.last_dialog = None
        dialog.deleteLater()

    def _show_error(self, error: object) -> None:
        message = str(error)
        if self.window is not None:
            self.window.show_status(message)
        else:
            sys.stderr.write(f"tracklight: {message}\n")

    def _tray_geometry(self) -> QRect | None:
        """Where the tray icon is on the screen (None without one, or where the tray doesn't say)."""
        if self.tray is None:
            return None
        geometry = self.tray.icon.geometry()
        return geometry if geometry.isValid() and not geometry.isEmpty() else None

    def _name_of(self, tool_id: str) -> str:
        report = self.scanner.snapshot.get(tool_id)
        return report.tool.name if report is not None else tool_id
