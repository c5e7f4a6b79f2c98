"""The escrow contract on the consortium chain, as pure state transitions with named checks.

`process_lock` takes the asset into escrow and emits a numbered lock event;
`process_release` pays out only on a valid certificate over a final burn. The checks mirror
the settlement bridge contract's (`settlement/bridge_contract.py`) and share their names:
a release passes `_check_withdrawal` as a mint passes `_check_deposit`, then the
certificate, then the outflow defences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridgelab.consortium.nonces import NonceTable
from bridgelab.crypto.hashing import encode
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot
from bridgelab.protocol.revert import require
from bridgelab.protocol.tables import add_to
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate

ESCROW_CONTRACT = "consortium:escrow"
# A contract anyone can deploy on the consortium chain that emits the escrow's event layout.
COPYCAT_CONTRACT = "consortium:copycat"
# The token a lock names when it pulls from the zero address (Qubit's "native" path).
ZERO_ADDRESS = "0x" + "00" * 20
LOCK_TAG = "escrow/lock"


@dataclass(frozen=True, slots=True)
class LockTx:
    tx_id: str
    sender: str
    asset: str
    amount: int
    recipient: str
    submitted_at: float
    # Call data for the destination, copied into the lock event (and so into the message).
    payload: str = ""
    # The token contract the deposit is pulled from; empty means the asset's own ledger.
    token: str = ""


@dataclass(frozen=True, slots=True)
class CopycatLockTx:
    """A call to a copycat contract: it emits a lock event under its own address, holds nothing.

    The nonce is the copycat's own counter, chosen by whoever deployed it.
    """

    tx_id: str
    sender: str
    asset: str
    amount: int
    recipient: str
    nonce: int
    submitted_at: float
    payload: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseTx:
    """A relayer submits a certified withdrawal."""

    tx_id: str
    sender: str
    certificate: Certificate
    submitted_at: float


@dataclass(frozen=True, slots=True)
class FreezeTx:
    """The guardian (or the regulator) freezes or unfreezes the escrow."""

    tx_id: str
    sender: str
    frozen: bool
    submitted_at: float


@dataclass(frozen=True, slots=True)
class LockEvent:
    contract: str
    nonce: int
    asset: str
    amount: int
    sender: str
    recipient: str
    tx_id: str
    # The escrow's holdings of the asset after this event: public state, not part of the leaf.
    escrowed: int = 0
    payload: str = ""

    def leaf(self) -> bytes:
        return encode(
            LOCK_TAG,
            self.contract,
            self.nonce,
            self.asset,
            self.amount,
            self.sender,
            self.recipient,
            self.payload,
        )


def lock_emitter(leaf: bytes) -> str | None:
    """Who emitted a lock-layout event: the first field of its leaf; None if not such a leaf."""
    prefix = LOCK_TAG.encode("ascii") + b"\x00"
    if not leaf.startswith(prefix) or len(leaf) < len(prefix) + 4:
        return None
    length = int.from_bytes(leaf[len(prefix) : len(prefix) + 4], "big")
    raw = leaf[len(prefix) + 4 : len(prefix) + 4 + length]
    if len(raw) != length:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True)
class ForeignEvent:
    """A lock-layout event emitted by a contract other than the escrow (`event.contract`)."""

    event: LockEvent

    def leaf(self) -> bytes:
        return self.event.leaf()


@dataclass(frozen=True, slots=True)
class ReleaseEvent:
    contract: str
    nonce: int
    asset: str
    amount: int
    recipient: str
    tx_id: str
    certificate: Certificate
    escrowed: int = 0

    def leaf(self) -> bytes:
        return encode(
            "escrow/release", self.contract, self.nonce, self.asset, self.amount, self.recipient
        )


@dataclass(slots=True)
class EscrowState:
    """Everything the escrow contract stores; dicts keep insertion order for determinism."""

    trust_root: TrustRoot
    verifier: VerifierConfig
    settlement_contract: str
    kyc: frozenset[str] | None
    per_transfer_cap: int | None = None
    bucket: TokenBucket | None = None
    paused: bool = False
    next_nonce: int = 0
    balances: dict[tuple[str, str], int] = field(default_factory=dict)
    escrowed: dict[str, int] = field(default_factory=dict)
    guardians: tuple[str, ...] = ("guardian", "regulator")
    locked_total: dict[str, int] = field(default_factory=dict)
    released_total: dict[str, int] = field(default_factory=dict)
    released_nonces: NonceTable = field(default_factory=NonceTable)

    def copy(self) -> EscrowState:
        """A state the next block can change without touching this one.

        Built field by field (every block copies the state, and `dataclasses.replace` walks
        the fields' metadata each time); tests check that no field is left out."""
        return EscrowState(
            trust_root=self.trust_root,
            verifier=self.verifier,
            settlement_contract=self.settlement_contract,
            kyc=self.kyc,
            per_transfer_cap=self.per_transfer_cap,
            bucket=self.bucket.copy() if self.bucket is not None else None,
            paused=self.paused,
            next_nonce=self.next_nonce,
            balances=dict(self.balances),
            escrowed=dict(self.escrowed),
            guardians=self.guardians,
            locked_total=dict(self.locked_total),
            released_total=dict(self.released_total),
            released_nonces=self.released_nonces.copy(),
        )


def _allowed(state: EscrowState, account: str) -> bool:
    return state.kyc is None or account in state.kyc


# -- deposits: lock the asset in escrow ----------------------------------------------------


def process_lock(state: EscrowState, tx: LockTx, now: float = 0.0) -> LockEvent:
    """Take the sender's asset into escrow; the numbered lock event is what a mint proves."""
    require(not state.paused, "paused")
    require(tx.amount > 0, "amount_positive")
    require(_allowed(state, tx.sender), "sender_kyc")
    if tx.token == ZERO_ADDRESS and "lock_event_without_transfer" in state.verifier.flaws:
        # Qubit 2022: the transfer from the zero-address "token" is a call to an account with
        # no code, which succeeds and moves nothing; the lock is booked and emitted anyway.
        pulled = 0
    else:
        require(state.balances.get((tx.sender, tx.asset), 0) >= tx.amount, "sender_balance")
        pulled = tx.amount
    nonce = state.next_nonce
    state.next_nonce += 1
    add_to(state.balances, (tx.sender, tx.asset), -pulled)
    add_to(state.escrowed, tx.asset, pulled)
    add_to(state.locked_total, tx.asset, tx.amount)
    return LockEvent(
        ESCROW_CONTRACT, nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id,
        state.escrowed[tx.asset], tx.payload,
    )


def process_copycat_lock(tx: CopycatLockTx, now: float = 0.0) -> ForeignEvent:
    """The copycat's code: the escrow's lock event under the copycat's own address."""
    return ForeignEvent(
        LockEvent(
            COPYCAT_CONTRACT, tx.nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id,
            0, tx.payload,
        )
    )


# -- withdrawals: release the asset for a final burn ---------------------------------------


def _check_withdrawal(state: EscrowState, message: BridgeMessage) -> None:
    """What every withdrawal must be before its certificate is read."""
    require(not state.paused, "paused")
    require(message.direction == "withdrawal", "direction")
    require(message.source_contract == state.settlement_contract, "source_contract")
    require(message.nonce not in state.released_nonces, "nonce_unused")


def process_release(state: EscrowState, tx: ReleaseTx, now: float = 0.0) -> ReleaseEvent:
    """Pay out a withdrawal the committee certified, within the outflow defences."""
    message = tx.certificate.message
    _check_withdrawal(state, message)
    verdict = verify_certificate(state.trust_root, state.verifier, tx.certificate)
    require(verdict.ok, f"certificate_{verdict.check}")
    require(_allowed(state, message.recipient), "recipient_kyc")
    require(state.escrowed.get(message.asset, 0) >= message.amount, "escrow_balance")
    cap = state.per_transfer_cap
    require(cap is None or message.amount <= cap, "per_transfer_cap")
    require(state.bucket is None or state.bucket.try_take(now, message.amount), "rate_limited")
    state.released_nonces.add(message.nonce)
    add_to(state.escrowed, message.asset, -message.amount)
    add_to(state.released_total, message.asset, message.amount)
    add_to(state.balances, (message.recipient, message.asset), message.amount)
    return ReleaseEvent(
        ESCROW_CONTRACT,
        message.nonce,
        message.asset,
        message.amount,
        message.recipient,
        tx.tx_id,
        tx.certificate,
        state.escrowed[message.asset],
    )


# -- governance ----------------------------------------------------------------------------


def process_freeze(state: EscrowState, tx: FreezeTx, now: float = 0.0) -> bool:
    """A guardian (or the regulator) freezes the escrow: the bridge contract's pause."""
    require(tx.sender in state.guardians, "only_guardian")
    state.paused = tx.frozen
    return state.paused
