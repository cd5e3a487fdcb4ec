"""The Settings tab: start at login, keep me opted out, what to announce."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from tracklight.ui.settings import Settings
from tracklight.ui.signals import emit


class SettingsPage(QWidget):
    """Emits `settings_changed(Settings)` and `autostart_changed(bool)`; the app writes them off the UI thread."""

    settings_changed = Signal(object)
    autostart_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = Settings()
        layout = QVBoxLayout(self)
        self.autostart = QCheckBox("Start Tracklight when I &log in")  # Alt+S, Alt+T: the tabs
        self.autostart.setToolTip("Writes (or removes) an autostart entry in ~/.config/autostart")
        self.keep_opted_out = QCheckBox("&Keep me opted out")
        self.keep_opted_out.setToolTip("When a tool turns its telemetry back on after you opted out, "
                                       "opt it out again without asking")
        self.announce = QCheckBox("Tell me when a newly &installed tool sends telemetry")
        self.notify_changes = QCheckBox("Show a &notice with Undo after each change")
        explanations = {
            self.autostart: "Adds Tracklight to your desktop's autostart folder; unticking removes it.",
            self.keep_opted_out: "When an update or the tool itself turns telemetry back on after you opted out, "
                                 "Tracklight opts it out again by itself and tells you (with Undo).",
            self.announce: "A notice when a tool that sends telemetry appears on this computer.",
            self.notify_changes: "After each opt-out or opt-in, a notice says which files changed and offers Undo.",
        }
        for box, explanation in explanations.items():
            box.setAccessibleName(box.text().replace("&", ""))
            box.setAccessibleDescription(explanation)
            layout.addWidget(box)
            note = QLabel(explanation)
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 8)
            note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            layout.addWidget(note)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.autostart.toggled.connect(self._autostart_toggled)
        for box in (self.keep_opted_out, self.announce, self.notify_changes):
            box.toggled.connect(self._toggled)
        self._updating = False

    def show_settings(self, settings: Settings, autostart: bool) -> None:
        self._updating = True
        try:
            self._settings = settings
            self.keep_opted_out.setChecked(settings.keep_opted_out)
            self.announce.setChecked(settings.announce_new_tools)
            self.notify_changes.setChecked(settings.notify_changes)
            self.autostart.setChecked(autostart)
        finally:
            self._updating = False

    def _toggled(self, _checked: bool) -> None:
        if self._updating:
            return
        self._settings = replace(self._settings, keep_opted_out=self.keep_opted_out.isChecked(),
                                 announce_new_tools=self.announce.isChecked(),
                                 notify_changes=self.notify_changes.isChecked())
        emit(self.settings_changed, self._settings)

    def _autostart_toggled(self, checked: bool) -> None:
        if not self._updating:
            emit(self.autostart_changed, checked)
