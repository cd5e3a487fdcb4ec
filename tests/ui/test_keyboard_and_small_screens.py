"""On a small screen and from the keyboard alone: the window and the notices fit a 1024 × 600 netbook with a panel,
the notice leaves the tray icon in view, the list has the keyboard when the window opens, each Alt+key presses one
thing, and Ctrl+Z with nothing to undo says so without an alarm."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QAbstractButton

from tracklight.ui.notice import Notice, NoticeAction, NoticeLevel
from tracklight.ui.notice_parts import mnemonic_of, with_mnemonic
from tracklight.ui.notifications import Notifier

from .conftest import Desk

NETBOOK = QRect(0, 0, 1024, 568)  # 1024 × 600 less a 32 px panel at the bottom


@pytest.fixture
def netbook(monkeypatch: pytest.MonkeyPatch) -> QRect:
    """Every screen's free area is a netbook's (what the window manager reports, not what the test display has)."""
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(NETBOOK))
    return NETBOOK


def test_the_window_and_the_everything_dialog_fit_a_netbook(qtbot, make_app, desk: Desk, netbook: QRect) -> None:
    app = make_app(show_window=True)
    window = app.window
    assert window.width() <= netbook.width() and window.height() <= netbook.height(), window.size()
    assert window.tools.legend.isVisible()
    table = window.tools.table
    qtbot.waitUntil(lambda: table.isVisible() and table.columnWidth(0) > 0, timeout=3000)
    # the list keeps half the width: a common long name is not cut ("Visual…o Code")
    name = table.fontMetrics().horizontalAdvance("Visual Studio Code")
    assert table.columnWidth(0) > name + 8, (table.columnWidth(0), name)
    app.optout_everything()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=10000)
    dialog = app.last_dialog
    assert dialog.width() <= netbook.width() and dialog.height() <= netbook.height(), dialog.size()
    dialog.reject()


def test_the_notice_leaves_the_tray_icon_in_view(qtbot, netbook: QRect) -> None:
    # a tray panel the window manager doesn't reserve: the icon lies inside the free area, bottom right
    icon = QRect(netbook.right() - 23, netbook.bottom() - 29, 24, 30)
    notifier = Notifier(lambda: QRect(icon))
    notifier.show(Notice("Opted out: Visual Studio Code", "~/.config/Code/User/settings.json: “all” → “off”.",
                         (NoticeAction("Undo", lambda: None),), NoticeLevel.DONE, answers_click=True))
    notice = notifier.window
    qtbot.addWidget(notice)
    qtbot.waitUntil(notice.isVisible, timeout=3000)
    frame = notice.frameGeometry()
    assert netbook.contains(frame), frame
    assert not frame.intersects(icon), (frame, icon)
    assert frame.bottom() < icon.top() and frame.right() > netbook.center().x()  # above it, in its corner


def test_the_list_has_the_keyboard_when_the_window_opens(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    tools = app.window.tools
    assert app.window.focusWidget() is tools.table
    first = tools.selected_id()
    qtbot.keyClick(tools.table, Qt.Key.Key_Down)
    assert tools.selected_id() not in (None, first)


def _alt_keys(window) -> Counter[str]:
    """The Alt+keys of what is on view: the tabs, and every visible button and checkbox."""
    keys = Counter(mnemonic_of(window.tabs.tabText(i)) for i in range(window.tabs.count()))
    keys.update(mnemonic_of(b.text()) for b in window.findChildren(QAbstractButton) if b.isVisible())
    del keys[None]
    return keys


def test_each_alt_key_in_the_window_presses_one_thing(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    window = app.window
    window.show_tool("vscode")
    # the buttons a message may bring, next to the details' "Opt out" and "Open the file"
    window.show_message(Notice("Visual Studio Code turned its telemetry back on", "",
                               (NoticeAction("Opt out again", lambda: None),
                                NoticeAction("Keep me opted out", lambda: None),
                                NoticeAction("Open settings.json", lambda: None),
                                NoticeAction("Undo", lambda: None))))
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        keys = _alt_keys(window)
        assert [key for key, count in keys.items() if count > 1] == [], (window.tabs.tabText(tab), keys)
    window.tabs.setCurrentIndex(0)
    assert window.message_bar.button("Undo").text() == "&Undo"  # the one the notices teach keeps its letter
    assert window.tools.details.optout_button.text() == "Opt &out"
    requested = []
    window.optout_requested.connect(requested.append)
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window.tools.table, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(requested), timeout=3000)  # a mnemonic presses the button as a click shows it
    assert [r.id for r in requested] == ["vscode"]


def test_a_label_gets_a_free_alt_key() -> None:
    assert with_mnemonic("Opt out again", {"o", "a"}) == "O&pt out again"
    assert with_mnemonic("Keep me opted out", {"k"}) == "Keep &me opted out"
    assert with_mnemonic("Save & close", {"s"}) == "Save && &close"
    assert with_mnemonic("Ok", {"o", "k"}) == "Ok"
    assert mnemonic_of("Save && &close") == "c" and mnemonic_of("Save && close") is None


def test_ctrl_z_with_nothing_to_undo_says_so_without_an_alarm(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True)
    window = app.window
    window.undo_last_requested.emit()
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=10000)
    assert bar.title.text() == "Nothing to undo" and bar.level is NoticeLevel.INFO
    assert bar.action_buttons == []


def test_ctrl_z_right_after_a_change_undoes_it(qtbot, make_app, desk: Desk) -> None:
    """Before the history has been read again: the journal, not the window's copy of it, says what is in force."""
    app = make_app(show_window=True)
    before = desk.vscode_settings.read_bytes()
    app.window.show_tool("vscode")
    app.window.tools.details.optout_button.click()
    app.window.undo_last_requested.emit()  # queued behind the opt-out, at once
    qtbot.waitUntil(lambda: "Undone" in app.window.message_bar.title.text(), timeout=10000)
    assert desk.vscode_settings.read_bytes() == before
