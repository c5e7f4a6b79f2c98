"""Byzantine consortium validators: the voting rules, accountable safety, the bridge's
consequence of a fork, and the BFT bound (f <= (n - 1) // 3 keeps agreement, 2q - n breaks it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.agreement import AgreementFold
from bridgelab.checker.judge import check_records
from bridgelab.consortium.block import quorum, vote_bytes
from bridgelab.consortium.byzantine import ByzantinePlan, conflicting_quorum, may_vote
from bridgelab.core.history import History
from bridgelab.crypto.symbolic import make_ed25519_signer
from bridgelab.nemesis import byzantine_sweep as sweep
from bridgelab.runner import build, run
from bridgelab.scenario.load import load_scenario
from tests.conftest import ATTACKS

H = bytes(range(32))
OTHER = bytes(reversed(range(32)))

# -- the voting rules ---------------------------------------------------------------------------


def test_an_honest_validator_signs_one_block_per_height_and_view():
    assert may_vote(None, 2, None, 5, 0, H)
    assert may_vote(None, 2, (5, 0, H), 5, 0, H)  # the same block again: a duplicate
    assert not may_vote(None, 2, (5, 0, H), 5, 0, OTHER)  # a second block, same height+view
    assert may_vote(None, 2, (5, 0, H), 5, 1, OTHER)  # a new view
    plan = ByzantinePlan("equivocate", (0, 1), (2,))
    assert not may_vote(plan, 2, (5, 0, H), 5, 0, OTHER)  # honest under a plan too


@pytest.mark.parametrize("behaviour", ["equivocate", "conflicting-votes", "twins",
                                       "split-proposal"])
def test_a_byzantine_validator_signs_conflicting_blocks(behaviour):
    plan = ByzantinePlan(behaviour, (0, 1), (2,))
    assert may_vote(plan, 1, (5, 0, H), 5, 0, OTHER)
    plan.active = False  # healed: the honest rule again
    assert not may_vote(plan, 1, (5, 0, H), 5, 0, OTHER)


def test_a_withholder_never_votes_nor_proposes():
    plan = ByzantinePlan("withhold-votes", (3,), ())
    assert not may_vote(plan, 3, None, 1, 0, H)
    assert not plan.proposes(3) and plan.proposes(2)
    assert not plan.splits(3)


@given(st.integers(1, 500))
def test_two_quorums_share_more_than_the_tolerated_faults(n):
    shared = conflicting_quorum(n, quorum(n))
    assert shared > (n - 1) // 3
    assert 3 * shared > n or n < 3  # accountable safety: more than n/3 are to blame


# -- accountable safety from records alone ------------------------------------------------------


def _signers(n: int) -> list:
    return [make_ed25519_signer(bytes([i + 1]) * 32, "real") for i in range(n)]


def _record(height: int, block_hash: bytes, who: list[int], signers: list, view: int = 0):
    message = vote_bytes(height, view, block_hash)
    return {
        "height": height, "view": view, "hash": block_hash.hex()[:16],
        "block_hash": block_hash.hex(),
        "signers": [[i, signers[i].sign(message).hex()] for i in who],
    }


def _fold(n: int, signers: list) -> AgreementFold:
    fold = AgreementFold("real")
    fold.on_validators({"keys": [s.public_key.hex() for s in signers], "quorum": quorum(n)})
    return fold


def test_a_fork_names_exactly_the_validators_whose_signatures_are_on_both_blocks():
    signers = _signers(4)
    fold = _fold(4, signers)
    assert fold.on_block(1, _record(7, H, [0, 1, 2], signers)) is None
    assert fold.on_block(2, _record(7, H, [0, 1, 2], signers)) is None  # the same block again
    finding = fold.on_block(3, _record(7, OTHER, [0, 1, 3], signers))
    assert finding is not None
    assert finding.evidence["double_signers"] == [0, 1]
    assert finding.evidence["bound"] == 2
    assert "validator-0, validator-1" in finding.detail


def test_a_signature_that_does_not_verify_names_nobody():
    signers = _signers(4)
    fold = _fold(4, signers)
    fold.on_block(1, _record(3, H, [0, 1, 2], signers))
    forged = _record(3, OTHER, [0, 1, 3], signers)
    forged["signers"][1][1] = forged["signers"][0][1]  # validator 1's slot: 0's signature
    finding = fold.on_block(2, forged)
    assert finding.evidence["double_signers"] == [0]
    assert finding.evidence["unproven"] == [1]
    assert "below the quorum" in finding.detail


def test_a_fork_without_recorded_signers_still_fails_but_blames_no_one():
    fold = AgreementFold("real")
    assert fold.on_block(1, {"height": 2, "view": 0, "hash": "aa" * 8}) is None
    finding = fold.on_block(2, {"height": 2, "view": 1, "hash": "bb" * 8})
    assert finding is not None and finding.evidence["double_signers"] is None
    assert "no culprit" in finding.detail


def test_distinct_heights_never_conflict():
    fold = AgreementFold("real")
    for height in range(1, 50):
        assert fold.on_block(height, {"height": height, "view": 0, "hash": f"{height:016x}"}) \
            is None
    assert fold.checked == 49


# -- whole runs -----------------------------------------------------------------------------------


def _events(scenario, seed: int = 1):
    bridge = build(scenario, seed, History(keep=True))
    bridge.start()
    bridge.world.env.run(until=scenario.scenario.duration)
    return bridge.world.history.events


def test_an_honest_run_records_no_commit_signers():
    events = _events(sweep.scenario(4, (), ()))
    blocks = [e for e in events if e.kind == "block.committed"]
    assert blocks and all("signers" not in e.fields and "fork" not in e.fields for e in blocks)
    assert not any(e.kind == "consortium.validators" for e in events)


def test_a_fork_beyond_a_third_lets_a_member_certify_a_lock_the_chain_never_kept():
    scenario = sweep.scenario(4, (0, 1), (2,))
    result = run(scenario, 1, keep_history=False)
    verdicts = result.verdicts
    assert verdicts["safety.consortium-agreement"] == "fail"
    # The bridge consequence: the adversary's lock exists only on the orphaned branch.
    assert verdicts["safety.mint-backed-by-final-lock"] == "fail"
    assert verdicts["safety.supply-conservation"] == "fail"
    fork = next(v for v in result.violations if v["property"] == "safety.consortium-agreement")
    assert fork["evidence"]["double_signers"] == [0, 1]
    assert len(fork["evidence"]["double_signers"]) * 3 > 4

    events = _events(scenario)
    orphan_locks = [e for e in events if e.kind == "lock" and e.fields.get("fork") == "a"
                    and e.fields["sender"] == "adversary"]
    # Each round a Byzantine leader splits (`splits`, n here) may fork again.
    assert orphan_locks
    nonce = orphan_locks[0].fields["nonce"]
    canonical = [e for e in events if e.kind == "lock" and "fork" not in e.fields
                 and e.fields["nonce"] == nonce]
    assert all(e.fields["sender"] != "adversary" for e in canonical)
    endorsed = [e for e in events if e.kind == "endorse" and e.fields["nonce"] == nonce]
    minted = [e for e in events if e.kind == "mint" and e.fields["nonce"] == nonce]
    assert endorsed and minted and minted[0].fields["recipient"] == "attacker"


@pytest.mark.parametrize("kind", sweep.SPLITTING_KINDS)
def test_a_third_or_fewer_never_fork_the_chain(kind):
    n = 7
    struck = 0
    for byzantine, side_a in sweep.splits(n, (n - 1) // 3, seed=1):
        point = sweep.probe(n, byzantine, side_a, 1, kind)
        assert point.verdict == "pass" and point.forks == 0, (byzantine, side_a)
        struck += point.splits
    assert struck > 0  # Byzantine leaders did propose two blocks: the bound was tested


def test_conflicting_votes_fork_only_with_a_byzantine_quorum():
    kind = "consortium.conflicting-votes"
    assert sweep.agreement(4, (0, 1), (), 1, kind) == "pass"
    assert sweep.agreement(4, (0, 1, 2), (), 1, kind) == "fail"


def test_withheld_votes_halt_the_chain_beyond_n_minus_q_but_never_fork_it():
    kind = "consortium.withhold-votes"
    tolerated = run(sweep.scenario(4, (0,), (), kind), 1)
    assert tolerated.verdicts["liveness.deposits-minted"] == "pass"
    halted = run(sweep.scenario(4, (0, 1), (), kind), 1)
    assert halted.verdicts["safety.consortium-agreement"] == "pass"
    assert halted.verdicts["liveness.deposits-minted"] == "fail"


def test_symbolic_signatures_name_the_same_culprits():
    result = run(sweep.scenario(4, (0, 1), (2,), signatures="symbolic"), 1)
    fork = next(v for v in result.violations if v["property"] == "safety.consortium-agreement")
    assert fork["evidence"]["double_signers"] == [0, 1]
    assert fork["evidence"]["unproven"] == []


def test_a_forked_run_is_deterministic():
    scenario = sweep.scenario(4, (0, 1), (2,))
    assert run(scenario, 3).history_sha256 == run(scenario, 3).history_sha256


# -- the theory sweep -----------------------------------------------------------------------------


def _bound_holds(n: int, seeds: range, kind: str) -> None:
    for f in range(0, (n - 1) // 3 + 1):
        for seed in seeds:
            for byzantine, side_a in sweep.splits(n, f, seed):
                verdict = sweep.agreement(n, byzantine, side_a, seed, kind)
                assert verdict == "pass", (n, f, seed, byzantine, side_a)
    first = sweep.first_failing_f(n, seeds, kind)
    assert first is not None and 3 * first > n
    assert first == 2 * quorum(n) - n  # the balanced split breaks at the theoretical bound


@pytest.mark.parametrize("n", [4, 7])
def test_agreement_holds_up_to_f_and_breaks_beyond_a_third(n):
    _bound_holds(n, range(1, 3), "consortium.equivocate")


@pytest.mark.slow
@pytest.mark.parametrize("kind", sweep.SPLITTING_KINDS)
@pytest.mark.parametrize("n", [4, 7, 10])
def test_agreement_bound_over_more_seeds_and_kinds(n, kind):
    _bound_holds(n, range(1, 4), kind)


@settings(max_examples=6, deadline=None)
@given(st.integers(4, 7), st.integers(1, 1_000), st.data())
def test_drawn_splits_within_the_bound_keep_agreement(n, seed, data):
    f = data.draw(st.integers(0, (n - 1) // 3))
    byzantine = tuple(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=f, max_size=f))))
    honest = [i for i in range(n) if i not in byzantine]
    side_a = tuple(sorted(data.draw(st.sets(st.sampled_from(honest)))))
    assert sweep.agreement(n, byzantine, side_a, seed) == "pass"


def _lock_record(seq: int, height: int, **extra) -> dict:
    return {"seq": seq, "t": float(seq), "actor": "escrow", "kind": "lock", "nonce": 0,
            "asset": "X", "amount": 5, "sender": "a", "recipient": "b", "height": height,
            "tx": "t", "escrowed": 5, **extra}


def _block_record(seq: int, height: int, label: str, **extra) -> dict:
    return {"seq": seq, "t": float(seq), "actor": "consortium", "kind": "block.committed",
            "height": height, "view": 0, "hash": label, **extra}


def test_an_orphaned_branch_claim_without_a_fork_fails_agreement():
    """A lock said to be on an orphaned branch is left out of the ledger; a history that says
    so where nothing forked must not pass (it could hide a release that way)."""
    lying = [_block_record(0, 1, "aa" * 8), _lock_record(1, 1, fork="a"),
             {"seq": 2, "t": 2.0, "actor": "bridge", "kind": "run.end", "settled": True}]
    monitor = check_records(lying)
    assert monitor.verdicts()["safety.consortium-agreement"] == "fail"
    assert any("orphaned branch" in v.detail for v in monitor.violations)

    forked = [_block_record(0, 1, "aa" * 8), _lock_record(1, 1, fork="a"),
              _block_record(2, 1, "bb" * 8),
              {"seq": 3, "t": 3.0, "actor": "bridge", "kind": "run.end", "settled": True}]
    monitor = check_records(forked)
    assert not any("orphaned branch" in v.detail for v in monitor.violations)
    assert monitor.view.locked == {}  # the orphaned lock backs nothing


# -- the shipped examples ------------------------------------------------------------------------

EXAMPLES = sorted((ATTACKS).glob("consortium-*.toml"))
FAST_EXAMPLES = {"consortium-equivocate.toml", "consortium-equivocate-defended.toml"}


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=() if path.name in FAST_EXAMPLES else pytest.mark.slow,
                 id=path.stem)
    for path in EXAMPLES
])
def test_each_byzantine_example_ends_as_its_comment_says(path):
    result = run(load_scenario(path), 1)
    holds = path.stem.endswith("-defended") or path.stem == "consortium-withhold-votes"
    if holds:
        assert result.exit_code == 0, result.violations[:2]
        return
    assert result.verdicts["safety.consortium-agreement"] == "fail"
    assert result.verdicts["safety.mint-backed-by-final-lock"] == "fail"
    fork = next(v for v in result.violations if v["property"] == "safety.consortium-agreement")
    named = fork["evidence"]["double_signers"]
    assert 3 * len(named) > fork["evidence"]["validators"]
