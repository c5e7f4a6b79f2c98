"""Settlement-layer censorship: a share p of proposers exclude the bridge's transactions.

Proposers are drawn uniformly each slot, so a transaction that reaches the mempool just
after a slot waits a geometric number of slots: mean slot_time / (1 - p). The theory test
measures it on the real chain, driven by the real attack kind, one transaction at a time
(the next is sent after the previous is included, so the samples are independent).
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from bridgelab.core.history import History
from bridgelab.nemesis.chains import SettlementCensor, censoring_proposers, tx_parties
from bridgelab.runner import build
from bridgelab.settlement.transactions import BurnTx, Fee, PauseTx
from tests.conftest import small_scenario

SLOT = 12.0
PROPOSERS = 20
SAMPLES = 1_500
# Two-sided 99.9% normal quantile: with three fractions tested the chance of a false
# failure stays below 0.3%, and the seeds are fixed, so a pass or a failure is repeatable.
Z = 3.29


def censored_chain(fraction: float, addresses: list[str] | None = None, seed: int = 1):
    params: dict[str, Any] = {"fraction": fraction}
    if addresses is not None:
        params["addresses"] = addresses
    scenario = small_scenario({
        "settlement": {"slot_time": SLOT, "proposers": PROPOSERS},
        "attacks": [{"kind": "settlement.censor", "schedule": {"at": 0.0}, "params": params}],
    })
    bridge = build(scenario, seed, History())
    (attack,) = bridge.attacks
    assert isinstance(attack, SettlementCensor)
    bridge.settlement.start()
    attack.start()
    return bridge, attack


def pause_tx(index: int, sender: str = "someone") -> PauseTx:
    # A pause from a non-guardian: a bridge-contract transaction that reverts but is included.
    return PauseTx(f"probe-{index}", sender, 0.0, Fee(50_000, 10**9), True)


def inclusion_delays(fraction: float, samples: int, sender: str = "someone",
                     addresses: list[str] | None = None, seed: int = 1) -> list[float]:
    """Seconds from submission (just after a slot) to inclusion, one probe at a time."""
    bridge, _attack = censored_chain(fraction, addresses, seed)
    chain, env = bridge.settlement, bridge.world.env
    delays: list[float] = []
    state: dict[str, Any] = {}

    def on_block(block: Any) -> None:
        if any(tx.tx_id == state["tx"] for tx in block.txs):
            delays.append(block.time - state["sent"])
            state["included"].succeed()

    chain.on_block.append(on_block)

    def probes():
        yield env.timeout(SLOT * 0.5)
        for index in range(samples):
            state.update(tx=f"probe-{index}", sent=env.now, included=env.event())
            chain.submit(pause_tx(index, sender))
            yield state["included"]
            yield env.timeout(SLOT * 0.5)  # send the next half a slot after inclusion

    env.process(probes())
    env.run(until=SLOT * samples * 40)
    assert len(delays) == samples
    return delays


@pytest.mark.parametrize("fraction", [
    pytest.param(0.25, marks=pytest.mark.slow), 0.5, pytest.param(0.75, marks=pytest.mark.slow),
])
def test_mean_inclusion_delay_matches_slot_time_over_one_minus_p(fraction):
    delays = inclusion_delays(fraction, SAMPLES)
    p = round(fraction * PROPOSERS) / PROPOSERS
    # Submitted half a slot before the next block: the n-th block after it includes it.
    slots = [delay / SLOT + 0.5 for delay in delays]
    mean, sd = statistics.fmean(slots), statistics.stdev(slots)
    half_width = Z * sd / math.sqrt(len(slots))
    theory = 1 / (1 - p)
    assert abs(mean - theory) <= half_width, (mean, half_width, theory)
    # The spread is the geometric's too: variance p / (1 - p)^2 (a loose check).
    assert sd == pytest.approx(math.sqrt(p) / (1 - p), rel=0.15)


def test_without_censoring_proposers_every_probe_is_in_the_next_block():
    delays = inclusion_delays(0.0, 50)
    assert delays == [SLOT * 0.5] * 50


def test_listed_addresses_only_are_censored():
    # Every proposer censors, but only the listed account: others pass at once.
    assert inclusion_delays(1.0, 20, sender="alice", addresses=["bob"]) == [SLOT * 0.5] * 20
    bridge, _attack = censored_chain(1.0, ["bob"])
    chain, env = bridge.settlement, bridge.world.env
    chain.submit(pause_tx(0, "bob"))
    env.run(until=SLOT * 10.5)
    assert chain.mempool.has_tx("probe-0", PauseTx)
    censored = [e for e in bridge.world.history.events if e.kind == "settlement.censored"]
    assert len(censored) == 10 and all(e.fields["excluded"] == 1 for e in censored)


def test_heal_restores_inclusion():
    scenario = small_scenario({
        "settlement": {"slot_time": SLOT, "proposers": PROPOSERS},
        "attacks": [{"kind": "settlement.censor", "schedule": {"at": 0.0},
                     "heal": {"after": SLOT * 5.5}, "params": {"fraction": 1.0}}],
    })
    bridge = build(scenario, 1, History())
    bridge.settlement.start()
    bridge.attacks[0].start()
    chain = bridge.settlement
    chain.submit(pause_tx(0))
    bridge.world.env.run(until=SLOT * 5.25)
    assert chain.mempool.has_tx("probe-0", PauseTx)
    bridge.world.env.run(until=SLOT * 6.5)
    assert not chain.mempool.has_tx("probe-0", PauseTx)


def test_parties_include_message_and_burn_recipients():
    burn = BurnTx("b", "alice", 0.0, Fee(1, 1), "SP-TOKEN", 5, "carol")
    assert tx_parties(burn) == {"alice", "carol"}


def test_censoring_set_is_the_rounded_share_and_seeded():
    import random

    chosen = censoring_proposers(random.Random(3), 16, 0.3)
    assert len(chosen) == 5 and chosen == censoring_proposers(random.Random(3), 16, 0.3)
