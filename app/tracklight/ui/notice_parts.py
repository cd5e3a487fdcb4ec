"""What the corner notice and the window's message bar share: the level's icon and colours, and the buttons.

Colours come from the application's palette (light or dark; not the widget's own, which the style sheet has already
tinted): the background is the window colour tinted a little toward the level's accent, the text is the palette's
own text colour, so it reads on any theme.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QStyle, QWidget

from tracklight.ui.notice import NoticeAction, NoticeLevel

_ACCENTS = {NoticeLevel.DONE: "#2e9d4b", NoticeLevel.WARNING: "#d08c00", NoticeLevel.ERROR: "#d2322d"}
_ICONS = {
    NoticeLevel.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    NoticeLevel.DONE: QStyle.StandardPixmap.SP_DialogApplyButton,
    NoticeLevel.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    NoticeLevel.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
LEVEL_WORDS = {NoticeLevel.INFO: "Note", NoticeLevel.DONE: "Done", NoticeLevel.WARNING: "Warning",
               NoticeLevel.ERROR: "Error"}
"""Said to screen readers before the title: colour and icon alone don't reach everyone."""


def accent(level: NoticeLevel, palette: QPalette) -> QColor:
    if level is NoticeLevel.INFO:
        return palette.color(QPalette.ColorRole.Highlight)
    return QColor(_ACCENTS[level])


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """`base` moved `amount` (0..1) of the way toward `tint`."""
    return QColor.fromRgbF(
        base.redF() + (tint.redF() - base.redF()) * amount,
        base.greenF() + (tint.greenF() - base.greenF()) * amount,
        base.blueF() + (tint.blueF() - base.blueF()) * amount,
    )


def level_style(selector: str, level: NoticeLevel, palette: QPalette) -> str:
    """A style sheet for a notice frame of this level, drawn from the palette."""
    window = palette.color(QPalette.ColorRole.Window)
    colour = accent(level, palette)
    background = blend(window, colour, 0.16)
    text = palette.color(QPalette.ColorRole.WindowText)
    return (f"{selector} {{ background: {background.name()}; color: {text.name()}; "
            f"border: 1px solid {colour.name()}; border-radius: 6px; }}")


def level_icon(level: NoticeLevel, widget: QWidget) -> QIcon:
    style = widget.style() or QApplication.style()
    return style.standardIcon(_ICONS[level], None, widget)


def mnemonic_of(text: str) -> str | None:
    """The Alt+key letter a widget's text gives ("Opt &out" → "o"; "&&" is a literal ampersand), or None."""
    match = re.search(r"(?<!&)(?:&&)*&([^&])", text)
    return match.group(1).casefold() if match else None


def with_mnemonic(label: str, taken: Collection[str] = ()) -> str:
    """The label with an Alt+key: the first word's first letter, else another word's, else any letter that is not
    `taken` (two buttons on one Alt+key press neither, Qt only moves the focus between them); none when all are."""
    starts = [i for i, c in enumerate(label) if c.isalnum() and (i == 0 or not label[i - 1].isalnum())]
    others = [i for i, c in enumerate(label) if c.isalnum() and i not in starts]
    for i in starts + others:
        if label[i].casefold() not in taken:
            return label[:i].replace("&", "&&") + "&" + label[i:].replace("&", "&&")
    return label.replace("&", "&&")


def action_button(action: NoticeAction, pressed: Callable[[Callable[[], None]], None],
                  taken: Collection[str] = ()) -> QPushButton:
    """A button for one notice action; its Alt+key is its first letter unless `taken` has it."""
    button = QPushButton(with_mnemonic(action.label, taken))
    button.setAccessibleName(action.label)
    button.setAutoDefault(False)
    button.clicked.connect(lambda _checked=False, cb=action.callback: pressed(cb))
    return button


def button_label(button: QPushButton) -> str:
    return button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
