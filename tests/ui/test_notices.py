"""Every change is seen and can be undone: the notice fits on the screen, stays until dismissed, and its Undo is
reachable by keyboard; in the window, a message bar carries the same Undo (and Ctrl+Z)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from tracklight.core.model import State

from .conftest import NEXT_CONFIG, VSCODE_SETTINGS, Desk


def _open_menu(app) -> None:
    app.menu.menu.aboutToShow.emit()  # what opening the menu does


def _click_entry(app, tool_id: str) -> None:
    _open_menu(app)
    next(a for a in app.menu.tool_actions() if a.data() == tool_id).trigger()


def _wait_for_notice(qtbot, app, title_part: str):
    qtbot.waitUntil(lambda: app.notifier.window is not None and app.notifier.window.isVisible()
                    and title_part in app.notifier.window.title.text(), timeout=10000)
    return app.notifier.window


def _on_screen(widget) -> QRect:
    """The widget's frame in screen coordinates."""
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_the_change_notice_and_its_undo_button_are_inside_the_screen(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    _click_entry(app, "vscode")
    notice = _wait_for_notice(qtbot, app, "Visual Studio Code")
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(notice.frameGeometry()), (notice.frameGeometry(), area)
    undo = notice.button("Undo")
    assert undo is not None and undo.isVisible()
    assert area.contains(_on_screen(undo)), (_on_screen(undo), area)


def test_a_long_notice_is_placed_from_its_real_size(qtbot, make_app, desk: Desk) -> None:
    from tracklight.ui.notifications import Notice, NoticeAction

    app = make_app(watch=False)
    long_body = "Changed " + ", ".join(f"~/.config/tool-number-{i}/settings.json" for i in range(12)) + "."
    app.notifier.show(Notice("Opted out of everything", long_body, (NoticeAction("Undo", lambda: None),)))
    notice = app.notifier.window
    qtbot.waitUntil(notice.isVisible, timeout=3000)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(notice.frameGeometry()), (notice.frameGeometry(), area)


def test_the_change_notice_stays_until_dismissed(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    _click_entry(app, "nextjs")
    notice = _wait_for_notice(qtbot, app, "Next.js")
    # Nothing is counting down to hide it: a person who looks away for a minute still finds their Undo.
    assert [t for t in notice.findChildren(QTimer) if t.isActive()] == []
    qtbot.keyClick(notice, Qt.Key.Key_Escape)
    assert not notice.isVisible()


def test_the_undo_on_a_notice_answering_a_click_is_reachable_by_keyboard(qtbot, make_app, desk: Desk) -> None:
    app = make_app()
    _click_entry(app, "nextjs")
    qtbot.waitUntil(lambda: b'"enabled": false' in desk.next_config.read_bytes(), timeout=10000)
    notice = _wait_for_notice(qtbot, app, "Next.js")
    undo = notice.button("Undo")
    # the person just clicked in the tray menu: the notice takes the keyboard (itself, not a button, so a key
    # typed meanwhile undoes nothing), and Undo is the next Tab stop
    qtbot.waitUntil(lambda: QGuiApplication.focusObject() is notice, timeout=3000)
    qtbot.keyClick(notice, Qt.Key.Key_Tab)
    assert QGuiApplication.focusObject() is undo
    qtbot.keyClick(undo, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: desk.next_config.read_bytes() == NEXT_CONFIG, timeout=10000)


def test_a_notice_nobody_asked_for_does_not_take_the_keyboard(qtbot, make_app, desk: Desk) -> None:
    desk.install("gatsby")
    app = make_app(show_window=True)
    window = app.window
    with qtbot.waitActive(window):
        window.activateWindow()
    window.tools.search.setFocus()
    from tracklight.ui.notifications import Notice

    app.notifier.show(Notice("Newly installed: Gatsby sends telemetry", "Tier: anonymized."))
    # Qt's offscreen test platform hands focus to every window shown, so what is checked is what a window system
    # is told: this window does not accept focus (X11 and Wayland then leave the keyboard where it was).
    notice = app.notifier.window.windowHandle()
    assert notice.flags() & Qt.WindowType.WindowDoesNotAcceptFocus


def test_the_window_shows_the_change_in_a_message_bar_with_undo(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    window = app.window
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_tool("vscode")
    window.tools.details.optout_button.click()
    qtbot.waitUntil(lambda: b'"off"' in desk.vscode_settings.read_bytes(), timeout=10000)
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "Visual Studio Code" in bar.title.text(), timeout=10000)
    undo = bar.button("Undo")
    assert undo is not None and undo.focusPolicy() & Qt.FocusPolicy.TabFocus
    # the window is where the person is working: no second notice pops up in the corner
    assert app.notifier.window is None or not app.notifier.window.isVisible()
    window.tools.table.setFocus()  # (in the search field, Ctrl+Z undoes typing, as it should)
    qtbot.keyClick(window.tools.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.vscode_settings.read_bytes() == VSCODE_SETTINGS, timeout=10000)
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("vscode").state is State.ON, timeout=10000)
    qtbot.waitUntil(lambda: "Undone" in bar.title.text(), timeout=10000)
    assert bar.button("Undo") is None  # an undo is not undone from the bar (History can)
