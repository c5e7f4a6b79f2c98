"""Messages between relayers and committee members: proofs out, endorsements back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bridgelab.consortium.block import Commit, Header
from bridgelab.crypto.merkle import Proof
from bridgelab.l2.gateway import L2WithdrawalProof
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.chain import SettlementHeader


# Proofs compare by value. Each keeps its hash, computed once when it is made: one proof object
# travels to every member, and each member's memoised checks hash it (`member_checks.py`).
@dataclass(frozen=True, slots=True)
class LockProof:
    """A lock event with the committed header it sits under and its Merkle path."""

    relayer: str
    message: BridgeMessage
    header: Header
    commit: Commit
    leaf: bytes
    proof: Proof
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = (self.relayer, self.message, self.header, self.commit, self.leaf, self.proof)
        object.__setattr__(self, "_hash", hash(value))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class BurnProof:
    """A burn event with the finalised settlement header it sits under and its Merkle path."""

    relayer: str
    message: BridgeMessage
    header: SettlementHeader
    leaf: bytes
    proof: Proof
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = (self.relayer, self.message, self.header.hash, self.leaf, self.proof)
        object.__setattr__(self, "_hash", hash(value))

    def __hash__(self) -> int:
        return self._hash


# A message's proof, of the kind its route needs: built once here, where the relayers and
# members read it, rather than at each `isinstance` that asks.
MessageProof = LockProof | BurnProof | L2WithdrawalProof


class Endorsement(NamedTuple):
    """One member's signature over a message's or a batch's digest, sent to the relayer.

    A named tuple rather than a frozen dataclass: just as immutable, and built about 2.5 times
    as fast (every member builds one for every batch it endorses)."""

    member: int
    key: tuple[str, int]
    digest: bytes
    signature: bytes
    epoch: int = 0


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """Proofs of several messages, one direction, to be endorsed under one Merkle root.

    Members recompute the root from the messages themselves; the relayer's order is the
    leaf order. `key` names the batch in the relayer's books and in the endorsements.
    Compares by value, and keeps its hash as a proof does.
    """

    relayer: str
    key: tuple[str, int]
    proofs: tuple[MessageProof, ...]
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.relayer, self.key, self.proofs)))

    def __hash__(self) -> int:
        return self._hash
