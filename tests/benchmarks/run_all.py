"""Every benchmark in one run (`make bench`): scan, opt-out/undo, tray. Prints figures; asserts nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for script in ("bench_scan.py", "bench_optout.py", "bench_tray.py"):
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=False)
