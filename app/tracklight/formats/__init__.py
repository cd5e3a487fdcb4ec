"""One module per preference-file format. Each reads a key and edits one key, keeping every other byte.

Every format module exposes the same four functions (see `FormatModule`):

    read(text, key)               -> Lookup        value of one key (typed), or not found; FormatError if it doesn't parse
    set_value(text, key, value)   -> str           the document with that key set, everything else byte-identical
    remove(text, key)             -> str           the document without that key (unchanged if absent)
    new_document(key, value)      -> str           a fresh file holding just that key

`text` is the decoded file: `load_text`/`dump_text` below strip and restore a UTF-8 BOM and turn consistent CRLF
line endings into LF and back, so editors deal with one newline style. Modules are imported lazily: a scan only pays
for the formats of files that exist.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from tracklight.errors import FormatError
from tracklight.formats.values import FORMATS, Scalar

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs every start ~3 ms; mypy reads this too)
BOM = "\ufeff"


@dataclass(frozen=True)
class Lookup:
    """The result of reading one key: found or not, its typed value, and the 1-based line it is on."""

    found: bool
    value: Scalar | None = None
    line: int | None = None


NOT_FOUND = Lookup(found=False)


if TYPE_CHECKING:  # the protocol is for the type checker; at run time a format is its module
    from typing import Protocol

    class FormatModule(Protocol):
        def read(self, text: str, key: str) -> Lookup: ...

        def set_value(self, text: str, key: str, value: Scalar) -> str: ...

        def remove(self, text: str, key: str) -> str: ...

        def new_document(self, key: str, value: Scalar) -> str: ...


def get(name: str) -> FormatModule:
    """The module for a format name (one of model.FORMATS)."""
    if name not in FORMATS:
        raise FormatError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")
    module: ModuleType = importlib.import_module(f"tracklight.formats.{name}_format")
    return module  # a module with the four functions is a FormatModule


@dataclass(frozen=True)
class TextStyle:
    """What load_text took off the bytes, so dump_text can put it back exactly."""

    bom: bool
    crlf: bool


def load_text(data: bytes, path: str = "") -> tuple[str, TextStyle]:
    """Decode a preference file as UTF-8, stripping a BOM and normalising consistent CRLF to LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"not valid UTF-8 (byte {exc.start})", path=path or None, line=line) from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    lf = text.count("\n")
    crlf = lf > 0 and text.count("\r\n") == lf
    if crlf:
        text = text.replace("\r\n", "\n")
    return text, TextStyle(bom=bom, crlf=crlf)


BOM_TOLERANT = frozenset({"json", "jsonc", "toml", "ini", "yaml", "xml", "gitconfig"})
"""Formats whose tools skip a UTF-8 byte-order mark. The others (Go's mode file, Dart's and Homebrew's key-value
files, Terraform's HCL, `sh`) read it as part of the first line, so it stays in the text their editor sees."""


CR_IS_TEXT = frozenset({"shellvars"})
"""Formats whose reader takes a carriage return as part of the line (`sh`: `X=no\r` sets "no\r"): their editor sees
Windows line endings as they are, rather than as plain line ends."""


def decode_for(data: bytes, format_name: str, path: str = "") -> tuple[str, TextStyle]:
    """The text as the tool that reads this format sees it: the one rule the scan and the planner share.

    Like load_text, but a BOM is kept at the start of the text for formats that do not skip one, so reading finds
    what the tool would find (`\ufeffon` is not Go's `on`) and an edit is checked against that."""
    text, style = load_text(data, path)
    if style.crlf and format_name in CR_IS_TEXT:
        text, style = text.replace("\n", "\r\n"), TextStyle(bom=style.bom, crlf=False)
    if style.bom and format_name not in BOM_TOLERANT:
        return BOM + text, TextStyle(bom=False, crlf=style.crlf)
    return text, style


def as_read_by(data: bytes, format_name: str, path: str = "") -> str:
    """The text of a file as this format's tool reads it (decode_for's rule, without the style)."""
    return decode_for(data, format_name, path)[0]


def dump_text(text: str, style: TextStyle) -> bytes:
    """Encode text edited after load_text back with the same BOM and line endings."""
    if style.crlf:
        text = text.replace("\n", "\r\n")
    if style.bom:
        text = BOM + text
    return text.encode("utf-8")


def split_key(key: str) -> list[str]:
    """Split a dotted key path; a segment in double quotes may contain dots: '"telemetry.telemetryLevel"'."""
    segments: list[str] = []
    i = 0
    n = len(key)
    while i < n:
        if key[i] == '"':
            end = key.find('"', i + 1)
            if end < 0:
                raise FormatError(f"unterminated quote in key {key!r}")
            segments.append(key[i + 1 : end])
            i = end + 1
            if i < n and key[i] != ".":
                raise FormatError(f"expected '.' after quoted segment in key {key!r}")
            i += 1
        else:
            end = key.find(".", i)
            if end < 0:
                end = n
            segment = key[i:end]
            if not segment:
                raise FormatError(f"empty segment in key {key!r}")
            segments.append(segment)
            i = end + 1
    if not segments or key.endswith("."):
        raise FormatError(f"empty segment in key {key!r}")
    return segments


def scalar_text(value: Scalar) -> str:
    """The plain-text form of a value in formats that have no types (env, keyvalue, ini): true/false lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def append_line(text: str, line: str) -> str:
    """Add one line at the end; a file without a final newline keeps that style (removing the line restores it)."""
    if not text:
        return line + "\n"
    if text.endswith("\n"):
        return text + line + "\n"
    return text + "\n" + line


def keep_unterminated_end(text: str, result: str) -> str:
    """`result` (lines removed from `text`) with `text`'s missing final newline kept: when the unterminated last line
    went, the line now last gives up its line ending, so removing what append_line added restores the bytes."""
    if not text.endswith("\n") and result.endswith("\n"):
        return result[:-2] if result.endswith("\r\n") else result[:-1]
    return result
