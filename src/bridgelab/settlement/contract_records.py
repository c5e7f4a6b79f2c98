"""What the bridge contract's transitions return and store: its mint and burn events (each
with the leaf it commits to the block), queued mints, pending roots and outflow limits."""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.crypto.hashing import encode
from bridgelab.protocol.messages import Certificate, TrustRoot

BRIDGE_CONTRACT = "settlement:bridge"


@dataclass(frozen=True, slots=True)
class PendingRoot:
    root: TrustRoot
    due: float
    via: str
    signatures: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class MintEvent:
    contract: str
    nonce: int
    asset: str
    amount: int
    recipient: str
    signers: tuple[int, ...]
    tx_id: str
    certificate: Certificate | None = None

    def leaf(self) -> bytes:
        return encode(
            "bridge/mint", self.contract, self.nonce, self.asset, self.amount, self.recipient
        )


@dataclass(frozen=True, slots=True)
class MintQueued:
    """A large mint accepted into the delay queue; it executes at `due`."""

    nonce: int
    asset: str
    amount: int
    recipient: str
    due: float
    tx_id: str


@dataclass(frozen=True, slots=True)
class BurnEvent:
    contract: str
    nonce: int
    asset: str
    amount: int
    sender: str
    recipient: str
    tx_id: str

    def leaf(self) -> bytes:
        return encode("bridge/burn", self.contract, self.nonce, self.asset, self.amount,
                      self.sender, self.recipient)


@dataclass(frozen=True, slots=True)
class Limits:
    """The contract's outflow defences; None disables one."""

    per_transfer_cap: int | None = None
    delay_threshold: int | None = None
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class DelayedMint:
    certificate: Certificate
    signers: tuple[int, ...]
    due: float
    tx_id: str
