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


def luminance(colour: QColor) -> float:
    """WCAG's relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus_colour(palette: QPalette, *against: QColor) -> QColor:
    """The focus ring's colour: the palette's highlight where it stands out 3:1 from everything it is drawn over
    (WCAG 2.2, focus appearance), else the text colour, which always does on a readable theme."""
    highlight = palette.color(QPalette.ColorRole.Highlight)
    if all(contrast(highlight, colour) >= 3.0 for colour in against):
        return highlight
    return palette.color(QPalette.ColorRole.WindowText)


def level_style(selector: str, level: NoticeLevel, palette: QPalette) -> str:
    """A style sheet for a notice frame of this level, drawn from the palette.

    Its buttons are drawn here too, so that keyboard focus is plain to see on the tinted background: the native
    ring (Fusion's is one pixel of a muted highlight) all but vanishes there, on a dark palette most. A focused
    button gets a 2-pixel ring in a colour that contrasts 3:1 with the button and the notice; its size stays put.
    """
    window = palette.color(QPalette.ColorRole.Window)
    colour = accent(level, palette)
    background = blend(window, colour, 0.16)
    text = palette.color(QPalette.ColorRole.WindowText)
    button = palette.color(QPalette.ColorRole.Button)
    button_text = palette.color(QPalette.ColorRole.ButtonText)
    ring = focus_colour(palette, background, button)
    # the resting edge: as visible as it can be while the ring still stands out 3:1 from it
    edge = next((e for e in (blend(background, text, a / 20) for a in range(9, 0, -1)) if contrast(ring, e) >= 3.0),
                background)
    hover = blend(button, palette.color(QPalette.ColorRole.Highlight), 0.18)
    pressed = blend(button, text, 0.2)
    return (f"{selector} {{ background: {background.name()}; color: {text.name()}; "
            f"border: 1px solid {colour.name()}; border-radius: 6px; }}\n"
            f"{selector} QPushButton {{ background: {button.name()}; color: {button_text.name()}; "
            f"border: 1px solid {edge.name()}; border-radius: 4px; padding: 4px 14px; }}\n"
            f"{selector} QPushButton:hover {{ background: {hover.name()}; }}\n"
            f"{selector} QPushButton:pressed {{ background: {pressed.name()}; }}\n"
            f"{selector} QPushButton:focus {{ border: 2px solid {ring.name()}; padding: 3px 13px; outline: none; }}\n"
            f"{selector} QPushButton:flat {{ background: transparent; border: 2px solid transparent; "
            "padding: 2px 4px; }\n"
            f"{selector} QPushButton:flat:hover {{ background: {hover.name()}; }}\n"
            f"{selector} QPushButton:flat:focus {{ border: 2px solid {ring.name()}; }}")


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
