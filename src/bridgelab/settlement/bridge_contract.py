"""The bridge contract on the settlement chain, as pure state transitions with named checks.

`process_mint` issues wrapped tokens for a certified, unused lock; `process_burn` destroys
them and emits the numbered burn event that withdrawals are released against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridgelab.consortium.escrow import Revert
from bridgelab.crypto.hashing import encode
from bridgelab.protocol.messages import Certificate, TrustRoot
from bridgelab.protocol.rotation import RotationCertificate, check_rotation
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate

BRIDGE_CONTRACT = "settlement:bridge"
BURN_GAS = 60_000


@dataclass(frozen=True, slots=True)
class MintTx:
    tx_id: str
    relayer: str
    certificate: Certificate
    gas: int
    priority_fee: float
    submitted_at: float
    verification_gas: int = 0


@dataclass(frozen=True, slots=True)
class BurnTx:
    tx_id: str
    sender: str
    asset: str
    amount: int
    recipient: str
    gas: int
    priority_fee: float
    submitted_at: float


@dataclass(frozen=True, slots=True)
class RotateTx:
    """Install the next trust root, endorsed by > 2/3 of the current committee."""

    tx_id: str
    submitter: str
    rotation: RotationCertificate
    gas: int
    priority_fee: float
    submitted_at: float


@dataclass(frozen=True, slots=True)
class MintEvent:
    contract: str
    nonce: int
    asset: str
    amount: int
    recipient: str
    signers: tuple[int, ...]
    tx_id: str

    def leaf(self) -> bytes:
        return encode(
            "bridge/mint", self.contract, self.nonce, self.asset, self.amount, self.recipient
        )


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
        return encode(
            "bridge/burn",
            self.contract,
            self.nonce,
            self.asset,
            self.amount,
            self.sender,
            self.recipient,
        )


@dataclass(slots=True)
class BridgeState:
    """Everything the bridge contract stores; dicts keep insertion order for determinism."""

    trust_root: TrustRoot
    verifier: VerifierConfig
    escrow_contract: str
    next_burn_nonce: int = 0
    balances: dict[tuple[str, str], int] = field(default_factory=dict)
    minted_total: dict[str, int] = field(default_factory=dict)
    burned_total: dict[str, int] = field(default_factory=dict)
    minted_nonces: dict[int, str] = field(default_factory=dict)


def _add(table: dict, key: object, amount: int) -> None:
    table[key] = table.get(key, 0) + amount


def process_mint(state: BridgeState, tx: MintTx) -> MintEvent:
    message = tx.certificate.message
    if message.direction != "deposit":
        raise Revert("direction")
    if message.source_contract != state.escrow_contract:
        raise Revert("source_contract")
    if message.nonce in state.minted_nonces:
        raise Revert("nonce_unused")
    verdict = verify_certificate(state.trust_root, state.verifier, tx.certificate)
    if not verdict:
        raise Revert(f"certificate_{verdict.check}")
    state.minted_nonces[message.nonce] = tx.tx_id
    _add(state.minted_total, message.asset, message.amount)
    _add(state.balances, (message.recipient, message.asset), message.amount)
    return MintEvent(
        BRIDGE_CONTRACT,
        message.nonce,
        message.asset,
        message.amount,
        message.recipient,
        verdict.signers,
        tx.tx_id,
    )


def process_burn(state: BridgeState, tx: BurnTx) -> BurnEvent:
    if tx.amount <= 0:
        raise Revert("amount_positive")
    if state.balances.get((tx.sender, tx.asset), 0) < tx.amount:
        raise Revert("sender_balance")
    nonce = state.next_burn_nonce
    state.next_burn_nonce += 1
    _add(state.balances, (tx.sender, tx.asset), -tx.amount)
    _add(state.burned_total, tx.asset, tx.amount)
    return BurnEvent(BRIDGE_CONTRACT, nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id)


def process_rotate(state: BridgeState, tx: RotateTx) -> TrustRoot:
    check = check_rotation(state.trust_root, tx.rotation)
    if check != "ok":
        raise Revert(f"rotation_{check}")
    state.trust_root = tx.rotation.new_root
    return state.trust_root
