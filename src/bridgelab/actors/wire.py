"""Messages between relayers and committee members: proofs out, endorsements back."""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.consortium.block import Commit, Header
from bridgelab.crypto.merkle import Proof
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.chain import SettlementHeader


@dataclass(frozen=True, slots=True)
class LockProof:
    """A lock event with the committed header it sits under and its Merkle path."""

    relayer: str
    message: BridgeMessage
    header: Header
    commit: Commit
    leaf: bytes
    proof: Proof


@dataclass(frozen=True, slots=True)
class BurnProof:
    """A burn event with the finalised settlement header it sits under and its Merkle path."""

    relayer: str
    message: BridgeMessage
    header: SettlementHeader
    leaf: bytes
    proof: Proof


@dataclass(frozen=True, slots=True)
class Endorsement:
    member: int
    key: tuple[str, int]
    digest: bytes
    signature: bytes
    epoch: int = 0
