#!/usr/bin/env bash
# The whole suite on moved clocks, time zones and locales (issue 10): a test that compares with a date or time the
# code computes from "now" fails here even when it passes today. Uses libfaketime from Debian (installed on first
# use). Every process the suite starts inherits the moved clock, except the package installers of the real-tool
# tests (TLS can't check a registry's certificate on a moved clock; see tests/changes/test_real_tools.py).
#
#   tests/moved-clock.sh                 # the three runs at the end, one after the other
#   tests/moved-clock.sh -k crash        # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)
if [ -z "$lib" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime >/dev/null
  lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 | head -n 1)
fi
make .venv/.installed >/dev/null
# A locale other than C, where the machine has one (Turkish: its dotted/dotless i breaks naive case folding).
other_locale=$(locale -a 2>/dev/null | grep -iE '^(tr_TR|de_DE)\.utf-?8$' | head -n 1 || true)

status=0
run() {  # run "YYYY-MM-DD hh:mm:ss" TZ LOCALE [pytest args]: the clock starts there (UTC) and ticks on
  local start=$1 zone=$2 loc=$3; shift 3
  # An offset from the real clock, not libfaketime's "@start" form: with "@", every process starts its clock at the
  # same instant, so a subprocess lives in the past of its parent. The monotonic clock moves too (libfaketime
  # 0.9.10 fails short sleeps with EINVAL when it doesn't).
  local offset=$(( $(date -u -d "$start" +%s) - $(date -u +%s) ))
  echo "== clock $start UTC (offset ${offset}s), TZ=$zone, LC_ALL=${loc:-unset}"
  if ! env LD_PRELOAD="$lib" FAKETIME="$(printf %+d "$offset")" \
      FAKETIME_DONT_FAKE_MONOTONIC=0 TZ="$zone" ${loc:+LC_ALL=$loc LANG=$loc} \
      .venv/bin/python -m pytest -q -p no:cacheprovider "$@"; then
    status=1
  fi
}
run "2027-02-28 23:59:50" UTC "" "$@"
run "2031-01-01 00:00:00" Pacific/Kiritimati "$other_locale" "$@"
run "2026-11-30 10:15:00" America/St_Johns "" "$@"   # the day the fixed test clock uses, half-hour zone
exit $status
