"""The one TOML position index: the line of every key, table, array-of-tables entry and string in an array."""

from __future__ import annotations

import tomllib

from tracklight.core.toml_positions import TomlPositions

TEXT = """\
# a comment with [brackets] and key = "x"
manifest_version = 1
id = "acme"   # trailing comment
[detect]
executables = [
  "acme",     # the CLI
  "acme-gui", # ]
]
paths = ["~/.config/acme [old]", 'x#y']
[[telemetry.controls]]
kind = "env"
name = "ACME_TELEMETRY"
[[telemetry.controls]]
kind = "file"
key = "a\u2028b"
off = false
"""


def test_keys_tables_and_numbered_entries_have_their_lines() -> None:
    tomllib.loads(TEXT)  # a valid file: the index describes what tomllib read
    positions = TomlPositions(TEXT)
    assert positions.line("id") == 3
    assert positions.line("detect") == 4 and positions.line("detect", "paths") == 9
    assert positions.line("telemetry", "controls", 0, "name") == 12
    assert positions.line("telemetry", "controls", 1, "kind") == 14
    assert positions.line("telemetry", "controls", 1, "off") == 16  # a U+2028 in a string starts no new line
    assert positions.line("telemetry", "controls", 1, "on") == 13  # not written: its table's line


def test_strings_in_a_multi_line_array_have_their_own_lines() -> None:
    positions = TomlPositions(TEXT)
    assert positions.value_line(("detect", "executables"), "acme") == 6
    assert positions.value_line(("detect", "executables"), "acme-gui") == 7
    assert positions.value_line(("detect", "paths"), "x#y") == 9  # a # inside a string is not a comment
    assert positions.value_line(("detect", "paths"), "nowhere") is None
