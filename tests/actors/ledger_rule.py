"""The committee's rule for the ledger's callers in tests: a member signs one digest per key."""

from __future__ import annotations

from collections.abc import Sequence


def keeps_one_digest(signed: dict, member: int, keys: Sequence, digests: Sequence) -> bool:
    """Whether `member` recording `digests[i]` for `keys[i]` keeps the rule (the committee
    refuses anything else as equivocation, and the ledger asserts it); if so, noted in
    `signed`, keyed (member, key)."""
    wanted: dict = {}
    for key, digest in zip(keys, digests, strict=True):
        if wanted.setdefault(key, digest) != digest:
            return False
        if signed.get((member, key), digest) != digest:
            return False
    for key, digest in wanted.items():
        signed[(member, key)] = digest
    return True
