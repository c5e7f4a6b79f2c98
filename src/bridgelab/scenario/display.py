"""Show untrusted text and values in a one-line message: escaped, and short.

An error line quotes what a file contained. Whatever it contained, the line must stay one
line a terminal shows as written: control characters (newline and NUL included), lone
surrogates and the bidirectional overrides and isolates that reorder what a reader sees
(U+202A-U+202E, U+2066-U+2069; "Trojan Source") are written as escapes, and a long value is
cut with an ellipsis and its original length.
"""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

# Values are cut to this many characters; the whole line stays a few hundred at most.
VALUE_LIMIT = 80
# Items of a list or keys of a table shown before "...".
ITEMS_SHOWN = 3

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
BIDI_CONTROLS = frozenset(
    [chr(code) for code in range(0x202A, 0x202F)] + [chr(code) for code in range(0x2066, 0x206A)]
)


def unsafe(char: str) -> bool:
    """Whether `char` must not reach a terminal or a report as itself."""
    if char in BIDI_CONTROLS:
        return True
    # Cc: C0, DEL and C1 controls; Cs: lone surrogates (undecodable bytes of a file name);
    # Zl/Zp: the line and paragraph separators, which some viewers break lines on.
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def _escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str) -> str:
    """`text` with every unsafe character written as an escape (`\\n`, `\\x00`, `\\u202e`).

    Backslashes stay as they are, so escaping twice changes nothing: a message built from
    parts already escaped can be escaped as a whole."""
    if text.isprintable():  # False for every unsafe character: most text stops here
        return text
    return "".join(_escape_char(c) if unsafe(c) else c for c in text)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def clip(text: str, limit: int = VALUE_LIMIT) -> str:
    """`text` escaped, and if longer than `limit`, cut with an ellipsis and its length."""
    shown = escape(text)
    if len(shown) <= limit:
        return shown
    return f"{shown[: max(1, limit - 1)]}… ({_count(len(text), 'character')})"


def show(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A short, escaped rendering of a value read from a file (TOML data: str, int, float,
    bool, date, list, dict) for `found ...`; never longer than about `limit` + 30."""
    if isinstance(value, str):
        shown = escape(value)
        if len(shown) + 2 <= limit:
            return f"'{shown}'"
        return f"'{shown[: max(1, limit - 3)]}…' ({_count(len(value), 'character')})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        digits = value.bit_length() * 0.30103
        if digits > limit:
            return f"an integer of about {int(digits):,} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    # TOML's dates and times, as the file wrote them (not Python's repr).
    if isinstance(value, datetime.datetime):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, datetime.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, list | tuple):
        return _show_items(list(value), "[", "]", "list", "item", limit, show)
    if isinstance(value, dict):
        return _show_items(list(value.items()), "{", "}", "table", "key", limit, _show_pair)
    return clip(repr(value), limit)


def _show_pair(pair: tuple[Any, Any], limit: int) -> str:
    key, value = pair
    return f"{clip(str(key), limit)} = {show(value, limit)}"


def _show_items(items: list, open_: str, close: str, what: str, noun: str, limit: int,
                each: Any) -> str:
    parts: list[str] = []
    for item in items[:ITEMS_SHOWN]:
        parts.append(each(item, limit // 2))
    whole = open_ + ", ".join(parts) + (", …" if len(items) > ITEMS_SHOWN else "") + close
    if len(items) <= ITEMS_SHOWN and len(whole) <= limit:
        return whole
    if len(whole) > limit:
        whole = open_ + "…" + close
    return f"a {what} of {_count(len(items), noun)} {whole}"
