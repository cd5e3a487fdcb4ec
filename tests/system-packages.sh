#!/usr/bin/env bash
# The Debian packages the tests use beside Python's, installed when missing (run by `make test`, so a fresh clone
# needs nothing else): Qt's offscreen platform loads libEGL, libxkbcommon and fontconfig; the packaging tests check
# the desktop entry and AppStream metadata with the freedesktop validators and strip the bundle with binutils;
# `tracklight watch` makes its private network with iproute2's `ip`. Without root (or apt-get) it says what is missing.
set -euo pipefail
missing=()
libs=$(ldconfig -p 2>/dev/null || true)  # (not piped into grep -q: with pipefail, grep's early exit fails the pipe)
for pair in libEGL.so.1:libegl1 libGL.so.1:libgl1 libxkbcommon.so.0:libxkbcommon0 libfontconfig.so.1:libfontconfig1 \
            libdbus-1.so.3:libdbus-1-3; do
  grep -q "${pair%%:*}" <<<"$libs" || missing+=("${pair##*:}")
done
for pair in desktop-file-validate:desktop-file-utils appstreamcli:appstream strip:binutils; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair##*:}")
done
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages the tests need: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need these Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]}); their tests fail without them" >&2
fi
