"""The bridge contract on the settlement chain, as pure state transitions with named checks.

`process_mint` issues wrapped tokens for a certified, unused lock — at once, or after a delay
for large sums; `process_burn` destroys them and emits the numbered burn event withdrawals
are released against. A guardian can pause, an admin can upgrade the verifier, and a
rotation installs the next trust root. Every transition can be undone (a reorg).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bridgelab.consortium.block import Header
from bridgelab.consortium.escrow import LockEvent, Revert
from bridgelab.crypto import merkle
from bridgelab.crypto.hashing import encode
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot
from bridgelab.protocol.rotation import RotationCertificate, check_rotation
from bridgelab.protocol.tables import add_to
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate

BRIDGE_CONTRACT = "settlement:bridge"
BURN_GAS = 60_000
ADMIN_GAS = 50_000
UNCAPPED_FEE = 10**30
ZERO_ROOT = bytes(32)
# The one contract call a message payload can name (honoured only under a flaw).
SET_TRUST_ROOT_CALL = "call:set_trust_root:"


@dataclass(frozen=True, slots=True)
class MintTx:
    tx_id: str
    relayer: str
    certificate: Certificate
    gas: int
    priority_fee: int
    submitted_at: float
    verification_gas: int = 0
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """A lock event's Merkle path under a committed consortium block's header."""

    header: Header
    path: merkle.Proof


@dataclass(frozen=True, slots=True)
class ProveAndMintTx:
    """Process a deposit proven against an accepted root instead of a certificate.

    `root` is the consortium block (its hash) the message sits in, and `proof` shows the lock
    event under that block's events root. Without a proof nothing is proven: the message's
    root reads as zero, as Nomad's `messages[leaf]` did for a leaf never proven.
    """

    tx_id: str
    sender: str
    message: BridgeMessage
    root: bytes
    proof: InclusionProof | None
    gas: int
    priority_fee: int
    submitted_at: float
    verification_gas: int = 0
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class BurnTx:
    tx_id: str
    sender: str
    asset: str
    amount: int
    recipient: str
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class RotateTx:
    """Install the next trust root, endorsed by > 2/3 of the current committee."""

    tx_id: str
    submitter: str
    rotation: RotationCertificate
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class PauseTx:
    """The guardian pauses (or unpauses) minting and burning."""

    tx_id: str
    sender: str
    paused: bool
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class UpgradeTx:
    """The admin replaces the verifier's configuration (an upgrade)."""

    tx_id: str
    sender: str
    verifier: VerifierConfig
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class ChallengeTx:
    """A bonded watcher cancels a queued mint that has no lock behind it."""

    tx_id: str
    sender: str
    nonce: int
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


@dataclass(frozen=True, slots=True)
class VetoTx:
    """The watcher vetoes a pending trust-root change during its timelock."""

    tx_id: str
    sender: str
    version: int
    gas: int
    priority_fee: int
    submitted_at: float
    max_fee: int = UNCAPPED_FEE


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
        return encode(
            "bridge/burn",
            self.contract,
            self.nonce,
            self.asset,
            self.amount,
            self.sender,
            self.recipient,
        )


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


@dataclass(slots=True)
class BridgeState:
    """Everything the bridge contract stores; dicts keep insertion order for determinism."""

    trust_root: TrustRoot
    verifier: VerifierConfig
    escrow_contract: str
    limits: Limits = field(default_factory=Limits)
    bucket: TokenBucket | None = None
    guardian: str = "guardian"
    admin: str = "admin"
    paused: bool = False
    next_burn_nonce: int = 0
    balances: dict[tuple[str, str], int] = field(default_factory=dict)
    minted_total: dict[str, int] = field(default_factory=dict)
    burned_total: dict[str, int] = field(default_factory=dict)
    minted_nonces: dict[int, str] = field(default_factory=dict)
    delayed: dict[int, DelayedMint] = field(default_factory=dict)
    # The global accountant: the escrow's backing (locked - released) for an asset, read
    # across chains; None when the defence is off.
    accountant: Callable[[str], int] | None = None
    watchers: tuple[str, ...] = ("watcher",)
    rotation_timelock: float = 0.0
    pending_root: PendingRoot | None = None
    # Consortium block hashes (-> height) messages may be proven against: each block a
    # certified mint came from (the committee vouched for its commit).
    accepted_roots: dict[bytes, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "zero_root_trusted" in self.verifier.flaws:
            # Nomad 2022: the upgrade's initialiser marked the zero root as confirmed.
            self.accepted_roots.setdefault(ZERO_ROOT, 0)




def _mint_now(
    state: BridgeState, cert: Certificate, signers: tuple[int, ...], tx_id: str, now: float
):
    message = cert.message
    state.minted_nonces[message.nonce] = tx_id
    add_to(state.minted_total, message.asset, message.amount)
    add_to(state.balances, (message.recipient, message.asset), message.amount)
    event = MintEvent(
        BRIDGE_CONTRACT,
        message.nonce,
        message.asset,
        message.amount,
        message.recipient,
        signers,
        tx_id,
        cert,
    )
    _message_call(state, message, now)
    return event


def parse_set_trust_root(payload: str, current: TrustRoot) -> TrustRoot | None:
    """The root a `call:set_trust_root:<addr>,<addr>...:<threshold>` payload names, if any."""
    if not payload.startswith(SET_TRUST_ROOT_CALL):
        return None
    signers, _, threshold = payload[len(SET_TRUST_ROOT_CALL) :].rpartition(":")
    addresses = tuple(address for address in signers.split(",") if address)
    if not addresses or not threshold.isdigit() or not 1 <= int(threshold) <= len(addresses):
        return None
    return TrustRoot(current.version + 1, "multisig", addresses, int(threshold), ())


def _message_call(state: BridgeState, message: BridgeMessage, now: float) -> None:
    """The `arbitrary_message_calls` flaw (Poly Network 2021): a minted message's payload is
    executed as a call by the bridge contract itself, privileged setters included. The
    correct contract never reads the payload."""
    if "arbitrary_message_calls" not in state.verifier.flaws:
        return
    root = parse_set_trust_root(message.payload, state.trust_root)
    if root is not None:
        schedule_root(state, root, now, via="message-call")


def _check_deposit(state: BridgeState, message: BridgeMessage) -> None:
    if state.paused:
        raise Revert("paused")
    if message.direction != "deposit":
        raise Revert("direction")
    if message.source_contract != state.escrow_contract:
        raise Revert("source_contract")
    if message.nonce in state.minted_nonces or message.nonce in state.delayed:
        raise Revert("nonce_unused")


def process_mint(state: BridgeState, tx: MintTx, now: float = 0.0) -> MintEvent | MintQueued:
    message = tx.certificate.message
    _check_deposit(state, message)
    verdict = verify_certificate(state.trust_root, state.verifier, tx.certificate)
    if not verdict:
        raise Revert(f"certificate_{verdict.check}")
    outcome = _admit(state, tx.certificate, verdict.signers, tx.tx_id, now)
    # The certificate vouches for the message's block: its other lock events can now be
    # proven against it. (A reorg here keeps it: the consortium block stays committed.)
    state.accepted_roots.setdefault(message.source_block_hash, message.source_block)
    return outcome


def _proven_root(tx: ProveAndMintTx) -> bytes:
    """The root `tx.message` is proven under: the proof's block, or zero with no proof."""
    if tx.proof is None:
        return ZERO_ROOT
    message = tx.message
    header = tx.proof.header
    if (header.hash, header.height) != (tx.root, message.source_block) or (
        message.source_block_hash != tx.root
    ):
        raise Revert("proof_root")
    leaf = LockEvent(
        message.source_contract, message.nonce, message.asset, message.amount, message.sender,
        message.recipient, "", payload=message.payload,
    ).leaf()
    if not merkle.verify(header.events_root, leaf, tx.proof.path):
        raise Revert("merkle_inclusion")
    return tx.root


def process_prove_and_mint(
    state: BridgeState, tx: ProveAndMintTx, now: float = 0.0
) -> MintEvent | MintQueued:
    """Mint a deposit proven against an accepted root; no committee signature is involved."""
    _check_deposit(state, tx.message)
    if _proven_root(tx) not in state.accepted_roots:
        raise Revert("root_not_accepted")
    # Recorded with an empty certificate: what the mint carried is no signature at all.
    root = state.trust_root
    certificate = Certificate(tx.message, root.version, root.scheme, ())
    return _admit(state, certificate, (), tx.tx_id, now)


def _admit(
    state: BridgeState, cert: Certificate, signers: tuple[int, ...], tx_id: str, now: float
) -> MintEvent | MintQueued:
    """The outflow defences every verified deposit passes, then the mint (or its queueing)."""
    message = cert.message
    limits = state.limits
    if limits.per_transfer_cap is not None and message.amount > limits.per_transfer_cap:
        raise Revert("per_transfer_cap")
    if state.accountant is not None:
        circulating = state.minted_total.get(message.asset, 0) - state.burned_total.get(
            message.asset, 0
        )
        pending = sum(
            item.certificate.message.amount
            for item in state.delayed.values()
            if item.certificate.message.asset == message.asset
        )
        if circulating + pending + message.amount > state.accountant(message.asset):
            raise Revert("accountant")
    if state.bucket is not None and not state.bucket.try_take(now, message.amount):
        raise Revert("rate_limited")
    if limits.delay_threshold is not None and message.amount >= limits.delay_threshold:
        due = now + limits.delay
        state.delayed[message.nonce] = DelayedMint(cert, signers, due, tx_id)
        return MintQueued(
            message.nonce, message.asset, message.amount, message.recipient, due, tx_id
        )
    return _mint_now(state, cert, signers, tx_id, now)


def process_due_mints(
    state: BridgeState, now: float
) -> list[tuple[MintEvent, DelayedMint]]:
    """Execute queued mints whose delay has passed, unless the bridge is paused."""
    if state.paused or not state.delayed:
        return []
    due = [nonce for nonce, item in state.delayed.items() if item.due <= now]
    executed = []
    for nonce in due:
        item = state.delayed.pop(nonce)
        executed.append(
            (_mint_now(state, item.certificate, item.signers, item.tx_id, now), item)
        )
    return executed


def process_burn(state: BridgeState, tx: BurnTx, now: float = 0.0) -> BurnEvent:
    if state.paused:
        raise Revert("paused")
    if tx.amount <= 0:
        raise Revert("amount_positive")
    if state.balances.get((tx.sender, tx.asset), 0) < tx.amount:
        raise Revert("sender_balance")
    nonce = state.next_burn_nonce
    state.next_burn_nonce += 1
    add_to(state.balances, (tx.sender, tx.asset), -tx.amount)
    add_to(state.burned_total, tx.asset, tx.amount)
    return BurnEvent(BRIDGE_CONTRACT, nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id)


def schedule_root(
    state: BridgeState,
    root: TrustRoot,
    now: float,
    via: str,
    signatures: tuple[bytes, ...] = (),
) -> TrustRoot | None:
    """Install `root` now, or after the timelock; returns the root if installed now."""
    if state.rotation_timelock > 0:
        state.pending_root = PendingRoot(
            root, now + state.rotation_timelock, via, signatures
        )
        return None
    state.trust_root = root
    return root


def process_rotate(state: BridgeState, tx: RotateTx, now: float = 0.0) -> TrustRoot | None:
    check = check_rotation(state.trust_root, tx.rotation, state.verifier.signatures)
    if check != "ok":
        raise Revert(f"rotation_{check}")
    return schedule_root(
        state, tx.rotation.new_root, now, "rotation", tx.rotation.signatures
    )


def process_due_root(state: BridgeState, now: float) -> PendingRoot | None:
    """Apply a pending trust-root change whose timelock has passed."""
    pending = state.pending_root
    if pending is None or pending.due > now:
        return None
    state.pending_root = None
    state.trust_root = pending.root
    return pending


def process_challenge(state: BridgeState, tx: ChallengeTx, now: float = 0.0) -> int:
    if tx.sender not in state.watchers:
        raise Revert("only_watcher")
    if tx.nonce not in state.delayed:
        raise Revert("nothing_to_challenge")
    del state.delayed[tx.nonce]
    return tx.nonce


def process_veto(state: BridgeState, tx: VetoTx, now: float = 0.0) -> int:
    if tx.sender not in state.watchers:
        raise Revert("only_watcher")
    if state.pending_root is None or state.pending_root.root.version != tx.version:
        raise Revert("nothing_to_veto")
    state.pending_root = None
    return tx.version


def process_pause(state: BridgeState, tx: PauseTx, now: float = 0.0) -> bool:
    if tx.sender != state.guardian:
        raise Revert("only_guardian")
    state.paused = tx.paused
    return state.paused


def process_upgrade(state: BridgeState, tx: UpgradeTx, now: float = 0.0) -> VerifierConfig:
    if tx.sender != state.admin:
        raise Revert("only_admin")
    state.verifier = tx.verifier
    return state.verifier


# -- undo, for reorgs: each takes what the forward transition returned ---------------------


def undo_mint(state: BridgeState, event: MintEvent, now: float, admitted: bool = True) -> None:
    """Undo a mint. `admitted`: the mint passed the outflow defences in the same transition
    (it was not a queued mint coming due), so its rate-limit tokens go back to the bucket."""
    state.minted_nonces.pop(event.nonce, None)
    add_to(state.minted_total, event.asset, -event.amount)
    add_to(state.balances, (event.recipient, event.asset), -event.amount)
    if admitted and state.bucket is not None:
        state.bucket.give_back(now, event.amount)


def undo_queue(state: BridgeState, queued: MintQueued, now: float) -> None:
    """Undo a mint's admission into the delay queue, tokens included (taken when queued)."""
    state.delayed.pop(queued.nonce, None)
    if state.bucket is not None:
        state.bucket.give_back(now, queued.amount)


def undo_burn(state: BridgeState, event: BurnEvent) -> None:
    # Blocks are undone newest first, so the burn being undone holds the latest nonce.
    assert event.nonce == state.next_burn_nonce - 1, "burns must be undone in reverse order"
    state.next_burn_nonce -= 1
    add_to(state.balances, (event.sender, event.asset), event.amount)
    add_to(state.burned_total, event.asset, -event.amount)
