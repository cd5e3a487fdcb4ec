"""A real catalog tool, watched before and after `tracklight optout`: Terraform's checkpoint on `terraform version`
(checkpoint-api.hashicorp.com, the catalog's endpoint). Runs where Terraform is installed (no download needed);
the npm tools (Heroku CLI, Wrangler, Shopify CLI) are watched by their proofs: `make prove ONLY=heroku-cli,…`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tracklight.core.watch_results import load_results
from watch_support import watch_refusal

TRACKLIGHT = str(Path(sys.executable).with_name("tracklight"))
TERRAFORM = shutil.which("terraform")

pytestmark = [pytest.mark.skipif(TERRAFORM is None, reason="Terraform is not installed on this machine"),
              pytest.mark.skipif(bool(watch_refusal()), reason=f"the watch cannot run here: {watch_refusal()}")]


def login_watch(home: Path, env: dict[str, str]) -> dict[str, Any]:
    """`tracklight watch` from a fresh login environment: only what Tracklight's env files set is in force."""
    done = subprocess.run(
        ["/usr/bin/env", "-i", f"HOME={home}", "PATH=/usr/local/bin:/usr/bin:/bin",
         f"TRACKLIGHT_SYSTEM_ROOT={env['TRACKLIGHT_SYSTEM_ROOT']}", "/bin/bash", "-lc",
         f"{TRACKLIGHT} watch --json --linger 0 -- {TERRAFORM} version"],
        cwd=home, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Terraform v" in done.stderr  # its own output, moved to stderr by --json
    return json.loads(done.stdout)


def test_terraform_checks_in_until_opted_out(sandbox_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "TRACKLIGHT_SYSTEM_ROOT", "PATH")}
    before = login_watch(sandbox_home, env)
    assert before["telemetry_contacted"] == [{"tool": "terraform", "host": "checkpoint-api.hashicorp.com"}]
    [host] = [h for h in before["hosts"] if h["host"] == "checkpoint-api.hashicorp.com"]
    assert host["ports"] == [443]
    assert "terraform" in [d["id"] for d in host["declared_by"]]
    assert all(a["command"].endswith("terraform version") for a in host["attempts"])

    optout = subprocess.run([TRACKLIGHT, "optout", "terraform"], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert optout.returncode == 0, optout.stderr
    after = login_watch(sandbox_home, env)
    assert after["hosts"] == [] and after["telemetry_contacted"] == []
    result = load_results({"HOME": str(sandbox_home)})["terraform"]
    assert result.contacted == () and result.opted_out

    undo = subprocess.run([TRACKLIGHT, "undo"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert undo.returncode == 0, undo.stderr
    again = login_watch(sandbox_home, env)
    assert again["telemetry_contacted"] == before["telemetry_contacted"]
    assert load_results({"HOME": str(sandbox_home)})["terraform"].contacted == ("checkpoint-api.hashicorp.com:443",)
