"""Apply re-checks what it read, journals before writing, rolls back a half-done change; undo refuses clearly."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from changes_helpers import FIXED_NOW, changes, plant, reports, state_of

from tracklight.changes.apply import apply_changeset
from tracklight.changes.changeset import Action
from tracklight.changes.journal import Journal, Status
from tracklight.changes.plan import PlanContext, plan_changes
from tracklight.core.model import Os, State
from tracklight.errors import ConflictError, TracklightError, WriteError

SETTINGS = ".config/Code/User/settings.json"


def _apply_plain(changeset, ctx: PlanContext, replan=None):  # type: ignore[no-untyped-def]
    journal = Journal.for_env(ctx.os_, ctx.env)
    return apply_changeset(changeset, journal=journal, guard=ctx.guard, store=ctx.env_store(), replan=replan)


def test_a_file_edited_between_plan_and_apply_is_not_overwritten(home: Path) -> None:
    settings = home / SETTINGS
    plant(settings, '{\n  "editor.tabSize": 2\n}\n')
    ctx = PlanContext.create(dict(os.environ), now=FIXED_NOW)
    planned = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
    edited = plant(settings, '{\n  "editor.tabSize": 8\n}\n')  # the user saves in VS Code meanwhile
    with pytest.raises(ConflictError) as caught:
        _apply_plain(planned, ctx)
    assert caught.value.path == str(settings)
    assert settings.read_bytes() == edited
    assert Journal.for_env(Os.LINUX, os.environ).entries() == []


def test_a_stale_plan_is_made_again_once_and_keeps_the_users_edit(home: Path) -> None:
    settings = home / SETTINGS
    plant(settings, '{\n  "editor.tabSize": 2\n}\n')
    ctx = PlanContext.create(dict(os.environ), now=FIXED_NOW)
    planned = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
    plant(settings, '{\n  "editor.tabSize": 8\n}\n')
    applied = _apply_plain(planned, ctx,
                           replan=lambda: plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset)
    text = settings.read_text()
    assert '"editor.tabSize": 8' in text and '"telemetry.telemetryLevel": "off"' in text
    assert applied.id != planned.id


def test_a_file_that_never_settles_is_a_conflict_after_backing_off(home: Path) -> None:
    from tracklight.changes.apply import RETRY_DELAYS

    settings = home / SETTINGS
    plant(settings, "{}\n")
    ctx = PlanContext.create(dict(os.environ), now=FIXED_NOW)
    planned = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
    plant(settings, '{"a": 0}\n')
    typed = iter(range(1, 100))
    waited: list[float] = []

    def replan_while_the_user_keeps_typing():  # type: ignore[no-untyped-def]
        fresh = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
        plant(settings, f'{{"a": {next(typed)}}}\n')
        return fresh

    journal = Journal.for_env(ctx.os_, ctx.env)
    with pytest.raises(ConflictError, match="changed while Tracklight was planning"):
        apply_changeset(planned, journal=journal, guard=ctx.guard, store=ctx.env_store(),
                        replan=replan_while_the_user_keeps_typing, sleep=waited.append)
    assert waited == list(RETRY_DELAYS)  # backed off, growing pauses, then gave up
    assert settings.read_bytes() == f'{{"a": {len(RETRY_DELAYS)}}}\n'.encode()
    assert journal.entries() == []  # nothing was written, so nothing is listed


def test_a_file_rewritten_every_few_ms_still_gets_its_opt_out(home: Path) -> None:
    """A tool that rewrites its file a few times, then lets it be: the change backs off and lands."""
    settings = home / SETTINGS
    plant(settings, "{}\n")
    ctx = PlanContext.create(dict(os.environ), now=FIXED_NOW)
    planned = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
    plant(settings, '{"a": 0}\n')
    rewrites = iter(range(1, 4))
    waited: list[float] = []

    def replan():  # type: ignore[no-untyped-def]
        fresh = plan_changes(Action.OPTOUT, reports("vscode"), ctx).changeset
        step = next(rewrites, None)
        if step is not None:
            plant(settings, f'{{"a": {step}}}\n')
        return fresh

    journal = Journal.for_env(ctx.os_, ctx.env)
    apply_changeset(planned, journal=journal, guard=ctx.guard, store=ctx.env_store(), replan=replan,
                    sleep=waited.append)
    assert len(waited) == 4
    text = settings.read_text()
    assert '"a": 3' in text and '"telemetry.telemetryLevel": "off"' in text
    assert [e.status for e in journal.entries()] == [Status.COMPLETE]


def test_a_write_failing_half_way_puts_back_what_was_written(home: Path) -> None:
    first = home / ".azure/config"
    first_bytes = plant(first, "[core]\ncollect_telemetry = true\n")
    second = home / ".dart-tool/dart-flutter-telemetry.config"
    second_bytes = plant(second, "reporting=1\n")
    ctx = PlanContext.create(dict(os.environ), now=FIXED_NOW)
    planned = plan_changes(Action.OPTOUT, reports("azure-cli", "dart"), ctx).changeset
    assert [c.path for c in planned.files] == [str(first), str(second)]
    second.chmod(0o444)  # becomes read-only after the plan: the second write fails
    with pytest.raises(WriteError, match="read-only"):
        _apply_plain(planned, ctx)
    assert first.read_bytes() == first_bytes and second.read_bytes() == second_bytes
    [entry] = Journal.for_env(Os.LINUX, os.environ).entries()
    assert entry.status is Status.ROLLED_BACK
    with pytest.raises(TracklightError, match="nothing to undo"):
        changes().undo()


def test_undo_refuses_when_a_file_changed_since_and_names_it(home: Path) -> None:
    settings = home / SETTINGS
    plant(settings, "{\n}\n")
    tool = changes()
    applied = tool.optout(reports("vscode", "dotnet")).applied
    assert applied is not None
    edited = settings.read_bytes().replace(b"{", b'{\n  "editor.wordWrap": "on",', 1)
    settings.write_bytes(edited)
    profile_before = (home / ".profile").read_bytes()
    with pytest.raises(ConflictError) as caught:
        tool.undo()
    assert caught.value.path == str(settings)
    assert applied.id in str(caught.value)
    # nothing was undone, not even the files that could have been
    assert settings.read_bytes() == edited
    assert (home / ".profile").read_bytes() == profile_before
    assert state_of("dotnet") is State.OFF
    assert tool.history()[0].status is Status.COMPLETE


def test_history_lists_newest_first_and_undo_walks_back(home: Path) -> None:
    tool = changes()
    first = tool.optout(reports("dotnet")).applied
    second = tool.optout(reports("nextjs")).applied
    assert first is not None and second is not None
    assert [e.id for e in tool.history()] == [second.id, first.id]
    undo_second = tool.undo()
    assert undo_second.reverts == second.id
    assert state_of("nextjs") is not State.OFF and state_of("dotnet") is State.OFF
    undo_first = tool.undo()
    assert undo_first.reverts == first.id
    assert state_of("dotnet") is State.ON
    statuses = {e.id: (e.status, e.undone_by) for e in tool.history()}
    assert statuses[second.id] == (Status.UNDONE, undo_second.id)
    assert statuses[first.id] == (Status.UNDONE, undo_first.id)
    with pytest.raises(TracklightError, match="nothing to undo"):
        tool.undo()
    with pytest.raises(TracklightError, match="already undone"):
        tool.undo(first.id)
    with pytest.raises(TracklightError, match="no change"):
        tool.undo("20990101-000000-0000")


def test_undoing_an_undo_redoes_the_change(home: Path) -> None:
    settings = home / SETTINGS
    plant(settings, "{}\n")
    tool = changes()
    tool.optout(reports("vscode"))
    opted_out = settings.read_bytes()
    undo = tool.undo()
    tool.undo(undo.id)
    assert settings.read_bytes() == opted_out


def test_the_journal_keeps_previous_bytes_and_is_private(home: Path) -> None:
    settings = home / SETTINGS
    original = plant(settings, b'\xef\xbb\xbf{\r\n  "a": 1\r\n}\r\n')
    applied = changes().optout(reports("vscode")).applied
    assert applied is not None
    entry_file = home / ".local/state/tracklight/journal" / f"{applied.id}.json"
    assert (entry_file.stat().st_mode & 0o777) == 0o600
    data = json.loads(entry_file.read_text())
    assert data["files"][0]["path"] == str(settings)
    assert base64.b64decode(data["files"][0]["before"]) == original
    assert base64.b64decode(data["files"][0]["after"]) == settings.read_bytes()


def test_an_apply_killed_after_journaling_can_still_be_undone(home: Path) -> None:
    """The journal is durable before any file is touched; a kill right then leaves an entry undo can use."""
    settings = home / SETTINGS
    original = plant(settings, "{}\n")
    script = textwrap.dedent("""
        import os
        from tracklight.changes.environment_store import NoPlatformCalls
        from tracklight.changes.operations import Changes
        from tracklight.core.scan import scan
        from tracklight.changes.changeset import Action
        reports = list(scan(only={"vscode", "dotnet"}).reports)
        Changes(platform=NoPlatformCalls()).run(Action.OPTOUT, reports, after_journal=lambda cs: os._exit(9))
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr
    [entry] = changes().history()
    assert entry.status is Status.INTERRUPTED
    assert settings.read_bytes() == original
    undo = changes().undo()
    assert undo.empty  # no file had been replaced yet
    assert changes().history()[-1].status is Status.UNDONE
    assert settings.read_bytes() == original
