"""Draw the SVG app icon as a PNG for the Windows .ico and the macOS .icns (PyInstaller converts the PNG)."""

from __future__ import annotations

import os
from pathlib import Path


def render_png(svg: Path, target: Path, size: int) -> Path:
    """Render `svg` at size x size pixels into `target` (a PNG with transparency); returns `target`."""
    # A build machine may have no display; the offscreen platform renders the same pixels.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QByteArray, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - kept alive while painting
    renderer = QSvgRenderer(QByteArray(svg.read_bytes()))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not an SVG that Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise OSError(f"{target}: could not write the PNG")
    return target
