"""Write a run's result into its catalog entry: one `[[proofs]]` record with method "run" per package.

The entry is edited with tomlkit, so everything else in it (comments, order, the hand-written source proofs) stays
as it was; an earlier run proof of the same package is replaced, and `verified` becomes the newest proof's date.
The date comes from the caller (the CLI's clock, or a test's), never from here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomlkit

from tracklight.changes.atomic import atomic_write
from tracklight.commands.proving.sandbox import RunOutcome
from tracklight.core.manifest import load_manifest_file, parse_manifest
from tracklight.core.model import Source
from tracklight.core.oracle import Oracle, Package, parse_package
from tracklight.core.proofs import fact_fingerprint
from tracklight.errors import ManifestError


def _same_package(raw: Any, registry_name: tuple[str, str]) -> bool:
    if not isinstance(raw, dict) or raw.get("method") != "run":
        return False
    package = parse_package(str(raw.get("package", "")))
    return package is not None and (package.registry, package.base_name) == registry_name


def oracle_words(oracle: Oracle) -> str:
    """What was asked, for the proof: the oracle's own words, and the watch when it has one."""
    if oracle.watch is None:
        return oracle.oracle
    watched = (f"`tracklight watch` of `{oracle.watch.command}`, on when it contacts "
               f"{' or '.join(oracle.watch.endpoints)}")
    return watched if oracle.oracle == watched else f"{oracle.oracle}; and {watched}"


def proof_table(outcome: RunOutcome, document: dict[str, Any], date: dt.date) -> dict[str, Any]:
    """The `[[proofs]]` record for one run (fields as SPEC.md's Proofs section names them)."""
    oracle = outcome.oracle
    package = Package(oracle.package.registry, oracle.package.name, outcome.version)
    note = outcome.reason if not outcome.passed else ""
    notes = [n for n in (note, *outcome.notes, oracle.note) if n]
    if not outcome.isolated:
        notes.append("the tool ran with network access (no network namespace on the machine that ran it)")
    table: dict[str, Any] = {
        "method": "run",
        "covers": list(outcome.covers),
        "date": date,
        "package": package.spec,
        "version": outcome.version,
        "oracle": oracle_words(oracle),
        "result": "pass" if outcome.passed else "fail",
        "fingerprint": fact_fingerprint(document, outcome.covers),
    }
    if notes:
        table["note"] = "; ".join(notes)
    return table


def record_outcome(entry: Path, outcome: RunOutcome, date: dt.date) -> None:
    """Replace this package's run proof in the entry with the new one, and set `verified`; refuse a broken result."""
    text = entry.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    edited = tomlkit.parse(text)
    key = (outcome.oracle.package.registry, outcome.oracle.package.base_name)
    proofs = edited.get("proofs")
    if proofs is None:
        proofs = tomlkit.aot()
        edited.append("proofs", proofs)
    for index in reversed(range(len(proofs))):
        if _same_package(proofs[index], key):
            del proofs[index]
    proofs.append(tomlkit.item(proof_table(outcome, document, date)))
    dates = [p["date"] for p in proofs if isinstance(p.get("date"), dt.date)]
    edited["verified"] = max(dates)
    # tomlkit puts an appended table right under the previous line; a blank line keeps the entry readable.
    new_text = re.sub(r"([^\n])\n\[\[proofs\]\]", "\\1\n\n[[proofs]]", tomlkit.dumps(edited)).rstrip("\n") + "\n"
    result = parse_manifest(new_text, str(entry), Source.CATALOG)
    if result.tool is None:  # never leave an entry that no longer parses
        raise ManifestError("the recorded proof would break the entry: "
                            + "; ".join(str(p) for p in result.problems), path=entry)
    atomic_write(str(entry), new_text.encode("utf-8"))


def audit_report(catalog: Path) -> str:
    """AUDIT.md's text for a catalog folder: its entries with their proofs, against the folder's baseline.json."""
    from tracklight.core.proof_report import render_report

    entries = []
    for path in sorted(catalog.glob("*.toml")):
        result = load_manifest_file(path, Source.CATALOG)
        if result.tool is None:
            raise ManifestError("; ".join(str(p) for p in result.problems), path=path)
        entries.append((result.tool, tomllib.loads(path.read_text(encoding="utf-8"))))
    baseline_file = catalog / "baseline.json"
    baseline = json.loads(baseline_file.read_text(encoding="utf-8")) if baseline_file.exists() else {}
    return render_report(entries, baseline)


def refresh_listings(catalog: Path) -> list[Path]:
    """Regenerate the catalog's generated pages that show what records changed: CATALOG.md's verified column, and
    AUDIT.md, the proof report (each only where the folder has one)."""
    from tracklight.core.catalog import load_catalog_folder
    from tracklight.core.listing import catalog_rows, render_markdown

    def listing() -> str:
        return render_markdown(catalog_rows([r.tool for r in load_catalog_folder(str(catalog)) if r.tool is not None]))

    def audit() -> str:
        return audit_report(catalog)

    written = []
    pages: dict[str, Callable[[], str]] = {"CATALOG.md": listing, "AUDIT.md": audit}
    for name, render in pages.items():
        page = catalog / name
        if page.exists():
            text = render()
            if page.read_text(encoding="utf-8") != text:
                atomic_write(str(page), text.encode("utf-8"))
                written.append(page)
    return written
