"""The policy as a POSIX shell script: `sh tracklight.sh [ROOT]`, idempotent, writes the files `policy apply` writes.

Each file is built in a temp file beside it and renamed over it only when its bytes differ, so a second run changes
nothing and an interrupted run leaves every file whole. Merging into an existing JSON file needs python3 (present on
the machines that run browsers); without it that one file is reported and left alone.
"""

from __future__ import annotations

import json
import shlex

from tracklight.admin.exported_files import ExportedFile, Handling, exported_files, skipped_note
from tracklight.admin.system import SystemPlan

_FUNCTIONS = r'''
umask 022
root=${1:-/}
root=${root%/}
changed=0
failed=0

tl_fail() {
    printf 'tracklight: %s: %s\n' "$1" "$2" >&2
    failed=1
}

# tl_put PATH CONTENT: PATH (under the root) holds exactly CONTENT; replaced atomically, an existing file keeps its mode.
tl_put() {
    tl_p=$root$1
    tl_dir=$(dirname "$tl_p")
    mkdir -p "$tl_dir" || { tl_fail "$1" "cannot create its folder"; return 0; }
    tl_tmp=$tl_dir/.$(basename "$tl_p").tracklight-$$
    if [ -f "$tl_p" ]; then
        cp -p "$tl_p" "$tl_tmp" || { tl_fail "$1" "cannot copy"; return 0; }
    fi
    printf '%s' "$2" > "$tl_tmp" || { rm -f "$tl_tmp"; tl_fail "$1" "cannot write"; return 0; }
    if [ -f "$tl_p" ] && cmp -s "$tl_tmp" "$tl_p"; then
        rm -f "$tl_tmp"
        return 0
    fi
    [ -f "$tl_p" ] || chmod "$3" "$tl_tmp"
    mv -f "$tl_tmp" "$tl_p" || { rm -f "$tl_tmp"; tl_fail "$1" "cannot replace"; return 0; }
    changed=$((changed + 1))
    printf 'changed: %s\n' "$1"
}

# tl_seed PATH CONTENT MODE: create PATH when it does not exist; an existing file is the user's business.
tl_seed() {
    [ -e "$root$1" ] || tl_put "$1" "$2" "$3"
}

# tl_line PATH KEY LINE CREATE NEW_CONTENT: the last KEY= line becomes LINE (or LINE is appended).
tl_line() {
    if [ ! -e "$root$1" ]; then
        [ "$4" = yes ] && tl_put "$1" "$5" 644
        return 0
    fi
    tl_new=$(awk -v key="$2" -v line="$3" '
        BEGIN { re = "^[ \t]*(export[ \t]+)?" key "[ \t]*=" }
        { text[NR] = $0; if ($0 ~ re) last = NR }
        END { for (i = 1; i <= NR; i++) print (i == last ? line : text[i]); if (!last) print line }
    ' "$root$1"; printf x) || { tl_fail "$1" "cannot read"; return 0; }
    tl_put "$1" "${tl_new%x}" 644
}

# tl_json PATH DESIRED CREATE NEW_CONTENT: merge DESIRED (nested keys) into the JSON file, keeping its other content.
tl_json() {
    if [ ! -e "$root$1" ]; then
        [ "$3" = yes ] && tl_put "$1" "$4" 644
        return 0
    fi
    if ! command -v python3 >/dev/null 2>&1; then
        tl_fail "$1" "exists; merging into it needs python3"
        return 0
    fi
    tl_new=$(python3 -c '
import json, sys
def merge(into, keys):
    for name, value in keys.items():
        if isinstance(value, dict):
            into[name] = merge(into[name] if isinstance(into.get(name), dict) else {}, value)
        else:
            into[name] = value
    return into
with open(sys.argv[1], encoding="utf-8") as handle:
    current = json.load(handle)
if not isinstance(current, dict):
    sys.exit("not a JSON object")
merged = merge(json.loads(json.dumps(current)), json.loads(sys.argv[2]))
if merged != current:
    sys.stdout.write(json.dumps(merged, indent=2, separators=(",", ": ")) + "\n")
sys.stdout.write("x")
' "$root$1" "$2") || { tl_fail "$1" "is not valid JSON; not changed"; return 0; }
    tl_new=${tl_new%x}
    [ -n "$tl_new" ] && tl_put "$1" "$tl_new" 644
    return 0
}
'''


def _call(item: ExportedFile) -> list[str]:
    file = item.file
    path = shlex.quote(file.path)
    mode = f"{file.mode:o}"
    create = "yes" if file.create else "no"
    if item.how is Handling.WHOLE:
        return [f"tl_put {path} {shlex.quote(item.new_text)} {mode}"]
    if item.how is Handling.SEED:
        return [f"tl_seed {path} {shlex.quote(item.new_text)} {mode}"]
    if item.how is Handling.MERGE_JSON:
        desired = json.dumps(item.desired, separators=(",", ":"))
        return [f"tl_json {path} {shlex.quote(desired)} {create} {shlex.quote(item.new_text)}"]
    if item.how is Handling.SET_LINES:
        return [f"tl_line {path} {shlex.quote(key)} {shlex.quote(line)} {create} {shlex.quote(item.new_text)}"
                for key, line in item.lines]
    return [f"# {file.path}: not handled here (see the header)"]


def render(plan: SystemPlan) -> str:
    """The script text."""
    files = exported_files(plan)
    lines = [
        "#!/bin/sh",
        "# Tracklight: the organisation's telemetry opt-outs, exported from " + plan.policy.path,
        "# Usage: sh tracklight.sh [ROOT]   (ROOT defaults to /; give a folder to build an image tree)",
        "# Idempotent: a second run changes nothing. Exit status 1 when a file could not be handled.",
        "# Opted out: " + (", ".join(plan.resolution.optout) or "(none)"),
    ]
    lines += ["# " + line for line in skipped_note(files)]
    lines.append(_FUNCTIONS.strip("\n"))
    lines.append("")
    for item in files:
        if item.file.content is not None:
            lines.append(f"# {item.file.purpose}")
        lines += _call(item)
    lines += [
        "",
        "printf 'tracklight: %s file(s) changed\\n' \"$changed\"",
        "exit \"$failed\"",
    ]
    return "\n".join(lines) + "\n"
