#!/bin/sh
# Builds the sandbox home the README screenshots were taken in: a few tools "installed" (empty scripts on a PATH
# of their own) with their real preference files, one of them already opted out. Nothing outside DIR is touched.
#   docs/screenshots/demo-home.sh DIR   then   HOME=DIR/home PATH=DIR/bin TRACKLIGHT_SYSTEM_ROOT=DIR/root tracklight
set -eu
dir=${1:?usage: demo-home.sh DIR}
mkdir -p "$dir/bin" "$dir/root" "$dir/home/.config/Code/User" "$dir/home/.config/nextjs-nodejs" "$dir/home/.azure" \
  "$dir/home/.config/go/telemetry"
for exe in code az dotnet next bun go heroku; do
  printf '#!/bin/sh\nexit 0\n' >"$dir/bin/$exe"
  chmod +x "$dir/bin/$exe"
done
printf '{\n  "editor.fontSize": 14,\n  "telemetry.telemetryLevel": "all"\n}\n' >"$dir/home/.config/Code/User/settings.json"
printf '{\n  "telemetry": {\n    "enabled": false\n  }\n}\n' >"$dir/home/.config/nextjs-nodejs/config.json"
printf '[core]\noutput = table\n' >"$dir/home/.azure/config"
printf 'local\n' >"$dir/home/.config/go/telemetry/mode"
