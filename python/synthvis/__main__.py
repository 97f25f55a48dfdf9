"""The ``synthvis`` command: the same function the cargo-built binary runs, so the same
arguments, output files and exit codes. ``python -m synthvis`` runs it too."""

from __future__ import annotations

import os
import signal
import sys

from synthvis._native import cli_main


def main() -> None:
    """Runs the command line with this process's arguments and exits with its code."""
    # The command handles SIGINT and SIGTERM itself (a render stops cleanly and says how
    # to resume); Python's own handlers would turn them into a traceback afterwards.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "synthvis"
    if program in ("__main__.py", "-m", "-c"):
        program = "synthvis"
    code = cli_main([program, *sys.argv[1:]])
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
