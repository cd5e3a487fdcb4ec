"""Every catalog fact carries its proof: well-formed records, `verified` = the newest proof, nothing stale, full cover.

Full cover (tier, default and every control proven) is required of every entry except those still listed in
unproven_entries.txt, a temporary list that shrinks to nothing while issue 11 is worked through.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tracklight.core.manifest import load_manifest_file
from tracklight.core.model import Source, Tool
from tracklight.core.proofs import newest_proof_date, stale_proofs, uncovered_facts

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "resources" / "catalog"
PENDING_LIST = Path(__file__).with_name("unproven_entries.txt")


def _entries() -> list[tuple[Path, Tool]]:
    entries = []
    for path in sorted(CATALOG.glob("*.toml")):
        result = load_manifest_file(path, Source.CATALOG)
        assert result.tool is not None, [str(p) for p in result.problems]
        entries.append((path, result.tool))
    return entries


ENTRIES = _entries()


def _pending() -> list[str]:
    if not PENDING_LIST.exists():
        return []
    lines = PENDING_LIST.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_proof_is_well_formed() -> None:
    """The parser names each malformed proof with its file and line; the catalog has none."""
    problems = [str(p) for path, _ in ENTRIES for p in load_manifest_file(path, Source.CATALOG).problems]
    assert problems == []


def test_verified_is_the_date_of_the_newest_proof() -> None:
    wrong = {tool.id: (str(tool.verified), str(newest_proof_date(tool)))
             for _, tool in ENTRIES if tool.proofs and tool.verified != newest_proof_date(tool)}
    assert wrong == {}, "verified must equal the newest proof's date: {id: (verified, newest proof)}"


def test_every_entry_without_proofs_is_still_listed_as_unproven() -> None:
    pending = set(_pending())
    unlisted = [tool.id for _, tool in ENTRIES if not tool.proofs and tool.id not in pending]
    assert unlisted == [], "an entry with no proof at all must be listed in tests/core/unproven_entries.txt"


def test_every_fact_of_every_proven_entry_is_covered_by_a_proof() -> None:
    pending = set(_pending())
    gaps = {tool.id: uncovered_facts(tool) for _, tool in ENTRIES
            if tool.id not in pending and uncovered_facts(tool)}
    assert gaps == {}, "facts without a proof (a failed run proof proves nothing): {id: [facts]}"


def test_the_unproven_list_names_only_entries_that_exist_and_still_need_proof() -> None:
    tools = {tool.id: tool for _, tool in ENTRIES}
    pending = _pending()
    assert sorted({p for p in pending if pending.count(p) > 1}) == [], "listed twice"
    assert [p for p in pending if p not in tools] == [], "listed but no such entry"
    done = [p for p in pending if not uncovered_facts(tools[p])]
    assert done == [], f"fully proven: delete these lines from {PENDING_LIST.name}"


def test_no_proof_is_older_than_the_facts_it_covers() -> None:
    """A run proof's fingerprint is taken from the facts it covered; an edit since then makes it stale."""
    stale = {}
    for path, tool in ENTRIES:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        found = stale_proofs(document, tool)
        if found:
            stale[tool.id] = [", ".join(p.covers) for p in found]
    assert stale == {}, "facts changed after they were proven: run `make prove ONLY=<id>` again"


def test_the_proof_report_is_current() -> None:
    """AUDIT.md is generated from the entries' proofs (and rewritten by `make prove`); an edit elsewhere must follow."""
    from tracklight.commands.proving.record import audit_report

    actual = (CATALOG / "AUDIT.md").read_text(encoding="utf-8")
    assert actual == audit_report(CATALOG), "run `tracklight catalog audit > resources/catalog/AUDIT.md`"
