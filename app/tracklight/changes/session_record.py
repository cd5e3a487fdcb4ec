"""What the session's own environment held before Tracklight set a variable there, so letting go puts it back.

On macOS (`launchctl setenv`) and Windows (`HKCU\\Environment`) Tracklight's variables go into a store that the
person and other programs share: setting DOTNET_CLI_TELEMETRY_OPTOUT there replaces whatever was set before. So the
value that was there, with its registry type on Windows (REG_SZ, or REG_EXPAND_SZ whose %VARIABLES% Windows expands),
is written down in `environment-before.json` in Tracklight's state folder at the moment Tracklight takes the variable
over, and put back exactly when Tracklight lets go of it (opt-in or undo); then its line goes.

This record is deliberately not one of the journaled files: undo puts those back *before* the session is updated,
which would throw the value away just when it is needed. It is Tracklight's own bookkeeping, like the journal, and is
written the same way (atomic_write, fsynced, private).
"""

from __future__ import annotations

import json
import ntpath
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from tracklight.changes.atomic import atomic_remove, atomic_write, read_current
from tracklight.core import locations
from tracklight.core.model import Os
from tracklight.errors import TracklightError

RECORD_NAME = "environment-before.json"
RECORD_VERSION = 1
KINDS = ("", "REG_SZ", "REG_EXPAND_SZ")


@dataclass(frozen=True)
class SessionValue:
    """A variable as the session's environment holds it."""

    value: str
    kind: str = ""  # Windows registry type, "REG_SZ" or "REG_EXPAND_SZ"; "" where there is none (launchctl)


def record_path(os_: Os, env: Mapping[str, str]) -> str:
    """Where the record lives: Tracklight's state folder, next to the journal."""
    join = ntpath.join if os_ is Os.WINDOWS else posixpath.join
    return join(locations.state_dir(os_, env), RECORD_NAME)


class SessionRecord:
    """The values to put back, by variable name, kept in one small JSON file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> dict[str, SessionValue]:
        """The recorded values ({} when there is no record); TracklightError when it can't be read.

        A damaged record is an error, not an empty one: it holds values nobody else remembers.
        """
        data = read_current(self.path)  # WriteError (a TracklightError) when it can't be read
        if data is None:
            return {}
        try:
            document = json.loads(data.decode("utf-8"))
            if document.get("version") != RECORD_VERSION:
                raise ValueError(f"unknown version {document.get('version')!r}")
            values = {}
            for name, entry in document["variables"].items():
                value, kind = entry["value"], entry.get("kind", "")
                if not isinstance(value, str) or kind not in KINDS:
                    raise ValueError(f"bad entry for {name}")
                values[str(name)] = SessionValue(value, kind)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise TracklightError(f"is damaged ({exc}); it holds the environment values to put back, so "
                                  "Tracklight changes no variable until it is repaired", path=self.path) from None
        return values

    def save(self, values: Mapping[str, SessionValue]) -> None:
        """Write the record (durably, before the session is changed); no values: no file."""
        if not values:
            if read_current(self.path) is not None:
                atomic_remove(self.path)
            return
        document = {
            "version": RECORD_VERSION,
            "about": "Environment values Tracklight replaced and puts back when it lets go of the variable.",
            "variables": {name: {"value": v.value, "kind": v.kind} for name, v in sorted(values.items())},
        }
        data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        atomic_write(self.path, data, mode=0o600, make_parents=True)
