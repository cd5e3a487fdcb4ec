"""The one function that writes a user's file: all or nothing, mode and owner kept, clear refusals."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracklight.changes.atomic import (
    TEMP_MARK,
    atomic_remove,
    atomic_write,
    read_current,
    sweep_temps,
)
from tracklight.errors import ConflictError, WriteError


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TEMP_MARK in p.name]


def test_new_file_gets_the_mode_the_caller_gives_and_no_temp_is_left(home: Path) -> None:
    target = home / ".config" / "tool" / "config.json"
    atomic_write(str(target), b'{"a": 1}\n', mode=0o640, expected_before=None, make_parents=True)
    assert target.read_bytes() == b'{"a": 1}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    # folders Tracklight creates are private to the user
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert leftovers(target.parent) == []


def test_replacing_keeps_mode_and_owner(home: Path) -> None:
    target = home / "settings.json"
    target.write_bytes(b"old\n")
    target.chmod(0o664)
    if os.geteuid() == 0:
        os.chown(target, 1234, 2345)
    atomic_write(str(target), b"new\n", expected_before=b"old\n")
    info = target.stat()
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(info.st_mode) == 0o664
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 2345)
    assert leftovers(home) == []


def test_a_file_changed_since_it_was_read_is_not_replaced(home: Path) -> None:
    target = home / "config.toml"
    target.write_bytes(b"edited by the user\n")
    with pytest.raises(ConflictError) as caught:
        atomic_write(str(target), b"ours\n", expected_before=b"what we read\n")
    assert str(target) in str(caught.value)
    assert target.read_bytes() == b"edited by the user\n"
    assert leftovers(home) == []


def test_a_file_created_by_someone_else_meanwhile_is_not_replaced(home: Path) -> None:
    target = home / "new.json"
    target.write_bytes(b"{}")
    with pytest.raises(ConflictError, match="created by someone else"):
        atomic_write(str(target), b"ours", expected_before=None)
    assert target.read_bytes() == b"{}"


def test_read_only_file_is_refused_clearly(home: Path) -> None:
    target = home / "locked.conf"
    target.write_bytes(b"keep me\n")
    target.chmod(0o444)
    with pytest.raises(WriteError, match="read-only"):
        atomic_write(str(target), b"changed\n", expected_before=b"keep me\n")
    assert target.read_bytes() == b"keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert leftovers(home) == []


def test_missing_folder_is_refused_unless_the_caller_may_create_it(home: Path) -> None:
    target = home / "nowhere" / "config"
    with pytest.raises(WriteError, match="does not exist"):
        atomic_write(str(target), b"x")
    assert not (home / "nowhere").exists()


def test_a_file_in_place_of_a_folder_is_refused(home: Path) -> None:
    (home / ".config").write_bytes(b"not a folder")
    with pytest.raises(WriteError, match="not a folder"):
        atomic_write(str(home / ".config" / "tool" / "x.json"), b"{}", make_parents=True)
    assert (home / ".config").read_bytes() == b"not a folder"


def test_a_folder_in_place_of_the_file_is_refused(home: Path) -> None:
    (home / "settings.json").mkdir()
    with pytest.raises(WriteError, match="is a folder"):
        atomic_write(str(home / "settings.json"), b"{}")
    with pytest.raises(WriteError, match="is a folder"):
        read_current(str(home / "settings.json"))
    assert (home / "settings.json").is_dir()


def test_a_symlink_loop_is_refused(home: Path) -> None:
    os.symlink(home / "b", home / "a")
    os.symlink(home / "a", home / "b")
    with pytest.raises(WriteError, match="symlink loop"):
        atomic_write(str(home / "a"), b"x")
    with pytest.raises(WriteError, match="symlink loop"):
        read_current(str(home / "a"))
    assert os.readlink(home / "a") == str(home / "b")


def test_a_symlinked_file_is_written_through_and_stays_a_link(home: Path) -> None:
    dotfiles = home / "dotfiles" / "settings.json"
    dotfiles.parent.mkdir()
    dotfiles.write_bytes(b"{}\n")
    link = home / ".config" / "settings.json"
    link.parent.mkdir()
    os.symlink(dotfiles, link)
    atomic_write(str(link), b'{"x": 1}\n', expected_before=b"{}\n")
    assert link.is_symlink()
    assert dotfiles.read_bytes() == b'{"x": 1}\n'


def test_full_disk_leaves_the_old_file_and_no_temp(home: Path) -> None:
    """A file-size limit makes write(2) fail with EFBIG exactly as a full disk fails with ENOSPC."""
    target = home / "big.json"
    target.write_bytes(b'{"old": true}\n')
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get the error instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from tracklight.changes.atomic import atomic_write
        from tracklight.errors import WriteError
        try:
            atomic_write({str(target)!r}, b"x" * 100_000, expected_before=b'{{"old": true}}\\n')
        except WriteError as exc:
            print("REFUSED", exc)
            sys.exit(0)
        print("WROTE")
        sys.exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "REFUSED" in done.stdout and "nothing was changed" in done.stdout
    assert str(target) in done.stdout
    assert target.read_bytes() == b'{"old": true}\n'
    assert leftovers(home) == []


def test_remove_checks_the_content_first(home: Path) -> None:
    target = home / "created.json"
    target.write_bytes(b"ours")
    with pytest.raises(ConflictError):
        atomic_remove(str(target), expected_before=b"something else")
    assert target.exists()
    atomic_remove(str(target), expected_before=b"ours")
    assert not target.exists()


def test_sweep_removes_temps_a_killed_writer_left(home: Path) -> None:
    target = home / "config.json"
    target.write_bytes(b"{}")
    stale = home / f".config.json{TEMP_MARK}deadbeef.tmp"
    stale.write_bytes(b"half")
    unrelated = home / ".other.tmp"
    unrelated.write_bytes(b"not ours")
    sweep_temps(str(target))
    assert not stale.exists()
    assert unrelated.exists() and target.read_bytes() == b"{}"
