"""Read an untrusted TOML file into plain data, or refuse it in one line (exit 3).

`tomllib` parses data only (nothing is executed), but not every input is safe to hand it:
nesting recurses once per level (a few hundred levels raise `RecursionError`), a dotted key
costs time and memory quadratic in its parts (10,000 parts: 400 MB), an integer of more than
4,300 digits raises `ValueError`, and a file can be endless (`/dev/zero`). So the reader
bounds the size, scans the text for nesting and key length before parsing, maps every error
of the parser to bad input, and then checks the data itself: nesting depth, and no control
or bidirectional-override characters in keys or strings (they would reach file names,
terminals and reports as themselves).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from bridgelab.scenario.display import show, unsafe
from bridgelab.scenario.errors import ScenarioError

# A scenario is a few kilobytes; a long scripted workload a few hundred. Reading stops here.
MAX_BYTES = 4 * 1024 * 1024
# Tables and lists nested deeper than this are no scenario (the schema needs about 6).
MAX_DEPTH = 32
# Parts of one dotted key (`a.b.c` has 3): the schema's longest paths have about 6.
MAX_KEY_PARTS = 32
# Whitespace a string value may hold; every other control character is refused.
TEXT_WHITESPACE = frozenset("\t\n\r")

# Strings (all four TOML kinds) and comments, so brackets and dots inside them are not
# counted. Each alternative's repetitions are disjoint, so the scan is linear.
_STRING_OR_COMMENT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''.*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*",
    re.DOTALL,
)
_BRACKET = re.compile(r"[\[\]{}]")
# More than MAX_KEY_PARTS dot-separated words in a row (as many dots as the limit),
# starting at a word's first character only (the look-behind), with possessive repeats:
# no start is scanned twice.
_LONG_KEY = re.compile(
    r"(?<![A-Za-z0-9_-])(?:[A-Za-z0-9_-]++[ \t]*+\.[ \t]*+){" + str(MAX_KEY_PARTS) + "}"
)


def read_toml(path: str | Path, what: str = "scenario file") -> dict[str, Any]:
    """The data of the TOML file at `path`; `ScenarioError` (exit 3) for anything else."""
    path = Path(path)
    return parse_toml(_read_bytes(path, what), str(path))


def _read_bytes(path: Path, what: str) -> bytes:
    name = str(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(name, "", f"a readable {what}", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(name, "", f"a {what}", "a directory") from None
    except OSError as exc:
        raise ScenarioError(name, "", f"a readable {what}", exc.strerror or "an error") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(
            name, "", f"a {what} of at most {MAX_BYTES:,} bytes", "a larger file"
        )
    return raw


def parse_toml(raw: bytes | str, name: str) -> dict[str, Any]:
    """Decode, pre-scan, parse and check TOML from `name`; `ScenarioError` on bad input."""
    text = _decode(raw, name) if isinstance(raw, bytes) else raw
    if len(text) > MAX_BYTES:
        raise ScenarioError(name, "", f"TOML of at most {MAX_BYTES:,} bytes", "more")
    _prescan(text, name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(name, "", "valid TOML", f"a syntax error ({exc})") from None
    except RecursionError:
        raise ScenarioError(
            name, "", f"TOML nested at most {MAX_DEPTH} levels deep", "deeper nesting"
        ) from None
    except ValueError as exc:  # an integer beyond Python's 4,300-digit conversion limit
        found = "an integer of more than 4,300 digits" if "digits" in str(exc) else str(exc)
        raise ScenarioError(name, "", "valid TOML", found) from None
    check_data(data, name)
    return data


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            name, "", "UTF-8 encoded TOML",
            f"a byte that is not UTF-8 (0x{raw[exc.start]:02x} at byte {exc.start:,})",
        ) from None
    return text.removeprefix("\ufeff")  # a byte-order mark is no content


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _prescan(text: str, name: str) -> None:
    """Refuse nesting and dotted keys that would make the parser recurse or go quadratic."""

    def blank(match: re.Match[str]) -> str:
        # A string becomes a bare word (it may be a quoted key part); lines are kept.
        found = match.group()
        return ("" if found.startswith("#") else " s ") + "\n" * found.count("\n")

    stripped = _STRING_OR_COMMENT.sub(blank, text)
    depth = 0
    for bracket in _BRACKET.finditer(stripped):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            raise ScenarioError(
                name, "", f"tables and lists nested at most {MAX_DEPTH} levels deep",
                f"deeper nesting at line {_line(stripped, bracket.start()):,}",
            )
    long_key = _LONG_KEY.search(stripped)
    if long_key is not None:
        raise ScenarioError(
            name, "", f"dotted keys of at most {MAX_KEY_PARTS} parts",
            f"a longer one at line {_line(stripped, long_key.start()):,}",
        )


def check_data(data: dict[str, Any], name: str) -> None:
    """Refuse data nested too deep, and keys or strings with unsafe characters.

    Iterative, so the check itself cannot recurse; the first problem in document order."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ScenarioError(
                name, ".".join(path), f"tables and lists nested at most {MAX_DEPTH} levels deep",
                "deeper nesting",
            )
        if isinstance(value, dict):
            for key in value:
                if not key.isprintable() and any(unsafe(char) for char in key):
                    raise ScenarioError(
                        name, ".".join((*path, key)),
                        "a key without control or bidirectional-override characters",
                        show(key),
                    )
            stack.extend(((*path, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, str(index)), item) for index, item in
                         reversed(list(enumerate(value))))
        elif isinstance(value, str):
            # isprintable() is False for every unsafe character: most strings stop there.
            bad = None if value.isprintable() else next(
                (c for c in value if c not in TEXT_WHITESPACE and unsafe(c)), None
            )
            if bad is not None:
                raise ScenarioError(
                    name, ".".join(path),
                    "text without control or bidirectional-override characters",
                    f"{show(value)} (U+{ord(bad):04X} at character {value.index(bad):,})",
                )
