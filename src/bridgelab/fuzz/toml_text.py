"""Any data written as TOML text, whatever it holds: the mutations' output format.

Unlike `scenario.toml_out` (validated scenarios only), this writes what no valid scenario
has: NaN and infinities, control characters in keys and strings, nesting thousands deep,
integers beyond 64 bits, dates. Tables are written inline, one top-level key per line, so
a line can be duplicated to make a duplicate key.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Nested:
    """`inner` wrapped in `depth` lists (or inline tables): written as text, so nesting
    thousands deep costs no recursion here."""

    inner: Any
    depth: int
    tables: bool = False


def string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and every non-printable character escaped."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable() and not 0xD800 <= code <= 0xDFFF:
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")  # TOML cannot hold a lone surrogate: the parser would refuse
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def value(item: Any) -> str:
    """One value as TOML (recursive over lists and tables, which the mutations keep shallow;
    deep nesting is a `Nested`)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        text = repr(item)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(item, str):
        return string(item)
    if isinstance(item, datetime.datetime | datetime.date | datetime.time):
        return item.isoformat()
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(element) for element in item) + "]"
    if isinstance(item, dict):
        pairs = ", ".join(f"{string(key)} = {value(inner)}" for key, inner in item.items())
        return "{" + pairs + "}"
    if isinstance(item, Nested):
        opening, closing = ("{x = ", "}") if item.tables else ("[", "]")
        return opening * item.depth + value(item.inner) + closing * item.depth
    raise TypeError(f"not TOML data: {type(item).__name__}")


def lines(data: dict[str, Any]) -> list[str]:
    """One `key = value` line per top-level key."""
    return [f"{string(key)} = {value(item)}" for key, item in data.items()]


def document(data: dict[str, Any]) -> str:
    return "\n".join(lines(data)) + "\n"
