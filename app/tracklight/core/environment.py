"""The environment a tool will see: the process environment plus the env files Tracklight manages.

A variable Tracklight wrote to its env files is in force for every new shell and graphical session, even when the
process that scans was started before the write; so the managed files win over the process environment, and the
evidence says which one set the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracklight.core import env_file, locations
from tracklight.core.model import Os
from tracklight.core.readfile import read_regular_file

PROCESS = "process environment"


@dataclass(frozen=True)
class EnvValue:
    """One variable's value as a new session sees it, and who set it."""

    value: str
    set_by: str  # PROCESS, or the path of the managed env file


@dataclass(frozen=True)
class EnvironmentView:
    """Lookup of env vars as a new session would see them."""

    values: Mapping[str, EnvValue]

    def get(self, name: str) -> EnvValue | None:
        return self.values.get(name)


def managed_env_file(os_: Os, env: Mapping[str, str]) -> str:
    """The env file whose content is the source of truth for Tracklight's variables on this OS."""
    if os_ is Os.LINUX:
        return locations.environment_d_file(env)
    return locations.env_sh_file(os_, env)


def read_managed_env(os_: Os, env: Mapping[str, str]) -> dict[str, str]:
    """The variables Tracklight has set for new sessions ({} when it has set none or the file is unreadable)."""
    path = managed_env_file(os_, env)
    try:
        text = read_regular_file(path, 1 << 20).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if os_ is Os.LINUX:
        return env_file.parse_environment_d(text)
    return env_file.parse_sh(text)


def environment_view(os_: Os, env: Mapping[str, str]) -> EnvironmentView:
    """Process environment overlaid with Tracklight's managed env file."""
    values = {name: EnvValue(value, PROCESS) for name, value in env.items()}
    path = managed_env_file(os_, env)
    for name, value in read_managed_env(os_, env).items():
        values[name] = EnvValue(value, path)
    return EnvironmentView(values)
