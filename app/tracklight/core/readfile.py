"""Read a user's file without ever hanging or reading too much: regular files only, opened non-blocking."""

from __future__ import annotations

import os
import stat

READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Non-blocking: opening a FIFO where a preference file should be must not wait for a writer (and hang the scan)."""


class NotRegularFile(OSError):
    """The path is a folder, a device or a pipe."""


def read_regular_file(path: str, limit: int) -> bytes:
    """Up to `limit` bytes of a regular file. FileNotFoundError/NotADirectoryError when it isn't there,
    NotRegularFile for a folder, device or pipe, OSError for the rest."""
    fd = os.open(path, READ_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise NotRegularFile("is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise NotRegularFile("is not a regular file (a device or pipe); not read")
        chunks: list[bytes] = []
        size = 0
        while size < limit:
            chunk = os.read(fd, limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
