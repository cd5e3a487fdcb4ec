"""`tracklight` / `tracklight tray`: start the tray app, with the icon up as early as the real state is known.

The order is chosen for start-up time: ask for a running instance (a plain socket, no Qt yet); start the prescan
helper (prescan.py), which scans while Qt loads here; create the QApplication; show the icon from the helper's
result; only then build the rest of the app (tracklight_app.py), whose own scan on the worker pool redraws
everything from the full snapshot a moment later.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from tracklight.ui.tray import TrayIcon

APP_NAME = "tracklight"  # the X class of the tray icon and the window (StartupWMClass in the desktop entry)
DISPLAY_NAME = "Tracklight"
DESKTOP_FILE_NAME = "io.github.tracklight.Tracklight"  # packaging/linux's desktop entry: the Wayland app id
READY_VARIABLE = "TRACKLIGHT_EXIT_WHEN_READY"
"""Benchmarks set this: print "tracklight-ready" once the icon shows the real state, then quit after the first full
snapshot (printing "tracklight-menu-ready"). See tests/benchmarks/bench_tray.py."""


def make_qapplication(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, named so the tray icon's and window's X class is "tracklight"."""
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Qt takes the X instance name from argv[0]; `python -m` or a wrapper would otherwise name it "python".
    args = [APP_NAME, *(sys.argv[1:] if argv is None else argv)]
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationDisplayName(DISPLAY_NAME)
    QApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    QApplication.setOrganizationName(APP_NAME)
    app = QApplication(args)
    app.setQuitOnLastWindowClosed(False)  # closing the window leaves the tray running
    return app


def no_display_problem(env: dict[str, str], qt_args: Sequence[str], platform: str) -> str | None:
    """Why the tray cannot start on this Linux session (no X or Wayland display), in words; None when it can.

    Without this, Qt aborts with a core dump and a list of platform plugins, which tells a newcomer on a server or
    over SSH nothing. Other systems always have a display; a chosen Qt platform (QT_QPA_PLATFORM, -platform) is
    trusted.
    """
    if not platform.startswith("linux") or "-platform" in qt_args:
        return None
    if any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return ("no graphical session here (neither DISPLAY nor WAYLAND_DISPLAY is set): the tray app needs a desktop. "
            "Start it from your desktop session, or use the command line, which needs none: "
            "`tracklight scan`, `tracklight optout TOOL`, `tracklight undo`")


def run_tray(show_window: bool = False, qt_args: Sequence[str] = ()) -> int:
    """Run the tray app until Quit. A second launch shows the first's window instead.

    `qt_args` are Qt's own options (`-style fusion`, `-platform wayland`, `-reverse`…), given to the QApplication
    as any Qt program takes them; one Qt does not know is a usage error (exit 2), not silently dropped.
    """
    env = dict(os.environ)
    problem = no_display_problem(env, qt_args, sys.platform)
    if problem:
        sys.stderr.write(f"tracklight: {problem}\n")
        return 1
    from tracklight.ui import prescan
    from tracklight.ui.single_instance import ask_running_instance, server_name

    name = server_name(env)
    if ask_running_instance(name):
        print("Tracklight is already running; its window was brought to the front.")
        return 0
    # Started before anything else is loaded here, so it runs alongside all of it (unused if the window opens).
    helper = None if show_window else prescan.start(env)
    spawned = helper  # reaped once the app runs, whether its line was used or not

    from tracklight.core import locations
    from tracklight.ui.settings import load_settings

    settings = load_settings(locations.current_os(), env)
    # The very first start opens the window, so a new user sees what was found; later starts stay in the tray.
    first_start = not settings.welcomed
    opens_window = show_window or first_start
    if helper is not None and opens_window:
        helper.close()
        helper = None

    app = make_qapplication(list(qt_args))
    unknown = app.arguments()[1:]  # Qt removed what it understood
    if unknown:
        sys.stderr.write(f"tracklight: unknown option{'s' if len(unknown) > 1 else ''} {' '.join(unknown)} "
                         "(the tray takes --show-window and Qt's own options, such as -style NAME)\n")
        if helper is not None:
            helper.close()
        return 2
    from PySide6.QtCore import QTimer

    from tracklight.ui.tray import TrayIcon, tray_available

    has_tray = tray_available()
    early_icon: TrayIcon | None = None
    summary = helper.summary() if helper is not None and has_tray else None
    if helper is not None and summary is None:
        helper.close()
    if summary is not None:
        early_icon = TrayIcon()
        early_icon.show_state(summary.worst_tier, summary.tooltip)
        early_icon.show()
        _ready_marker(app, "tracklight-ready")

    from tracklight.ui.tracklight_app import WELCOME_MESSAGE, TracklightApp

    tracklight = TracklightApp(env, tray=has_tray, tray_icon=early_icon)
    tracklight.start(show_window=opens_window, scan_in_background=early_icon is not None)
    if spawned is not None:
        tracklight.runner.submit(spawned.reap)
    _quit_on_terminate(app, tracklight.quit)
    if early_icon is None:
        _ready_marker(app, "tracklight-ready")
    if os.environ.get(READY_VARIABLE):
        def full_snapshot(_snapshot: object) -> None:
            print("tracklight-menu-ready", flush=True)
            tracklight.quit()

        if tracklight.scanner.busy:
            tracklight.scanner.snapshot_changed.connect(full_snapshot)
        else:
            QTimer.singleShot(0, lambda: full_snapshot(None))
    if first_start:
        from dataclasses import replace

        tracklight.save_settings(replace(tracklight.settings, welcomed=True))
        if tracklight.tray is not None and tracklight.window is not None:
            tracklight.window.show_banner(WELCOME_MESSAGE)

    servers: list[object] = []

    def listen() -> None:  # once the icon is up: later launches then find this instance
        from tracklight.ui.instance_server import InstanceServer

        server = InstanceServer(name, tracklight)
        server.show_requested.connect(lambda: tracklight.open_window())
        if server.listen():
            servers.append(server)

    QTimer.singleShot(0, listen)
    code = app.exec()
    for server in servers:
        server.close()  # type: ignore[attr-defined]
    return int(code)


_KEEP_ALIVE: list[object] = []


def _quit_on_terminate(app: QApplication, quit_app: Callable[[], None]) -> None:
    """Quit cleanly on SIGTERM/SIGINT (a session ending, Ctrl+C in a terminal).

    Python runs signal handlers only when the interpreter gets control, which Qt's event loop rarely gives it; the
    signal module writes the signal number to a socket instead, and a QSocketNotifier wakes the loop: no polling.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    if not hasattr(signal, "SIGTERM"):
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        signal.set_wakeup_fd(writer.fileno())
    except ValueError:  # not the main thread: leave signals alone
        reader.close()
        writer.close()
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_args: None)  # the wakeup fd does the work
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def woken() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass
        quit_app()

    notifier.activated.connect(woken)
    _KEEP_ALIVE.extend((reader, writer, notifier))  # as long as the process runs


def _ready_marker(app: QApplication, line: str) -> None:
    """For benchmarks only: let Qt put the icon on screen, then say so."""
    if os.environ.get(READY_VARIABLE):
        app.processEvents()
        print(line, flush=True)

