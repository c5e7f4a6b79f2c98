"""How many worker processes a command may start (`--jobs`): the work is CPU-bound, so past
a few per CPU more processes only wait, each holding its own interpreter and model in memory."""

from __future__ import annotations

import argparse
import os

PER_CPU = 8


def most() -> int:
    """The largest `--jobs` this machine takes."""
    return PER_CPU * (os.cpu_count() or 1)


def job_count(text: str) -> int:
    """An argparse type: an integer no larger than `most()` (the lower bound, at least one,
    is each command's own check)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, found {text!r}"
                                         ) from None
    if value > most():
        raise argparse.ArgumentTypeError(
            f"expected at most {most()} processes ({PER_CPU} per CPU, {os.cpu_count() or 1}"
            f" CPUs here), found {value}")
    return value
