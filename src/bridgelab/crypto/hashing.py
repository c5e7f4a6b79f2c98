"""Hash functions and a canonical, length-prefixed encoding for hashing structured data.

The settlement chain hashes with keccak256 (as Ethereum does); the consortium with SHA-256.
"""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak

Field = bytes | str | int | bool


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


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


def encode(tag: str, *values: Field) -> bytes:
    """Unambiguous encoding: a tag, then each field with a 4-byte length prefix."""
    parts = [tag.encode("ascii"), b"\x00"]
    for value in values:
        raw = _field_bytes(value)
        parts.append(len(raw).to_bytes(4, "big"))
        parts.append(raw)
    return b"".join(parts)
