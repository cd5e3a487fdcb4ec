#!/usr/bin/env bash
# Build Tracklight's PyInstaller bundle from packaging/pyinstaller/tracklight.spec:
#   Linux:   dist/tracklight/ with tracklight (command line) and tracklight-gui (tray), plus a .tar.gz of it
#   Windows: dist/tracklight/ with tracklight.exe and tracklight-gui.exe (run this in Git Bash; see windows/)
#   macOS:   dist/Tracklight.app, a menu-bar app (see macos/)
#
# usage: packaging/build-bundle.sh [--python PY] [--dist DIR] [--work DIR] [--no-archive]
#   --python PY   build with the environment of this Python, which must already have Tracklight's dependencies
#                 (e.g. .venv/bin/python after `make test`); PyInstaller is added to it if missing.
#                 Default: a build venv in build/bundle-venv, made from python3 (or $PYTHON) and kept up to date
#                 with pyproject.toml's dependencies.
#   --dist DIR    where the bundle goes (default: dist/)
#   --work DIR    PyInstaller's work folder (default: build/pyinstaller/); keep it between builds to go faster
#   --no-archive  skip the .tar.gz (Linux)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
BUILD_PYTHON=""
ARCHIVE=1
# PyInstaller 6 is the series whose spec API and Qt 6 hooks the spec is written for.
PYINSTALLER_REQUIREMENT="pyinstaller>=6.10,<7"

while [ $# -gt 0 ]; do
  case "$1" in
    --python) BUILD_PYTHON="$2"; shift 2 ;;
    --dist) DIST="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --no-archive) ARCHIVE=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-bundle.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Darwin) PLATFORM=macos ;;
  MINGW*|MSYS*|CYGWIN*) PLATFORM=windows ;;
  *) PLATFORM=linux ;;
esac

started=$(date +%s)

if [ -z "$BUILD_PYTHON" ]; then
  VENV="$ROOT/build/bundle-venv"
  if [ "$PLATFORM" = windows ]; then BUILD_PYTHON="$VENV/Scripts/python.exe"; else BUILD_PYTHON="$VENV/bin/python"; fi
  if [ ! -x "$BUILD_PYTHON" ]; then
    echo "build-bundle: making the build venv $VENV"
    # python.org's Windows installer provides `python` (and `py`), not `python3`.
    base_python="${PYTHON:-$(command -v python3 || command -v python)}"
    "$base_python" -m venv "$VENV"
  fi
  # Reinstall the dependencies only when pyproject.toml changed since the last build.
  stamp="$VENV/.deps-$(cksum < "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -e "$stamp" ]; then
    echo "build-bundle: installing Tracklight's dependencies and PyInstaller into the build venv"
    "$BUILD_PYTHON" -m pip install -q --upgrade pip
    "$BUILD_PYTHON" - "$ROOT/pyproject.toml" > "$VENV/requirements.txt" <<'EOF'
import sys
import tomllib

with open(sys.argv[1], "rb") as handle:
    print("\n".join(tomllib.load(handle)["project"]["dependencies"]))
EOF
    "$BUILD_PYTHON" -m pip install -q -r "$VENV/requirements.txt" "$PYINSTALLER_REQUIREMENT"
    rm -f "$VENV"/.deps-*
    touch "$stamp"
  fi
fi

if ! "$BUILD_PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "build-bundle: installing PyInstaller into $("$BUILD_PYTHON" -c 'import sys; print(sys.prefix)')"
  "$BUILD_PYTHON" -m pip install -q "$PYINSTALLER_REQUIREMENT"
fi
if [ "$PLATFORM" != linux ] && ! "$BUILD_PYTHON" -c "import PIL" 2>/dev/null; then
  # PyInstaller turns the rendered PNG icon into .ico/.icns with Pillow.
  "$BUILD_PYTHON" -m pip install -q pillow
fi
if ! "$BUILD_PYTHON" -c "import PySide6.QtSvg, watchdog, httpx, tomlkit, ruamel.yaml, cryptography"; then
  echo "build-bundle: $BUILD_PYTHON lacks Tracklight's dependencies (pip install the project first)" >&2
  exit 1
fi

cd "$ROOT"
# The catalog's JSON index, made from the entries being bundled (a start reads it instead of parsing every entry).
PYTHONPATH="$ROOT/app" "$BUILD_PYTHON" -m tracklight.core.catalog_index resources/catalog
"$BUILD_PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/pyinstaller/tracklight.spec

if [ "$PLATFORM" = macos ]; then
  bundle="$DIST/Tracklight.app"
  # The folder next to the .app is the same program unwrapped; the .app is what people install.
  rm -rf "$DIST/tracklight"
else
  bundle="$DIST/tracklight"
fi
if [ "$PLATFORM" = linux ]; then
  # Desktop integration travels with the bundle: ./install-desktop-entry.sh adds it to the app menu.
  app_id=io.github.tracklight.Tracklight
  install -Dm755 packaging/linux/install-desktop-entry.sh "$bundle/install-desktop-entry.sh"
  install -Dm644 "packaging/linux/$app_id.desktop" "$bundle/share/applications/$app_id.desktop"
  install -Dm644 "packaging/linux/$app_id.metainfo.xml" "$bundle/share/metainfo/$app_id.metainfo.xml"
  install -Dm644 resources/icons/tracklight.svg "$bundle/share/icons/hicolor/scalable/apps/$app_id.svg"
fi
version=$("$BUILD_PYTHON" -c "import sys; sys.path.insert(0, 'app'); import tracklight; print(tracklight.__version__)")
if [ "$PLATFORM" = linux ] && [ "$ARCHIVE" = 1 ]; then
  archive="$DIST/tracklight-$version-linux-$(uname -m).tar.gz"
  tar -C "$DIST" -czf "$archive" tracklight
  echo "build-bundle: archive $archive ($(du -h "$archive" | cut -f1))"
fi
echo "build-bundle: built $bundle ($(du -sh "$bundle" | cut -f1)) in $(( $(date +%s) - started )) s"
