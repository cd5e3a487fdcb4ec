"""Whether `tracklight watch` can run on this machine, for the tests that need it (a reason to skip, or "")."""

from __future__ import annotations

import functools
import os


@functools.cache
def watch_refusal() -> str:
    """Why the watch cannot run here ("" when it can): no Linux, no unshare/mount/ip, or namespaces refused."""
    from tracklight.watch.namespace import Unavailable, check_platform, probe, tools

    try:
        check_platform()
        found = tools(os.environ)
        probe(found["unshare"], os.geteuid(), os.environ)
    except Unavailable as exc:
        return str(exc).splitlines()[0]
    return ""
