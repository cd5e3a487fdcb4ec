"""Tracklight's one marked block in a shell startup file: it sources env.sh, and it comes out leaving no trace.

Adding appends a newline and the block; removing takes exactly that away again, so the file's bytes are what they
were before the block was added (a file that did not end in a newline gets that newline back off, too). When
Tracklight created the file for the block, the begin marker says so, and removing the block removes the file if
nothing else was written into it since.

Files are handled as text decoded with surrogateescape, so bytes that are not UTF-8 survive untouched.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

BEGIN = "# >>> tracklight >>>"
END = "# <<< tracklight <<<"
_NOTE = " managed by Tracklight: opting back in or `tracklight undo` removes this block"
_CREATED_NOTE = " managed by Tracklight, which created this file: opting back in or `tracklight undo` removes it"


def _sh_quote_path(path: str, home: str) -> str:
    """A path for a POSIX shell: "$HOME/…" when under home (survives a renamed home), else single-quoted."""
    if home and path.startswith(home.rstrip("/") + "/"):
        rest = path[len(home.rstrip("/")) + 1:]
        if not any(ch in rest for ch in '"$`\\\n'):
            return f'"$HOME/{rest}"'
    return shlex.quote(path)


def block_body(env_sh: str, home: str) -> str:
    """The lines between the markers: source env.sh when it is readable (POSIX sh, bash, zsh, dash, ksh)."""
    quoted = _sh_quote_path(env_sh, home)
    return f"if [ -r {quoted} ]; then . {quoted}; fi\n"


def block(env_sh: str, home: str, *, created: bool) -> str:
    note = _CREATED_NOTE if created else _NOTE
    return f"{BEGIN}{note}\n{block_body(env_sh, home)}{END}\n"


@dataclass(frozen=True)
class FoundBlock:
    start: int  # offset of the begin marker
    end: int  # offset just past the end marker's newline (or the end of the text)
    body: str
    created: bool


def find_block(text: str) -> FoundBlock | None:
    """The block in a file's text, or None. Only a begin marker at the start of a line counts."""
    if text.startswith(BEGIN):
        start = 0
    else:
        newline = text.find("\n" + BEGIN)
        if newline < 0:
            return None
        start = newline + 1
    header_end = text.find("\n", start)
    if header_end < 0:
        return None
    end_marker = text.find("\n" + END, header_end)
    if end_marker < 0:
        return None
    after = end_marker + 1 + len(END)
    if text.startswith("\n", after):
        after += 1
    header = text[start:header_end]
    return FoundBlock(start, after, text[header_end + 1:end_marker + 1], "created this file" in header)


def add_block(text: str, env_sh: str, home: str, *, created: bool = False) -> str:
    """The text with the block at its end (replacing an outdated block in place)."""
    found = find_block(text)
    wanted = block(env_sh, home, created=created if found is None else found.created)
    if found is not None:
        return text[:found.start] + wanted + text[found.end:]
    if text == "":
        return wanted
    return text + "\n" + wanted


def remove_block(text: str) -> tuple[str, bool]:
    """The text without the block and the separator newline added with it; and whether Tracklight created the file."""
    found = find_block(text)
    if found is None:
        return text, False
    start = found.start
    if start > 0 and text[start - 1] == "\n":
        start -= 1  # the newline add_block put before the block
    return text[:start] + text[found.end:], found.created


def decode(data: bytes | None) -> str:
    return "" if data is None else data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
