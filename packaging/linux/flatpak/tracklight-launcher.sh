#!/bin/sh
# /app/bin/tracklight in the Flatpak: points Tracklight at the person's real folders, then runs it.
#
# Inside the sandbox XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME and XDG_CACHE_HOME name the app's private
# folders under ~/.var/app/, but the tools whose settings Tracklight reads and writes use the real ones
# (~/.config, ~/.local/share, ...). Flatpak passes the host's own values, when the host set any, as HOST_XDG_*.
# The host's /usr and /etc are mounted read-only under /run/host (the host-os and host-etc permissions): that is
# where installed executables, system-wide disclosure manifests and an admin's policy are found.
set -eu

export XDG_CONFIG_HOME="${HOST_XDG_CONFIG_HOME:-$HOME/.config}"
export XDG_DATA_HOME="${HOST_XDG_DATA_HOME:-$HOME/.local/share}"
export XDG_STATE_HOME="${HOST_XDG_STATE_HOME:-$HOME/.local/state}"
export XDG_CACHE_HOME="${HOST_XDG_CACHE_HOME:-$HOME/.cache}"

# System paths in the catalog (/etc/..., /usr/share/telemetry-disclosures) are read under this root.
export TRACKLIGHT_SYSTEM_ROOT=/run/host
# After the sandbox's own folders, so Qt still finds its icons and MIME data in the runtime first.
export XDG_DATA_DIRS="${XDG_DATA_DIRS:-/app/share:/usr/share}:/run/host/usr/local/share:/run/host/usr/share"
# Flatpak sets its own PATH. Tools count as installed when their executable is in one of these host folders
# (the host's PATH itself is not passed in); the sandbox's folders stay first so nothing of the host runs here.
export PATH="$PATH:$HOME/.local/bin:$HOME/bin:$HOME/.cargo/bin:$HOME/go/bin:$HOME/.deno/bin:$HOME/.bun/bin\
:$HOME/.dotnet/tools:/run/host/usr/local/bin:/run/host/usr/bin"

exec "$(dirname "$0")/tracklight-real" "$@"
