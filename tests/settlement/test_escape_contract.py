"""The rollup contract's escape hatch as pure transitions: each named check, alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.l2.escape_contract import (
    TIME_EPSILON,
    EscapeClaim,
    EscapeState,
    process_escape,
    process_open,
)
from bridgelab.l2.sequencer import L2State
from bridgelab.protocol.messages import TrustRoot
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement.bridge_contract import BridgeState, credit_escaped

WEEK = 7 * 24 * 3600.0


def _check(call) -> str:
    with pytest.raises(Revert) as refused:
        call()
    return refused.value.check


def _claim(state: L2State, account: str, asset: str) -> EscapeClaim:
    """What an honest user submits: their leaf in `state` and its path, if they hold any."""
    proven = state.prove(account, asset)
    if proven is None:
        return EscapeClaim(account, asset, 0, b"", None)
    leaf, proof = proven
    return EscapeClaim(account, asset, state.balance(account, asset), leaf, proof)


def _opened() -> EscapeState:
    escape = EscapeState(WEEK)
    process_open(escape, 100.0, 100.0 + WEEK)
    return escape


def test_the_hatch_opens_only_after_a_week_without_a_finalised_batch():
    escape = EscapeState(WEEK)
    assert _check(lambda: process_open(escape, 100.0, 100.0 + WEEK - 1.0)) == (
        "batch_finalized_recently")
    assert escape.opened_at is None
    # A timer set for the deadline may fire a hair early in floating point.
    process_open(escape, 100.0, 100.0 + WEEK - TIME_EPSILON / 2)
    assert escape.opened_at == 100.0 + WEEK - TIME_EPSILON / 2
    assert _check(lambda: process_open(escape, 100.0, 200.0 + WEEK)) == "already_open"


def test_nothing_is_paid_while_the_hatch_is_closed():
    finalized = L2State({("alice", "A"): 40})
    escape = EscapeState(WEEK)
    claim = _claim(finalized, "alice", "A")
    assert _check(lambda: process_escape(escape, claim, finalized.root())) == "closed"
    assert escape.paid == {}


def test_a_proven_balance_is_paid_once():
    finalized = L2State({("alice", "A"): 40, ("bob", "A"): 2})
    escape = _opened()
    claim = _claim(finalized, "alice", "A")
    payout = process_escape(escape, claim, finalized.root())
    assert (payout.account, payout.asset, payout.amount) == ("alice", "A", 40)
    assert escape.paid == {("alice", "A"): 40}
    assert _check(lambda: process_escape(escape, claim, finalized.root())) == (
        "already_withdrawn")


def test_a_balance_not_in_the_finalised_state_cannot_be_proven():
    finalized = L2State({("alice", "A"): 40})
    escape = _opened()
    claim = _claim(finalized, "carol", "A")
    assert _check(lambda: process_escape(escape, claim, finalized.root())) == (
        "no_finalised_balance")


def test_a_claim_for_more_than_its_leaf_says_is_refused():
    finalized = L2State({("alice", "A"): 40, ("bob", "A"): 2})
    escape = _opened()
    honest = _claim(finalized, "alice", "A")
    inflated = EscapeClaim("alice", "A", 4_000, honest.leaf, honest.proof)
    assert _check(lambda: process_escape(escape, inflated, finalized.root())) == "balance_leaf"
    # Someone else's leaf and path, claimed as one's own.
    borrowed = _claim(finalized, "bob", "A")
    stolen = EscapeClaim("mallory", "A", 2, borrowed.leaf, borrowed.proof)
    assert _check(lambda: process_escape(escape, stolen, finalized.root())) == "balance_leaf"
    assert escape.paid == {}


def test_a_balance_only_in_soft_state_is_refused_against_the_finalised_root():
    finalized = L2State({("alice", "A"): 40, ("bob", "A"): 2})
    soft = finalized.copy()
    soft.add("alice", "A", 60)  # credited on L2, not yet in a finalised batch
    escape = _opened()
    claim = _claim(soft, "alice", "A")
    assert _check(lambda: process_escape(escape, claim, finalized.root())) == "bad_proof"
    assert process_escape(escape, claim, soft.root()).amount == 100  # its own root proves it


balances = st.dictionaries(
    st.tuples(st.sampled_from(["alice", "bob", "carol", "dave"]), st.sampled_from(["A", "B"])),
    st.integers(0, 10**6), max_size=8,
)


@settings(max_examples=100, deadline=None)
@given(balances=balances, account=st.sampled_from(["alice", "bob", "carol", "dave"]),
       asset=st.sampled_from(["A", "B"]), extra=st.integers(1, 10**6))
def test_exactly_the_finalised_balance_is_payable(balances, account, asset, extra):
    finalized = L2State(balances)
    escape = _opened()
    claim = _claim(finalized, account, asset)
    held = balances.get((account, asset), 0)
    if held == 0:
        assert _check(lambda: process_escape(escape, claim, finalized.root())) == (
            "no_finalised_balance")
        return
    more = EscapeClaim(account, asset, held + extra, claim.leaf, claim.proof)
    assert _check(lambda: process_escape(escape, more, finalized.root())) == "balance_leaf"
    assert process_escape(escape, claim, finalized.root()).amount == held


def test_an_escape_pays_wrapped_tokens_on_l1_without_using_a_lock_nonce():
    """Moved, not minted from a lock: the balance and the supply grow, no nonce is used."""
    state = BridgeState(TrustRoot(1, "multisig", ("a",), 1, ()), VerifierConfig(), "escrow")
    state.balances[("w", "A")] = 5
    state.minted_total["A"] = 50
    credit_escaped(state, "w", "A", 30)
    assert state.balances[("w", "A")] == 35
    assert state.minted_total["A"] == 80
    assert not state.minted_nonces
