"""The checker works out settlement finality from the scenario's rule, not the chain's claim.

A chain that finalised too early would otherwise back releases of burns that could still be
reorganised away, and one that never finalised would hide every stuck withdrawal from
liveness (the run exited 0 with both).
"""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.finality import MAX_TICKS_PER_EVENT, SettlementFinality
from bridgelab.checker.judge import check_records, judge_saved, monitor_for
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.core.history import Event, read_history
from bridgelab.runner import run
from bridgelab.scenario.load import load_scenario
from bridgelab.settlement import chain as settlement_chain
from tests.conftest import ATTACKS, small_scenario


def test_a_block_is_final_once_its_finality_slots_have_begun():
    rule = SettlementFinality(slot_time=12.0, finality_slots=2)
    rule.block(0, 1)
    rule.block(1, 2)
    rule.block(3, 4)  # block 2 was empty: not recorded
    assert rule.final_number(12.0) == -1
    assert rule.final_number(36.0) == -1  # slot 3 begins at 36: counted only after it
    assert rule.final_number(36.5) == 0
    assert rule.final_number(48.5) == 1
    assert rule.final_number(60.5) == 1  # block 2, final now, was empty
    assert rule.final_number(72.5) == 3


def test_a_reorg_records_its_blocks_again_from_the_first_orphaned_one():
    rule = SettlementFinality(slot_time=1.0, finality_slots=0)
    for number in range(5):
        rule.block(number, number + 1)
    rule.block(2, 3)  # blocks 2-4 orphaned and made anew
    assert rule.final_number(10.5) == 2
    rule.block(3, 4)
    assert rule.final_number(10.5) == 3


@pytest.mark.parametrize("number, slot", [(2, 2), (2, 1), (-1, 5), (True, 3), (3, 2.0)])
def test_a_block_out_of_slot_order_or_of_no_number_is_refused(number, slot):
    rule = SettlementFinality(slot_time=1.0, finality_slots=0)
    rule.block(0, 1)
    rule.block(1, 2)
    with pytest.raises(ValueError):
        rule.block(number, slot)


def test_a_history_whose_clock_jumps_past_any_run_is_refused():
    rule = SettlementFinality(slot_time=1.0, finality_slots=0)
    with pytest.raises(ValueError, match="slots past"):
        rule.final_number(MAX_TICKS_PER_EVENT * 2.0)


def test_a_history_whose_clock_goes_back_is_refused():
    """One settlement block dated far ahead made every block recorded after it final at
    once: a chain that finalised too early then passed release-backed-by-final-burn."""
    rule = SettlementFinality(slot_time=1.0, finality_slots=0)
    rule.final_number(1_000_000.0)
    with pytest.raises(ValueError, match="before the previous one"):
        rule.final_number(5.0)


def test_a_block_dated_ahead_cannot_finalise_the_blocks_after_it(monkeypatch, tmp_path):
    monkeypatch.setattr(settlement_chain.SettlementChain, "_finalize", _finalise_the_tip)
    scenario = small_scenario()
    run(scenario, 1, tmp_path)
    records = read_history(tmp_path / "history.jsonl")
    assert _recheck(scenario, copy.deepcopy(records)).verdicts()[
        "safety.release-backed-by-final-burn"] == "fail"
    first = next(record for record in records if record["kind"] == "settlement.block")
    first["t"] = 1_000_000.0
    with pytest.raises(ValueError, match="before the previous one"):
        _recheck(scenario, records)


@settings(max_examples=200, deadline=None)
@given(
    slot_time=st.sampled_from([0.1, 0.3, 1.0, 2.5, 12.0]),
    finality_slots=st.integers(0, 6),
    made=st.lists(st.booleans(), min_size=1, max_size=40),
    asked=st.lists(st.floats(0, 60), max_size=10),
)
def test_the_rule_matches_a_chain_that_ticks_and_finalises(
    slot_time, finality_slots, made, asked
):
    """A chain as the model runs it: a tick every `slot_time` (the clock adding it up), one
    block per slot, recorded when not empty, final `finality_slots` slots on."""
    rule = SettlementFinality(slot_time, finality_slots)
    for slot, recorded in enumerate(made, start=1):
        if recorded:
            rule.block(slot - 1, slot)
    ticks, now = [], 0.0
    while now <= 61.0:  # the chain ticks on whether or not it records a block
        now += slot_time
        ticks.append(now)
    for time in sorted(asked):
        begun = sum(1 for tick in ticks if tick < time)
        expected = max((slot - 1 for slot, recorded in enumerate(made, start=1)
                        if recorded and slot + finality_slots <= begun), default=-1)
        assert rule.final_number(time) == expected


@pytest.mark.parametrize("attack", [
    "baseline.toml", "finality-early-endorse.toml", "baseline-l2.toml",
])
def test_the_rule_agrees_with_the_chain_on_every_recorded_block(tmp_path, attack):
    scenario = load_scenario(ATTACKS / attack)
    run(scenario, 1, tmp_path)
    rule = SettlementFinality.of_scenario(scenario)
    recorded: list[int] = []
    claims = 0
    for record in read_history(tmp_path / "history.jsonl"):
        if record["actor"] != "settlement":
            continue
        if record["kind"] == "settlement.block":
            rule.block(record["number"], record["slot"])
            recorded = [n for n in recorded if n < record["number"]] + [record["number"]]
        elif record["kind"] == "settlement.final":
            claims += 1
            # Just after the tick: the chain's claim may name an empty (unrecorded) block.
            own = rule.final_number(math.nextafter(record["t"], math.inf))
            assert own == max((n for n in recorded if n <= record["number"]), default=-1)
    assert claims > 0


def _finalise_the_tip(self, slot):
    target = self.blocks[-1].header.number if self.blocks else -1
    if target > self.finalized_number:
        self.finalized_number = target
        self.world.record(settlement_chain.NODE, "settlement.final", number=target, slot=slot)


def test_a_chain_that_finalises_too_early_fails_release_backed_by_final_burn(monkeypatch):
    monkeypatch.setattr(settlement_chain.SettlementChain, "_finalize", _finalise_the_tip)
    result = run(small_scenario(), 1)
    assert result.verdicts["safety.release-backed-by-final-burn"] == "fail"
    assert any("is not final" in violation["detail"] for violation in result.violations)
    assert result.exit_code != 0


def test_a_chain_that_never_finalises_fails_withdrawal_liveness(monkeypatch):
    monkeypatch.setattr(settlement_chain.SettlementChain, "_finalize", lambda self, slot: None)
    result = run(small_scenario(), 1)
    assert result.verdicts["liveness.withdrawals-released"] == "fail"
    assert result.exit_code != 0


# -- reorgs undo only what the history recorded in orphaned blocks that are not final ----


def _history(tmp_path):
    scenario = small_scenario()
    run(scenario, 1, tmp_path)
    return scenario, read_history(tmp_path / "history.jsonl")


def _recheck(scenario, records):
    for seq, record in enumerate(records):
        record["seq"] = seq
    return check_records(records, "real", CommitteePolicy.of_scenario(scenario),
                         SettlementFinality.of_scenario(scenario))


def _reorg(time, first_orphaned, *reverted):
    return {"seq": 0, "t": time, "actor": "settlement", "kind": "settlement.reorg",
            "depth": 1, "first_orphaned": first_orphaned, "cause": "fork-choice",
            "reverted": list(reverted)}


def _mint_item(mint, **changes):
    return {"kind": "mint", "nonce": mint["nonce"], "asset": mint["asset"],
            "amount": mint["amount"], **changes}


def _first_block_by_which_final(rule, records, number):
    for index, record in enumerate(records):
        if record["kind"] == "settlement.block":
            rule.block(record["number"], record["slot"])
            if rule.final_number(math.nextafter(record["t"], math.inf)) >= number:
                return index
    raise AssertionError(f"block {number} never final")


def test_a_reorg_record_cannot_take_back_a_final_mint(tmp_path):
    """The history said a reorg reverted a mint whose block was long final, then the same
    lock was minted again: a double mint, whatever the reorg record claims."""
    scenario, records = _history(tmp_path)
    assert _recheck(scenario, copy.deepcopy(records)).verdicts()["safety.no-double-mint"] == "pass"
    mint = next(record for record in records if record["kind"] == "mint")
    # The first block record by the time of which the mint's block is final by the rule.
    at = _first_block_by_which_final(SettlementFinality.of_scenario(scenario), records,
                                     mint["number"])
    time = records[at]["t"] + 0.5
    # Orphaning from after the mint's block, and (as no chain may) from its final block on.
    for first_orphaned in (records[at]["number"] + 1, mint["number"]):
        reorg = _reorg(time, first_orphaned, _mint_item(mint))
        tampered = [*records[:at + 1], reorg, {**mint, "t": time}, *records[at + 1:]]
        verdicts = _recheck(scenario, copy.deepcopy(tampered)).verdicts()
        assert verdicts["safety.no-double-mint"] == "fail"


def test_a_reorg_undoes_a_mint_by_its_recorded_amount_not_the_record_s(tmp_path):
    scenario, records = _history(tmp_path)
    index, mint = next((i, r) for i, r in enumerate(records) if r["kind"] == "mint")
    time = mint["t"]
    honest = _recheck(scenario, copy.deepcopy(records[:index + 1]))
    before = dict(honest.view.minted)
    # A reorg right after the mint, its block orphaned, claiming ten times the amount.
    inflated = _mint_item(mint, amount=mint["amount"] * 10)
    tampered = [*records[:index + 1], _reorg(time, mint["number"], inflated)]
    monitor = _recheck(scenario, copy.deepcopy(tampered))
    assert monitor.view.minted[mint["asset"]] == before[mint["asset"]] - mint["amount"]
    assert mint["nonce"] not in monitor.view.minted_nonces
    # A reorg whose orphaned blocks start after the mint's block leaves the mint alone.
    later = [*records[:index + 1], _reorg(time, mint["number"] + 1, _mint_item(mint))]
    monitor = _recheck(scenario, copy.deepcopy(later))
    assert monitor.view.minted == before and mint["nonce"] in monitor.view.minted_nonces
    # ... and does not forget it: a later reorg that does orphan its block undoes it.
    again = [*later, _reorg(time, mint["number"], _mint_item(mint))]
    monitor = _recheck(scenario, copy.deepcopy(again))
    assert monitor.view.minted[mint["asset"]] == before[mint["asset"]] - mint["amount"]


def _burn_item(burn):
    return {"kind": "burn", "nonce": burn["nonce"], "asset": burn["asset"],
            "amount": burn["amount"]}


def test_a_reorg_of_a_final_block_withholds_safe(tmp_path):
    """A burn released once final, then a reorg record taking its final block back: the
    release stays backed for the checker (it undoes nothing final), but the history says
    finality broke, so neither a live run nor a re-judged one may read safe."""
    scenario, records = _history(tmp_path)
    release = next(record for record in records if record["kind"] == "release")
    burn = next(record for record in records
                if record["kind"] == "burn" and record["nonce"] == release["nonce"])
    at = _first_block_by_which_final(SettlementFinality.of_scenario(scenario), records,
                                     burn["number"])
    time = records[at]["t"] + 0.5
    # Where the history reaches that time: the clock never goes back.
    cut = next(i for i, record in enumerate(records) if i > at and record["t"] >= time)
    final = SettlementFinality.of_scenario(scenario)
    for record in records[:cut]:
        if record["kind"] == "settlement.block":
            final.block(record["number"], record["slot"])
    final_number = final.final_number(time)
    for first_orphaned, breaks in ((final_number + 1, False), (burn["number"], True)):
        reorg = _reorg(time, first_orphaned, _burn_item(burn))
        tampered = [*records[:cut], reorg, *records[cut:]]
        monitor = _recheck(scenario, copy.deepcopy(tampered))
        reasons = [r for r in monitor.inconclusive_reasons() if "final settlement block" in r]
        assert bool(reasons) is breaks, (first_orphaned, reasons)
        assert burn["nonce"] in monitor.view.burns  # a final burn is never undone
        # The same history saved and re-judged as a report does.
        path = tmp_path / f"tampered-{first_orphaned}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in _renumbered(tampered)))
        judgement, why = judge_saved(path, scenario)
        assert why is None and judgement is not None
        found = [r for r in judgement.inconclusive if "final settlement block" in r]
        assert bool(found) is breaks
        if breaks:
            assert f"from block {burn['number']}" in found[0]


def _renumbered(records):
    return [{**record, "seq": seq} for seq, record in enumerate(records)]


def test_a_monitor_fed_by_hand_says_what_it_was_not_given(tmp_path):
    """Without the scenario's finality rule or liveness grace the monitor falls back on the
    history's own claims, and says so rather than vouching for the run."""
    scenario, records = _history(tmp_path)
    bare = check_records(copy.deepcopy(records))
    reasons = bare.inconclusive_reasons()
    assert any("no finality rule was given" in r for r in reasons)
    assert any("liveness grace was taken from the run's own record" in r for r in reasons)
    configured = monitor_for(scenario)
    for record in _renumbered(records):
        fields = {k: v for k, v in record.items() if k not in ("seq", "t", "actor", "kind")}
        configured.observe(Event(record["seq"], record["t"], record["actor"], record["kind"],
                                 fields))
    assert configured.inconclusive_reasons() == []
