#!/bin/sh
# Put Tracklight in your desktop's app menu, with its icon: for pipx and bundle installs (the Flatpak and distro
# packages install these files themselves). Writes two files under ~/.local/share and nothing else:
#   applications/io.github.tracklight.Tracklight.desktop
#   icons/hicolor/scalable/apps/io.github.tracklight.Tracklight.svg
#
# usage: install-desktop-entry.sh [COMMAND]      add the menu entry; COMMAND starts Tracklight
#        install-desktop-entry.sh --uninstall    remove both files again
# COMMAND defaults to the `tracklight` next to this script (in the unpacked bundle), else the one on PATH (pipx).
# The entry names it by absolute path, since a desktop session's PATH often lacks ~/.local/bin.
set -eu

APP_ID=io.github.tracklight.Tracklight
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
desktop_target="$data_home/applications/$APP_ID.desktop"
icon_target="$data_home/icons/hicolor/scalable/apps/$APP_ID.svg"

refresh_caches() {
  # Menus pick the entry up by themselves; these only speed that up where the tools exist.
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data_home/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$data_home/icons/hicolor" 2>/dev/null || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$desktop_target" "$icon_target"
  refresh_caches
  echo "Removed $desktop_target and $icon_target"
  exit 0
fi

# The files to copy: the unpacked bundle keeps them under share/, the source tree in packaging/ and resources/.
if [ -f "$here/share/applications/$APP_ID.desktop" ]; then
  desktop_source="$here/share/applications/$APP_ID.desktop"
  icon_source="$here/share/icons/hicolor/scalable/apps/$APP_ID.svg"
else
  desktop_source="$here/$APP_ID.desktop"
  icon_source="$here/../../resources/icons/tracklight.svg"
fi

if [ $# -gt 0 ]; then
  command_path=$1
elif [ -x "$here/tracklight" ]; then
  command_path="$here/tracklight"
elif command_path=$(command -v tracklight 2>/dev/null); then
  :
else
  echo "install-desktop-entry: tracklight is not on PATH; give its path: $0 /path/to/tracklight" >&2
  exit 1
fi
case "$command_path" in
  /*) ;;
  *) command_path="$(cd "$(dirname "$command_path")" && pwd)/$(basename "$command_path")" ;;
esac
if [ ! -x "$command_path" ]; then
  echo "install-desktop-entry: $command_path is not an executable" >&2
  exit 1
fi
case "$command_path" in
  # These would need the desktop entry's two layers of escaping; no real install path has them.
  *'"'*|*'`'*|*'$'*|*'\'*|*'%'*)
    echo "install-desktop-entry: cannot name $command_path in a desktop entry (quote, \$, \\ or %)" >&2
    exit 1 ;;
esac

mkdir -p "$(dirname "$desktop_target")" "$(dirname "$icon_target")"
# Exec and TryExec name the command by its absolute path; every other line is copied as it is.
tmp="$desktop_target.tmp.$$"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    Exec=tracklight*) printf 'Exec="%s"%s\n' "$command_path" "${line#Exec=tracklight}" ;;
    TryExec=*) printf 'TryExec=%s\n' "$command_path" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$desktop_source" > "$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$desktop_target"
cp "$icon_source" "$icon_target.tmp.$$"
chmod 644 "$icon_target.tmp.$$"
mv -f "$icon_target.tmp.$$" "$icon_target"
refresh_caches
echo "Added Tracklight to the app menu: $desktop_target (starts $command_path)"
