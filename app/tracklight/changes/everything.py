"""What "opt out of everything" covers (the tray's menu entry and window button, and `tracklight optout --all`).

Kept apart from the planner so the tray can show the list before loading the change machinery.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracklight.core.model import ToolReport


def everything_to_opt_out(reports: Iterable[ToolReport]) -> list[ToolReport]:
    """Every installed tool that sends telemetry now."""
    return [r for r in reports if r.installed and r.tracking]
