"""For tests that start a package installer: the machine's own clock, when the suite runs on a moved one.

tests/moved-clock.sh runs the suite under libfaketime (LD_PRELOAD + FAKETIME), which every subprocess inherits.
An installer talks TLS to a package registry, and no certificate checks out on a clock years ahead, so installers
get the real clock back; what they install then runs on the moved clock like everything else.
"""

from __future__ import annotations

from collections.abc import Mapping

_FAKETIME = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")


def installer_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without libfaketime's variables when the suite runs on a moved clock (else unchanged)."""
    if "FAKETIME" not in env:
        return dict(env)
    return {k: v for k, v in env.items() if k not in _FAKETIME}
