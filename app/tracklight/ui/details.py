"""The details pane: is the tool sending, why Tracklight says so, and what you can do — then everything else.

The answer (details_text.answer) and the buttons come first, in labels and buttons of their own; the rest (every
setting read, the disclosure, where the facts come from, how to switch it off) is HTML in a read-only QTextBrowser
below. Links there open in the browser with the mouse; they are not Tab stops (the privacy policy, the one a person
looks for, has a button of its own), so Tab goes from the buttons to the text and on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl, Signal, SignalInstance
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from tracklight.changes.before_optout import NOTHING_KNOWN, ValuesBeforeOptout
from tracklight.core.model import State, ToolReport
from tracklight.ui.details_text import allow_line, answer, report_html
from tracklight.ui.last_watched import LastWatched
from tracklight.ui.signals import emit


class DetailsPane(QWidget):
    """Shows one report; its buttons ask for a change (the window forwards them to the change queue)."""

    optout_requested = Signal(object)  # ToolReport
    optin_requested = Signal(object)
    preview_requested = Signal(object)
    open_file_requested = Signal(str)

    def __init__(self, home: str = "", today: Callable[[], str] = lambda: dt.date.today().isoformat(),
                 parent: QWidget | None = None, last_watched: LastWatched | None = None) -> None:
        super().__init__(parent)
        self.report: ToolReport | None = None
        self._last_watched = last_watched  # `tracklight watch` results, read when the details are built
        self._home = home
        self._today = today  # for a value written with the date in it (Go's "on 2026-11-30")
        self._before: ValuesBeforeOptout = NOTHING_KNOWN
        self._unreadable: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.heading = QLabel("Choose a tool")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        top.addWidget(self.heading, 1)
        self.policy_button = QPushButton("Privacy policy ↗")
        self.policy_button.setFlat(True)
        self.policy_button.setAccessibleName("Open the privacy policy in the browser")
        self.policy_button.clicked.connect(self._open_policy)
        top.addWidget(self.policy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        state_font = self.state.font()
        state_font.setBold(True)
        self.state.setFont(state_font)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.state)
        self.why = QLabel("")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.why)
        self.assurance = QLabel("")  # how sure these facts are (the catalog's proofs), in the CLI's words
        self.assurance.setWordWrap(True)
        self.assurance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.assurance.setToolTip("run: the real tool was asked — on before, off after Tracklight's opt-out, on "
                                  "again after Undo · source: its code was read · docs: only the vendor's "
                                  "documentation")
        layout.addWidget(self.assurance)
        self.watched = QLabel("")  # what `tracklight watch` last saw it do: its own behaviour, not its settings
        self.watched.setWordWrap(True)
        self.watched.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.watched.setToolTip("From `tracklight watch -- COMMAND`: every host the command tried to reach, in a "
                                "private network where nothing leaves the machine")
        layout.addWidget(self.watched)
        buttons = QHBoxLayout()
        self.optout_button = QPushButton("Opt &out")
        self.optout_button.setAccessibleName("Opt out")
        self.optout_button.setToolTip("Switch this tool's telemetry off (its own setting is written; Undo puts it back)")
        self.optin_button = QPushButton("&Allow")
        self.optin_button.setAccessibleName("Allow telemetry")
        self.preview_button = QPushButton("Show what will &change…")
        self.preview_button.setAccessibleName("Show what will change")
        self.preview_button.setToolTip("See the exact edits as a diff before anything is written")
        self.open_file_button = QPushButton("Open the &file")
        self.open_file_button.setToolTip("Open the file that can't be read, to fix it")
        for button in (self.optout_button, self.optin_button, self.preview_button, self.open_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.allow_note = QLabel("")
        self.allow_note.setWordWrap(True)
        small = self.allow_note.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.allow_note.setFont(small)
        layout.addWidget(self.allow_note)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setTabChangesFocus(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.text.setAccessibleName("Tool details")
        layout.addWidget(self.text, 1)
        self.optout_button.clicked.connect(lambda: self._emit(self.optout_requested))
        self.optin_button.clicked.connect(lambda: self._emit(self.optin_requested))
        self.preview_button.clicked.connect(lambda: self._emit(self.preview_requested))
        self.open_file_button.clicked.connect(self._open_file)
        self.show_report(None)

    def set_values_before_optout(self, before: ValuesBeforeOptout) -> None:
        """What the journal says each setting held before its opt-out (for the line under Allow)."""
        self._before = before
        self.show_report(self.report)

    def show_report(self, report: ToolReport | None, busy: bool = False) -> None:
        same_tool = report is not None and self.report is not None and report.id == self.report.id
        self.report = report
        if report is None:
            self.heading.setText("Choose a tool")
            self.state.setText("")
            self.why.setText("Pick a tool in the list to see whether it sends telemetry, why Tracklight says so, "
                             "and what you can do.")
            self.allow_note.hide()
            self.assurance.hide()
            self.watched.hide()
            self.text.clear()
            self.policy_button.hide()
            self.open_file_button.hide()
            for button in (self.optout_button, self.optin_button, self.preview_button):
                button.setEnabled(False)
            return
        tool = report.tool
        vendor = f" — {tool.vendor}" if tool.vendor else ""
        self.heading.setText(f"{'🔒 ' if report.locked else ''}{tool.name}{vendor}")
        found = answer(report, self._home)
        self.state.setText(found.state)
        self.why.setText(found.why)
        self._show_assurance(found.assurance, found.assurance_failed)
        self._show_watched(report.id)
        self._unreadable = found.unreadable
        self.open_file_button.setVisible(found.unreadable is not None)
        self.policy_button.setVisible(bool(tool.privacy_policy))
        self.policy_button.setToolTip(tool.privacy_policy)
        # a redraw of the same tool (after a rescan) keeps the reader's place; another tool starts at the top
        scroll = self.text.verticalScrollBar().value() if same_tool else 0
        self.text.setHtml(report_html(report, self._home))
        self.text.verticalScrollBar().setValue(scroll)
        self.text.setAccessibleDescription(f"Details of {tool.name}")
        switchable = bool(tool.telemetry.controls) and not report.locked and not busy and report.installed
        self.optout_button.setEnabled(switchable and report.switch_state is not State.OFF)
        self.optin_button.setEnabled(switchable and report.switch_state is State.OFF)
        self.preview_button.setEnabled(switchable)
        note = allow_line(report, self._before, self._today()) if report.switch_state is State.OFF else ""
        self.allow_note.setText(note)
        self.allow_note.setVisible(bool(note) and not report.locked)
        self.optin_button.setToolTip(note or "Switch this tool's telemetry back on")

    def _show_assurance(self, text: str, failed: bool) -> None:
        """A failed run is said first and in bold, with a warning sign: never only a colour."""
        font = self.assurance.font()
        font.setBold(failed)
        self.assurance.setFont(font)
        self.assurance.setText(f"⚠ {text}" if failed else text)
        self.assurance.setAccessibleName(f"Warning: {text}" if failed else text)
        self.assurance.show()

    def _show_watched(self, tool_id: str) -> None:
        """The last watch of one of its commands, when one ran; contact after an opt-out is a warning."""
        line = self._last_watched.line(tool_id) if self._last_watched is not None else None
        if line is None:
            self.watched.hide()
            return
        text, alarming = line
        font = self.watched.font()
        font.setBold(alarming)
        self.watched.setFont(font)
        self.watched.setText(f"⚠ {text}" if alarming else text)
        self.watched.setAccessibleName(f"Warning: {text}" if alarming else text)
        self.watched.show()

    def _emit(self, signal: SignalInstance) -> None:
        if self.report is not None:
            emit(signal, self.report)

    def _open_file(self) -> None:
        if self._unreadable:
            emit(self.open_file_requested, self._unreadable)

    def _open_policy(self) -> None:
        if self.report is not None and self.report.tool.privacy_policy:
            QDesktopServices.openUrl(QUrl(self.report.tool.privacy_policy))
