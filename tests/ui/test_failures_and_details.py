"""Failures look like failures, and the details pane answers "is it sending, why, and what can I do" first."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tracklight.core.model import State, Tier
from tracklight.ui.notice import NoticeLevel
from tracklight.ui.snapshot import TIER_WORDS

from .conftest import Desk

BROKEN = b'{\n  "editor.fontSize": 14,\n  "telemetry.telemetryLevel": "all",,\n}\n'


def _broken_vscode(desk: Desk) -> None:
    desk.vscode_settings.write_bytes(BROKEN)


def test_a_change_that_could_not_be_made_is_titled_as_an_error_with_its_file(qtbot, make_app, desk: Desk) -> None:
    _broken_vscode(desk)
    app = make_app(watch=False)
    opened: list[str] = []
    app.file_opener = opened.append
    app.changes.optout([app.scanner.snapshot.get("vscode")])
    qtbot.waitUntil(lambda: app.notifier.last is not None, timeout=10000)
    notice = app.notifier.last
    assert notice.title == "Not changed: Visual Studio Code"
    assert notice.level is NoticeLevel.ERROR
    assert notice.body.startswith("Visual Studio Code: ~/.config/Code/User/settings.json, line 3: ")
    window = app.notifier.window
    window.button("Open settings.json").click()
    assert opened == [str(desk.vscode_settings)]
    assert desk.vscode_settings.read_bytes() == BROKEN  # nothing lost


def test_the_preview_says_first_what_is_not_possible(qtbot, make_app, desk: Desk) -> None:
    _broken_vscode(desk)
    app = make_app(show_window=True, watch=False)
    app.window.show_tool("vscode")
    app.window.tools.details.preview_button.click()
    qtbot.waitUntil(lambda: app.last_dialog is not None and app.last_dialog.isVisible(), timeout=10000)
    lines = app.last_dialog.summary.text().splitlines()
    assert lines[0].startswith("Not possible: vscode: ") and ":3: " in lines[0]
    assert "Nothing needs to be written." not in lines
    assert not app.last_dialog.apply_button.isEnabled()


def test_a_file_that_cannot_be_read_is_said_so_with_a_way_to_open_it(qtbot, make_app, desk: Desk) -> None:
    _broken_vscode(desk)
    app = make_app(show_window=True, watch=False)
    opened: list[str] = []
    app.file_opener = opened.append
    assert app.scanner.snapshot.get("vscode").state is State.UNKNOWN
    app.window.show_tool("vscode")
    details = app.window.tools.details
    assert details.state.text().startswith("Tracklight can't tell whether it sends telemetry")
    assert details.why.text().startswith("~/.config/Code/User/settings.json can't be read (line 3: ")
    assert "Nothing is set" not in details.why.text() + details.text.toPlainText()
    assert "can't be read" in details.text.toPlainText()
    assert details.open_file_button.isVisible()
    details.open_file_button.click()
    assert opened == [str(desk.vscode_settings)]


def test_the_answer_and_the_buttons_come_before_the_long_text(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    app.window.resize(1280, 800)
    app.window.show_tool("vscode")
    details = app.window.tools.details
    qtbot.waitUntil(details.text.isVisible, timeout=3000)

    def top(widget) -> int:
        return widget.mapTo(details, QPoint(0, 0)).y()

    assert top(details.state) < top(details.why) < top(details.optout_button) < top(details.text)
    # links open with the mouse but are not Tab stops; the privacy policy has a button of its own
    flags = details.text.textInteractionFlags()
    assert not flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    assert details.text.tabChangesFocus()
    assert details.policy_button.isVisible() and details.policy_button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_allow_says_which_value_it_will_write(qtbot, make_app, desk: Desk) -> None:
    desk.vscode_settings.write_bytes(b'{\n  "telemetry.telemetryLevel": "error"\n}\n')
    app = make_app(show_window=True, watch=False)
    app.window.show_tool("vscode")
    app.window.tools.details.optout_button.click()
    qtbot.waitUntil(lambda: app.scanner.snapshot.get("vscode").state is State.OFF, timeout=10000)
    details = app.window.tools.details
    qtbot.waitUntil(lambda: "error" in details.allow_note.text(), timeout=10000)
    assert details.allow_note.text() == ('Allow puts back "telemetry.telemetryLevel" = "error", your setting before '
                                         "the opt-out.")
    details.optin_button.click()
    qtbot.waitUntil(lambda: b'"error"' in desk.vscode_settings.read_bytes(), timeout=10000)
    qtbot.waitUntil(lambda: "Allowed again" in app.window.message_bar.title.text(),
                    timeout=10000)
    assert '"off" → "error"' in app.window.message_bar.body.text()


def test_allow_without_a_record_names_the_value_it_writes(qtbot, make_app, desk: Desk) -> None:
    desk.vscode_settings.write_bytes(b'{\n  "telemetry.telemetryLevel": "off"\n}\n')  # switched off by hand
    app = make_app(show_window=True, watch=False)
    app.window.show_tool("vscode")
    qtbot.waitUntil(lambda: app.window.tools.details.allow_note.isVisible(), timeout=10000)
    note = app.window.tools.details.allow_note.text()
    assert note.startswith('Allow writes "telemetry.telemetryLevel" = "all"') and "no record" in note


def test_the_tiers_are_explained_in_words_without_a_contradiction(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    legend = app.window.tools.legend.text()
    for tier in (Tier.NONE, Tier.AGGREGATED, Tier.ANONYMIZED, Tier.FULL, Tier.UNKNOWN):
        assert tier.value in legend and TIER_WORDS[tier] in legend
    assert "pseudonymous" not in TIER_WORDS[Tier.ANONYMIZED]
