"""How sure the facts are, in the window: the details pane says it in the CLI's words, and the list can be filtered to
tools whose opt-out was proven by running the real tool. A failed run is said, not hidden."""

from __future__ import annotations

from pathlib import Path

from tracklight.core.assurance import summarize
from tracklight.ui.tool_table import NAME, TOOL_ID_ROLE

from .conftest import Desk


def _visible_ids(window) -> list[str]:
    return [window.tools.proxy.index(r, NAME).data(TOOL_ID_ROLE) for r in range(window.tools.proxy.rowCount())]


def _manifest(sandbox_home: Path, tool_id: str, proofs: str) -> None:
    folder = sandbox_home / ".local" / "share" / "telemetry-disclosures"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{tool_id}.toml").write_text(f'''manifest_version = 1
id = "{tool_id}"
name = "Acme {tool_id}"
vendor = "Acme Inc."

[detect]
executables = ["{tool_id}"]

[telemetry]
tier = "anonymized"
default = "on"

[[telemetry.controls]]
kind = "env"
name = "ACME_{tool_id.upper().replace("-", "_")}_TELEMETRY"
off = "0"
on = "1"
{proofs}''')


def test_details_say_how_sure_in_the_cli_words(qtbot, make_app, desk: Desk) -> None:
    app = make_app(show_window=True, watch=False)
    window = app.window
    details = window.tools.details
    seen = {}
    for tool_id in ("nextjs", "vscode"):
        assert window.select_tool(tool_id)
        summary = summarize(app.scanner.snapshot.get(tool_id).tool)
        assert summary.text in details.assurance.text()  # the words `tracklight show` prints after "proof:"
        assert details.assurance.isVisible()
        seen[summary.level.value] = details.assurance.text()
    # the catalog as it stands: Next.js proven by running it, VS Code read in its source
    assert "proven by running next " in seen["run"]
    assert "read in its source (" in seen["source"]  # a commit, or the released package that was read
    # the proof records themselves, below: what was run or read, and where
    assert window.select_tool("nextjs")
    text = details.text.toPlainText()
    proof = summarize(app.scanner.snapshot.get("nextjs").tool).proof
    assert proof is not None and proof.package in text and proof.oracle in text


def test_a_failed_run_and_docs_only_are_said(qtbot, make_app, desk: Desk, sandbox_home: Path) -> None:
    _manifest(sandbox_home, "acme-failed", '''
[[proofs]]
method = "run"
covers = ["env:ACME_ACME_FAILED_TELEMETRY", "default"]
date = 2026-12-01
package = "pypi:acme-failed==1.2.3"
version = "1.2.3"
oracle = "acme status"
result = "fail"
note = "still on after the opt-out; the variable is read nowhere"

[[proofs]]
method = "source"
covers = ["tier"]
date = 2026-12-02
version = "v1.2.3"
commit = "0123456789abcdef0123456789abcdef01234567"
url = "https://github.com/acme/acme/blob/0123456789abcdef0123456789abcdef01234567/t.py#L4"
quote = "send(install_id)"
''')
    _manifest(sandbox_home, "acme-docs", '''
[[proofs]]
method = "docs"
covers = ["env:ACME_ACME_DOCS_TELEMETRY", "default", "tier"]
date = 2026-12-03
url = "https://acme.example/docs/telemetry"
''')
    _manifest(sandbox_home, "acme-none", "")
    desk.install("acme-failed", "acme-docs", "acme-none")
    app = make_app(show_window=True, watch=False)
    window = app.window
    details = window.tools.details
    assert not app.scanner.snapshot.get("acme-failed").problems, app.scanner.snapshot.get("acme-failed").problems
    assert window.select_tool("acme-failed")
    assert "its last run FAILED: acme-failed 1.2.3 on 2026-12-01 did not do what this entry says" \
        in details.assurance.text()
    assert "still on after the opt-out" in details.assurance.text()
    assert details.assurance.accessibleName().startswith("Warning")  # not only a colour or an icon
    assert "FAILED" in details.text.toPlainText()  # the proof's own record says so too
    assert window.select_tool("acme-docs")
    assert "vendor documentation only (2026-12-03)" in details.assurance.text()
    assert not details.assurance.accessibleName().startswith("Warning")
    assert window.select_tool("acme-none")
    assert "not proven yet" in details.assurance.text()


def test_the_list_filters_to_tools_whose_opt_out_is_proven(qtbot, make_app, desk: Desk, sandbox_home: Path
                                                            ) -> None:
    _manifest(sandbox_home, "acme-failed", '''
[[proofs]]
method = "run"
covers = ["env:ACME_ACME_FAILED_TELEMETRY", "default"]
date = 2026-12-01
package = "pypi:acme-failed==1.2.3"
version = "1.2.3"
oracle = "acme status"
result = "fail"
''')
    desk.install("acme-failed")
    app = make_app(show_window=True, watch=False)
    tools = app.window.tools
    installed = {r.id for r in app.scanner.snapshot.installed}
    proven = {r.id for r in app.scanner.snapshot.installed if summarize(r.tool).opt_out_proven}
    assert "nextjs" in proven and "vscode" not in proven and "acme-failed" in installed
    assert set(_visible_ids(app.window)) == installed
    assert tools.proven_only.text().replace("&", "") == "Opt-out proven"
    tools.proven_only.setChecked(True)
    assert set(_visible_ids(app.window)) == proven  # a failed run is not "proven"
    tools.scope.setCurrentIndex(1)  # all known tools: every one whose opt-out a run proved
    assert set(_visible_ids(app.window)) == {r.id for r in app.scanner.snapshot.reports
                                              if summarize(r.tool).opt_out_proven}
    tools.scope.setCurrentIndex(0)
    qtbot.keyClicks(tools.search, "visual studio code")
    assert _visible_ids(app.window) == []
    assert tools.empty.isVisible()
    assert "proven" in tools.empty.text()
    tools.search.clear()
    tools.proven_only.setChecked(False)
    assert set(_visible_ids(app.window)) == installed
