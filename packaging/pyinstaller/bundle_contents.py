"""What goes into the PyInstaller bundle and what stays out; plain functions so tests can check them.

The spec imports this module. Keeping the rules here, not inline in the spec, lets tests/packaging read the same
lists the build used (the test proves the bundle still starts without what is left out).
"""

from __future__ import annotations

from pathlib import Path

# Python modules no part of Tracklight imports; PyInstaller would otherwise follow optional imports into them.
EXCLUDED_MODULES = (
    "tkinter",
    "pydoc_data",
    "lib2to3",
    "IPython",
    "numpy",
    # Qt modules outside the tray's needs (it uses QtCore, QtGui, QtWidgets, QtSvg, QtNetwork).
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSvgWidgets",
    "PySide6.QtStateMachine",
)

# Qt shared libraries the tray never loads, by a fragment of their file name (they come in as dependencies of
# plugins or modules that are left out, so this is a second net behind the two lists below).
EXCLUDED_QT_FRAGMENTS = (
    "Qt6Qml",
    "Qt6Quick",
    "Qt6Pdf",
    "Qt6VirtualKeyboard",
    "Qt6Multimedia",
    "Qt6Designer",
    "Qt6Sql",
    "Qt6Test",
    "Qt6EglFS",
)

# Qt plugin folders left out whole: TLS backends (httpx does TLS through Python's ssl, Qt only opens a local
# socket), network-information and touch-input backends, the framebuffer (eglfs) device integrations.
DROPPED_PLUGIN_TYPES = frozenset({"tls", "networkinformation", "generic", "egldeviceintegrations", "sqldrivers",
                                  "qmltooling", "multimedia", "position", "sensors", "designer"})

# Within these folders, only plugins whose file name holds one of the fragments are kept:
# - platforms: X11, Wayland, the offscreen one (headless runs and CI), and the native ones on macOS and Windows;
# - imageformats: SVG (every Tracklight icon is SVG; PNG is built into QtGui);
# - platformthemes: the XDG desktop portal (file dialogs and colours from the desktop); the GTK 3 theme would
#   drag in cairo, pango and gdk-pixbuf from the build machine while still needing the user's libgtk-3.
KEPT_PLUGINS = {
    "platforms": ("xcb", "wayland", "offscreen", "cocoa", "qwindows"),
    "imageformats": ("svg",),
    "platformthemes": ("xdgdesktopportal",),
}


def keep_qt_plugin(plugin_type: str, file_name: str) -> bool:
    """Whether a Qt plugin of this type (its folder name) and file name goes into the bundle."""
    if plugin_type in DROPPED_PLUGIN_TYPES:
        return False
    fragments = KEPT_PLUGINS.get(plugin_type)
    return fragments is None or any(fragment in file_name.lower() for fragment in fragments)


def resource_datas(resources: Path) -> list[tuple[str, str]]:
    """(source, bundle folder) pairs that put resources/<sub>/<file> at tracklight/_resources/<sub>/."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(resources.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            folder = Path("tracklight", "_resources", path.parent.relative_to(resources))
            pairs.append((str(path), folder.as_posix()))
    return pairs


def hidden_imports(app: Path) -> list[str]:
    """Every module of the tracklight package: the CLI and the format registry import them by name."""
    names: list[str] = []
    for path in sorted((app / "tracklight").rglob("*.py")):
        parts = path.relative_to(app).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def excluded_modules() -> list[str]:
    return list(EXCLUDED_MODULES)


def keep_binary(bundle_name: str) -> bool:
    """False for a Qt library or plugin the tray never loads."""
    return not any(fragment.lower() in bundle_name.lower() for fragment in EXCLUDED_QT_FRAGMENTS)


def keep_data(bundle_name: str) -> bool:
    """False for QML files and Qt's own translations (Tracklight loads no QTranslator, so they are never read)."""
    normalized = f"/{bundle_name.replace(chr(92), '/')}"
    qt_translation = "/PySide6/" in normalized and "/translations/" in normalized
    return "/qml/" not in normalized and not qt_translation and keep_binary(normalized)
