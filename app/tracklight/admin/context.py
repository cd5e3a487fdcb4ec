"""Load what every admin command needs: the policy, the tools system scope may follow, the resolved plan."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tracklight.admin.system import SystemPlan, build_system_plan
from tracklight.core import locations
from tracklight.core.catalog import ToolIndex, system_index
from tracklight.core.model import Os
from tracklight.core.policy import Policy, Resolution, load_machine_policy, read_policy_file, resolve
from tracklight.errors import PolicyError


@dataclass(frozen=True)
class AdminContext:
    policy: Policy
    index: ToolIndex
    resolution: Resolution
    plan: SystemPlan
    root: str


def find_policy(policy_path: str | None, os_: Os, env: Mapping[str, str], root: str) -> Policy:
    """The policy named on the command line, else this machine's (under root). PolicyError when there is none."""
    if policy_path:
        return read_policy_file(policy_path)
    policy = load_machine_policy(os_, env, root)
    if policy is None:
        from tracklight.resources import resources_root

        where = locations.policy_file(os_, env, root)
        example = os.path.join(resources_root(), "policy", "example.toml")  # shipped in the wheel too
        raise PolicyError(f"no policy at {where}; write one (see {example}) or pass --policy FILE")
    return policy


def load_context(policy_path: str | None, env: Mapping[str, str], root: str | None = None,
                 os_: Os | None = None) -> AdminContext:
    """Policy, index, resolution and Linux system plan; PolicyError (file:line) for an invalid policy or unknown id."""
    os_ = os_ or locations.current_os()
    root = root or locations.system_root(env)
    policy = find_policy(policy_path, os_, env, root)
    index = system_index(os_, env, root)
    try:
        resolution = resolve(policy, index.tools)
    except PolicyError as exc:
        if not index.ignored:
            raise
        # An id the policy names may be declared only by an input that system scope refuses to read.
        ignored = "; ".join(str(p) for p in index.ignored)
        raise PolicyError(f"{exc.message} (system scope left out: {ignored})", path=exc.path, line=exc.line) from None
    return AdminContext(policy, index, resolution, build_system_plan(policy, resolution, index, root), root)
