"""The command line's one output convention, shared by every command.

| flag | meaning |
|---|---|
| `--json` | the command's machine result as JSON on stdout, and nothing else on stdout |
| `--json-out FILE` | the same JSON written to FILE (commands that keep a JSON file) |
| `--out DIR` | where a command writes its artefacts (run, check, hunt, report, ...) |
| `-q`, `--quiet` | only errors are printed (on stderr); `--json` output still goes to stdout |

"Errors" include evidence that does not verify (a stored run excluded, a run a report could
not use): they are errors in the command's input, and they explain its exit code.
| `-v`, `-vv` | the `bridgelab` logger at INFO / DEBUG, on stderr |

Stdout carries a command's result (human text, or JSON with `--json`); stderr carries
progress bars, notes, log lines and errors. Progress bars show only on a terminal. A table
printed to a pipe or a file is never cut: its console is as wide as the longest line.

Model code logs nothing per event (a log call per event would cost time on the hot path and
could tempt code to depend on logging state); the command layer logs what it plans and does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from bridgelab.outpaths import output_file

if TYPE_CHECKING:
    import logging

    from rich.console import Console

# `logging`, `json` and rich are imported where used: `bridgelab --help` imports this module
# and should pay for none of them.

LOGGER_NAME = "bridgelab"
# A console that is not a terminal gets this width: wider than any line a command prints
# (every cell is bounded by textsafe), so rich never wraps, folds or ellipsises a name.
PIPE_WIDTH = 4096
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
QUIET_HELP = "print only errors (on stderr); --json output still goes to stdout"
VERBOSE_HELP = "log what the command does on stderr: -v INFO, -vv DEBUG"
LEGACY_JSON_NOTE = ("the old spelling `--json FILE` (a FILE ending in .json) still works and"
                    " is deprecated: use --json-out FILE")

_handler: logging.Handler | None = None


def add_common_flags(parser: argparse.ArgumentParser) -> None:
    """-q/--quiet and -v/--verbose, accepted before or after a (sub)command's name.

    The defaults are suppressed so a subcommand's parser does not reset what the parent
    parser already set: read them with `quiet(args)` and `verbosity(args)`."""
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help=QUIET_HELP)
    parser.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help=VERBOSE_HELP)


def add_json_flag(parser: argparse.ArgumentParser, what: str, *, legacy: bool = False) -> None:
    """`--json`: print `what` as JSON on stdout (nothing else goes to stdout); read it with
    `wants_json(args)`."""
    text = f"print {what} as JSON on stdout, nothing else on stdout"
    # Suppressed default, as for -q: `attacks --json list` and `attacks list --json` agree.
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help=text + (f" ({LEGACY_JSON_NOTE})" if legacy else ""))


def add_json_out(parser: argparse.ArgumentParser, what: str) -> None:
    """`--json-out FILE`: write `what` as JSON to FILE."""
    parser.add_argument("--json-out", type=output_file, default=None, metavar="FILE",
                        help=f"write {what} as JSON to FILE")


def quiet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "quiet", False))


def verbosity(args: argparse.Namespace) -> int:
    return int(getattr(args, "verbose", 0) or 0)


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def configure_logging(args: argparse.Namespace, stream: IO[str] | None = None) -> None:
    """The `bridgelab` logger for one command: WARNING by default, ERROR with -q, INFO with
    -v, DEBUG with -vv; one handler on stderr (replaced, not added, on a second call)."""
    import logging

    global _handler
    logger = logging.getLogger(LOGGER_NAME)
    if _handler is not None:
        logger.removeHandler(_handler)
    _handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    _handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(_handler)
    logger.propagate = False
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity(args), logging.DEBUG)
    logger.setLevel(logging.ERROR if quiet(args) else level)


def logger(name: str) -> logging.Logger:
    """A child of the `bridgelab` logger, e.g. `logger("run")` is `bridgelab.run`."""
    import logging

    return logging.getLogger(f"{LOGGER_NAME}.{name}")


def console(*, stderr: bool = False, quiet: bool = False, minimum: int = 0,
            file: IO[str] | None = None, highlight: bool = True) -> Console:
    """A rich console on stdout (or stderr, or `file`): on a terminal at least `minimum`
    columns wide; anywhere else PIPE_WIDTH wide, so nothing printed is ever cut."""
    from rich.console import Console

    probe = Console(stderr=stderr, file=file)
    width = max(minimum, probe.width) if probe.is_terminal else PIPE_WIDTH
    return Console(stderr=stderr, file=file, width=width, quiet=quiet, highlight=highlight)


def widened(base: Console, minimum: int) -> Console:
    """A console on `base`'s file (and quietness) at least `minimum` wide on a terminal,
    PIPE_WIDTH wide anywhere else."""
    from rich.console import Console

    width = max(minimum, base.width) if base.is_terminal else PIPE_WIDTH
    return Console(file=base.file, width=width, quiet=base.quiet)


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout: the whole of stdout under --json."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def human(args: argparse.Namespace) -> Callable[[str], None]:
    """Where a command's human-readable result lines go: stdout; stderr under --json (stdout
    is the JSON's); nowhere under -q."""
    if quiet(args):
        return lambda line: None
    stream = sys.stderr if wants_json(args) else sys.stdout

    def say(line: str) -> None:
        print(line, file=stream, flush=True)

    return say
