"""`main`: parse, run the command, and turn whatever happens into one exit code.

The codes are the contract of `bridgelab.exitcodes`: 0 every property holds, 1 a property
failed, 2 inconclusive or incomplete, 3 bad input or usage error, 4 internal error, 128 + the
signal when stopped by SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import sys

from bridgelab import output, signals
from bridgelab.cli import commands
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS, internal_error
from bridgelab.textsafe import printable

# Commands whose `--json` took a FILE before it meant stdout; `--json X.json` still works
# there (deprecated): scenario and campaign files are TOML, so a .json word is the old FILE.
LEGACY_JSON_FILE = frozenset({"check", "campaign", "campaign-stats", "bench"})


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
                argv = legacy_json(argv)
                parser = commands.build_parser(only=commands.command_named(argv) or "")
                args = parser.parse_args(argv)
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


def legacy_json(argv: list[str]) -> list[str]:
    """`--json FILE` (FILE ending in .json) rewritten to `--json-out FILE`, with a warning,
    for the commands where `--json` took a file before it meant stdout."""
    if commands.command_named(argv) not in LEGACY_JSON_FILE:
        return argv
    rewritten: list[str] = []
    for index, word in enumerate(argv):
        previous = argv[index - 1] if index else ""
        if previous == "--json" and word.endswith(".json") and not word.startswith("-"):
            rewritten[-1] = "--json-out"
        elif word.startswith("--json=") and word.endswith(".json"):
            word = "--json-out=" + word.removeprefix("--json=")
        else:
            rewritten.append(word)
            continue
        print(f"warning: --json FILE is deprecated; use --json-out {word.split('=')[-1]}",
              file=sys.stderr)
        rewritten.append(word)
    return rewritten


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; the bad-input errors any command may raise (a missing extra among
    them) become one line and 3."""
    # Imported once a command runs, not for --help: what start-up would otherwise pay.
    from bridgelab.checker.api import PropertyLoadError
    from bridgelab.evidence import OutputDirError
    from bridgelab.extras import MissingExtra
    from bridgelab.safepaths import UnsafePathError
    from bridgelab.scenario import ScenarioError

    output.configure_logging(args)
    err = output.console(stderr=True, quiet=output.quiet(args))
    output.logger("cli").debug("command %s: %s", args.command, vars(args))
    try:
        return commands.HANDLERS[args.command](args, err)
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
