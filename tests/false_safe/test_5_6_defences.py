"""False-safe regressions, defences part: a defence does only what is configured.

Each test failed before the fix: a challenge window protected with its watcher switched off;
relayers resubmitted a mint waiting in the window; a reorg kept the rate-limit tokens of the
mints it orphaned; and the burn of the thief's own tokens, frozen by the pause its theft
triggered, was judged an honest liveness failure and reported as a risk of its own.
"""

from __future__ import annotations

from collections import Counter

from bridgelab.report import cells
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.model import risk_sentences
from bridgelab.report.records import RunRecord
from bridgelab.runner import run
from tests.conftest import small_scenario

FORGED_NONCE_BASE = 1_000_000_000
THEFT = {
    "kind": "key.compromise",
    "targets": {"members": [0, 1, 2, 3, 4, 5]},
    "schedule": {"at": 60.0},
    "params": {"amount": 3_000_000},
}
DEPOSITS_ONLY = {"deposits": 20, "withdrawals": 0, "deposit_interval": 2.0}


def _run(overrides: dict, seed: int = 1):
    captured = {}
    result = run(small_scenario(overrides), seed, keep_history=True,
                 setup=lambda bridge: captured.setdefault("bridge", bridge))
    return result, captured["bridge"].world.history.events


def _record(result, scenario) -> RunRecord:
    return RunRecord(
        "run-1", scenario.scenario.name, 1, result.verdicts, result.metrics,
        config=scenario.model_dump(mode="json"), reproduce="bridgelab run x.toml --seed 1",
    )


def _safety_failed(result) -> list[str]:
    return sorted(p for p, v in result.verdicts.items() if p.startswith("safety.") and v == "fail")


def test_a_challenge_window_nobody_watches_lets_the_forged_mint_through():
    overrides = {"workload": DEPOSITS_ONLY, "attacks": [THEFT],
                 "defences": {"challenge_window": 120.0, "watcher": {"enabled": False}}}
    result, events = _run(overrides)
    assert not [e for e in events if e.kind.startswith("watcher.") or e.kind == "mint.challenged"]
    forged = [e for e in events if e.kind == "mint" and e.fields["nonce"] >= FORGED_NONCE_BASE]
    queued = {e.fields["nonce"]: e.time for e in events if e.kind == "mint.queued"}
    # The forged mint waited out the whole window, then executed: nobody challenged it.
    assert len(forged) == 1 and forged[0].fields["delayed"]
    assert forged[0].time - queued[forged[0].fields["nonce"]] >= 120.0
    assert "safety.mint-backed-by-final-lock" in _safety_failed(result)
    assert "safety.supply-conservation" in _safety_failed(result)
    # ... and the report does not count the window as a defence.
    cell = cells.rate_limits(ConfigGroup("key", "cfg-1", "the bridge",
                                         [_record(result, small_scenario(overrides))]))
    assert cell["sentiment"] == "bad"
    assert "with no watcher: not a defence" in cell["value"]


def _mint_reverts(events) -> Counter:
    return Counter(e.fields["check"] for e in events
                   if e.kind == "tx.reverted" and e.fields["tx_kind"] == "mint")


def test_relayers_do_not_resubmit_a_mint_waiting_in_the_window():
    _, without = _run({"workload": DEPOSITS_ONLY})
    result, windowed = _run({"workload": DEPOSITS_ONLY,
                             "defences": {"challenge_window": 600.0}})
    assert len([e for e in windowed if e.kind == "mint.queued"]) == 20
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    # Before the fix: 60 reverted `nonce_unused` mints here (277 with a 30-minute window).
    assert _mint_reverts(windowed)["nonce_unused"] <= _mint_reverts(without)["nonce_unused"] + 2


AMOUNT = 100_000


def test_a_reorg_gives_back_the_rate_limit_tokens_of_the_mints_it_orphans():
    # A bucket with room for exactly four deposits and no refill: a re-executed mint passes
    # only if the orphaned one returned its tokens.
    scenario = small_scenario({
        "scenario": {"drain_grace": 300.0},
        "settlement": {"finality_slots": 32},
        "workload": {"deposits": 0, "withdrawals": 0, "scripted": [
            {"at": float(at), "user": "user-000", "amount": AMOUNT} for at in range(1, 5)]},
        "bridge": {"limits": {"rate_capacity": 4 * AMOUNT, "rate_per_second": 0.0}},
    })
    captured = {}

    def orphan_every_mint(bridge):
        captured["bridge"] = bridge
        env, settlement = bridge.world.env, bridge.settlement

        def watch():
            for _ in range(100):
                yield env.timeout(settlement.config.slot_time)
                if len(settlement.bridge.minted_nonces) == 4:
                    first = next(block.header.number for block in settlement.blocks
                                 if block.decoded)
                    captured["orphaned"] = settlement.reorg(settlement.tip_number - first + 1)
                    return

        env.process(watch())

    result = run(scenario, 1, keep_history=True, setup=orphan_every_mint)
    events = captured["bridge"].world.history.events
    reorg = next(e for e in events if e.kind == "settlement.reorg")
    assert sorted(item["nonce"] for item in reorg.fields["reverted"]) == [0, 1, 2, 3]
    assert "rate_limited" not in _mint_reverts(events)
    assert len([e for e in events if e.kind == "mint" and e.time >= reorg.time]) == 4
    assert result.verdicts["liveness.deposits-minted"] == "pass"


def _watched_theft(withdrawals: int) -> dict:
    watcher = {"enabled": True, "detection_delay": {"dist": "fixed", "value": 30.0}}
    return {
        "workload": {"deposits": 20, "withdrawals": withdrawals, "deposit_interval": 2.0,
                     "withdraw_delay": 10.0},
        "attacks": [THEFT],
        "defences": {"watcher": watcher},
    }


def test_the_thiefs_own_burn_frozen_by_the_pause_is_not_a_liveness_failure():
    result, events = _run(_watched_theft(withdrawals=0))
    thief = {e.actor for e in events if e.kind == "attack.extract"}
    burns = [e for e in events if e.kind == "burn" and e.fields["sender"] in thief]
    assert burns and any(e.kind == "escrow.frozen" for e in events)
    assert not [e for e in events if e.kind == "release" and e.fields["recipient"] in thief]
    assert _safety_failed(result)
    assert result.verdicts["liveness.withdrawals-released"] != "fail"
    stuck = result.metrics["liveness"]["liveness.withdrawals-released"]
    assert stuck["adversary"] >= 1 and stuck["honest_failures"] == 0


def test_honest_transfers_frozen_after_a_theft_are_reported_as_its_consequence():
    overrides = _watched_theft(withdrawals=20)
    result, _events = _run(overrides)
    stuck = result.metrics["liveness"]["liveness.withdrawals-released"]
    assert result.verdicts["liveness.withdrawals-released"] == "fail"  # honest funds are stuck
    assert stuck["frozen_by_theft"] > 0 and stuck["honest_failures"] == 0
    record = _record(result, small_scenario(overrides))
    assert record.liveness_by_theft == ["liveness.withdrawals-released"]
    group = ConfigGroup("key", "cfg-1", "the bridge", [record])
    cell = cells.liveness_failure(group)
    assert cell["sentiment"] == "warning" and "consequence of a theft" in cell["reason"]
    sentences = risk_sentences([group])
    assert [s["kind"] for s in sentences] == ["stolen"]
    assert "as a consequence of the theft" in sentences[0]["text"]
