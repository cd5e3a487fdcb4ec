"""The tray menu: one QMenu, rebuilt from the latest snapshot every time it is about to open (never stale).

It stays short however many tools are installed: the worst few first, then one submenu per tier.

    3 tools send telemetry (✓ = sending)          a section heading
    ✓ Visual Studio Code — full                   the worst few: sending first, most revealing tier first;
    ✓ .NET SDK — anonymized                       checked = sends now; a click opts out (or back in)
      Go toolchain — aggregated (local only)
      🔒 Azure CLI — full (locked)                an admin's lock: shown, not clickable
    Full (4)  ▸                                   with more tools than fit: every tool, by tier
    Anonymized (21)  ▸
    ─────────
    Opt out of everything…                        asks first, showing what it will do
    Undo: opt out of Visual Studio Code           says what it undoes
    ─────────
    Open Tracklight…
    Quit
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from tracklight.core.model import State, ToolReport
from tracklight.ui.icons import lock_icon
from tracklight.ui.snapshot import TIER_WORDS, Snapshot

WORST_FEW = 6
"""Tool entries at the top level; with more tools than this, every tool is also in its tier's submenu."""


@dataclass(frozen=True)
class MenuState:
    """What the menu needs besides the snapshot."""

    undo_label: str | None = None  # "Undo: opt out of Visual Studio Code"; None: nothing to undo
    busy: bool = False  # a change is being written: toggles wait

    @property
    def can_undo(self) -> bool:
        return self.undo_label is not None


@dataclass(frozen=True)
class MenuCallbacks:
    toggle: Callable[[ToolReport], None]
    optout_everything: Callable[[], None]
    undo_last: Callable[[], None]
    open_window: Callable[[], None]
    quit: Callable[[], None]


_STATE_NOTES = {State.LOCAL: "local only", State.UNKNOWN: "state unknown"}


def entry_text(report: ToolReport) -> str:
    """"Visual Studio Code — full", with the state when it is neither on nor off, and the lock."""
    notes = [_STATE_NOTES[report.state]] if report.state in _STATE_NOTES else []
    if report.partly_off:
        notes.append("partly off")
    if report.locked:
        notes.append("locked")
    text = f"{report.tool.name} — {report.tool.telemetry.tier.value}"
    return f"{text} ({', '.join(notes)})" if notes else text


def entry_tooltip(report: ToolReport) -> str:
    tier = report.tool.telemetry.tier
    if report.locked:
        action = "Your organisation's policy locks this setting."
    elif report.keeps_sending:
        kept = f"Its {' and '.join(report.keeps_sending)} can't be switched off."
        if report.partly_off:
            action = f"{kept} The rest is off. Click to allow the rest again."
        else:
            action = f"Sends telemetry now. Click to opt out of what can be switched off. {kept}"
    elif report.tracking:
        action = "Sends telemetry now. Click to opt out."
    else:
        action = "Doesn't send telemetry now. Click to allow it again."
    return f"{tier.value}: {TIER_WORDS[tier]}. {action}"


def _order(report: ToolReport) -> tuple[int, int, str]:
    return (0 if report.tracking else 1, -report.tool.telemetry.tier.rank, report.tool.name.casefold())


class TrayMenu(QObject):
    """Owns the tray's QMenu and rebuilds it on aboutToShow."""

    def __init__(self, snapshot: Callable[[], Snapshot], state: Callable[[], MenuState],
                 callbacks: MenuCallbacks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._snapshot = snapshot
        self._state = state
        self._callbacks = callbacks
        self.menu = QMenu()
        self.menu.setAccessibleName("Tracklight")
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self.rebuild)

    def tool_actions(self) -> list[QAction]:
        """The per-tool entries of the top level, in menu order (each action's data() is the tool id)."""
        return [a for a in self.menu.actions() if isinstance(a.data(), str)]

    def all_tool_actions(self) -> list[QAction]:
        """Every tool entry, the top level's and the tier submenus' (a tool may be in both)."""
        found = self.tool_actions()
        for submenu in self.tier_menus():
            found.extend(a for a in submenu.actions() if isinstance(a.data(), str))
        return found

    def tier_menus(self) -> list[QMenu]:
        menus = (action.menu() for action in self.menu.actions())
        return [submenu for submenu in menus if isinstance(submenu, QMenu)]

    def action(self, text: str) -> QAction | None:
        """The fixed entry whose text starts with this ("Quit", "Undo", "Opt out of everything", …)."""
        return next((a for a in self.menu.actions() if a.text().startswith(text) and a.data() is None
                     and a.menu() is None and not a.isSeparator()), None)

    def rebuild(self) -> None:
        snapshot = self._snapshot()
        state = self._state()
        menu = self.menu
        for submenu in self.tier_menus():
            submenu.deleteLater()
        menu.clear()

        # A heading, not a greyed-out item. The entries are ticked while they send; say so, since a tick could be
        # read either way.
        menu.addSection(snapshot.headline() + (" (✓ = sending)" if snapshot.tracking else ""))
        tools = sorted(snapshot.switchable, key=_order)
        for report in tools[:WORST_FEW]:
            self._add_entry(menu, report, state)
        if len(tools) > WORST_FEW:
            for tier in sorted({r.tool.telemetry.tier for r in tools}, key=lambda t: -t.rank):
                of_tier = [r for r in tools if r.tool.telemetry.tier is tier]
                sending = sum(1 for r in of_tier if r.tracking)
                submenu = menu.addMenu(f"{tier.value.capitalize()} ({len(of_tier)}"
                                       + (f", {sending} sending)" if sending else ")"))
                submenu.setToolTip(f"{tier.value}: {TIER_WORDS[tier]}")
                submenu.setToolTipsVisible(True)
                for report in of_tier:
                    self._add_entry(submenu, report, state)

        menu.addSeparator()
        everything = menu.addAction("Opt out of everything…")
        everything.setEnabled(bool(snapshot.tracking) and not state.busy)
        everything.setToolTip("Shows every tool it covers and the files it writes, then asks")
        everything.triggered.connect(lambda _checked=False: self._callbacks.optout_everything())
        undo = menu.addAction(state.undo_label or "Undo (nothing to undo)")
        undo.setEnabled(state.can_undo and not state.busy)
        undo.triggered.connect(lambda _checked=False: self._callbacks.undo_last())

        menu.addSeparator()
        menu.addAction("Open Tracklight…").triggered.connect(lambda _checked=False: self._callbacks.open_window())
        menu.addAction("Quit").triggered.connect(lambda _checked=False: self._callbacks.quit())

    def _add_entry(self, menu: QMenu, report: ToolReport, state: MenuState) -> None:
        entry = menu.addAction(entry_text(report))
        entry.setData(report.id)
        entry.setCheckable(True)
        entry.setChecked(report.tracking)
        entry.setToolTip(entry_tooltip(report))
        if report.locked:
            entry.setIcon(lock_icon())
            entry.setEnabled(False)
        elif state.busy:
            entry.setEnabled(False)
        else:
            entry.triggered.connect(lambda _checked=False, r=report: self._callbacks.toggle(r))
