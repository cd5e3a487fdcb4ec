"""A one-line plain-text setting file, such as Go's telemetry mode file (`~/.config/go/telemetry/mode`).

Go writes `off 2026-08-22` (mode, a space, the date it took effect) with no newline. Its reader trims
surrounding white space and keeps the text before the first space (golang/telemetry internal/telemetry/dir.go,
`Dir.Mode`), so `read` applies exactly that rule. The key is ignored: the whole file is the setting.
"""

from __future__ import annotations

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, scalar_text
from tracklight.formats.values import Scalar

# Go's unicode.IsSpace, used by strings.TrimSpace (Python's str.strip also strips \x1c-\x1f; Go keeps them).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def read(text: str, key: str, *, whole: bool = False) -> Lookup:
    """The file's setting word by Go's rule: trim white space, keep the text before the first space.

    With `whole`, the whole trimmed text is the setting (the `plain_line` format). A file that is empty after
    trimming holds no setting either way.
    """
    _check(text)
    content = text.strip(_GO_SPACE)
    if not content:
        return NOT_FOUND
    value = content if whole else content.split(" ", 1)[0]
    return Lookup(found=True, value=value, line=text.count("\n", 0, text.find(content)) + 1)


def set_value(text: str, key: str, value: Scalar) -> str:
    """Replace the whole content with the value, keeping a final newline only if the file had one."""
    _check(text)
    content = _one_line(value)
    return content + "\n" if text.endswith("\n") else content


def remove(text: str, key: str) -> str:
    """An empty file: the setting is gone (for Go, an empty mode is not a mode at all)."""
    _check(text)
    return ""


def new_document(key: str, value: Scalar) -> str:
    """The value alone with no newline, as Go writes its mode file."""
    return _one_line(value)


def _one_line(value: Scalar) -> str:
    content = scalar_text(value)
    if "\n" in content or "\r" in content or "\0" in content:
        raise FormatError("a plain setting file holds one line; the value contains a line break or NUL")
    if content != content.strip(_GO_SPACE):
        raise FormatError(f"value {content!r} has surrounding white space, which the reader would trim")
    return content


def _check(text: str) -> None:
    # A binary file in the place of a one-line setting means the path is wrong; editing it would destroy data.
    nul = text.find("\0")
    if nul >= 0:
        raise FormatError(
            "binary content (NUL byte) in a plain setting file", line=text.count("\n", 0, nul) + 1
        )
