"""Hash functions and a canonical, length-prefixed encoding for hashing structured data.

The settlement chain hashes with keccak256 (as Ethereum does); the consortium with SHA-256.
"""

from __future__ import annotations

import hashlib

# Ethereum's keccak256 (the original Keccak padding, not NIST SHA3-256) has one backend:
# safe-pysha3's C Keccak. A second, pure fallback (pycryptodome) added 17 MB to every install
# for digests the first already gives; test_primitives holds it to independent vectors.
from sha3 import keccak_256 as _keccak_256

from bridgelab.core import memo

Field = bytes | str | int | bool


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak256."""
    return _keccak_256(data).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _field_bytes(value: Field) -> bytes:
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative integers are not encodable")
        return value.to_bytes(32, "big")
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


# Every length prefix a short field needs, made once: most fields are well under 256 bytes.
_LENGTH_PREFIXES = tuple(size.to_bytes(4, "big") for size in range(256))
# An integer field is always 32 bytes long.
_WORD_PREFIX = _LENGTH_PREFIXES[32]


def _length_prefix(size: int) -> bytes:
    return _LENGTH_PREFIXES[size] if size < 256 else size.to_bytes(4, "big")


def _string_field(value: str) -> bytes:
    """`value`'s length prefix and UTF-8 bytes, as one piece."""
    raw = value.encode()
    return _length_prefix(len(raw)) + raw


# The same addresses, assets, directions and contract names recur in message after message.
_STRING_FIELDS = memo.table("crypto/string-fields", _string_field, size=4_096)


def encode(tag: str, *values: Field) -> bytes:
    """Unambiguous encoding: a tag, then each field with a 4-byte length prefix."""
    parts = [tag.encode("ascii"), b"\x00"]
    append = parts.append
    for value in values:
        # Exact types first (the hot path; strings are the most common field); subclasses
        # such as bool take the general one.
        kind = type(value)
        if kind is str:
            append(_STRING_FIELDS[value])
            continue
        if kind is int and value >= 0:
            append(_WORD_PREFIX)
            append(value.to_bytes(32, "big"))
            continue
        raw = value if kind is bytes else _field_bytes(value)
        append(_length_prefix(len(raw)))
        append(raw)
    return b"".join(parts)
