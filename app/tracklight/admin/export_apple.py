"""The policy as a macOS configuration profile (.mobileconfig): one payload per app, in that app's own domain.

Browsers read managed preferences from their domain (org.mozilla.firefox, com.google.Chrome);
Firefox also needs EnterprisePoliciesEnabled. UUIDs are derived from the identifiers, so a re-export of a changed
policy replaces the installed profile instead of adding a second one. A profile cannot set environment variables for
every program; those stay with Tracklight's per-user apply on macOS.
"""

from __future__ import annotations

import plistlib
import uuid

from tracklight.admin.export_windows import browsers_in
from tracklight.admin.system import SystemPlan

PROFILE_ID = "org.tracklight.policy"


def _uuid(identifier: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, identifier)).upper()


def render_mobileconfig(plan: SystemPlan) -> bytes:
    """The configuration profile (an XML property list)."""
    payloads = []
    for browser in browsers_in(plan):
        identifier = f"{PROFILE_ID}.{browser.macos_domain}"
        payload: dict[str, object] = {
            "PayloadType": browser.macos_domain,
            "PayloadIdentifier": identifier,
            "PayloadUUID": _uuid(identifier),
            "PayloadVersion": 1,
            "PayloadDisplayName": f"{browser.name}: telemetry off",
        }
        payload.update(dict(browser.macos_extra))
        payload.update(dict(browser.settings))
        payloads.append(payload)
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": PROFILE_ID,
        "PayloadUUID": _uuid(PROFILE_ID),
        "PayloadDisplayName": "Tracklight: telemetry opt-outs",
        "PayloadDescription": "Turns off telemetry in the apps your organisation's Tracklight policy names "
                              f"({', '.join(b.name for b in browsers_in(plan)) or 'none'}).",
        "PayloadOrganization": "Tracklight policy",
        "PayloadScope": "System",
        "PayloadRemovalDisallowed": bool(plan.resolution.locked),
        "PayloadContent": payloads,
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=False)
