"""The bridge contract on the settlement chain, as pure state transitions with named checks.

`process_mint` issues wrapped tokens for a certified, unused lock — at once, or after a delay
for large sums; `process_burn` destroys them and emits the numbered burn event withdrawals
are released against. A guardian can pause, an admin can upgrade the verifier, and a
rotation installs the next trust root. Every transition can be undone (a reorg).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bridgelab.consortium.escrow import LockEvent
from bridgelab.core.digest_set import DigestSet
from bridgelab.core.intervals import IntervalSet
from bridgelab.crypto import merkle
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot
from bridgelab.protocol.revert import require
from bridgelab.protocol.rotation import check_rotation
from bridgelab.protocol.tables import add_to
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.settlement.contract_records import (
    BRIDGE_CONTRACT,
    BurnEvent,
    DelayedMint,
    Limits,
    MintEvent,
    MintQueued,
    PendingRoot,
)
from bridgelab.settlement.transactions import (
    BurnTx,
    ChallengeTx,
    MintTx,
    PauseTx,
    ProveAndMintTx,
    RotateTx,
    UpgradeTx,
    VetoTx,
)

BURN_GAS = 60_000
ADMIN_GAS = 50_000
ZERO_ROOT = bytes(32)
# The one contract call a message payload can name (honoured only under a flaw).
SET_TRUST_ROOT_CALL = "call:set_trust_root:"


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
    # Nonces minted (or credited on the L2): only ever asked "used?", and nearly consecutive,
    # so held as intervals (`core/intervals.py`), flat however long the run.
    minted_nonces: IntervalSet = field(default_factory=IntervalSet)
    delayed: dict[int, DelayedMint] = field(default_factory=dict)
    # The global accountant: the escrow's backing (locked - released) for an asset, read
    # across chains; None when the defence is off.
    accountant: Callable[[str], int] | None = None
    watchers: tuple[str, ...] = ("watcher",)
    rotation_timelock: float = 0.0
    pending_root: PendingRoot | None = None
    # Consortium block hashes messages may be proven against: each block a certified mint
    # came from (the committee vouched for its commit). Only ever asked "accepted?", and one
    # is added for nearly every block, so held compactly (`core/digest_set.py`).
    accepted_roots: DigestSet = field(default_factory=DigestSet)

    def __post_init__(self) -> None:
        if "zero_root_trusted" in self.verifier.flaws:
            # Nomad 2022: the upgrade's initialiser marked the zero root as confirmed.
            self.accepted_roots.add(ZERO_ROOT)


# -- deposits: mint wrapped tokens for a lock on the consortium chain ----------------------


def _check_deposit(state: BridgeState, message: BridgeMessage) -> None:
    """What every deposit must be, however it is proven."""
    require(not state.paused, "paused")
    require(message.direction == "deposit", "direction")
    require(message.source_contract == state.escrow_contract, "source_contract")
    require(
        message.nonce not in state.minted_nonces and message.nonce not in state.delayed,
        "nonce_unused",
    )


def process_mint(state: BridgeState, tx: MintTx, now: float = 0.0) -> MintEvent | MintQueued:
    """Mint (or queue) a deposit the committee certified."""
    message = tx.certificate.message
    _check_deposit(state, message)
    verdict = verify_certificate(state.trust_root, state.verifier, tx.certificate)
    require(verdict.ok, f"certificate_{verdict.check}")
    outcome = _admit(state, tx.certificate, verdict.signers, tx.tx_id, now)
    # The certificate vouches for the message's block: its other lock events can now be
    # proven against it. (A reorg here keeps it: the consortium block stays committed.)
    state.accepted_roots.add(message.source_block_hash)
    return outcome


def process_prove_and_mint(
    state: BridgeState, tx: ProveAndMintTx, now: float = 0.0
) -> MintEvent | MintQueued:
    """Mint a deposit proven against an accepted root; no committee signature is involved."""
    _check_deposit(state, tx.message)
    require(_proven_root(state, tx) in state.accepted_roots, "root_not_accepted")
    # Recorded with an empty certificate: what the mint carried is no signature at all.
    root = state.trust_root
    certificate = Certificate(tx.message, root.version, root.scheme, ())
    return _admit(state, certificate, (), tx.tx_id, now)


def _proven_root(state: BridgeState, tx: ProveAndMintTx) -> bytes:
    """The root `tx.message` is proven under: the proof's block, or zero with no proof."""
    if tx.proof is None:
        return ZERO_ROOT
    message = tx.message
    header = tx.proof.header
    require(
        (header.hash, header.height) == (tx.root, message.source_block)
        and message.source_block_hash == tx.root,
        "proof_root",
    )
    leaf = LockEvent(
        message.source_contract, message.nonce, message.asset, message.amount, message.sender,
        message.recipient, "", payload=message.payload,
    ).leaf()
    if tx.leaf is not None:
        # The `proof_leaf_unbound` flaw: the caller's leaf is proven, and the message minted,
        # with nothing tying the one to the other.
        if "proof_leaf_unbound" not in state.verifier.flaws:
            require(tx.leaf == leaf, "leaf_matches_message")
        leaf = tx.leaf
    require(merkle.verify(header.events_root, leaf, tx.proof.path), "merkle_inclusion")
    return tx.root


def _admit(
    state: BridgeState, cert: Certificate, signers: tuple[int, ...], tx_id: str, now: float
) -> MintEvent | MintQueued:
    """The outflow defences every verified deposit passes, then the mint (or its queueing)."""
    message = cert.message
    limits = state.limits
    cap = limits.per_transfer_cap
    require(cap is None or message.amount <= cap, "per_transfer_cap")
    require(
        state.accountant is None
        or _supply_with(state, message) <= state.accountant(message.asset),
        "accountant",
    )
    require(state.bucket is None or state.bucket.try_take(now, message.amount), "rate_limited")
    if limits.delay_threshold is not None and message.amount >= limits.delay_threshold:
        due = now + limits.delay
        state.delayed[message.nonce] = DelayedMint(cert, signers, due, tx_id)
        return MintQueued(
            message.nonce, message.asset, message.amount, message.recipient, due, tx_id
        )
    return _mint_now(state, cert, signers, tx_id, now)


def _supply_with(state: BridgeState, message: BridgeMessage) -> int:
    """The wrapped supply of the message's asset once it is minted: what circulates, what
    waits in the delay queue, and the message's amount."""
    asset = message.asset
    circulating = state.minted_total.get(asset, 0) - state.burned_total.get(asset, 0)
    queued = sum(
        item.certificate.message.amount
        for item in state.delayed.values()
        if item.certificate.message.asset == asset
    )
    return circulating + queued + message.amount


def _mint_now(
    state: BridgeState, cert: Certificate, signers: tuple[int, ...], tx_id: str, now: float
) -> MintEvent:
    message = cert.message
    state.minted_nonces.add(message.nonce)
    add_to(state.minted_total, message.asset, message.amount)
    add_to(state.balances, (message.recipient, message.asset), message.amount)
    event = MintEvent(BRIDGE_CONTRACT, message.nonce, message.asset, message.amount,
                      message.recipient, signers, tx_id, cert)
    _message_call(state, message, now)
    return event


def due_nonces(state: BridgeState, now: float) -> list[int]:
    """The queued mints whose delay has passed, in queue order; none while paused."""
    if state.paused or not state.delayed:
        return []
    return [nonce for nonce, item in state.delayed.items() if item.due <= now]


def process_due_mint(state: BridgeState, nonce: int, now: float) -> tuple[MintEvent, DelayedMint]:
    """Execute the queued mint `nonce`, one of `due_nonces`."""
    item = state.delayed.pop(nonce)
    return _mint_now(state, item.certificate, item.signers, item.tx_id, now), item


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


# -- withdrawals: burn wrapped tokens; escapes credit them ---------------------------------


def process_burn(state: BridgeState, tx: BurnTx, now: float = 0.0) -> BurnEvent:
    """Burn the sender's wrapped tokens; the numbered burn event is what the escrow releases."""
    require(not state.paused, "paused")
    require(tx.amount > 0, "amount_positive")
    require(state.balances.get((tx.sender, tx.asset), 0) >= tx.amount, "sender_balance")
    nonce = state.next_burn_nonce
    state.next_burn_nonce += 1
    add_to(state.balances, (tx.sender, tx.asset), -tx.amount)
    add_to(state.burned_total, tx.asset, tx.amount)
    return BurnEvent(BRIDGE_CONTRACT, nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id)


def credit_escaped(state: BridgeState, account: str, asset: str, amount: int) -> None:
    """An L2 escape paid on L1 (`l2.escape_contract.process_escape`): the balance becomes
    wrapped tokens here. Moved, not minted: its deposit was credited on L2, and here it
    joins the wrapped supply the accountant compares with the escrow's backing."""
    add_to(state.balances, (account, asset), amount)
    add_to(state.minted_total, asset, amount)


# -- governance: trust roots, pause, upgrade, the watcher's vetoes and challenges ----------


def schedule_root(
    state: BridgeState,
    root: TrustRoot,
    now: float,
    via: str,
    signatures: tuple[bytes, ...] = (),
) -> TrustRoot | None:
    """Install `root` now, or after the timelock; returns the root if installed now."""
    if state.rotation_timelock > 0:
        state.pending_root = PendingRoot(root, now + state.rotation_timelock, via, signatures)
        return None
    state.trust_root = root
    return root


def process_rotate(state: BridgeState, tx: RotateTx, now: float = 0.0) -> TrustRoot | None:
    """Install (or schedule) the next trust root, signed by > 2/3 of the current one."""
    check = check_rotation(state.trust_root, tx.rotation, state.verifier.signatures)
    require(check == "ok", f"rotation_{check}")
    return schedule_root(state, tx.rotation.new_root, now, "rotation", tx.rotation.signatures)


def process_due_root(state: BridgeState, now: float) -> PendingRoot | None:
    """Apply a pending trust-root change whose timelock has passed."""
    pending = state.pending_root
    if pending is None or pending.due > now:
        return None
    state.pending_root = None
    state.trust_root = pending.root
    return pending


def process_challenge(state: BridgeState, tx: ChallengeTx, now: float = 0.0) -> int:
    """A watcher cancels a queued mint before it comes due."""
    require(tx.sender in state.watchers, "only_watcher")
    require(tx.nonce in state.delayed, "nothing_to_challenge")
    del state.delayed[tx.nonce]
    return tx.nonce


def process_veto(state: BridgeState, tx: VetoTx, now: float = 0.0) -> int:
    """A watcher cancels a pending trust-root change during its timelock."""
    require(tx.sender in state.watchers, "only_watcher")
    pending = state.pending_root
    require(pending is not None and pending.root.version == tx.version, "nothing_to_veto")
    state.pending_root = None
    return tx.version


def process_pause(state: BridgeState, tx: PauseTx, now: float = 0.0) -> bool:
    require(tx.sender == state.guardian, "only_guardian")
    state.paused = tx.paused
    return state.paused


def process_upgrade(state: BridgeState, tx: UpgradeTx, now: float = 0.0) -> VerifierConfig:
    require(tx.sender == state.admin, "only_admin")
    state.verifier = tx.verifier
    return state.verifier


# -- undo, for reorgs: each takes what the forward transition returned ---------------------


def undo_mint(state: BridgeState, event: MintEvent, now: float, admitted: bool = True) -> None:
    """Undo a mint. `admitted`: the mint passed the outflow defences in the same transition
    (it was not a queued mint coming due), so its rate-limit tokens go back to the bucket."""
    state.minted_nonces.discard(event.nonce)
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
