"""Consortium consensus under a silent leader, and the committee's light-client checks."""

from __future__ import annotations

import dataclasses

import pytest

from bridgelab.actors.wire import LockProof
from bridgelab.consortium.block import Commit
from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import LockEvent
from bridgelab.core import memo
from bridgelab.core.history import History
from bridgelab.crypto import merkle
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.runner import build, run
from tests.conftest import small_scenario


def test_crashed_validator_causes_view_changes_and_the_chain_goes_on():
    def crash(bridge):
        bridge.world.network.nodes["validator-3"].up = False

    result = run(small_scenario(), 1, setup=crash)
    assert result.metrics["consortium"]["view_changes"] > 0
    assert result.exit_code == 0
    assert result.metrics["transfers"]["mints"] == 20


def test_too_many_crashed_validators_stop_the_chain_but_not_safety():
    def crash(bridge):
        for index in (0, 1, 2):  # 3 of 7: more than f = 2, so no quorum of 5
            bridge.world.network.nodes[f"validator-{index}"].up = False

    scenario = small_scenario({"scenario": {"duration": 300.0}})
    result = run(scenario, 1, setup=crash)
    assert result.metrics["consortium"]["blocks"] == 0
    assert result.metrics["transfers"]["mints"] == 0
    for prop, verdict in result.verdicts.items():
        if prop.startswith("safety."):
            assert verdict != "fail", prop
    # Deposits submitted to a halted chain are never delivered: a liveness failure.
    assert result.verdicts["liveness.deposits-minted"] == "fail"


def test_a_validator_s_commit_check_tells_a_short_commit_from_the_genuine_one():
    bridge = build(small_scenario({"scenario": {"duration": 30.0}}), 1, History())
    bridge.start()
    bridge.world.env.run(until=30.0)
    chain = bridge.consortium
    genuine = chain.blocks[-1]
    quorum = chain.quorum
    # The same block, its commit cut below quorum: a check keyed by the block would pass it.
    short = Committed(genuine.block, dataclasses.replace(
        genuine.commit, votes=genuine.commit.votes[: quorum - 1]
    ))
    # An equal copy of the genuine one is a different object with the same answer.
    copy = Committed(genuine.block, genuine.commit)
    assert chain._commit_valid(genuine)
    assert chain._commit_valid(genuine)
    assert not chain._commit_valid(short)  # right after the genuine one
    assert chain._commit_valid(copy)
    assert not chain._commit_valid(short)
    with memo.enabled(False):
        assert chain._commit_valid(copy) and not chain._commit_valid(short)


@pytest.fixture
def lock_proof():
    """A real committed block from a short run, and a proof for its first lock."""
    bridge = build(small_scenario({"scenario": {"duration": 30.0}}), 1, History())
    bridge.start()
    bridge.world.env.run(until=30.0)
    for committed in bridge.consortium.blocks:
        for index, item in enumerate(committed.block.decoded):
            if isinstance(item, LockEvent):
                header = committed.block.header
                message = BridgeMessage(
                    "deposit", item.nonce, item.asset, item.amount, item.sender,
                    item.recipient, item.contract, header.height, header.hash,
                )
                leaves = list(committed.block.events)
                proof = LockProof(
                    "relayer-0", message, header, committed.commit, leaves[index],
                    merkle.prove(leaves, index),
                )
                return bridge.members[0], proof
    pytest.fail("no lock committed in 30 s")


def test_light_client_accepts_a_genuine_lock(lock_proof):
    member, proof = lock_proof
    assert member.check(proof) == "ok"


def test_light_client_rejects_a_changed_amount(lock_proof):
    member, proof = lock_proof
    inflated = dataclasses.replace(proof.message, amount=proof.message.amount * 100)
    assert member.check(dataclasses.replace(proof, message=inflated)) == "event_fields"


def test_light_client_rejects_a_foreign_contract(lock_proof):
    member, proof = lock_proof
    foreign = dataclasses.replace(proof.message, source_contract="consortium:copycat")
    assert member.check(dataclasses.replace(proof, message=foreign)) == "source_contract"


def test_light_client_rejects_a_header_without_quorum(lock_proof):
    member, proof = lock_proof
    too_few = Commit(
        proof.commit.height, proof.commit.view, proof.commit.block_hash, proof.commit.votes[:4]
    )
    assert member.check(dataclasses.replace(proof, commit=too_few)) == "header_commit"


def test_light_client_rejects_a_forged_header(lock_proof):
    member, proof = lock_proof
    # The attacker builds a self-consistent block around an inflated lock and reuses the
    # genuine block's votes: only the commit check stands in the way.
    message = dataclasses.replace(proof.message, amount=proof.message.amount * 100)
    leaf = LockEvent(
        message.source_contract, message.nonce, message.asset, message.amount,
        message.sender, message.recipient, "",
    ).leaf()
    header = dataclasses.replace(proof.header, events_root=merkle.root([leaf]), event_count=1)
    message = dataclasses.replace(message, source_block_hash=header.hash)
    forged = LockProof(
        "relayer-0", message, header, proof.commit, leaf, merkle.prove([leaf], 0)
    )
    assert member.check(forged) == "header_commit"


def test_lossy_network_still_delivers_everything_by_retrying():
    scenario = small_scenario({"network": {"loss": 0.05}})
    result = run(scenario, 2)
    assert result.metrics["network"]["lost"] > 0
    assert result.exit_code == 0
    assert result.metrics["transfers"]["releases"] == 20
