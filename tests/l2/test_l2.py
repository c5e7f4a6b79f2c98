"""The Jovay-like L2: settlement lag, L1 congestion, sequencer faults, the oracle, the escape hatch.

Most tests run the L2 on a small stand-in settlement chain (`FakeL1`: the members the L2 uses,
nothing else), so they do not depend on how the real chain prices or reorders transactions;
the lag, congestion and reorg tests also run on the real `SettlementChain`.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from bridgelab.checker import l2_metrics
from bridgelab.core.history import History
from bridgelab.core.world import World
from bridgelab.l2 import L2System, install_l2
from bridgelab.l2.message_oracle import DepositMessage
from bridgelab.protocol.revert import Revert
from bridgelab.runner import build
from bridgelab.scenario.l2_schema import L2
from bridgelab.settlement.transactions import Fee
from tests.conftest import small_scenario

ASSET = "SP-TOKEN"
GWEI = 10**9
# Short everything, so a run takes simulated minutes: batches every minute, a 10-minute hatch.
FAST = {
    "enabled": True,
    "batch_interval": 60.0,
    "resubmit_after": 36.0,
    "max_resubmits": 3,
    "escape_timeout": 600.0,
    "oracle_members": 5,
    "oracle_quorum": 3,
    "oracle_latency": 2.0,
}


@dataclass(frozen=True, slots=True)
class FakeHeader:
    number: int
    slot: int


@dataclass(frozen=True, slots=True)
class FakeBlock:
    header: FakeHeader
    txs: tuple[Any, ...]
    time: float


@dataclass(frozen=True, slots=True)
class BackgroundTx:
    tx_id: str
    fee: Fee


class FakeL1:
    """A block per slot from a priority-fee-ordered mempool up to a gas limit; final after N slots.

    `congest` fills every block with higher-paying background transactions for a while.
    """

    def __init__(self, world: World, gas_limit: int = 1_000_000) -> None:
        settlement = world.scenario.settlement
        self.world = world
        self.slot_time = settlement.slot_time
        self.finality_slots = settlement.finality_slots
        self.gas_limit = gas_limit
        self.blocks: list[FakeBlock] = []
        self.finalized_number = -1
        self.on_block: list[Any] = []
        self.handlers: dict[type, Any] = {}
        self._mempool: list[tuple[int, Any]] = []
        self._seq = 0
        self._congestion: tuple[float, float, int] | None = None
        world.env.process(self._slots())

    def submit(self, tx: Any) -> bool:
        self._mempool.append((self._seq, tx))
        self._seq += 1
        return True

    def congest(self, start: float, end: float, priority_fee_gwei: float) -> None:
        self._congestion = (start, end, round(priority_fee_gwei * GWEI))

    def _slots(self):
        slot = 0
        while True:
            yield self.world.env.timeout(self.slot_time)
            slot += 1
            self._background(slot)
            self._produce(slot)
            self._finalize(slot)

    def _background(self, slot: int) -> None:
        if self._congestion is None:
            return
        start, end, fee = self._congestion
        if start <= self.world.now < end:
            self.submit(BackgroundTx(f"bg-{slot}", Fee(self.gas_limit, fee)))

    def _produce(self, slot: int) -> None:
        ordered = sorted(self._mempool, key=lambda item: (-item[1].fee.priority_fee, item[0]))
        chosen, gas = [], 0
        for item in ordered:
            if gas + item[1].fee.gas <= self.gas_limit:
                chosen.append(item)
                gas += item[1].fee.gas
        if not chosen:
            return
        taken = [seq for seq, _ in chosen]
        self._mempool = [item for item in self._mempool if item[0] not in taken]
        for _, tx in chosen:
            handler = self.handlers.get(type(tx))
            if handler is not None:
                with contextlib.suppress(Revert):  # a refused commit is still included
                    handler(tx, self)
        header = FakeHeader(len(self.blocks), slot)
        block = FakeBlock(header, tuple(tx for _, tx in chosen), self.world.now)
        self.blocks.append(block)
        for callback in self.on_block:
            callback(block)

    def _finalize(self, slot: int) -> None:
        for block in reversed(self.blocks):
            if block.header.slot + self.finality_slots <= slot:
                self.finalized_number = max(self.finalized_number, block.header.number)
                return


def make(seed: int = 1, **overrides: Any) -> tuple[World, FakeL1, L2System]:
    world = World(small_scenario(), seed, History())
    l1 = FakeL1(world)
    return world, l1, install_l2(world, l1, L2(**{**FAST, **overrides}))


def records(world: World) -> list[dict[str, Any]]:
    return [{"t": e.time, "kind": e.kind, **e.fields} for e in world.history.events]


def at(world: World, time: float, action) -> None:
    """Run `action` at simulated `time`."""

    def process():
        yield world.env.timeout(time - world.now)
        action()

    world.env.process(process())


def kinds(world: World, kind: str) -> list[dict[str, Any]]:
    return [record for record in records(world) if record["kind"] == kind]


def soft_confirmed(world: World, ref: str) -> bool:
    return any(record["ref"] == ref for record in kinds(world, "l2.soft_confirm"))


# -- settlement lag -------------------------------------------------------------------------


SPIKE = (50.0, 400.0)  # simulated seconds of L1 congestion: the first batch is due at 60 s


def on_l1(kind: str, congested: bool) -> tuple[World, Any]:
    """A world and an L1: the stand-in, or the real settlement chain (only it running).

    Congestion on the stand-in is a wall of higher-paying blocks; on the real chain it is a
    background-demand spike well above the gas limit that also bids up tips.
    """
    if kind == "fake":
        world = World(small_scenario(), 1, History())
        l1 = FakeL1(world)
        if congested:
            l1.congest(*SPIKE, priority_fee_gwei=100.0)
        return world, l1
    demand: dict[str, Any] = {}
    if congested:
        spike = {"start": SPIKE[0], "end": SPIKE[1], "factor": 4.0, "priority_factor": 10.0}
        demand = {"gas_per_slot": 20_000_000, "spikes": [spike]}
    bridge = build(small_scenario({"settlement": {"demand": demand}}), 1, History())
    bridge.settlement.start()
    return bridge.world, bridge.settlement


def deposit_lags(kind: str, congested: bool = False) -> tuple[list, L2, World, list]:
    world, l1 = on_l1(kind, congested)
    l2 = install_l2(world, l1, L2(**FAST))
    for index, time in enumerate((5.0, 20.0, 75.0, 130.0)):
        at(world, time, lambda i=index: l2.deposit(f"user-{i}", ASSET, 1_000, f"dep-{i}"))
    world.env.run(until=1_200.0)
    rows = records(world)
    return l2_metrics.deposit_times(rows), l2.config, world, rows


@pytest.mark.parametrize("kind", ["fake", "real"])
def test_deposit_settlement_lag_is_batch_wait_plus_inclusion_plus_finality(kind):
    deposits, config, world, _ = deposit_lags(kind)
    settlement = world.scenario.settlement
    slot, finality = settlement.slot_time, settlement.finality_slots * settlement.slot_time
    assert len(deposits) == 4
    for times in deposits:
        assert times.soft is not None and times.final is not None, times
        interval = config.batch_interval
        to_batch = math.ceil(times.soft / interval) * interval - times.soft
        # Inclusion waits for the next slot: half a slot on average, at most one.
        expected = to_batch + slot / 2 + finality
        assert abs(times.settlement_lag - expected) <= config.tolerance, (times, expected)
        assert times.settlement_lag >= to_batch + finality - 1e-6
        assert times.settlement_lag <= to_batch + slot + finality + config.finality_poll
        # The soft confirmation came within a soft block of the oracle's approval.
        assert times.soft - times.approved <= config.soft_block_time + 1e-9


@pytest.mark.parametrize("kind", ["fake", "real"])
def test_l1_congestion_delays_batches_and_grows_the_lag(kind):
    calm, _, world, calm_rows = deposit_lags(kind)
    busy, config, _, busy_rows = deposit_lags(kind, congested=True)
    slot = world.scenario.settlement.slot_time
    for quiet, congested in zip(calm, busy, strict=True):
        assert congested.final is not None, congested
        assert congested.settlement_lag > quiet.settlement_lag + 10 * slot
    calm_metrics, busy_metrics = l2_metrics.compute(calm_rows), l2_metrics.compute(busy_rows)
    assert calm_metrics["batches"]["resubmitted"] == 0
    assert busy_metrics["batches"]["resubmitted"] >= 1
    posts = [r for r in busy_rows if r["kind"] == "l2.batch.posted" and r["batch"] == 0]
    bids = [post["priority_fee"] for post in posts]
    assert bids == sorted(set(bids))  # each re-submission bids higher
    if kind == "fake":  # the wall outbids every re-submission until it ends
        assert busy[0].settlement_lag >= calm[0].settlement_lag + (SPIKE[1] - 60.0) - slot
        assert len(bids) == 1 + config.max_resubmits


def test_batches_final_only_in_blocks_that_survived_reorgs():
    reorgs = {"probability": 0.5, "max_depth": 3}
    scenario = small_scenario({"settlement": {"reorgs": reorgs}})
    bridge = build(scenario, 3, History())
    bridge.settlement.start()
    world, chain = bridge.world, bridge.settlement
    l2 = install_l2(world, chain, L2(**FAST))
    for index in range(8):
        at(world, 5.0 + 37.0 * index, lambda i=index: l2.deposit(f"u{i}", ASSET, 10, f"d{i}"))
    world.env.run(until=900.0)
    assert kinds(world, "settlement.reorg") and kinds(world, "l2.batch.reincluded")
    final = [batch for batch in l2.batcher.batches if batch.final_at is not None]
    assert len(final) >= 10
    for batch in final:
        assert batch.l1_number <= chain.finalized_number
        assert chain.blocks[batch.l1_number].header is batch.l1_header
    assert all(times.final is not None for times in l2_metrics.deposit_times(records(world)))


# -- sequencer faults ----------------------------------------------------------------------


def funded(seed: int = 1, accounts: tuple[str, ...] = ("alice",), **overrides):
    """An L2 where each account holds 1,000 (credited, soft-confirmed) by t = 10 s."""
    world, l1, l2 = make(seed, **overrides)
    for account in accounts:
        l2.deposit(account, ASSET, 1_000, f"fund-{account}")
    world.env.run(until=10.0)
    for account in accounts:
        assert l2.sequencer.state.balance(account, ASSET) == 1_000
    return world, l1, l2


def test_sequencer_halt_stops_soft_confirmations_and_heal_resumes_them():
    world, _, l2 = funded()
    l2.transfer("alice", "bob", ASSET, 100, "t1")
    world.env.run(until=10.1)  # the next soft block is due at 10.25 s
    l2.sequencer.halt()
    world.env.run(until=100.0)
    assert not soft_confirmed(world, "t1")
    assert l2.sequencer.state.balance("bob", ASSET) == 0
    l2.sequencer.heal()
    world.env.run(until=100.0 + l2.config.soft_block_time + 1e-6)
    assert soft_confirmed(world, "t1")
    assert l2.sequencer.state.balance("bob", ASSET) == 100


def test_censorship_excludes_only_the_matching_account():
    world, _, l2 = funded(accounts=("alice", "mallory"))
    l2.sequencer.censor_account("mallory")
    l2.transfer("alice", "bob", ASSET, 100, "from-alice")
    l2.transfer("mallory", "bob", ASSET, 100, "from-mallory")
    world.env.run(until=60.0)
    assert soft_confirmed(world, "from-alice")
    assert not soft_confirmed(world, "from-mallory")
    assert [r["ref"] for r in kinds(world, "l2.censored")] == ["from-mallory"]
    l2.sequencer.uncensor()
    world.env.run(until=61.0)
    assert soft_confirmed(world, "from-mallory")
    assert l2.sequencer.state.balance("bob", ASSET) == 200


# -- the message oracle --------------------------------------------------------------------


def test_deposit_needs_m_of_n_oracle_members_online():
    world, _, l2 = make()
    l2.oracle.set_online([0, 1, 2], False)  # 2 of 5 online, quorum 3
    l2.deposit("alice", ASSET, 500, "d1")
    world.env.run(until=120.0)
    assert kinds(world, "l2.deposit.approved") == []
    assert l2.sequencer.state.balance("alice", ASSET) == 0
    l2.oracle.set_online([2], True)  # exactly M online: the late member catches up
    world.env.run(until=130.0)
    [approved] = kinds(world, "l2.deposit.approved")
    assert approved["ref"] == "d1" and len(approved["members"]) == 3
    assert l2.sequencer.state.balance("alice", ASSET) == 500


def test_a_replayed_deposit_is_credited_once():
    world, _, l2 = make()
    assert l2.deposit("alice", ASSET, 500, "d1")
    world.env.run(until=30.0)
    assert not l2.deposit("alice", ASSET, 500, "d1")
    world.env.run(until=60.0)
    assert l2.sequencer.state.balance("alice", ASSET) == 500
    assert l2_metrics.compute(records(world))["deposits"]["requested"] == 1


def test_forged_deposit_needs_m_colluding_members():
    world, _, l2 = make()
    l2.oracle.collude([0, 1])
    l2.oracle.forge(DepositMessage("fake-1", "mallory", ASSET, 10**6, 0.0))
    world.env.run(until=60.0)
    assert l2.sequencer.state.balance("mallory", ASSET) == 0
    l2.oracle.collude([2])
    l2.oracle.forge(DepositMessage("fake-2", "mallory", ASSET, 10**6, world.now))
    world.env.run(until=120.0)
    [approved] = kinds(world, "l2.deposit.approved")
    assert approved["ref"] == "fake-2" and approved["genuine"] is False
    assert l2.sequencer.state.balance("mallory", ASSET) == 10**6


# -- the escape hatch ----------------------------------------------------------------------


def test_escape_hatch_pays_finalised_balances_only_after_the_timeout():
    world, _, l2 = funded()
    at(world, 200.0, l2.batcher.halt)
    at(world, 250.0, lambda: l2.deposit("bob", ASSET, 700, "late"))
    world.env.run(until=300.0)
    assert l2.sequencer.state.balance("bob", ASSET) == 700  # soft only: never batched
    assert l2.batcher.last_finalized_state.balance("alice", ASSET) == 1_000
    deadline = l2.hatch.deadline
    assert deadline == pytest.approx(l2.batcher.last_finalized_time + 600.0)
    world.env.run(until=deadline - 1.0)
    assert not l2.hatch.open
    assert l2.escape("alice", ASSET) == 0  # closed before the timeout
    world.env.run(until=deadline + 1.0)
    assert l2.hatch.open
    assert l2.escape("alice", ASSET) == 1_000
    assert l2.escape("alice", ASSET) == 0  # once only
    assert l2.escape("bob", ASSET) == 0  # bob's balance exists only in unfinalised state
    reasons = [r["reason"] for r in kinds(world, "l2.escape.refused")]
    assert reasons == ["closed", "already_withdrawn", "no_finalised_balance"]
    summary = l2_metrics.compute(records(world))["escape"]
    assert summary["opened"] and summary["paid"] == 1_000 and summary["withdrawals"] == 1


def test_sequencer_halt_past_the_timeout_opens_the_hatch_and_a_short_one_does_not():
    world, _, l2 = funded()
    at(world, 200.0, l2.sequencer.halt)
    at(world, 500.0, l2.sequencer.heal)  # well before the 600 s timeout expires
    world.env.run(until=2_000.0)
    assert not l2.hatch.open
    at(world, 2_000.0, l2.sequencer.halt)
    world.env.run(until=2_000.0 + 600.0 + 2 * 60.0 + 120.0)
    assert l2.hatch.open
    assert l2.escape("alice", ASSET) == 1_000


def test_congestion_past_the_timeout_opens_the_hatch_and_the_late_batch_is_refused():
    world, l1, l2 = make()
    l1.congest(0.0, 900.0, priority_fee_gwei=100.0)  # longer than the 600 s timeout
    l2.deposit("alice", ASSET, 1_000, "stuck")
    world.env.run(until=1_200.0)
    assert l2.hatch.opened_at == pytest.approx(600.0)
    assert any(tx.tx_id.startswith("l2-batch-0-") for block in l1.blocks for tx in block.txs)
    assert kinds(world, "l2.batch.included") == []  # the frozen contract refused it
    assert l2.batcher.last_finalized_batch == -1
    assert l2.escape("alice", ASSET) == 0  # credited on L2, never final: nothing to prove


# -- withdrawals and the redemption queue --------------------------------------------------


def test_redemption_run_queues_withdrawals_until_their_batch_is_final():
    accounts = tuple(f"user-{i:02d}" for i in range(40))
    world, _, l2 = funded(accounts=accounts[:20], queue_capacity=30, max_txs_per_block=10)
    for account in accounts[20:]:
        l2.deposit(account, ASSET, 1_000, f"fund-{account}")
    world.env.run(until=20.0)
    assert l2.sequencer.state.balance(accounts[-1], ASSET) == 1_000
    paid = []
    l2.on_withdrawal_final.append(paid.append)
    for account in accounts:  # everyone at once; the sequencer holds 30
        l2.withdraw(account, ASSET, 1_000, f"l1-{account}", f"w-{account}")
    world.env.run(until=400.0)
    summary = l2_metrics.compute(records(world))
    assert len(paid) == 30
    assert summary["sequencer"]["dropped_txs"] == 10
    assert summary["redemption_queue"]["max"] == 30
    assert summary["redemption_queue"]["final"] == 0
    assert summary["withdrawal_finality_s"]["count"] == 30
    assert l2.sequencer.redemption_queue == 0
    blocks = {r["block"] for r in kinds(world, "l2.soft_confirm") if r["tx_kind"] == "withdraw"}
    assert len(blocks) == 3  # 30 withdrawals, 10 per soft block


# -- schema and determinism ----------------------------------------------------------------


def test_schema_rejects_a_quorum_above_the_members_and_unknown_keys():
    with pytest.raises(ValidationError) as error:
        L2(oracle_members=3, oracle_quorum=4)
    assert error.value.errors()[0]["ctx"]["key"] == "oracle_quorum"
    with pytest.raises(ValidationError):
        L2.model_validate({"batch_intervall": 60.0})
    assert L2().escape_timeout == 7 * 24 * 3_600.0


def test_same_seed_same_history():
    def run_once() -> str:
        world, _, l2 = funded(accounts=("alice", "bob"))
        l2.transfer("alice", "bob", ASSET, 10, "t")
        l2.withdraw("bob", ASSET, 5, "l1-bob", "w")
        world.env.run(until=300.0)
        return world.history.sha256

    assert run_once() == run_once()
