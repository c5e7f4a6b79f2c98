"""The canonical encoding of a history line: what `json.dumps` writes with sorted keys, no
spaces and ASCII only, plus a newline.

The history's SHA-256 is taken over these bytes, so they must be exactly the standard
encoder's; orjson writes the same bytes for nearly every record, faster, and every line it
writes is checked (`_as_standard`) before it is used.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# The standard encoder, built once: `json.dumps` with options builds an encoder per call,
# and a run encodes every event.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, check_circular=False
)
_C_ENCODER = (
    None if json.encoder.c_make_encoder is None
    else json.encoder.c_make_encoder(
        None, _CANONICAL.default, json.encoder.encode_basestring_ascii, None, ":", ",",
        True, False, True,
    )
)

# orjson encodes a record about 4x faster; `canonical_line` checks its output.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_APPEND_NEWLINE
    | orjson.OPT_PASSTHROUGH_DATACLASS  # the standard encoder refuses these; so must we
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def _refuse(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _standard_line(record: dict[str, Any]) -> bytes:
    if _C_ENCODER is None:
        return (_CANONICAL.encode(record) + "\n").encode("ascii")
    return ("".join(_C_ENCODER(record, 0)) + "\n").encode("ascii")


def canonical_line(record: dict[str, Any]) -> bytes:
    """`json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)` and a
    newline, as ASCII bytes: a line of history.jsonl exactly as the standard encoder writes it."""
    try:
        line = orjson.dumps(record, default=_refuse, option=_ORJSON_OPTIONS)
    except TypeError:  # integers beyond 64 bits, non-string keys: the standard rules apply
        return _standard_line(record)
    if _as_standard(line):
        return line
    return _standard_line(record)


# A line at least this long is mostly hex (a mint's or a release's certificate, about 3 KB).
_LONG_LINE = 1024
_E = ord("e")


def _as_standard(line: bytes) -> bool:
    """Whether orjson's `line` is what the standard encoder writes. orjson writes a float
    under 1e-4 as `0.00005` or `1e-7` (not `5e-05`), NaN and infinity as `null`, DEL and
    non-ASCII characters raw (not as `\\u` escapes); a line of ASCII with none of these is
    byte-identical. A false alarm (a name with `e-` in it, a `None`) costs only time.

    `find` rather than `in`: `in` first tries the pattern as an integer, raising and clearing
    a TypeError, which doubles the cost of a search in a 150-byte line (measured)."""
    if not line.isascii() or line.find(b"\x7f") >= 0 or line.find(b"null") >= 0:
        return False
    if len(line) < _LONG_LINE:
        return line.find(b"e-") < 0 and line.find(b".0000") < 0
    return _no_small_float(line)


def _no_small_float(line: bytes) -> bool:
    """No `e-` and no `.0000` in a long line. A two-byte search through hex runs at about a
    byte per nanosecond (2.9 us in a 3 KB mint line, measured); finding each `-` and `.` is a
    single-byte search (memchr), and a mint line holds six of one and one of the other."""
    find = line.find
    at = find(b"-")
    while at >= 0:  # at most one pass over the line
        if line[at - 1] == _E:
            return False
        at = find(b"-", at + 1)
    at = find(b".")
    while at >= 0:
        if line.startswith(b"0000", at + 1):
            return False
        at = find(b".", at + 1)
    return True


def canonical_json(record: dict[str, Any]) -> str:
    """`json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`."""
    return canonical_line(record)[:-1].decode("ascii")
