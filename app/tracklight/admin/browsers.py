"""The browsers' own machine-wide policies: the names they document, and where each OS reads them.

Browsers have no per-user telemetry file worth writing (Firefox rewrites prefs.js while it runs), but they read
enterprise policies from a root-owned place on every OS. These facts can't be said in a manifest (registry keys,
macOS preference domains), so they live here. Sources:
- Firefox: mozilla/policy-templates (DisableTelemetry, DisableFirefoxStudies; policies.json in
  /etc/firefox/policies on Linux, HKLM\\SOFTWARE\\Policies\\Mozilla\\Firefox on Windows, the org.mozilla.firefox
  domain with EnterprisePoliciesEnabled on macOS).
- Google Chrome: the Chrome Enterprise policy list (MetricsReportingEnabled,
  UrlKeyedAnonymizedDataCollectionEnabled; /etc/opt/chrome/policies/managed/ on Linux,
  HKLM\\SOFTWARE\\Policies\\Google\\Chrome on Windows, the com.google.Chrome domain on macOS).

Chromium has no entry here. Builds without Google Chrome branding never send usage statistics
(MetricsServiceAccessor::IsMetricsReportingEnabled returns false in them, whatever the MetricsReportingEnabled policy
says; see resources/catalog/chromium.toml), so a Chromium policy file would change nothing: Tracklight writes none.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracklight.core.model import Scalar


@dataclass(frozen=True)
class BrowserPolicy:
    """One browser's telemetry opt-out as its own enterprise policies."""

    tool_id: str
    name: str
    settings: tuple[tuple[str, bool], ...]  # documented policy name -> value that opts out
    linux_file: str  # the machine-wide JSON file Tracklight writes (merged into, for a shared file)
    linux_prefix: tuple[str, ...]  # where the settings sit inside that JSON ("policies" for Firefox)
    windows_key: str  # under HKEY_LOCAL_MACHINE
    macos_domain: str  # the preference domain of a configuration profile payload
    macos_extra: tuple[tuple[str, Scalar], ...] = ()

    def json_settings(self) -> dict[str, object]:
        """The browser's own policy JSON (what `tracklight export --format firefox|chromium` prints)."""
        document: dict[str, object] = dict(self.settings)
        for segment in reversed(self.linux_prefix):
            document = {segment: document}
        return document

    def json_keys(self) -> tuple[tuple[str, bool], ...]:
        """Dotted keys into the Linux file, for the format editors."""
        prefix = "".join(f"{segment}." for segment in self.linux_prefix)
        return tuple((prefix + name, value) for name, value in self.settings)


FIREFOX = BrowserPolicy(
    tool_id="firefox",
    name="Firefox",
    settings=(("DisableTelemetry", True), ("DisableFirefoxStudies", True)),
    linux_file="/etc/firefox/policies/policies.json",
    linux_prefix=("policies",),
    windows_key="SOFTWARE\\Policies\\Mozilla\\Firefox",
    macos_domain="org.mozilla.firefox",
    macos_extra=(("EnterprisePoliciesEnabled", True),),
)

CHROME = BrowserPolicy(
    tool_id="google-chrome",
    name="Google Chrome",
    settings=(("MetricsReportingEnabled", False), ("UrlKeyedAnonymizedDataCollectionEnabled", False)),
    linux_file="/etc/opt/chrome/policies/managed/tracklight.json",
    linux_prefix=(),
    windows_key="SOFTWARE\\Policies\\Google\\Chrome",
    macos_domain="com.google.Chrome",
)

BROWSERS: dict[str, BrowserPolicy] = {b.tool_id: b for b in (FIREFOX, CHROME)}
