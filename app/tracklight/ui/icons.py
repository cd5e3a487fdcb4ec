"""The app icon and the tray icons, drawn as SVG in resources/icons: one distinct shape per worst tier.

Shapes differ, not only colours (shield, circle, diamond, rounded square, triangle), so the tier reads without
colour vision; each has a dark rim for light panels and a bright fill for dark ones.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRectF
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap

from tracklight.resources import icons_dir

if TYPE_CHECKING:
    from tracklight.core.model import Tier

TRAY_ICON_FILES = {tier: f"tray-{tier}.svg" for tier in ("none", "aggregated", "anonymized", "unknown", "full")}
"""Tier value -> icon file (keyed by the value, so the start-up path needs no import of the model)."""
APP_ICON_FILE = "tracklight.svg"
LOCK_ICON_FILE = "lock.svg"

# Used only where Qt's SVG icon engine plugin is missing (a stripped bundle): pixmaps at the sizes hosts ask for.
_FALLBACK_SIZES = (16, 22, 24, 32, 48, 64, 128)


def render_svg(data: bytes, size: int) -> QPixmap:
    """One SVG drawn at size x size pixels on a transparent background."""
    from PySide6.QtSvg import QSvgRenderer  # only where Qt's SVG icon engine is missing

    renderer = QSvgRenderer(QByteArray(data))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)  # transparent (Qt.GlobalColor would build every Qt enum at start-up: ~30 ms)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


@cache
def _icon(file_name: str) -> QIcon:
    """The SVG as an icon Qt's SVG engine draws at whatever size is asked (crisp at any scale, drawn on demand)."""
    path = icons_dir() / file_name
    icon = QIcon(str(path))
    if not icon.pixmap(16).isNull():
        return icon
    data = path.read_bytes()
    icon = QIcon()
    for size in _FALLBACK_SIZES:
        icon.addPixmap(render_svg(data, size))
    return icon


def tray_icon(tier: Tier | str) -> QIcon:
    """The tray icon for the worst tier among tools tracking now (Tier.NONE: nothing tracks)."""
    return _icon(TRAY_ICON_FILES[tier if isinstance(tier, str) else tier.value])


def app_icon() -> QIcon:
    return _icon(APP_ICON_FILE)


def lock_icon() -> QIcon:
    return _icon(LOCK_ICON_FILE)
