"""Where a command writes (`--out`, `--json-out`, `--junit`, ...), checked as the flags are
parsed: a path that cannot take what the command writes is a usage error (exit 3) before any
work, not an internal error after it, when the runs it would have reported are done.

Only the path's shape is checked (what exists there now); a write can still fail later, for
reasons a check made now cannot see (a full disk, a directory removed meanwhile).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def blocking_ancestor(path: Path) -> Path | None:
    """The nearest existing ancestor of `path`, if it is not a directory: nothing can be
    created under it."""
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None


def output_file(text: str) -> Path:
    """An argparse type: a file to write. An existing directory, or a path under a file, is
    refused; a device such as /dev/null is written into (`evidence.atomic_write_text`)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"expected a file to write, found a directory: {text}")
    blocker = blocking_ancestor(path)
    if blocker is not None:
        raise argparse.ArgumentTypeError(
            f"expected a file to write, found {blocker} in its path, which is not a directory")
    return path


def output_directory(text: str) -> Path:
    """An argparse type: a directory to write into (created if missing). An existing file,
    or a path under a file, is refused."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"expected a directory, found a file: {text}")
    blocker = blocking_ancestor(path)
    if blocker is not None:
        raise argparse.ArgumentTypeError(
            f"expected a directory, found {blocker} in its path, which is not a directory")
    return path
