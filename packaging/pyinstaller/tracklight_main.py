"""The bundle's entry script: `tracklight` is the command line, `tracklight-gui` the tray with no console.

One script serves both executables of the bundle (they share one analysis, so the bundle carries one copy of
Python and Qt); which one was started is read from the executable's name. With no command, `tracklight` starts
the tray too, which is what the macOS app bundle relies on when Finder opens it.
"""

from __future__ import annotations

import os
import sys

from tracklight.cli import main, main_gui


def _started_as_gui() -> bool:
    return os.path.splitext(os.path.basename(sys.executable))[0].lower() == "tracklight-gui"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--tracklight-watch-inside"]:
        # `tracklight watch` starts the bundle again as its inside runner, in the private network (watch/namespace.py).
        from tracklight.watch.inside import main as watch_inside

        watch_inside()
    if sys.platform == "darwin":
        # Finder on older macOS passes a process serial number (-psn_0_1234) that is no command of ours.
        sys.argv = [sys.argv[0], *(a for a in sys.argv[1:] if not a.startswith("-psn_"))]
    sys.exit(main_gui() if _started_as_gui() else main())
