"""Where a command writes (`--out`, `--json-out`, `--junit`, ...), checked as the flags are
parsed: a path that cannot take what the command writes is a usage error (exit 3) before any
work, not an internal error after it, when the runs it would have reported are done.

Only the path's shape is checked (what exists there now); a write can still fail later, for
reasons a check made now cannot see (a full disk, a directory removed meanwhile).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def blocking_ancestor(path: Path) -> Path | None:
    """The nearest existing ancestor of `path`, if it is not a directory: nothing can be
    created under it."""
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None


def file_problem(path: Path) -> str | None:
    """What stands where a file is to be written, if anything: a directory, or a file in
    its path."""
    if path.is_dir():
        return "a directory"
    return _blocked(path)


def directory_problem(path: Path) -> str | None:
    """What stands where a directory is to be written into, if anything: a file, or a file
    in its path."""
    if path.exists() and not path.is_dir():
        return "a file"
    return _blocked(path)


def _blocked(path: Path) -> str | None:
    blocker = blocking_ancestor(path)
    return None if blocker is None else f"{blocker} in its path, which is not a directory"


def output_file(text: str) -> Path:
    """An argparse type: a file to write (`file_problem`). A device such as /dev/null is
    written into (`evidence.atomic_write_text`)."""
    return _argument(text, "a file to write", file_problem)


def output_directory(text: str) -> Path:
    """An argparse type: a directory to write into, created if missing
    (`directory_problem`)."""
    return _argument(text, "a directory", directory_problem)


def _argument(text: str, wanted: str, problem: Callable[[Path], str | None]) -> Path:
    path = Path(text)
    found = problem(path)
    if found is not None:
        raise argparse.ArgumentTypeError(f"expected {wanted}, found {found}: {text}")
    return path
