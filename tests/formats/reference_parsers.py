"""Reference readers the format tests compare our editors against (shared by the test modules of this folder)."""

from __future__ import annotations

from collections.abc import Callable


def strip_jsonc(text: str) -> str:
    """JSONC to JSON for the reference parser: drop comments, then trailing commas, never inside strings."""

    def outside_strings(source: str, handle: Callable[[str, int], tuple[str, int]]) -> str:
        out: list[str] = []
        i = 0
        while i < len(source):
            if source[i] == '"':
                j = i + 1
                while source[j] != '"':
                    j += 2 if source[j] == "\\" else 1
                out.append(source[i : j + 1])
                i = j + 1
            else:
                piece, i = handle(source, i)
                out.append(piece)
        return "".join(out)

    def comment(source: str, i: int) -> tuple[str, int]:
        if source.startswith("//", i):
            newline = source.find("\n", i)
            return "", len(source) if newline < 0 else newline
        if source.startswith("/*", i):
            return " ", source.index("*/", i) + 2
        return source[i], i + 1

    def trailing_comma(source: str, i: int) -> tuple[str, int]:
        if source[i] == "," and source[i + 1 :].lstrip()[:1] in ("}", "]"):
            return "", i + 1
        return source[i], i + 1

    return outside_strings(outside_strings(text, comment), trailing_comma)
