"""The settlement chain's transactions as plain records.

Every transaction carries the same envelope (`Transaction`): its id, who sent it, when, and
its `Fee` bid for block space under EIP-1559. The records below add only what their
contract transition reads. The mempool orders bids by their fee alone, so the chain needs
to know nothing else about a transaction to include it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgelab.consortium.block import Header
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.protocol.rotation import RotationCertificate
from bridgelab.protocol.verifier import VerifierConfig

# A bid without a fee cap: it pays whatever the base fee is, plus its tip.
UNCAPPED_FEE = 10**30


@dataclass(frozen=True, slots=True)
class Fee:
    """A bid for block space: `gas` units at up to `max_fee` wei each, `priority_fee` of it
    (at most) the proposer's tip. Included only while `max_fee` covers the base fee."""

    gas: int
    priority_fee: int
    max_fee: int = UNCAPPED_FEE

    @property
    def max_cost(self) -> int:
        """The most the transaction can cost its sender (wei)."""
        return self.gas * self.max_fee


@dataclass(frozen=True, slots=True)
class Transaction:
    """The envelope every settlement transaction shares."""

    tx_id: str
    sender: str
    submitted_at: float
    fee: Fee


@dataclass(frozen=True, slots=True)
class MintTx(Transaction):
    """A relayer submits a certified deposit; `verification_gas` is the certificate's share
    of `fee.gas`."""

    certificate: Certificate
    verification_gas: int = 0


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """A lock event's Merkle path under a committed consortium block's header."""

    header: Header
    path: merkle.Proof


@dataclass(frozen=True, slots=True)
class ProveAndMintTx(Transaction):
    """Process a deposit proven against an accepted root instead of a certificate.

    `root` is the consortium block (its hash) the message sits in, and `proof` shows the lock
    event under that block's events root. Without a proof nothing is proven: the message's
    root reads as zero, as Nomad's `messages[leaf]` did for a leaf never proven.
    """

    message: BridgeMessage
    root: bytes
    proof: InclusionProof | None
    verification_gas: int = 0
    # The event leaf the proof is for, as the caller passes it (None: derived from the
    # message). A correct contract requires it to encode the message.
    leaf: bytes | None = None


@dataclass(frozen=True, slots=True)
class BurnTx(Transaction):
    """The sender burns wrapped tokens to withdraw them to `recipient` on the consortium."""

    asset: str
    amount: int
    recipient: str


@dataclass(frozen=True, slots=True)
class RotateTx(Transaction):
    """Install the next trust root, endorsed by > 2/3 of the current committee."""

    rotation: RotationCertificate


@dataclass(frozen=True, slots=True)
class PauseTx(Transaction):
    """The guardian pauses (or unpauses) minting and burning."""

    paused: bool


@dataclass(frozen=True, slots=True)
class UpgradeTx(Transaction):
    """The admin replaces the verifier's configuration (an upgrade)."""

    verifier: VerifierConfig


@dataclass(frozen=True, slots=True)
class ChallengeTx(Transaction):
    """A bonded watcher cancels a queued mint that has no lock behind it."""

    nonce: int


@dataclass(frozen=True, slots=True)
class VetoTx(Transaction):
    """The watcher vetoes a pending trust-root change during its timelock."""

    version: int


@dataclass(frozen=True, slots=True)
class BackgroundTx(Transaction):
    """Everyone else's demand for block space, as one bundle of gas with a capped bid; it
    leaves the mempool unincluded after slot `expires_slot`."""

    expires_slot: int
