"""Names that become paths, and paths that must stay inside their parent.

Two kinds of names end up in a path. A name that only labels a default location (a
scenario's `[scenario] name` in `runs/<name>-seed<N>` or `runs/hunt-<name>`, the file name of
a persisted failure) is cosmetic: it is mapped to a safe slug (`slug`), so that any name still
runs. A name that identifies something stored (a campaign's name in its default store path,
an attack arm's name in its runs' history directories) must be a safe path component as it is
(`component_problem`), or the campaign is refused as bad input: mapping it would let two
names share one directory.

Whatever the name, the path it gives is checked once more when it is made (`confined`):
resolved, it must lie inside the directory it is meant to be in.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# A file name component stays under 255 bytes on every common file system; 100 leaves room
# for the prefixes and suffixes added to it (`hunt-`, `-seed<N>`, `.sqlite`, `-histories`).
MAX_COMPONENT = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UnsafePathError(ValueError):
    """A path built from a name would leave the directory it belongs in."""


def component_problem(name: str) -> str | None:
    """Why `name` cannot be used as one path component as it is, or None if it can."""
    if not name:
        return "an empty name"
    if len(name) > MAX_COMPONENT:
        return f"a name of {len(name)} characters (at most {MAX_COMPONENT})"
    if name in (".", ".."):
        return f"the name {name!r}, which is a path of its own"
    if "/" in name or "\\" in name:
        return "a path separator"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in name):
        return "a control character"
    if name.startswith((".", "-")):
        return "a name starting with '.' or '-' (a hidden file or an option)"
    return None


def slug(name: str, fallback: str = "run", limit: int = MAX_COMPONENT) -> str:
    """A safe path component for a cosmetic name: letters, digits, `.`, `_` and `-`, other
    characters as `-`, no leading dot or dash, at most `limit` characters; `fallback` when
    nothing is left. A name that is already safe is returned unchanged."""
    cleaned = _UNSAFE.sub("-", name).lstrip(".-")[:limit].rstrip(".-")
    return cleaned if cleaned and component_problem(cleaned) is None else fallback


def fold(name: str) -> str:
    """The key two names collide on where a file system may ignore case and where punctuation
    differs only in kind: lower-case letters and digits, every other run as one `-`."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def confined(parent: Path, child: Path) -> Path:
    """`child`, after checking that it resolves to a path inside `parent` (both resolved as
    they would be when written: symbolic links followed, `..` removed)."""
    root = parent.resolve()
    target = child.resolve()
    if target != root and not target.is_relative_to(root):
        raise UnsafePathError(f"{child} resolves to {target}, outside {root}")
    return child
