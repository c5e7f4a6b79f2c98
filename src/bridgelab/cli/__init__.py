"""The `bridgelab` command line: one module per command, each with `NAMES`, `add_parser`
and `command`; `commands` builds the parser and the handler table from them, `dispatch.main`
runs one, and `common` holds what several share.

Every command exits by the one contract of `bridgelab.exitcodes`: 0 every property holds,
1 a property failed, 2 inconclusive or incomplete, 3 bad input or usage error, 4 internal error.
"""

from bridgelab.cli.commands import HANDLERS, build_parser
from bridgelab.cli.common import EPILOG, default_out
from bridgelab.cli.dispatch import main

__all__ = ["EPILOG", "HANDLERS", "build_parser", "default_out", "main"]
