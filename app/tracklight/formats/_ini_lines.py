"""Line helpers shared by the INI and git-config editors: both work line by line and keep each line's own ending."""

from __future__ import annotations


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its own ending (`\\n`, `\\r\\n` or none on the last line)."""
    # Not str.splitlines: it also breaks at a lone \r, \x0b, \x1c…, and these formats end lines only at \n.
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def body(line: str) -> str:
    """The line without its ending."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith("\n"):
        return line[:-1]
    return line


def ending(line: str) -> str:
    """The line's ending, empty on an unterminated last line."""
    return line[len(body(line)) :]


def eol_near(lines: list[str], index: int) -> str:
    """The line ending to give a new line written next to lines[index]: that line's own, else `\\n`."""
    if 0 <= index < len(lines):
        return ending(lines[index]) or "\n"
    return "\n"


def insert_lines(lines: list[str], index: int, new_lines: list[str]) -> None:
    """Insert terminated `new_lines` before lines[index]. After an unterminated last line, that line gets an ending
    and the last new line loses its own, so the file still ends the way it did (and a removal can undo it)."""
    if index == len(lines) and lines and body(lines[-1]) == lines[-1]:
        lines[-1] += ending(new_lines[-1])
        new_lines = new_lines[:-1] + [body(new_lines[-1])]
    lines[index:index] = new_lines
