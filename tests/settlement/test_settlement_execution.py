"""The settlement chain's execution table, mempool choice and fee records, unit by unit.

Every bridge transaction type has one executor; each notes what its transition did (events,
undo journal, history records), notes nothing when the transition reverts, and a reorg
replaying its journal backwards restores the contract's state.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.core.rng import Streams
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.protocol.revert import Revert, require
from bridgelab.protocol.rotation import RotationCertificate, rotation_digest
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement import transactions
from bridgelab.settlement.bridge_contract import (
    ZERO_ROOT,
    BridgeState,
    Limits,
    schedule_root,
)
from bridgelab.settlement.execution import EXECUTION, BlockEffects, execute_due, undo
from bridgelab.settlement.fees import choose_bids, effective_tip
from bridgelab.settlement.mempool import Pending
from bridgelab.settlement.transactions import (
    BackgroundTx,
    BurnTx,
    ChallengeTx,
    Fee,
    MintTx,
    PauseTx,
    ProveAndMintTx,
    RotateTx,
    Transaction,
    UpgradeTx,
    VetoTx,
)

OLD = MultisigCustody(Streams(1), 4, 3, ())
NEW = MultisigCustody(Streams(2), 4, 3, ())
FEE = Fee(100_000, 2, 10**12)
NOW = 10.0
LARGE = 1_000  # mints of this much or more wait in the delay queue


def _certificate(nonce: int, amount: int):
    root = OLD.trust_root(1)
    message = BridgeMessage("deposit", nonce, "A", amount, "u", "u", ESCROW_CONTRACT, 1,
                            bytes(32))
    digest = message.digest(root.version)
    return OLD.assemble(message, root.version,
                        {seat: OLD.endorse(seat, digest) for seat in range(3)})


def _rotation(signers: range) -> RotationCertificate:
    new_root = NEW.trust_root(2)
    digest = rotation_digest(1, new_root)
    return RotationCertificate(
        new_root, tuple(OLD.governance_sign(member, digest) for member in signers)
    )


def _state(timelock: float = 0.0) -> BridgeState:
    """A bridge with a balance to burn and a queued mint to challenge; with a `timelock`,
    also a pending trust root to veto."""
    state = BridgeState(OLD.trust_root(1), VerifierConfig(flaws=("zero_root_trusted",)),
                        ESCROW_CONTRACT, Limits(delay_threshold=LARGE, delay=60.0))
    state.balances[("u", "A")] = 50
    state.minted_total["A"] = 50
    EXECUTION[MintTx].execute(state, MintTx("q", "r", 0.0, FEE, _certificate(7, LARGE)),
                              0, 0.0, BlockEffects())
    assert 7 in state.delayed
    if timelock:
        state.rotation_timelock = timelock
        schedule_root(state, NEW.trust_root(2), 0.0, "rotation")
    return state


def _state_for(kind: type) -> BridgeState:
    return _state(timelock=100.0 if kind is VetoTx else 0.0)


def _valid(kind: type) -> Transaction:
    """A transaction of type `kind` that `_state()` accepts."""
    proven = BridgeMessage("deposit", 3, "A", 5, "u", "u", ESCROW_CONTRACT, 1, bytes(32))
    return {
        MintTx: MintTx("m", "r", NOW, FEE, _certificate(1, 10), 4_000),
        ProveAndMintTx: ProveAndMintTx("p", "anyone", NOW, FEE, proven, ZERO_ROOT, None),
        BurnTx: BurnTx("b", "u", NOW, FEE, "A", 20, "v"),
        RotateTx: RotateTx("r", "gov", NOW, FEE, _rotation(range(4))),
        PauseTx: PauseTx("s", "guardian", NOW, FEE, True),
        UpgradeTx: UpgradeTx("g", "admin", NOW, FEE, VerifierConfig(threshold_override=2)),
        ChallengeTx: ChallengeTx("c", "watcher", NOW, FEE, 7),
        VetoTx: VetoTx("v", "watcher", NOW, FEE, 2),
    }[kind]


def _refused(kind: type) -> tuple[Transaction, str]:
    """A transaction of type `kind` that `_state()` refuses, and the check it fails."""
    return {
        MintTx: (MintTx("m", "r", NOW, FEE, _certificate(7, 10)), "nonce_unused"),
        ProveAndMintTx: (ProveAndMintTx("p", "anyone", NOW, FEE, BridgeMessage(
            "withdrawal", 3, "A", 5, "u", "u", ESCROW_CONTRACT, 1, bytes(32)), ZERO_ROOT, None),
            "direction"),
        BurnTx: (BurnTx("b", "u", NOW, FEE, "A", 51, "v"), "sender_balance"),
        RotateTx: (RotateTx("r", "gov", NOW, FEE, _rotation(range(2))),
                   "rotation_supermajority"),
        PauseTx: (PauseTx("s", "mallory", NOW, FEE, True), "only_guardian"),
        UpgradeTx: (UpgradeTx("g", "guardian", NOW, FEE, VerifierConfig()), "only_admin"),
        ChallengeTx: (ChallengeTx("c", "watcher", NOW, FEE, 8), "nothing_to_challenge"),
        VetoTx: (VetoTx("v", "watcher", NOW, FEE, 2), "nothing_to_veto"),
    }[kind]


# What each accepted transaction notes: its history records and its undo journal.
NOTED = {
    MintTx: (["mint"], ["mint"]),
    ProveAndMintTx: (["mint"], ["mint"]),
    BurnTx: (["burn"], ["burn"]),
    RotateTx: (["trust_root"], ["rotate"]),
    PauseTx: (["bridge.paused"], ["pause"]),
    UpgradeTx: (["bridge.upgraded"], ["upgrade"]),
    ChallengeTx: (["mint.challenged"], ["challenge"]),
    VetoTx: (["trust_root.vetoed"], ["veto"]),
}
BRIDGE_TYPES = sorted(NOTED, key=lambda kind: kind.__name__)


def _snapshot(state: BridgeState) -> dict[str, object]:
    """The state's fields; a running total of zero reads as no entry. Accepted roots stay
    accepted after a reorg (the consortium block stays committed), so they are left out."""
    snapshot: dict[str, object] = {}
    for field in dataclasses.fields(state):
        if field.name in ("accepted_roots", "accountant"):
            continue
        value = copy.deepcopy(getattr(state, field.name))
        if field.name in ("balances", "minted_total", "burned_total"):
            value = {key: amount for key, amount in value.items() if amount}
        snapshot[field.name] = value
    return snapshot


def test_the_table_has_one_executor_per_settlement_transaction_type():
    declared = {
        kind for kind in vars(transactions).values()
        if isinstance(kind, type) and issubclass(kind, Transaction)
        and kind not in (Transaction, BackgroundTx)
    }
    assert declared == set(EXECUTION) == set(NOTED)
    names = [tx_type.kind for tx_type in EXECUTION.values()]
    assert len(set(names)) == len(names) and "external" not in names


@pytest.mark.parametrize("kind", BRIDGE_TYPES, ids=lambda kind: kind.__name__)
def test_an_accepted_transaction_notes_its_records_and_journal(kind):
    state = _state_for(kind)
    effects = BlockEffects()
    EXECUTION[kind].execute(state, _valid(kind), 123, NOW, effects)
    records, journal = NOTED[kind]
    assert [kind for kind, _fields in effects.records] == records
    assert [entry[0] for entry in effects.journal] == journal
    emits = kind in (MintTx, ProveAndMintTx, BurnTx)
    assert len(effects.leaves) == len(effects.decoded) == (1 if emits else 0)
    assert [event.leaf() for event in effects.decoded] == effects.leaves
    for _kind, fields in effects.records:
        if "fee_paid" in fields:
            assert fields["fee_paid"] == 123


@pytest.mark.parametrize("kind", BRIDGE_TYPES, ids=lambda kind: kind.__name__)
def test_a_refused_transaction_notes_nothing_and_changes_nothing(kind):
    state = _state()
    before = _snapshot(state)
    effects = BlockEffects()
    tx, check = _refused(kind)
    with pytest.raises(Revert) as refused:
        EXECUTION[kind].execute(state, tx, 123, NOW, effects)
    assert refused.value.check == check
    assert effects == BlockEffects()
    assert _snapshot(state) == before


@pytest.mark.parametrize("kind", BRIDGE_TYPES, ids=lambda kind: kind.__name__)
def test_undoing_the_journal_restores_the_state(kind):
    state = _state_for(kind)
    before = _snapshot(state)
    effects = BlockEffects()
    EXECUTION[kind].execute(state, _valid(kind), 123, NOW, effects)
    assert _snapshot(state) != before
    for entry in reversed(effects.journal):
        undo(state, entry, NOW)
    assert _snapshot(state) == before


def test_a_large_mint_is_queued_and_undoing_it_empties_the_queue_again():
    state = _state()
    before = _snapshot(state)
    effects = BlockEffects()
    EXECUTION[MintTx].execute(state, MintTx("m", "r", NOW, FEE, _certificate(2, LARGE)), 5,
                              NOW, effects)
    assert [kind for kind, _fields in effects.records] == ["mint.queued"]
    assert effects.leaves == [] and 2 in state.delayed
    (entry,) = effects.journal
    undo(state, entry, NOW)
    assert _snapshot(state) == before


def test_require_names_the_check_that_failed():
    require(True, "never")
    with pytest.raises(Revert) as refused:
        require(False, "amount_positive")
    assert refused.value.check == "amount_positive"


def test_a_fee_costs_at_most_its_gas_at_its_cap():
    assert Fee(21_000, 2, 50).max_cost == 21_000 * 50
    assert Fee(21_000, 2).max_fee == transactions.UNCAPPED_FEE


bids = st.lists(st.tuples(st.integers(21_000, 400_000), st.integers(0, 30),
                          st.integers(0, 60)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(bids=bids, base_fee=st.integers(0, 40), gas_limit=st.integers(100_000, 1_000_000))
def test_the_proposer_takes_the_best_bids_that_fit(bids, base_fee, gas_limit):
    """Chosen bids cover the base fee, come highest tip first (oldest first among equals),
    fit under the gas limit, and every eligible bid left out did not fit when its turn came."""
    pending = [Pending(seq, BackgroundTx(f"t{seq}", "x", 0.0, Fee(gas, tip, cap), 0))
               for seq, (gas, tip, cap) in enumerate(bids)]
    chosen, gas_used = choose_bids(pending, base_fee, gas_limit)
    assert gas_used == sum(item.tx.fee.gas for _tip, item in chosen) <= gas_limit
    order = [(-tip, item.seq) for tip, item in chosen]
    assert order == sorted(order)
    taken = {item.seq for _tip, item in chosen}
    for tip, item in chosen:
        fee = item.tx.fee
        assert fee.max_fee >= base_fee and tip == effective_tip(base_fee, fee.max_fee,
                                                                 fee.priority_fee)
    for item in pending:
        fee = item.tx.fee
        tip = effective_tip(base_fee, fee.max_fee, fee.priority_fee)
        if item.seq in taken or tip is None:
            continue
        ahead = sum(other.tx.fee.gas for other_tip, other in chosen
                    if (-other_tip, other.seq) < (-tip, item.seq))
        assert ahead + fee.gas > gas_limit


def test_a_queued_mint_s_message_call_is_noted_when_it_comes_due():
    """Under the `arbitrary_message_calls` flaw a minted payload may install a trust root.
    A queued mint makes that call when it comes due: the block must record the change (the
    checker reads only the history) and journal it (a reorg must restore the root)."""
    state = BridgeState(OLD.trust_root(1), VerifierConfig(flaws=("arbitrary_message_calls",)),
                        ESCROW_CONTRACT, Limits(delay_threshold=LARGE, delay=60.0))
    root = state.trust_root
    message = BridgeMessage("deposit", 1, "A", LARGE, "u", "u", ESCROW_CONTRACT, 1, bytes(32),
                            payload="call:set_trust_root:0xabc:1")
    digest = message.digest(root.version)
    certificate = OLD.assemble(message, root.version,
                               {seat: OLD.endorse(seat, digest) for seat in range(3)})
    EXECUTION[MintTx].execute(state, MintTx("m", "r", 0.0, FEE, certificate), 0, 0.0,
                              BlockEffects())
    assert state.trust_root is root  # queued: nothing called yet
    effects = BlockEffects()
    execute_due(state, 60.0, effects)
    assert state.trust_root.signers == ("0xabc",)
    assert [kind for kind, _fields in effects.records] == ["mint", "trust_root"]
    assert effects.records[1][1]["via"] == "message-call"
    for entry in reversed(effects.journal):
        undo(state, entry, 60.0)
    assert state.trust_root is root and 1 in state.delayed


@pytest.mark.parametrize("timelock", [0.0, 100.0])
def test_undoing_a_rotation_restores_both_the_installed_and_the_pending_root(timelock):
    """A reorg may orphan the block where a timelock ended but keep the one that scheduled
    the rotation: the root goes back to pending, to be installed again."""
    state = _state()
    state.rotation_timelock = timelock
    before = _snapshot(state)
    scheduled = BlockEffects()
    EXECUTION[RotateTx].execute(state, _valid(RotateTx), 0, NOW, scheduled)
    assert (state.pending_root is not None) == (timelock > 0)
    after_rotation = _snapshot(state)
    due = BlockEffects()
    execute_due(state, NOW + timelock, due)
    assert state.trust_root.version == 2 and state.pending_root is None
    for entry in reversed(due.journal):
        undo(state, entry, NOW + timelock)
    assert _snapshot(state) == after_rotation
    for entry in reversed(scheduled.journal):
        undo(state, entry, NOW)
    assert _snapshot(state) == before
