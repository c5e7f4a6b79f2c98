"""`main`: parse, run the command, and turn whatever happens into one exit code.

The codes are the contract of `bridgelab.exitcodes`: 0 every property holds, 1 a property
failed, 2 inconclusive or incomplete, 3 bad input or usage error, 4 internal error, 128 + the
signal when stopped by SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from bridgelab import signals
from bridgelab.checker.api import PropertyLoadError
from bridgelab.cli.commands import HANDLERS, build_parser
from bridgelab.evidence import OutputDirError
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS, internal_error
from bridgelab.extras import MissingExtra
from bridgelab.safepaths import UnsafePathError
from bridgelab.scenario import ScenarioError
from bridgelab.textsafe import printable


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process's arguments), run the command, return its exit code.

    A usage error is 3 (argparse's own 2 would read as "inconclusive"), and any exception no
    command handles is an internal error, 4, reported in one stderr line naming the file that
    keeps the traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    with signals.raising():
        try:
            try:
                args = build_parser().parse_args(argv)
            except SystemExit as stop:  # --help and --version (0), a usage error (3)
                return _parser_status(stop.code)
            return _dispatch(args)
        except KeyboardInterrupt as stop:  # SIGINT or SIGTERM (bridgelab.signals)
            return _interrupted(stop)
        except Exception as error:  # the contract: whatever escapes a command is an internal error
            stop = signals.interruption_in(error)  # (unless a signal set it off)
            return _interrupted(stop) if stop is not None else internal_error(error, argv)


def _interrupted(stop: KeyboardInterrupt) -> int:
    """One line and 128 + the signal: what the command left is marked incomplete."""
    interrupted = signals.as_interrupted(stop)
    note = getattr(stop, "note", None) or "partial outputs marked incomplete"
    print(f"interrupted by {interrupted.name}; {note}", file=sys.stderr, flush=True)
    return interrupted.exit_code


def _parser_status(code: object) -> int:
    if code is None:
        return EXIT_PASS
    return code if isinstance(code, int) else EXIT_BAD_INPUT


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; the bad-input errors any command may raise (a missing extra among
    them) become one line and 3."""
    err = Console(stderr=True)
    try:
        return HANDLERS[args.command](args, err)
    except ScenarioError as error:
        # Plain text, never wrapped: the message must stay one greppable line.
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OutputDirError, UnsafePathError, MissingExtra) as error:
        print(f"error: {printable(error, 500)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PropertyLoadError as error:
        file = str(getattr(args, "scenario", args.command))
        print(f"error: {error.as_scenario_error(file).message}", file=sys.stderr)
        return EXIT_BAD_INPUT
