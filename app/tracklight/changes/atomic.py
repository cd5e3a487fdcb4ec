"""THE one place that writes or removes a user's file. Nothing else in Tracklight opens a user's file for writing.

A write goes: temp file in the same folder -> write -> fsync -> compare the file's current bytes with what the caller
read -> os.replace (retried briefly: Windows locks files that are open elsewhere) -> fsync the folder. The original's
mode and (when running as root) owner are kept; a new file gets the mode the caller gives. On any failure the temp
file is removed and the target is untouched: either the old content or the new one is on disk, never a mix.

A symlink to a file is written through (the link stays a link, its target gets the new content); the caller (safety)
has already checked where it points, and passes the real path it approved (`approved`). On POSIX the write then goes
through file descriptors: the approved folder is opened one component at a time from `/` with O_NOFOLLOW
(openat-style), and the temp file, the comparison, the rename and the folder fsync all use that folder's descriptor,
so a symlink swapped into the path after the check makes the write fail instead of landing elsewhere. Reads are
bounded (`MAX_READ_BYTES`): a huge file is a clear error, never a MemoryError. Errors: ConflictError (the file is not what the caller read), WriteError (the
operating system refused: read-only file, full disk, a folder where the file should be, a symlink loop, …).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from typing import Final

from tracklight.errors import ConflictError, WriteError


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Final = _Unchecked()
"""expected_before default: write whatever the file holds now (Tracklight's own files only)."""

Expected = bytes | None | _Unchecked
"""What the caller read: the bytes, None for "the file must not exist", or UNCHECKED."""

NEW_DIR_MODE = 0o700
DEFAULT_NEW_FILE_MODE = 0o600
_REPLACE_ATTEMPTS = 5
_REPLACE_DELAY = 0.05

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is larger than the file system or a size limit allows",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ELOOP: "symlink loop",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENAMETOOLONG: "the path is too long",
}


def _reason(exc: OSError) -> str:
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or str(exc)


def _write_error(action: str, path: str, exc: OSError) -> WriteError:
    return WriteError(f"cannot {action}: {_reason(exc)}; nothing was changed", path=path)


def resolve_target(path: str) -> str:
    """The file a write to `path` lands in: symlinks followed. WriteError for a symlink loop or a file as folder."""
    try:
        os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENAMETOOLONG):
            raise _write_error("write", path, exc) from None
        # EACCES on a parent folder: realpath still gives the honest target, and the write will say why it fails.
    return os.path.realpath(path)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Non-blocking: opening a FIFO for reading would wait for a writer; here it opens at once and fstat refuses it."""


MAX_READ_BYTES = 16 << 20
"""The largest file the write path reads (a preference file or a startup file is a few KiB; the scan reads 1 MiB)."""


def _read_fd(fd: int, path: str, limit: int) -> bytes:
    mode = os.fstat(fd).st_mode
    if stat.S_ISDIR(mode):
        raise WriteError("is a folder, not a file; nothing was changed", path=path)
    if not stat.S_ISREG(mode):
        raise WriteError("is not a regular file (a device or pipe); not touched", path=path)
    chunks = []
    size = 0
    while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        shown = f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
        raise WriteError(f"is larger than {shown}; Tracklight does not read or edit a file that size; nothing was "
                         "changed", path=path)
    return b"".join(chunks)


def read_current(path: str, limit: int = MAX_READ_BYTES) -> bytes | None:
    """The file's bytes now; None when it does not exist. WriteError for a folder, a loop, an unreadable file, or
    one larger than `limit` bytes."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _write_error("read", path, exc) from None
    try:
        return _read_fd(fd, path, limit)
    except OSError as exc:
        raise _write_error("read", path, exc) from None
    finally:
        os.close(fd)


def _writable_target(path: str) -> tuple[str, os.stat_result | None]:
    """The file a write to `path` lands in and its stat (None: it doesn't exist yet); WriteError for what is never
    replaced: a folder, a device or pipe, a file its owner made read-only."""
    target = resolve_target(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise _write_error("write", path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise WriteError("is a folder, not a file; nothing was changed", path=path)
    if not stat.S_ISREG(info.st_mode):
        raise WriteError("is not a regular file (a device or pipe); not touched", path=path)
    if not info.st_mode & stat.S_IWUSR:
        # The owner made it read-only on purpose; replacing it would silently override that choice.
        raise WriteError("is read-only; make it writable first if you want Tracklight to change it", path=path)
    return target, info


def check_writable(path: str) -> None:
    """Raise the WriteError atomic_write would raise for `path`, without writing: lets a plan fail one tool early
    instead of a whole change set failing (and rolling back) half-way."""
    target, _info = _writable_target(path)
    folder = os.path.dirname(target) or "."
    while not os.path.lexists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise WriteError(f"{folder} is a file, not a folder; nothing was changed", path=path)
    if not os.access(folder, os.W_OK):
        raise WriteError(f"cannot write in {folder}: permission denied; nothing was changed", path=path)


def missing_parents(path: str) -> tuple[str, ...]:
    """The folders that would have to be created to hold `path`, outermost first."""
    missing: list[str] = []
    folder = os.path.dirname(os.path.abspath(path))
    while folder and not os.path.lexists(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return tuple(reversed(missing))


def _check_expected(target: str, display: str, expected: Expected) -> None:
    if isinstance(expected, _Unchecked):
        return
    current = read_current(target)
    if current == expected:
        return
    if expected is None:
        raise ConflictError("was created by someone else since it was read; nothing was written", path=display)
    if current is None:
        raise ConflictError("was removed since it was read; nothing was written", path=display)
    raise ConflictError("changed since it was read; nothing was written", path=display)


_DIR_FD = sys.platform != "win32" and os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_PASS_FLAGS = _DIR_FLAGS | getattr(os, "O_PATH", 0)
"""Folders on the way are only passed through: O_PATH (Linux) needs search permission, not read permission, so a
folder like a 0711 /home still lets its user reach their own files."""


def _open_folder(folder: str, display: str, make: bool) -> int:
    """A descriptor of `folder` (an absolute real path), opened one component at a time from `/` with O_NOFOLLOW:
    a symlink anywhere on the way (swapped in after the path was checked) is an error, never followed.
    `make`: create missing folders (mode NEW_DIR_MODE) on the way."""
    parts = [p for p in folder.split("/") if p]
    fd = os.open("/", _DIR_FLAGS if not parts else _PASS_FLAGS)
    try:
        for number, part in enumerate(parts):
            flags = _DIR_FLAGS if number == len(parts) - 1 else _PASS_FLAGS  # the last one is fsynced: opened for real
            try:
                child = os.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                if not make:
                    raise WriteError(f"folder {folder} does not exist; nothing was changed", path=display) from None
                try:
                    os.mkdir(part, NEW_DIR_MODE, dir_fd=fd)
                except FileExistsError:
                    pass
                if _is_root():
                    parent = os.fstat(fd)
                    if parent.st_uid != 0 or parent.st_gid != 0:
                        os.chown(part, parent.st_uid, parent.st_gid, dir_fd=fd, follow_symlinks=False)
                child = os.open(part, flags, dir_fd=fd)
                _fsync_fd(fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise WriteError(f"{folder} changed since it was checked (a symlink or a file is now on the "
                                     "way); not followed, nothing was changed", path=display) from None
                raise
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _fsync_fd(fd: int) -> None:
    """fsync a folder's descriptor where it can be (an O_PATH descriptor cannot: the creation is durable at the next
    fsync of that folder instead)."""
    try:
        os.fsync(fd)
    except OSError:
        pass


def _fsync_dir(folder: str) -> None:
    """Make a rename or a new entry durable. Not possible on Windows (folders can't be opened); skipped there."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_parents(folder: str, display: str) -> None:
    for missing in missing_parents(os.path.join(folder, "x")):
        try:
            os.mkdir(missing, NEW_DIR_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(f"cannot create folder {missing}: {_reason(exc)}; nothing was changed",
                             path=display) from None
        if _is_root():
            _chown_like_parent(missing)
        _fsync_dir(os.path.dirname(missing))


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _chown_like_parent(path: str) -> None:
    """Running as root in someone's home: what Tracklight creates belongs to the folder's owner, not to root."""
    parent = os.stat(os.path.dirname(path))
    if parent.st_uid != 0 or parent.st_gid != 0:
        os.chown(path, parent.st_uid, parent.st_gid, follow_symlinks=False)


def _replace(temp: str, target: str) -> None:
    for attempt in range(_REPLACE_ATTEMPTS):
        try:
            os.replace(temp, target)
            return
        except PermissionError:
            # Windows refuses to replace a file another process holds open; it is usually released quickly.
            if sys.platform != "win32" or attempt == _REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(_REPLACE_DELAY * (attempt + 1))


def atomic_write(path: str, data: bytes, *, mode: int | None = None, expected_before: Expected = UNCHECKED,
                 make_parents: bool = False, sync_dir: bool = True, durable: bool = True,
                 approved: str | None = None) -> None:
    """Replace `path` with `data` atomically; see the module docstring. `mode` applies to a new file only.

    sync_dir False: the caller fsyncs the folder later (a batch). durable False: no fsync at all, for Tracklight's
    own markers whose loss after a power cut is harmless (the journal's status files); still atomic. `approved`: the
    real path the write guard approved; the write lands there or nowhere.
    """
    if _DIR_FD:
        target = approved if approved is not None else resolve_target(path)
        if os.path.isabs(target):
            _atomic_write_at(path, target, data, mode, expected_before, make_parents, sync_dir, durable)
            return
    target, info = _writable_target(path)
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        if os.path.lexists(folder):
            raise WriteError(f"{folder} is a file, not a folder; nothing was changed", path=path)
        if not make_parents:
            raise WriteError(f"folder {folder} does not exist; nothing was changed", path=path)
        _make_parents(folder, path)

    temp = os.path.join(folder, f".{os.path.basename(target)}{TEMP_MARK}{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise _write_error("write", path, exc) from None
    try:
        try:
            _write_all(fd, data)
            if info is not None:
                if _is_root():
                    os.fchown(fd, info.st_uid, info.st_gid)
                final_mode = stat.S_IMODE(info.st_mode)
            else:
                final_mode = DEFAULT_NEW_FILE_MODE if mode is None else mode
            if hasattr(os, "fchmod"):
                os.fchmod(fd, final_mode)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if info is None and _is_root():
            _chown_like_parent(temp)
        _check_expected(target, path, expected_before)
        _replace(temp, target)
    except OSError as exc:
        _discard(temp)
        raise _write_error("write", path, exc) from None
    except BaseException:
        _discard(temp)
        raise
    if sync_dir and durable:
        try:
            _fsync_dir(folder)
        except OSError:
            pass  # the content is in place; only its durability across a power cut is less certain


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _atomic_write_at(path: str, target: str, data: bytes, mode: int | None, expected_before: Expected,
                     make_parents: bool, sync_dir: bool, durable: bool) -> None:
    """atomic_write through the folder's descriptor (POSIX): nothing on the way is followed after the check."""
    folder, name = os.path.split(target)
    try:
        dir_fd = _open_folder(folder or "/", path, make_parents)
    except OSError as exc:
        raise _write_error("write", path, exc) from None
    temp = f".{name}{TEMP_MARK}{os.urandom(4).hex()}.tmp"
    try:
        try:
            info: os.stat_result | None = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None:
            if stat.S_ISLNK(info.st_mode):
                raise WriteError("was replaced by a symlink since it was checked; not followed, nothing was changed",
                                 path=path)
            if stat.S_ISDIR(info.st_mode):
                raise WriteError("is a folder, not a file; nothing was changed", path=path)
            if not stat.S_ISREG(info.st_mode):
                raise WriteError("is not a regular file (a device or pipe); not touched", path=path)
            if not info.st_mode & stat.S_IWUSR:
                raise WriteError("is read-only; make it writable first if you want Tracklight to change it",
                                 path=path)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600,
                     dir_fd=dir_fd)
        try:
            try:
                _write_all(fd, data)
                if info is not None:
                    if _is_root():
                        os.fchown(fd, info.st_uid, info.st_gid)
                    final_mode = stat.S_IMODE(info.st_mode)
                else:
                    final_mode = DEFAULT_NEW_FILE_MODE if mode is None else mode
                    if _is_root():
                        parent = os.fstat(dir_fd)
                        if parent.st_uid != 0 or parent.st_gid != 0:
                            os.fchown(fd, parent.st_uid, parent.st_gid)
                os.fchmod(fd, final_mode)
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            _check_expected_at(dir_fd, name, path, expected_before)
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as exc:
            _discard_at(dir_fd, temp)
            raise _write_error("write", path, exc) from None
        except BaseException:
            _discard_at(dir_fd, temp)
            raise
        if sync_dir and durable:
            try:
                os.fsync(dir_fd)
            except OSError:
                pass
    finally:
        os.close(dir_fd)


def _check_expected_at(dir_fd: int, name: str, display: str, expected: Expected) -> None:
    if isinstance(expected, _Unchecked):
        return
    try:
        fd = os.open(name, _READ_FLAGS | _NOFOLLOW, dir_fd=dir_fd)
    except FileNotFoundError:
        current = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteError("was replaced by a symlink since it was checked; not followed, nothing was changed",
                             path=display) from None
        raise
    else:
        try:
            current = _read_fd(fd, display, MAX_READ_BYTES)
        finally:
            os.close(fd)
    if current == expected:
        return
    if expected is None:
        raise ConflictError("was created by someone else since it was read; nothing was written", path=display)
    if current is None:
        raise ConflictError("was removed since it was read; nothing was written", path=display)
    raise ConflictError("changed since it was read; nothing was written", path=display)


def _discard_at(dir_fd: int, temp: str) -> None:
    try:
        os.unlink(temp, dir_fd=dir_fd)
    except OSError:
        pass


def atomic_remove(path: str, *, expected_before: Expected = UNCHECKED, sync_dir: bool = True,
                  approved: str | None = None) -> None:
    """Remove a file Tracklight created (undoing a change), after checking it still holds what we wrote."""
    target = approved if approved is not None else resolve_target(path)
    if _DIR_FD and os.path.isabs(target):
        folder, name = os.path.split(target)
        try:
            dir_fd = _open_folder(folder or "/", path, make=False)
        except WriteError:
            if isinstance(expected_before, _Unchecked) or expected_before is None:
                return
            raise ConflictError("was removed since it was read; nothing was written", path=path) from None
        except OSError as exc:
            raise _write_error("remove", path, exc) from None
        try:
            info = None
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise WriteError("is a folder, not a file; nothing was changed", path=path)
            _check_expected_at(dir_fd, name, path, expected_before)
            try:
                os.unlink(name, dir_fd=dir_fd)
            except FileNotFoundError:
                return
            except OSError as exc:
                raise _write_error("remove", path, exc) from None
            if sync_dir:
                try:
                    os.fsync(dir_fd)
                except OSError:
                    pass
        finally:
            os.close(dir_fd)
        return
    if os.path.isdir(target):
        raise WriteError("is a folder, not a file; nothing was changed", path=path)
    _check_expected(target, path, expected_before)
    try:
        os.unlink(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _write_error("remove", path, exc) from None
    if sync_dir:
        try:
            _fsync_dir(os.path.dirname(target) or ".")
        except OSError:
            pass


def remove_empty_dirs(folders: tuple[str, ...]) -> None:
    """Remove folders a change created, innermost first, when they are empty again (a non-empty one stays)."""
    for folder in reversed(folders):
        try:
            os.rmdir(folder)
        except OSError:
            return


def sync_dirs(folders: set[str]) -> None:
    """fsync several folders once each (after a batch of writes made with sync_dir=False)."""
    for folder in sorted(folders):
        try:
            _fsync_dir(folder)
        except OSError:
            pass


TEMP_MARK = ".tracklight-"


def sweep_temps(path: str) -> None:
    """Remove temp files a killed writer left beside `path` (call only under the writers' lock).

    A SIGKILL between creating the temp file and renaming it leaves `.<name>.tracklight-<hex>.tmp` behind; the
    target itself is intact (old or new content). `path` may be a folder: then every such temp in it goes.
    """
    if os.path.isdir(path):
        folder, prefix = path, "."
    else:
        target = resolve_target(path)
        folder, prefix = os.path.dirname(target) or ".", f".{os.path.basename(target)}{TEMP_MARK}"
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and TEMP_MARK in name and name.endswith(".tmp"):
            _discard(os.path.join(folder, name))


def _discard(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass
