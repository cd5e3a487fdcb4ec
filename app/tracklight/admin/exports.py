"""`tracklight export --format F`: the policy as the thing a fleet's own engine runs.

Every export is rendered from the same SystemPlan that `tracklight policy apply` writes, so a playbook, a shell
script and a direct apply produce the same files; what each does with a file is exported_files.py.
"""

from __future__ import annotations

from collections.abc import Callable

from tracklight.admin.browsers import CHROME, FIREFOX, BrowserPolicy
from tracklight.admin.exported_files import canonical_json
from tracklight.admin.system import SystemPlan
from tracklight.errors import PolicyError


def browser_json(plan: SystemPlan, browser: BrowserPolicy) -> str:
    """A browser's own policy JSON, when the policy opts it out."""
    if browser.tool_id not in plan.resolution.optout:
        raise PolicyError(f"the policy does not opt out {browser.tool_id}; nothing to export for {browser.name}",
                          path=plan.policy.path)
    return canonical_json(browser.json_settings())


def _firefox(plan: SystemPlan) -> str:
    return browser_json(plan, FIREFOX)


def _chromium(plan: SystemPlan) -> str:
    """The Chromium-format policy JSON, which only Google Chrome needs: unbranded Chromium never sends usage
    statistics, so a policy file for it would change nothing (admin/browsers.py)."""
    if CHROME.tool_id not in plan.resolution.optout:
        why = (" (Chromium itself never sends usage statistics, so it has no policy to export)"
               if "chromium" in plan.resolution.optout else "")
        raise PolicyError(f"the policy does not opt out {CHROME.tool_id}; nothing to export for {CHROME.name}{why}",
                          path=plan.policy.path)
    return browser_json(plan, CHROME)


def renderers() -> dict[str, Callable[[SystemPlan], str | bytes]]:
    """Format name -> renderer; imported lazily so `tracklight export --help` stays quick."""
    from tracklight.admin import export_ansible, export_apple, export_shell, export_windows

    return {
        "ansible": export_ansible.render,
        "shell": export_shell.render,
        "powershell": export_windows.render_powershell,
        "reg": export_windows.render_reg,
        "mobileconfig": export_apple.render_mobileconfig,
        "firefox": _firefox,
        "chromium": _chromium,
    }


EXPORT_FORMATS = ("ansible", "shell", "powershell", "reg", "mobileconfig", "firefox", "chromium")


def export(plan: SystemPlan, format_name: str) -> str | bytes:
    """Render the plan in one export format (bytes for .reg, which is UTF-16)."""
    table = renderers()
    if format_name not in table:
        raise PolicyError(f"unknown export format {format_name!r} (known: {', '.join(EXPORT_FORMATS)})")
    return table[format_name](plan)
