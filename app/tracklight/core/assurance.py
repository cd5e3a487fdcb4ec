"""How sure Tracklight is of a tool's facts, in one line a user can read: from the strongest proof the entry carries.

  run     "proven by running meltano 4.4.1 on 2026-12-07" (a run proof passed, and none failed)
  failed  a run proof failed: the real tool did not do what the entry says; shown, never hidden
  source  "read in its source (commit c139d24, 2026-12-05)"
  docs    "vendor documentation only (2026-12-05)"
  none    no proof yet
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tracklight.core.model import Proof, ProofMethod, ProofResult, Tool


class Assurance(enum.Enum):
    RUN = "run"
    FAILED = "failed"
    SOURCE = "source"
    DOCS = "docs"
    NONE = "none"

    @property
    def label(self) -> str:
        """The short word of the scan table's column."""
        return {"run": "run", "failed": "FAILED", "source": "source", "docs": "docs", "none": "-"}[self.value]


@dataclass(frozen=True)
class ProofSummary:
    """How sure the facts of one tool are: the level, the line users read, and the proof it rests on."""

    level: Assurance
    text: str  # the line users read
    proof: Proof | None = None  # the proof the line is about

    @property
    def opt_out_proven(self) -> bool:
        """The real tool was asked and switched off by Tracklight's opt-out (and no run said otherwise)."""
        return self.level is Assurance.RUN


def _package_words(proof: Proof) -> str:
    """"pypi:meltano==4.4.1" -> "meltano 4.4.1"; "npm:@angular/cli@21.2.29" -> "@angular/cli 21.2.29". The version
    is the package's own pin: a proof's `version` may name the product inside it (VS Code 1.139.1 read in the
    code-server 4.139.1 package)."""
    registry, _, spec = proof.package.partition(":")
    if registry == "npm":
        name, _, pinned = spec.rpartition("@")
        if not name:
            name, pinned = spec, ""
    else:
        name, _, pinned = spec.partition("==") if "==" in spec else spec.partition("=")
    return f"{name} {pinned or proof.version}".strip()


def _newest(proofs: list[Proof]) -> Proof:
    return max(proofs, key=lambda p: p.date)


def summarize(tool: Tool) -> ProofSummary:
    runs = [p for p in tool.proofs if p.method is ProofMethod.RUN]
    failed = [p for p in runs if p.result is ProofResult.FAIL]
    if failed:
        proof = _newest(failed)
        why = proof.note.split(";")[0].strip()
        return ProofSummary(Assurance.FAILED, f"its last run FAILED: {_package_words(proof)} on "
                            f"{proof.date.isoformat()} did not do what this entry says" + (f" ({why})" if why else ""),
                            proof)
    if runs:
        proof = _newest(runs)
        return ProofSummary(Assurance.RUN, f"proven by running {_package_words(proof)} on {proof.date.isoformat()}",
                            proof)
    sources = [p for p in tool.proofs if p.method is ProofMethod.SOURCE]
    if sources:
        proof = _newest(sources)
        where = f"commit {proof.commit[:7]}" if proof.commit else f"the {_package_words(proof)} package"
        return ProofSummary(Assurance.SOURCE, f"read in its source ({where}, {proof.date.isoformat()})", proof)
    docs = [p for p in tool.proofs if p.method is ProofMethod.DOCS]
    if docs:
        proof = _newest(docs)
        return ProofSummary(Assurance.DOCS, f"vendor documentation only ({proof.date.isoformat()})", proof)
    return ProofSummary(Assurance.NONE, "not proven yet: no proof recorded")
