"""The one exit-code contract of every bridgelab command, defined here and nowhere else.

| code | meaning |
|------|---------|
| 0 | every property holds (or the command did what was asked and judged nothing) |
| 1 | a property failed (an attack was found, a history was not deterministic) |
| 2 | inconclusive or incomplete: nothing failed, but nothing vouches for safety either |
| 3 | bad input or usage error (argparse included); nothing is run |
| 4 | internal error: an uncaught exception, one line on stderr naming a saved traceback |

CI can therefore gate on the code alone: only 0 says "safe". A typo in a flag is a usage error
(3), never "inconclusive" (2), and a crash is an internal error (4), never "a property failed"
(1). A signal is outside the contract: SIGINT (Ctrl-C) and SIGTERM stop any command with one
line on stderr and the shell's 130 or 143 (128 + the signal), see `bridgelab.signals`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from bridgelab.version import __version__

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_INCONCLUSIVE = 2
EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it; not one of the verdicts
EXIT_TERMINATED = 143  # 128 + SIGTERM, likewise

MEANINGS: dict[int, str] = {
    EXIT_PASS: "every property holds",
    EXIT_FAIL: "a property failed",
    EXIT_INCONCLUSIVE: "inconclusive or incomplete",
    EXIT_BAD_INPUT: "bad input or usage error",
    EXIT_INTERNAL_ERROR: "internal error (traceback saved)",
}

# When several outcomes meet (runs of a gate, rows of a campaign), the one to exit with: a
# failed property is a finding a crash elsewhere cannot undo, a crash outranks "could not
# judge" because it is a defect to fix, and only when all is well is the answer 0. Bad input
# stops a command before anything runs, so it never meets the others in practice; it is
# first so that it would win if it did.
PRECEDENCE = (EXIT_BAD_INPUT, EXIT_FAIL, EXIT_INTERNAL_ERROR, EXIT_INCONCLUSIVE, EXIT_PASS)

TRACEBACK_PREFIX = "bridgelab-traceback-"


def summary() -> str:
    """One line for `--help` epilogs: `exit codes: 0 every property holds · 1 ...`."""
    return "exit codes: " + " · ".join(f"{code} {text}" for code, text in MEANINGS.items())


def combine(codes: Iterable[int]) -> int:
    """The code that wins among `codes` (PRECEDENCE); 0 when there are none."""
    present = set(codes)
    unknown = present - set(PRECEDENCE)
    assert not unknown, f"not an exit code of the contract: {sorted(unknown)}"
    return next((code for code in PRECEDENCE if code in present), EXIT_PASS)


class UsageParser(argparse.ArgumentParser):
    """argparse with the contract's usage error: the usage, one error line, exit 3.

    argparse exits 2 on a usage error, which the contract reserves for "inconclusive"; a CI
    step allowing 2 would let a mistyped flag through. `--help` and `--version` still exit 0.
    The root parser and every (sub)command parser are this class: `add_subparsers` makes its
    commands with it, and a command rejects the arguments it does not know itself, so the
    usage printed is the command's own rather than the root's.
    """

    def __init__(self, *args: Any, command: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command = command

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", _command_parser)
        return super().add_subparsers(**kwargs)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = super().parse_known_args(args, namespace)
        if self.command and extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _command_parser(**kwargs: Any) -> UsageParser:
    return UsageParser(command=True, **kwargs)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def save_traceback(text: str, context: Sequence[str]) -> str:
    """Write a traceback, after the version and `context` lines, to a fresh file; its path."""
    descriptor, path = tempfile.mkstemp(prefix=TRACEBACK_PREFIX, suffix=".txt")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"bridgelab {__version__} internal error\n")
        file.write(f"python {sys.version.split()[0]} on {sys.platform}\n")
        file.writelines(f"{line}\n" for line in context)
        file.write("\n" + text)
    return path


def saved_note(text: str, context: Sequence[str]) -> str:
    """`traceback saved to PATH`, or why it could not be (the one line must still be printed)."""
    try:
        return f"traceback saved to {save_traceback(text, context)}"
    except OSError as unsaved:
        return f"traceback could not be saved: {_one_line(str(unsaved), 120)}"


def describe(error: BaseException) -> str:
    """`ExceptionType: message` on one line."""
    message = _one_line(str(error))
    return type(error).__name__ + (f": {message}" if message else "")


def internal_error(error: BaseException, argv: Sequence[str]) -> int:
    """Report an uncaught exception as ONE stderr line naming the saved traceback; exit 4."""
    text = "".join(traceback.format_exception(error))
    note = saved_note(text, [f"argv: {['bridgelab', *argv]!r}"])
    print(f"internal error: {describe(error)} ({note})", file=sys.stderr, flush=True)
    return EXIT_INTERNAL_ERROR
