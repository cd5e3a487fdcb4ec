"""Linux desktop integration as the validators and the UI see it: the menu entry, the autostart entry, AppStream
metadata, one application id everywhere, and the menu-entry installer for pipx installs.

desktop-file-validate (Debian: desktop-file-utils) and appstreamcli (Debian: appstream) are installed by .ci/run;
without them these tests fail rather than skip, since passing the validators is what they are for.
"""

from __future__ import annotations

import configparser
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from packaging_helpers import APP_ID, LINUX, ROOT, run, sandbox_env

import tracklight
from tracklight.ui import autostart

DESKTOP = LINUX / f"{APP_ID}.desktop"
AUTOSTART = LINUX / "autostart" / "tracklight.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def validator(name: str, package: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install the Debian package {package} (.ci/run does)"
    return path


def desktop_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([validator("desktop-file-validate", "desktop-file-utils"), str(path)],
                          capture_output=True, text=True, check=False)


def entry_keys(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # desktop keys are case-sensitive
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


@pytest.mark.parametrize("path", [DESKTOP, AUTOSTART], ids=["menu entry", "autostart template"])
def test_desktop_files_pass_desktop_file_validate(path: Path) -> None:
    result = desktop_validate(path)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout + result.stderr


def test_the_autostart_entry_the_app_writes_passes_desktop_file_validate(tmp_path: Path) -> None:
    """What Settings -> "Start at login" writes, for this install and for a path with spaces."""
    for command in (autostart.launch_command(), ["/opt/My Apps/tracklight", "tray"]):
        written = tmp_path / "tracklight.desktop"
        written.write_text(autostart.desktop_entry(command), encoding="utf-8")
        result = desktop_validate(written)
        assert result.returncode == 0 and "error" not in result.stdout, result.stdout


def test_autostart_template_agrees_with_what_the_app_writes(sandbox_home: Path) -> None:
    """Same file name (so a user's entry overrides a packaged one, per the XDG autostart spec) and the same keys;
    the icon is the only difference: the template names the installed theme icon, the app writes a file path."""
    import os

    assert Path(autostart.autostart_file(os.environ)).name == AUTOSTART.name
    template = entry_keys(AUTOSTART.read_text(encoding="utf-8"))
    written = entry_keys(autostart.desktop_entry(["tracklight", "tray"]))
    assert template.keys() == written.keys()
    assert {k: v for k, v in template.items() if k != "Icon"} == {k: v for k, v in written.items() if k != "Icon"}
    assert template["Icon"] == APP_ID


def test_menu_entry_starts_the_tray_and_matches_the_window_class() -> None:
    keys = entry_keys(DESKTOP.read_text(encoding="utf-8"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert keys["Exec"].split()[0] in scripts and keys["Exec"].split()[1:] == ["tray"]
    assert keys["TryExec"] == keys["Exec"].split()[0]
    assert keys["Icon"] == APP_ID and keys["Terminal"] == "false"
    # X11 docks match windows to this entry by WM class, which the app sets from its name.
    ui_source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "app" / "tracklight" / "ui").glob("*.py"))
    app_name = re.search(r'^APP_NAME = "([^"]+)"', ui_source, re.MULTILINE)
    assert app_name and keys["StartupWMClass"] == app_name.group(1)


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run([validator("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # Errors and warnings fail; infos (such as a tag newer than this appstreamcli) do not.
    assert not re.search(r"^[EW]: ", result.stdout, re.MULTILINE), result.stdout


def test_metainfo_names_the_app_its_release_and_real_screenshots() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == f"{APP_ID}.desktop"
    assert component.findtext("provides/binary") == "tracklight"
    releases = component.findall("releases/release")
    assert releases and releases[0].get("version") == tracklight.__version__, "the newest release comes first"
    assert all(r.find("description") is not None for r in releases), "each release has notes"
    images = component.findall("screenshots/screenshot/image")
    assert images
    for image in images:
        # Screenshots are served from the repository; each one must exist in it, at the size declared.
        relative = (image.text or "").split("/main/", 1)[1]
        assert (ROOT / relative).is_file(), f"{image.text}: {relative} is not in the repository"
        assert png_size(ROOT / relative) == (int(image.get("width", 0)), int(image.get("height", 0)))


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_screenshots_are_drawn_from_the_real_window(tmp_path: Path) -> None:
    """The script behind the screenshots still runs against the current window and catalog."""
    script = LINUX / "screenshots" / "take_screenshots.py"
    run([sys.executable, str(script), str(tmp_path)], sandbox_env(), timeout=120)
    for name in ("window.png", "details.png"):
        assert png_size(tmp_path / name) == png_size(LINUX / "screenshots" / name)


def test_one_application_id_everywhere() -> None:
    from ruamel.yaml import YAML

    flatpak = YAML(typ="safe").load((LINUX / f"{APP_ID}.yml").read_text(encoding="utf-8"))
    assert flatpak["id"] == APP_ID
    with open(ROOT / "packaging" / "macos" / "Info.plist", "rb") as handle:
        assert plistlib.load(handle)["CFBundleIdentifier"] == APP_ID
    assert f'#define AppId "{APP_ID}"' in (ROOT / "packaging" / "windows" / "tracklight.iss").read_text()
    assert f'APP_ID = "{APP_ID}"' in (ROOT / "packaging" / "pyinstaller" / "tracklight.spec").read_text()
    for script in ("build-bundle.sh", "linux/install-desktop-entry.sh"):
        assert APP_ID in (ROOT / "packaging" / script).read_text()


def test_macos_bundle_is_a_menu_bar_app_read_by_the_spec() -> None:
    with open(ROOT / "packaging" / "macos" / "Info.plist", "rb") as handle:
        info = plistlib.load(handle)
    assert info["LSUIElement"] is True  # no Dock icon
    spec = (ROOT / "packaging" / "pyinstaller" / "tracklight.spec").read_text()
    assert '"macos" / "Info.plist"' in spec and "info_plist=info" in spec


def test_menu_entry_installer_for_pipx_installs(sandbox_home: Path, tmp_path: Path) -> None:
    """From the source tree, with the `tracklight` a pipx or venv install put on PATH; then uninstalled."""
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "tracklight").exists()
    env = sandbox_env(extra_path=[str(bin_dir)])
    installer = str(LINUX / "install-desktop-entry.sh")
    run(["sh", installer], env, cwd=tmp_path)

    entry = sandbox_home / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    icon = sandbox_home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    keys = entry_keys(entry.read_text(encoding="utf-8"))
    assert keys["Exec"] == f'"{bin_dir / "tracklight"}" tray'
    assert keys["TryExec"] == str(bin_dir / "tracklight")
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "tracklight.svg").read_bytes()
    result = desktop_validate(entry)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout
    # Everything else is copied as it is.
    original = entry_keys(DESKTOP.read_text(encoding="utf-8"))
    assert {k: v for k, v in keys.items() if k not in ("Exec", "TryExec")} == {
        k: v for k, v in original.items() if k not in ("Exec", "TryExec")}

    run(["sh", installer, "--uninstall"], env, cwd=tmp_path)
    assert not entry.exists() and not icon.exists()


def test_menu_entry_installer_refuses_a_command_it_cannot_quote(tmp_path: Path) -> None:
    odd = tmp_path / "50%" / "tracklight"
    odd.parent.mkdir()
    odd.write_text("#!/bin/sh\n")
    odd.chmod(0o755)
    result = run(["sh", str(LINUX / "install-desktop-entry.sh"), str(odd)], sandbox_env(), check=False)
    assert result.returncode == 1 and "cannot name" in result.stderr
