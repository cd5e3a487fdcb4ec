"""The Qt-free parts of the tray: the snapshot's summary and comparison, the watch plan, settings, autostart."""

from __future__ import annotations

import os
from pathlib import Path

from tracklight.core import locations
from tracklight.core.model import State, Tier
from tracklight.ui import autostart
from tracklight.ui.settings import Settings, load_settings, save_settings
from tracklight.ui.snapshot import Snapshot, compare
from tracklight.ui.watch_plan import build_plan, nearest_existing

from .conftest import Desk


def _snapshot(desk: Desk) -> Snapshot:
    return Snapshot.from_scan(desk.scan())


def test_tooltip_names_the_tracking_tools_worst_first(desk: Desk) -> None:
    snapshot = _snapshot(desk)
    names = [r.tool.name for r in snapshot.tracking]
    assert snapshot.tooltip().startswith(f"{len(names)} tools send telemetry: ")
    assert sorted(snapshot.tooltip().split(": ", 1)[1].split(", ")) == sorted(names)
    assert snapshot.worst_tier is max((r.tool.telemetry.tier for r in snapshot.tracking), key=lambda t: t.rank)


def test_nothing_tracking_means_the_clean_icon(desk: Desk) -> None:
    empty = Snapshot((), (), scanned=True)
    assert empty.worst_tier is Tier.NONE
    assert empty.tooltip().startswith("Tracklight: no installed tool sends telemetry")
    assert Snapshot().headline().startswith("Looking")


def test_partial_rescan_replaces_only_its_tools(desk: Desk) -> None:
    before = _snapshot(desk)
    desk.vscode_settings.write_text('{"telemetry.telemetryLevel": "off"}')
    desk.next_config.write_text('{"telemetry": {"enabled": false}}')
    from tracklight.core.scan import scan

    after = before.merged(scan(only={"vscode"}), {"vscode"})
    assert after.get("vscode").state is State.OFF
    assert after.get("nextjs").state is State.ON  # not rescanned: still the old report
    assert [r.id for r in after.reports] == [r.id for r in before.reports]


def test_compare_finds_reenabled_and_newly_installed(desk: Desk) -> None:
    desk.next_config.write_text('{"telemetry": {"enabled": false}}')
    before = _snapshot(desk)
    desk.next_config.write_text('{"telemetry": {"enabled": true}}')
    desk.install("hyperframes")
    after = _snapshot(desk)
    found = compare(before, after)
    assert [r.id for r in found.reenabled] == ["nextjs"]
    assert [r.id for r in found.newly_tracking] == ["hyperframes"]
    assert compare(before, after, expected_on={"nextjs"}).reenabled == ()  # Tracklight turned it on itself
    assert compare(Snapshot(), after).reenabled == ()  # the first scan announces nothing


def test_watch_plan_maps_paths_back_to_tools(desk: Desk) -> None:
    snapshot = _snapshot(desk)
    env = dict(os.environ)
    plan = build_plan(snapshot.reports, env, locations.current_os(), locations.system_root(env))
    assert str(desk.vscode_settings.parent) in plan.folders
    assert str(desk.bin) in plan.folders
    assert "vscode" in plan.affected([str(desk.vscode_settings)]).tool_ids
    assert plan.affected([str(desk.next_config)]).tool_ids >= {"nextjs"}
    assert "vscode" not in plan.affected([str(desk.next_config)]).tool_ids
    assert plan.affected([str(desk.bin / "hyperframes")]).tool_ids == {"hyperframes"}
    assert plan.affected([str(desk.home / ".bash_history")]).nothing
    env_file = locations.environment_d_file(env)
    assert plan.affected([env_file]).everything
    manifest_dir = os.path.join(locations.xdg_dir("XDG_DATA_HOME", env), "telemetry-disclosures")
    assert plan.affected([os.path.join(manifest_dir, "acme.toml")]).reload_index


def test_missing_folders_are_watched_through_their_parent(tmp_path: Path) -> None:
    assert nearest_existing(str(tmp_path / "a" / "b" / "c")) == str(tmp_path)
    assert nearest_existing(str(tmp_path)) == str(tmp_path)


def test_settings_round_trip_keeps_other_content(sandbox_home: Path) -> None:
    env = {"HOME": str(sandbox_home)}
    os_ = locations.current_os()
    assert load_settings(os_, env) == Settings()
    path = Path(locations.settings_path(os_, env))
    path.parent.mkdir(parents=True)
    path.write_text("# my notes\n[other]\nkeep = 1\n")
    save_settings(Settings(keep_opted_out=True), os_, env)
    text = path.read_text()
    assert text.startswith("# my notes\n[other]\nkeep = 1\n")
    assert load_settings(os_, env) == Settings(keep_opted_out=True)
    path.write_text("not toml [")
    assert load_settings(os_, env) == Settings()
    path.write_bytes(b'[tray]\nwelcomed = true\nnote = "\xff"\n')  # not UTF-8: defaults, not a failed start
    assert load_settings(os_, env) == Settings()


def test_autostart_entry_quotes_its_command(sandbox_home: Path) -> None:
    env = {"HOME": str(sandbox_home)}
    assert not autostart.is_enabled(env)
    path = autostart.enable(env, ["/opt/my apps/tracklight", "tray"])
    assert path == str(sandbox_home / ".config" / "autostart" / "tracklight.desktop")
    text = Path(path).read_text()
    assert 'Exec="/opt/my apps/tracklight" tray\n' in text
    assert autostart.is_enabled(env)
    autostart.disable(env)
    assert not os.path.exists(path) and not autostart.is_enabled(env)


def test_switching_off_start_at_login_hides_an_admins_autostart_entry(sandbox_home: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    """An admin's /etc/xdg/autostart/tracklight.desktop starts Tracklight until the user's own entry hides it."""
    import os

    from tracklight.ui import autostart

    system = tmp_path / "etc-xdg"
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(system))
    env = dict(os.environ)
    assert not autostart.is_enabled(env)
    (system / "autostart").mkdir(parents=True)
    (system / "autostart" / "tracklight.desktop").write_text(autostart.desktop_entry(["tracklight", "tray"]))
    assert autostart.is_enabled(env)
    autostart.disable(env)
    user_file = Path(autostart.autostart_file(env))
    assert "Hidden=true" in user_file.read_text() and not autostart.is_enabled(env)
    autostart.enable(env)
    assert autostart.is_enabled(env) and "Hidden=true" not in user_file.read_text()


def test_opting_out_of_everything_notes_a_system_only_tool_as_the_cli_does(desk: Desk) -> None:
    # Grafana's only control is its system-wide grafana.ini: the person can't switch it off from their account.
    from tracklight.changes.operations import Changes

    desk.install("grafana-server")
    reports = [r for r in desk.scan().reports if r.installed and r.tracking]
    assert "grafana" in {r.id for r in reports}
    plan = Changes(dict(os.environ), locations.current_os(), str(desk.root)).plan_everything(reports)
    assert plan.failures == ()
    assert any(note.startswith("grafana: ") and "tracklight policy apply" in note for note in plan.notes)
    assert {"vscode", "nextjs", "dotnet"} <= set(plan.changeset.tool_ids)
