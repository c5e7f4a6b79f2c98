"""Binary Merkle trees over SHA-256 with domain-separated leaves and nodes.

Block headers commit to their events with a root; a light client checks one event by its proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256 as _sha256

from bridgelab.core import memo
from bridgelab.crypto.hashing import sha256

EMPTY_ROOT = sha256(b"bridgelab/merkle/empty")
MAX_DEPTH = 64
# Trees kept by their leaves. A block's tree is built for its root by the chain, then again
# by every relayer for its proofs; a batch's by the relayer and then by every member.
RECENT_TREES = 256

Leaves = tuple[bytes, ...]
Levels = tuple[tuple[bytes, ...], ...]


# Domain separation: a leaf's hash can never be taken for a node's.
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return sha256(_LEAF + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(_NODE + left + right)


@dataclass(frozen=True, slots=True)
class Proof:
    """Siblings from leaf to root; `index` fixes left/right at each level."""

    index: int
    leaf_count: int
    siblings: tuple[bytes, ...]


@memo.pure("crypto/merkle-tree", size=RECENT_TREES)
def _levels(leaves: Leaves) -> Levels:
    """The tree's levels, leaf hashes first and the root last."""
    # `leaf_hash` and `node_hash` written out: a block's or batch's tree hashes every leaf
    # and node here, and each call of theirs costs about as much again as the hash it wraps.
    level = [_sha256(_LEAF + leaf).digest() for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        if len(level) % 2 == 1:
            level = [*level, level[-1]]
            levels[-1] = level
        level = [
            _sha256(_NODE + level[i] + level[i + 1]).digest()
            for i in range(0, len(level), 2)
        ]
        levels.append(level)
    return tuple(map(tuple, levels))


def root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    return _levels(tuple(leaves))[-1][0]


def prove(leaves: Sequence[bytes], index: int) -> Proof:
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} out of range 0..{len(leaves) - 1}")
    return _path(_levels(tuple(leaves))[:-1], len(leaves), index)


def prove_all(leaves: Sequence[bytes]) -> tuple[Proof, ...]:
    """Every leaf's proof, building the tree once (a batch needs them all)."""
    if not leaves:
        return ()
    return _prove_all(tuple(leaves))


# Each relayer asks for the proofs of every block it reads.
@memo.pure("crypto/merkle-proofs", size=RECENT_TREES)
def _prove_all(leaves: Leaves) -> tuple[Proof, ...]:
    levels = _levels(leaves)[:-1]
    return tuple([_path(levels, len(leaves), index) for index in range(len(leaves))])


def _path(levels: Levels, leaf_count: int, index: int) -> Proof:
    """Leaf `index`'s siblings, bottom up, in a tree's levels below its root."""
    siblings = []
    position = index
    for level in levels:
        siblings.append(level[position ^ 1])
        position //= 2
    return Proof(index, leaf_count, tuple(siblings))


def verify(expected_root: bytes, leaf: bytes, proof: Proof) -> bool:
    """True when `leaf` sits at `proof.index` under `expected_root`."""
    if not 0 <= proof.index < proof.leaf_count or len(proof.siblings) > MAX_DEPTH:
        return False
    expected_depth = max(0, (proof.leaf_count - 1).bit_length())
    if len(proof.siblings) != expected_depth:
        return False
    # `leaf_hash` and `node_hash` written out, as in `_levels`: every member, contract and
    # checker verifies paths.
    current = _sha256(_LEAF + leaf).digest()
    position = proof.index
    for sibling in proof.siblings:
        pair = sibling + current if position & 1 else current + sibling
        current = _sha256(_NODE + pair).digest()
        position //= 2
    return current == expected_root
