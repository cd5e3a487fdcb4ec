"""Per-OS search paths are pure functions of (os, env): tested for Linux, macOS and Windows on any machine."""

from __future__ import annotations

from tracklight.core import locations
from tracklight.core.model import Os

LINUX_ENV = {"HOME": "/home/ana"}


def test_linux_manifest_folders_default_and_xdg() -> None:
    dirs = locations.manifest_dirs(Os.LINUX, LINUX_ENV)
    assert dirs == [
        ("/etc/telemetry-disclosures", "system"),
        ("/home/ana/.local/share/telemetry-disclosures", "user"),
        ("/usr/local/share/telemetry-disclosures", "system"),
        ("/usr/share/telemetry-disclosures", "system"),
    ]
    env = {"HOME": "/home/ana", "XDG_DATA_HOME": "/data/ana", "XDG_DATA_DIRS": "/opt/share:/usr/share:relative"}
    assert locations.manifest_dirs(Os.LINUX, env) == [
        ("/etc/telemetry-disclosures", "system"),
        ("/data/ana/telemetry-disclosures", "user"),
        ("/opt/share/telemetry-disclosures", "system"),
        ("/usr/share/telemetry-disclosures", "system"),
    ]


def test_linux_system_folders_follow_the_root() -> None:
    dirs = locations.manifest_dirs(Os.LINUX, LINUX_ENV, root="/img")
    assert dirs[0] == ("/img/etc/telemetry-disclosures", "system")
    assert ("/img/usr/share/telemetry-disclosures", "system") in dirs


def test_macos_and_windows_manifest_folders() -> None:
    assert locations.manifest_dirs(Os.MACOS, {"HOME": "/Users/ana"}) == [
        ("/Users/ana/Library/Application Support/TelemetryDisclosures", "user"),
        ("/Library/Application Support/TelemetryDisclosures", "system"),
    ]
    env = {"USERPROFILE": "C:\\Users\\ana", "APPDATA": "C:\\Users\\ana\\AppData\\Roaming",
           "PROGRAMDATA": "D:\\ProgramData"}
    assert locations.manifest_dirs(Os.WINDOWS, env) == [
        ("C:\\Users\\ana\\AppData\\Roaming\\TelemetryDisclosures", "user"),
        ("D:\\ProgramData\\TelemetryDisclosures", "system"),
    ]
    bare = locations.manifest_dirs(Os.WINDOWS, {"USERPROFILE": "C:\\Users\\bo"})
    assert bare[0][0] == "C:\\Users\\bo\\AppData\\Roaming\\TelemetryDisclosures"
    assert bare[1][0] == "C:\\ProgramData\\TelemetryDisclosures"


def test_expand_path_tilde_xdg_and_defaults() -> None:
    assert locations.expand_path("~/.terraformrc", Os.LINUX, LINUX_ENV) == "/home/ana/.terraformrc"
    assert locations.expand_path("$XDG_CONFIG_HOME/go/telemetry/mode", Os.LINUX, LINUX_ENV) == \
        "/home/ana/.config/go/telemetry/mode"
    env = {"HOME": "/home/ana", "XDG_CONFIG_HOME": "/cfg"}
    assert locations.expand_path("$XDG_CONFIG_HOME/.nuxtrc", Os.LINUX, env) == "/cfg/.nuxtrc"
    # A relative XDG value is ignored, as the XDG spec says.
    assert locations.expand_path("$XDG_CONFIG_HOME/x", Os.LINUX, {"HOME": "/h", "XDG_CONFIG_HOME": "rel"}) == \
        "/h/.config/x"
    assert locations.expand_path("$XDG_STATE_HOME/syncthing/config.xml", Os.LINUX, LINUX_ENV) == \
        "/home/ana/.local/state/syncthing/config.xml"


def test_expand_path_override_variable_with_fallback() -> None:
    template = "${AZURE_CONFIG_DIR:-~/.azure}/config"
    assert locations.expand_path(template, Os.LINUX, LINUX_ENV) == "/home/ana/.azure/config"
    assert locations.expand_path(template, Os.LINUX, {**LINUX_ENV, "AZURE_CONFIG_DIR": "/srv/az"}) == "/srv/az/config"


def test_expand_path_nothing_else_is_expanded() -> None:
    assert locations.expand_path("~/$SECRET/x", Os.LINUX, {**LINUX_ENV, "SECRET": "s"}) == "/home/ana/$SECRET/x"
    assert locations.expand_path("~/$(whoami)", Os.LINUX, LINUX_ENV) == "/home/ana/$(whoami)"


def test_expand_path_windows_and_macos() -> None:
    env = {"USERPROFILE": "C:\\Users\\ana", "APPDATA": "C:\\Users\\ana\\AppData\\Roaming"}
    assert locations.expand_path("%APPDATA%\\Code\\User\\settings.json", Os.WINDOWS, env) == \
        "C:\\Users\\ana\\AppData\\Roaming\\Code\\User\\settings.json"
    assert locations.expand_path("%LOCALAPPDATA%\\Syncthing\\config.xml", Os.WINDOWS, env) == \
        "C:\\Users\\ana\\AppData\\Local\\Syncthing\\config.xml"
    assert locations.expand_path("~/.terraform.rc", Os.WINDOWS, env) == "C:\\Users\\ana\\.terraform.rc"
    assert locations.expand_path("~/Library/Preferences/x.json", Os.MACOS, {"HOME": "/Users/ana"}) == \
        "/Users/ana/Library/Preferences/x.json"


def test_absolute_system_paths_go_under_the_root() -> None:
    assert locations.expand_path("/etc/popularity-contest.conf", Os.LINUX, LINUX_ENV, root="/sandbox") == \
        "/sandbox/etc/popularity-contest.conf"
    assert locations.expand_path("/etc/popularity-contest.conf", Os.LINUX, LINUX_ENV) == \
        "/etc/popularity-contest.conf"


def test_tracklight_own_files_honour_xdg() -> None:
    env = {"HOME": "/home/ana", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s"}
    assert locations.environment_d_file(env) == "/c/environment.d/60-tracklight.conf"
    assert locations.env_sh_file(Os.LINUX, env) == "/c/tracklight/env.sh"
    assert locations.env_fish_file(Os.LINUX, env) == "/c/tracklight/env.fish"
    assert locations.state_dir(Os.LINUX, env) == "/s/tracklight"
    assert locations.settings_path(Os.LINUX, env) == "/c/tracklight/settings.toml"
    assert locations.state_dir(Os.LINUX, LINUX_ENV) == "/home/ana/.local/state/tracklight"


def test_policy_file_per_os() -> None:
    assert locations.policy_file(Os.LINUX, LINUX_ENV) == "/etc/tracklight/policy.toml"
    assert locations.policy_file(Os.LINUX, LINUX_ENV, root="/r") == "/r/etc/tracklight/policy.toml"
    assert locations.policy_file(Os.MACOS, {"HOME": "/Users/a"}) == \
        "/Library/Application Support/Tracklight/policy.toml"
    assert locations.policy_file(Os.WINDOWS, {"PROGRAMDATA": "C:\\ProgramData"}) == \
        "C:\\ProgramData\\Tracklight\\policy.toml"


def test_braced_xdg_variable_with_fallback_means_only_when_set() -> None:
    template = "${XDG_CONFIG_HOME:-~}/.nuxtrc"
    assert locations.expand_path(template, Os.LINUX, LINUX_ENV) == "/home/ana/.nuxtrc"
    assert locations.expand_path(template, Os.LINUX, {**LINUX_ENV, "XDG_CONFIG_HOME": "/c"}) == "/c/.nuxtrc"
    assert locations.expand_path("${XDG_CONFIG_HOME}/x", Os.LINUX, LINUX_ENV) == "/home/ana/.config/x"


def test_braced_xdg_variable_on_windows_takes_a_drive_path() -> None:
    # adrg/xdg (kurtosis) uses XDG_CONFIG_HOME on Windows when it is absolute, else %LOCALAPPDATA%.
    template = "${XDG_CONFIG_HOME:-%LOCALAPPDATA%}\\kurtosis\\kurtosis-config.yml"
    env = {"USERPROFILE": "C:\\Users\\ana"}
    assert locations.expand_path(template, Os.WINDOWS, env) == \
        "C:\\Users\\ana\\AppData\\Local\\kurtosis\\kurtosis-config.yml"
    assert locations.expand_path(template, Os.WINDOWS, {**env, "XDG_CONFIG_HOME": "D:\\cfg"}) == \
        "D:\\cfg\\kurtosis\\kurtosis-config.yml"
    assert locations.expand_path(template, Os.WINDOWS, {**env, "XDG_CONFIG_HOME": "rel"}) == \
        "C:\\Users\\ana\\AppData\\Local\\kurtosis\\kurtosis-config.yml"
