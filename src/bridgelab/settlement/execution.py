"""Executing a block's transactions against the bridge contract: one executor per type.

Each executor runs the contract's pure transition (`process_*` in `bridge_contract`) and
notes what it did in the block's `BlockEffects`: the events the block commits to, the undo
journal a reorg replays backwards, and the history records. A transition that reverts
raises `Revert` before noting anything. `EXECUTION` is the table the chain dispatches on;
`undo` replays one journal entry backwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridgelab.protocol.messages import TrustRoot
from bridgelab.settlement.bridge_contract import (
    BridgeState,
    BurnEvent,
    DelayedMint,
    MintEvent,
    MintQueued,
    PendingRoot,
    due_nonces,
    process_burn,
    process_challenge,
    process_due_mint,
    process_due_root,
    process_mint,
    process_pause,
    process_prove_and_mint,
    process_rotate,
    process_upgrade,
    process_veto,
    undo_burn,
    undo_mint,
    undo_queue,
)
from bridgelab.settlement.records import (
    Fields,
    burn_fields,
    mint_fields,
    queued_fields,
    root_due_fields,
    root_installed_fields,
    root_pending_fields,
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

# What a reorg needs to undo one transition: its kind, then what the transition returned or
# the value it replaced.
JournalEntry = tuple[Any, ...]


@dataclass(slots=True)
class BlockEffects:
    """What executing one block produced, in execution order."""

    leaves: list[bytes] = field(default_factory=list)
    decoded: list[MintEvent | BurnEvent] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)
    records: list[tuple[str, Fields]] = field(default_factory=list)

    def emit(self, event: MintEvent | BurnEvent) -> None:
        """An event the block's events root commits to (relayers prove burns under it)."""
        self.leaves.append(event.leaf())
        self.decoded.append(event)


Executor = Callable[[BridgeState, Any, int, float, BlockEffects], None]


@dataclass(frozen=True, slots=True)
class TxType:
    """How the chain executes a transaction type; `kind` names it in the history."""

    kind: str
    execute: Executor


# -- the contract's own timed transitions, before a block's transactions -------------------


def execute_due(state: BridgeState, now: float, effects: BlockEffects) -> None:
    """Install a trust root whose timelock passed, then execute queued mints now due."""
    previous_root = state.trust_root
    installed = process_due_root(state, now)
    if installed is not None:
        effects.journal.append(("rotate", previous_root, installed))
        effects.records.append(("trust_root", root_due_fields(installed, previous_root)))
    for nonce in due_nonces(state, now):
        previous_root, previous_pending = state.trust_root, state.pending_root
        event, item = process_due_mint(state, nonce, now)
        effects.journal.append(("due", event, item))
        effects.emit(event)
        effects.records.append(("mint", mint_fields(event, None, 0, delayed=True)))
        _message_call_effects(state, previous_root, previous_pending, effects)


# -- one executor per transaction type -----------------------------------------------------


def execute_mint(
    state: BridgeState, tx: MintTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    before = state.trust_root, state.pending_root
    _note_mint(state, process_mint(state, tx, now), tx, fee_paid, effects, *before)


def execute_prove_and_mint(
    state: BridgeState, tx: ProveAndMintTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    before = state.trust_root, state.pending_root
    _note_mint(state, process_prove_and_mint(state, tx, now), tx, fee_paid, effects, *before)


def _note_mint(
    state: BridgeState,
    outcome: MintEvent | MintQueued,
    tx: MintTx | ProveAndMintTx,
    fee_paid: int,
    effects: BlockEffects,
    previous_root: TrustRoot,
    previous_pending: PendingRoot | None,
) -> None:
    if isinstance(outcome, MintQueued):
        effects.journal.append(("queue", outcome))
        effects.records.append(("mint.queued", queued_fields(outcome, tx.tx_id, fee_paid)))
        return
    effects.journal.append(("mint", outcome))
    effects.emit(outcome)
    effects.records.append(("mint", mint_fields(outcome, tx, fee_paid)))
    _message_call_effects(state, previous_root, previous_pending, effects)


def _message_call_effects(
    state: BridgeState,
    previous_root: TrustRoot,
    previous_pending: PendingRoot | None,
    effects: BlockEffects,
) -> None:
    """Note a trust-root change a minted message's call made (a flawed contract only)."""
    if state.trust_root is not previous_root:
        effects.journal.append(("rotate", previous_root, previous_pending))
        effects.records.append(("trust_root", root_installed_fields(
            state.trust_root, "message-call", (), previous_root)))
    elif state.pending_root is not None and state.pending_root is not previous_pending:
        pending = state.pending_root
        effects.journal.append(("rotate", previous_root, previous_pending))
        effects.records.append(("trust_root.pending", root_pending_fields(
            pending.root.version, pending.via, pending.due)))


def execute_burn(
    state: BridgeState, tx: BurnTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    event = process_burn(state, tx, now)
    effects.journal.append(("burn", event))
    effects.emit(event)
    effects.records.append(("burn", burn_fields(event, fee_paid)))


def execute_rotate(
    state: BridgeState, tx: RotateTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    previous, previous_pending = state.trust_root, state.pending_root
    root = process_rotate(state, tx, now)
    effects.journal.append(("rotate", previous, previous_pending))
    if root is None:
        effects.records.append(("trust_root.pending", root_pending_fields(
            tx.rotation.new_root.version, "rotation", now + state.rotation_timelock)))
    else:
        effects.records.append(("trust_root", root_installed_fields(
            root, "rotation", tx.rotation.signatures, previous)))


def execute_challenge(
    state: BridgeState, tx: ChallengeTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    queued = state.delayed.get(tx.nonce)
    nonce = process_challenge(state, tx, now)
    effects.journal.append(("challenge", nonce, queued))
    effects.records.append(("mint.challenged", {"nonce": nonce, "tx": tx.tx_id,
                                                "by": tx.sender}))


def execute_veto(
    state: BridgeState, tx: VetoTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    pending = state.pending_root
    version = process_veto(state, tx, now)
    effects.journal.append(("veto", pending))
    effects.records.append(("trust_root.vetoed", {"version": version, "tx": tx.tx_id,
                                                  "by": tx.sender}))


def execute_pause(
    state: BridgeState, tx: PauseTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    previous = state.paused
    paused = process_pause(state, tx, now)
    effects.journal.append(("pause", previous))
    effects.records.append(("bridge.paused" if paused else "bridge.unpaused",
                            {"tx": tx.tx_id, "by": tx.sender}))


def execute_upgrade(
    state: BridgeState, tx: UpgradeTx, fee_paid: int, now: float, effects: BlockEffects
) -> None:
    previous = state.verifier
    verifier = process_upgrade(state, tx, now)
    effects.journal.append(("upgrade", previous))
    effects.records.append(("bridge.upgraded", {
        "tx": tx.tx_id, "by": tx.sender, "threshold_override": verifier.threshold_override,
        "flaws": list(verifier.flaws),
    }))


EXECUTION: dict[type, TxType] = {
    MintTx: TxType("mint", execute_mint),
    ProveAndMintTx: TxType("prove_mint", execute_prove_and_mint),
    BurnTx: TxType("burn", execute_burn),
    RotateTx: TxType("rotate", execute_rotate),
    PauseTx: TxType("pause", execute_pause),
    UpgradeTx: TxType("upgrade", execute_upgrade),
    ChallengeTx: TxType("challenge", execute_challenge),
    VetoTx: TxType("veto", execute_veto),
}


# -- undo, for reorgs: newest entry first --------------------------------------------------


def undo(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    """Replay one journal entry backwards; what the reorg record lists as reverted."""
    return _UNDO[entry[0]](state, entry, now)


def _undo_mint(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    event: MintEvent = entry[1]
    undo_mint(state, event, now, admitted=True)
    return [_reverted("mint", event)]


def _undo_due(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    # A queued mint coming due took its tokens when it was queued (a "queue" entry).
    event: MintEvent = entry[1]
    item: DelayedMint = entry[2]
    undo_mint(state, event, now, admitted=False)
    state.delayed[event.nonce] = item
    return [_reverted("mint", event)]


def _undo_queue(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    undo_queue(state, entry[1], now)
    return []


def _undo_burn(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    event: BurnEvent = entry[1]
    undo_burn(state, event)
    return [_reverted("burn", event)]


def _undo_rotate(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    # Both roots: a rotation under a timelock, or a timelock ending, changes the pending one.
    state.trust_root, state.pending_root = entry[1], entry[2]
    return [{"kind": "trust_root", "restored_version": entry[1].version}]


def _undo_challenge(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    _kind, nonce, queued = entry
    state.delayed[nonce] = queued
    return [{"kind": "challenge", "nonce": nonce}]


def _undo_veto(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    state.pending_root = entry[1]
    return [{"kind": "veto", "version": entry[1].root.version}]


def _undo_pause(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    state.paused = entry[1]
    return [{"kind": "pause", "restored": entry[1]}]


def _undo_upgrade(state: BridgeState, entry: JournalEntry, now: float) -> list[Fields]:
    state.verifier = entry[1]
    return [{"kind": "upgrade"}]


def _reverted(kind: str, event: MintEvent | BurnEvent) -> Fields:
    return {"kind": kind, "nonce": event.nonce, "asset": event.asset, "amount": event.amount}


_UNDO: dict[str, Callable[[BridgeState, JournalEntry, float], list[Fields]]] = {
    "mint": _undo_mint,
    "due": _undo_due,
    "queue": _undo_queue,
    "burn": _undo_burn,
    "rotate": _undo_rotate,
    "challenge": _undo_challenge,
    "veto": _undo_veto,
    "pause": _undo_pause,
    "upgrade": _undo_upgrade,
}
