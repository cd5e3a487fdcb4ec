"""Which process owns a connection: local port -> socket inode (/proc/net/tcp, tcp6, udp, udp6) -> /proc/PID/fd.

Run inside the watch's network namespace: /proc/net/* then lists that namespace's sockets only, and only the
processes sharing the namespace (the watched command and its children) are searched.
"""

from __future__ import annotations

import os
import shlex

from tracklight.watch.model import Process

_COMMAND_LIMIT = 4096


def _own_netns() -> str:
    return os.readlink("/proc/self/ns/net")


def namespace_pids(netns: str | None = None) -> list[int]:
    """The pids of the processes in this network namespace, this one left out."""
    netns = netns or _own_netns()
    me = os.getpid()
    pids: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/net") == netns:
                pids.append(int(entry))
        except OSError:
            continue
    return pids


def socket_inodes(protocol: str, local_port: int, remote_port: int | None = None) -> list[int]:
    """Inodes of this namespace's `protocol` ("tcp" or "udp") sockets bound to `local_port` (and, when given,
    connected to `remote_port`)."""
    inodes: list[int] = []
    for table in (protocol, protocol + "6"):
        try:
            with open(f"/proc/net/{table}", encoding="ascii") as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split()
                    if len(fields) < 10:
                        continue
                    if int(fields[1].rsplit(":", 1)[1], 16) != local_port:
                        continue
                    if remote_port is not None and int(fields[2].rsplit(":", 1)[1], 16) not in (remote_port, 0):
                        continue
                    inode = int(fields[9])
                    if inode:
                        inodes.append(inode)
        except OSError:
            continue
    return inodes


def command_line(pid: int) -> str:
    """The process's arguments, quoted as a shell would need them; "" if it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            raw = file.read(_COMMAND_LIMIT)
    except OSError:
        return ""
    words = [word.decode("utf-8", "replace") for word in raw.rstrip(b"\0").split(b"\0")]
    return shlex.join(words) if raw else ""


def owner_of(inodes: list[int], pids: list[int]) -> Process | None:
    """The first of `pids` holding one of the sockets `inodes`."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    if not wanted:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    return Process(pid=pid, command=command_line(pid))
            except OSError:
                continue
    return None


def process_of(protocol: str, local_port: int, remote_port: int | None = None,
               netns: str | None = None) -> Process | None:
    """The process in this namespace whose socket uses `local_port`; None when it is gone already."""
    inodes = socket_inodes(protocol, local_port, remote_port)
    if not inodes:
        return None
    return owner_of(inodes, namespace_pids(netns))
