"""Strings read from files, made safe to show: one function for every terminal line and report.

A scenario name, an attack name, a violation's detail or a path comes from a file someone
else may have written. Shown as it is, a newline splits one error line into two, a NUL or an
escape sequence reaches the terminal, a right-to-left override makes `lim-a.toml` read as
something else, and a lone surrogate (which JSON can encode) cannot even be written as UTF-8.
`printable` escapes every such character so that the text shows what the file holds, on one
line: control characters (C0, DEL, C1), invisible format characters (bidi overrides and
isolates, zero-width characters, the byte-order mark), line and paragraph separators, and
surrogates become `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`. Everything else, non-ASCII letters
included, is kept.

`for_rich` also escapes rich's markup (`[bold]`), so that a name such as `[/]` is printed
rather than parsed; `deep_printable` applies `printable` to every string (and key) of a JSON
value, which is how a report is cleaned once, before it is rendered three ways.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Unicode categories shown escaped: Cc control, Cf format (bidi controls, zero-width, BOM),
# Cs surrogate, Zl line separator, Zp paragraph separator.
ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
ELLIPSIS = "…"


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(char: str) -> bool:
    # Printable ASCII is by far the common case: answer it without a table lookup.
    if " " <= char <= "~":
        return False
    return unicodedata.category(char) in ESCAPED_CATEGORIES


def printable(value: object, limit: int | None = None) -> str:
    """`value` as text with every control, format, separator and surrogate character
    escaped; at most `limit` characters (cut with `…`) when a limit is given."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > 4 * limit:
        text = text[: 4 * limit]  # escaping grows text by at most 10x; cut the work early
    shown = "".join(_escape(char) if _needs_escape(char) else char for char in text)
    if limit is not None and len(shown) > limit:
        return shown[: max(0, limit - 1)] + ELLIPSIS
    return shown


def for_rich(value: object, limit: int | None = None) -> str:
    """`printable`, with rich's markup escaped too: for strings inside rich tables and prints."""
    from rich.markup import escape

    return escape(printable(value, limit))


def deep_printable(value: Any) -> Any:
    """A copy of a JSON value with `printable` applied to every string and every key."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(key) if isinstance(key, str) else key: deep_printable(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [deep_printable(item) for item in value]
    return value
