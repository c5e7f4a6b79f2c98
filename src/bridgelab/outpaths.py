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


def _checked(text: str, wanted: str, found: str | None) -> Path:
    """`text` as the path of `wanted`, unless something else is there (`found`) or a file
    in its path leaves no room for it."""
    if found is not None:
        raise argparse.ArgumentTypeError(f"expected {wanted}, found {found}: {text}")
    path = Path(text)
    blocker = blocking_ancestor(path)
    if blocker is not None:
        raise argparse.ArgumentTypeError(
            f"expected {wanted}, found {blocker} in its path, which is not a directory")
    return path


def output_file(text: str) -> Path:
    """An argparse type: a file to write. An existing directory, or a path under a file, is
    refused; a device such as /dev/null is written into (`evidence.atomic_write_text`)."""
    return _checked(text, "a file to write", "a directory" if Path(text).is_dir() else None)


def output_directory(text: str) -> Path:
    """An argparse type: a directory to write into (created if missing). An existing file,
    or a path under a file, is refused."""
    path = Path(text)
    return _checked(text, "a directory",
                    "a file" if path.exists() and not path.is_dir() else None)
