"""The `bridgelab` command as installed: signals are handled from its first moment.

Importing the command line (rich, pydantic, the model) takes a noticeable fraction of a
second; a Ctrl-C or a SIGTERM in that time would otherwise print a KeyboardInterrupt
traceback or end the process without a word. The handlers of `bridgelab.signals` are
installed before that import, so an early signal gets the same one line and exit code as a
late one.
"""

from __future__ import annotations

import sys

from bridgelab import signals


def main() -> int:
    with signals.raising():
        try:
            from bridgelab.cli import main as cli_main
        except KeyboardInterrupt as stop:
            interrupted = signals.as_interrupted(stop)
            print(f"interrupted by {interrupted.name}; nothing was started", file=sys.stderr,
                  flush=True)
            return interrupted.exit_code
        return cli_main()
