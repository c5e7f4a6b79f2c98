"""Memory that stays flat in run length: a streamed history, streamed checkers, pruned chains.

None of this is timed: each test counts what a run still holds at its end (history events,
block bodies, committed blocks) for two run lengths, or checks that a streamed or pruned run
gives exactly what the kept-everything run gives.
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bridgelab.campaign.worker import probes
from bridgelab.checker import l2_metrics, metrics, oracle_metrics, outcome
from bridgelab.checker.judge import check_records
from bridgelab.checker.monitor import Transfer
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.consortium import keeping as consortium_keeping
from bridgelab.core import column, digest_set, sorted_run
from bridgelab.core.history import Event, History, read_history
from bridgelab.l2 import sequencer as l2_sequencer
from bridgelab.runner import Bridge, RunResult, run
from bridgelab.scenario import load_scenario
from bridgelab.settlement.chain import SettlementBlock
from tests.conftest import ATTACKS, small_scenario

# Sections of results.json metrics that are functions of the history alone.
HISTORY_METRICS = ("outcome", "oracle", "l2")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _from_history(path: Path, oracle: bool, l2: bool, end: float,
                  violations: list[dict[str, Any]]) -> dict[str, Any]:
    """The metrics the pure checkers compute from a saved history.jsonl (and the checker's
    violations, which name the exploit)."""
    records = read_history(path)
    expected = metrics.compute(records)
    if oracle:
        expected["oracle"] = oracle_metrics.compute(records, end=end)
    if l2:
        expected["l2"] = l2_metrics.compute(records)
    expected["outcome"] = outcome.compute(
        records, [(violation["property"], violation["time"]) for violation in violations])
    return expected


def _captured_run(scenario, seed: int, out: Path | None = None, keep: bool = False,
                  setup=None) -> tuple[RunResult, Bridge]:
    captured: list[Bridge] = []

    def capture(bridge: Bridge) -> None:
        captured.append(bridge)
        if setup is not None:
            setup(bridge)

    result = run(scenario, seed, out, keep_history=keep, setup=capture)
    return result, captured[0]


# -- the streamed history and checkers ----------------------------------------------------------


def test_history_without_keep_streams_the_same_bytes_and_hash(tmp_path):
    kept, streamed = History(tmp_path / "a.jsonl"), History(tmp_path / "b.jsonl", keep=False)
    order: list[int] = []
    streamed.subscribe(lambda event: order.append(event.seq))
    for history in (kept, streamed):
        for index in range(50):
            history.record(index * 0.5, "actor", "kind", index=index, payload=[index, "x"])
        history.close()
    assert len(kept.events) == 50 and streamed.events == []
    assert streamed.count == 50 and streamed.sha256 == kept.sha256
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert order == list(range(50))


def test_a_first_listener_sees_events_in_seq_order_even_when_another_records():
    history = History(keep=False)
    seen: list[tuple[int, str]] = []

    def reacting(event: Event) -> None:  # like the monitor recording a violation
        if event.kind == "cause":
            history.record(event.time, "monitor", "effect")

    history.subscribe(reacting)
    history.subscribe(lambda event: seen.append((event.seq, event.kind)), first=True)
    history.record(1.0, "a", "cause")
    history.record(2.0, "a", "other")
    assert seen == [(0, "cause"), (1, "effect"), (2, "other")]


def test_a_record_listener_reads_each_line_as_written_in_seq_order(tmp_path):
    history = History(tmp_path / "h.jsonl", keep=False)
    seen: list[dict[str, Any]] = []

    def reacting(event: Event) -> None:
        if event.kind == "cause":
            history.record(event.time, "monitor", "effect", caused_by=event.seq)

    history.subscribe(reacting)
    history.subscribe_records(lambda record: seen.append(dict(record)))
    history.record(1.0, "a", "cause", amount=3)
    history.record(2.0000004, "a", "other", payload=["x"])
    history.close()
    assert seen == read_history(tmp_path / "h.jsonl")
    assert [record["seq"] for record in seen] == [0, 1, 2]
    assert [record["kind"] for record in seen] == ["cause", "effect", "other"]


@pytest.mark.parametrize("source", [
    "small",
    "attacks/collusion-fabricated-lock.toml",  # violations recorded by the monitor mid-event
    "attacks/oracle-manipulate.toml",
    "attacks/baseline-l2.toml",
])
def test_streamed_metrics_equal_the_checkers_over_the_saved_history(tmp_path, source):
    scenario = small_scenario() if source == "small" else load_scenario(ATTACKS.parent / source)
    result, bridge = _captured_run(scenario, 2, tmp_path / "run")
    assert bridge.world.history.events == []
    expected = _from_history(tmp_path / "run" / "history.jsonl", scenario.oracle.enabled,
                             scenario.l2.enabled, result.sim_time, result.violations)
    streamed = {key: value for key, value in result.metrics.items() if key in expected}
    assert list(streamed) == list(expected)
    assert _canonical(streamed) == _canonical(expected)
    # ... and to what a kept-history run of the same seed reports.
    kept, kept_bridge = _captured_run(scenario, 2, keep=True)
    assert len(kept_bridge.world.history.events) == kept.history_events == result.history_events
    assert kept.history_sha256 == result.history_sha256
    assert _canonical({key: kept.metrics[key] for key in expected}) == _canonical(streamed)
    assert kept.verdicts == result.verdicts and kept.violations == result.violations


def test_the_monitor_keeps_a_compact_record_per_transfer_with_the_same_verdicts(tmp_path):
    scenario = small_scenario()
    result, bridge = _captured_run(scenario, 3, tmp_path)
    view = bridge.monitor.view
    assert view.locks and view.burns
    assert all(isinstance(lock, Transfer) for lock in view.locks.values())
    records = read_history(tmp_path / "history.jsonl")
    burns = {record["nonce"]: record for record in records if record["kind"] == "burn"}
    for nonce, kept in view.burns.items():
        burn = burns[nonce]
        assert (kept.asset, kept.amount, kept.recipient, kept.number) == (
            burn["asset"], burn["amount"], burn["recipient"], burn["number"])
    replayed = check_records(records, policy=CommitteePolicy.of_scenario(scenario))
    assert replayed.verdicts() == bridge.monitor.verdicts()
    assert [v.to_dict() for v in replayed.violations] == result.violations


def test_campaign_probes_fold_the_same_as_over_a_list():
    records = [
        {"t": 1.0, "actor": "relayer-1", "kind": "relay.service", "wait": 0.5},
        {"t": 2.0, "actor": "relayer-0", "kind": "relay.service", "wait": 1.25},
        {"t": 3.0, "actor": "adversary", "kind": "attack.compromise", "held": [1, 2]},
        {"t": 4.0, "actor": "relayer-0", "kind": "relay.service", "wait": 0.75},
    ]
    assert probes(iter(records), 1) == {
        "compromised_seats": 2,
        "queue": {"relayer": "relayer-0", "served": 2, "warmup": 1, "wait_sum_s": 0.75,
                  "wait_mean_s": 0.75, "all_relayers_served": 3},
    }


# -- what a run still holds at its end, for two run lengths -------------------------------------

SHORT, LONG = 15, 60


def _length(transfers: int, **overrides: Any):
    return small_scenario({
        "workload": {"deposits": transfers, "withdrawals": transfers, "deposit_interval": 6.0},
        **overrides,
    })


def _bodies(blocks: list[SettlementBlock]) -> int:
    return sum(1 for block in blocks if block.events or block.decoded or block.journal
               or block.txs)


def _events_alive() -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, Event))


def _retained(transfers: int, monkeypatch) -> dict[str, int]:
    monkeypatch.setattr(consortium_keeping, "RECENT_BLOCKS", 4)
    before = _events_alive()  # other tests may keep histories of their own
    result, bridge = _captured_run(
        _length(transfers), 1, setup=lambda b: setattr(b.settlement, "body_horizon", 2)
    )
    assert result.exit_code == 0 and result.metrics["transfers"]["releases"] == transfers
    settlement = bridge.settlement
    return {
        "events alive": _events_alive() - before,
        "history events": len(bridge.world.history.events),
        "settlement bodies": _bodies(settlement.blocks),
        "consortium blocks": len(bridge.consortium.blocks),
        "settlement blocks": len(settlement.blocks),
        "history": result.history_events,
        "finality": settlement.config.finality_slots,
    }


def test_what_a_run_retains_does_not_grow_with_its_length(monkeypatch):
    short, long = _retained(SHORT, monkeypatch), _retained(LONG, monkeypatch)
    assert long["history"] > 3 * short["history"]  # the long run really is longer
    assert long["settlement blocks"] > short["settlement blocks"] + 20  # headers stay
    for retained in (short, long):
        assert retained["history events"] == 0
        assert retained["events alive"] <= 10  # none of the run's events is still referenced
        # Bodies: the horizon, the blocks not final yet, and the one being pushed.
        assert retained["settlement bodies"] <= 2 + retained["finality"] + 2
        assert retained["consortium blocks"] <= 2 * 4


# -- pruning keeps what every reader needs: identical runs with and without it ------------------


def _prune(aggressive: bool):
    def setup(bridge: Bridge) -> None:
        bridge.settlement.body_horizon = 0 if aggressive else 10**9

    return setup


@pytest.mark.parametrize("name, scenario", [
    # Random reorgs before finality: they undo (and replay) blocks that are not final yet.
    ("reorgs", lambda: small_scenario({
        "settlement": {"finality_slots": 8, "reorgs": {"probability": 0.3, "max_depth": 4}},
        "workload": {"deposits": 30, "withdrawals": 30},
    })),
    # The same, acting on 6 confirmations: blocks pushed before they are final (releases then
    # come before finality, which the release property reports, pruned or not).
    ("confirmations", lambda: small_scenario({
        "settlement": {"finality_slots": 8, "confirmations": 6,
                       "reorgs": {"probability": 0.3, "max_depth": 4}},
        "workload": {"deposits": 30, "withdrawals": 30},
    })),
    # Withdrawals released only on finality (members read finalized headers).
    ("finality", lambda: small_scenario({"workload": {"deposits": 30, "withdrawals": 30}})),
    # L2 withdrawals proven against the batch transaction of an old final L1 block.
    ("l2", lambda: small_scenario({"l2": {
        "enabled": True, "destination": "l2", "batch_interval": 60.0, "resubmit_after": 36.0,
        "max_resubmits": 3, "escape_timeout": 1_200.0,
    }})),
])
def test_pruned_chains_give_the_same_history_as_unpruned_ones(monkeypatch, name, scenario):
    monkeypatch.setattr(consortium_keeping, "RECENT_BLOCKS", 2)
    monkeypatch.setattr(l2_sequencer, "RECENT_BLOCKS", 2)
    pruned, bridge = _captured_run(scenario(), 1, setup=_prune(True))
    monkeypatch.setattr(consortium_keeping, "RECENT_BLOCKS", 10**9)
    monkeypatch.setattr(l2_sequencer, "RECENT_BLOCKS", 10**9)
    whole, _ = _captured_run(scenario(), 1, setup=_prune(False))
    assert pruned.history_sha256 == whole.history_sha256
    assert pruned.verdicts == whole.verdicts
    assert pruned.exit_code == (1 if name == "confirmations" else 0), pruned.verdicts
    settlement = bridge.settlement
    assert settlement.pruned_number >= settlement.finalized_number - 1 > 0
    if name in ("reorgs", "confirmations"):
        assert pruned.verdicts["coverage.reorg"] == "pass"
        assert pruned.metrics["transfers"]["releases"] == 30
    if name == "l2":
        assert pruned.metrics["transfers"]["releases"] > 0
        assert pruned.metrics["l2"]["batches"]["final"] > 0


def test_a_block_s_copy_of_the_released_nonces_is_its_own_until_adopted():
    from bridgelab.consortium.nonces import NonceTable

    state = NonceTable()
    state.add(1)
    state.settle()
    dropped, adopted = state.copy(), state.copy()
    dropped.add(2)
    adopted.add(3)
    # A block that did not commit leaves no trace, in the state or in a sibling copy.
    assert 2 not in state and 2 not in adopted
    assert 3 in adopted and 3 not in state
    # A copy taken before its source is adopted sees the source's own writes.
    assert 3 in adopted.copy()
    adopted.settle()
    assert 1 in adopted and 3 in adopted and 2 not in adopted


# -- memos stay small and still catch every repeat ----------------------------------------------


def _raw_calls(monkeypatch, shrink: int) -> tuple[str, dict[str, int]]:
    """The history hash and each memo's raw calls (its misses) in a standard symbolic run of
    1,000 transfers each way, every memo bounded at `DEFAULT_ENTRIES` or `BATCH_ENTRIES`
    holding `1 / shrink` of its bound (the few sized by their own reuse are left alone)."""
    from bridgelab.bench.workload import standard_scenario
    from bridgelab.core import memo

    calls: dict[str, int] = {}
    for registered in memo.registry():
        function, cache = registered.function, registered.cache

        def counted(*args, _function=function, _name=registered.name):
            calls[_name] = calls.get(_name, 0) + 1
            return _function(*args)

        monkeypatch.setattr(registered, "function", counted)
        if isinstance(cache, memo.BoundedCache) and cache.limit in (memo.DEFAULT_ENTRIES,
                                                                      memo.BATCH_ENTRIES):
            monkeypatch.setattr(cache, "limit", cache.limit // shrink)
            monkeypatch.setattr(cache, "_generation_size", cache.limit // 2)
        elif isinstance(cache, memo.Table):
            monkeypatch.setattr(cache, "compute", counted)
    scenario = standard_scenario("multisig", "arkworks", 1_000, signatures="symbolic",
                                 batched=True)
    result = run(scenario, 1)
    monkeypatch.undo()
    return result.history_sha256, calls


def test_memo_bounds_keep_a_fourfold_margin_over_how_soon_answers_are_asked_again(monkeypatch):
    """Memos are bounded small so that long runs stay flat (core/memo.py): a quarter of each
    bound still misses no more often, so the bound is not what makes a memo pay."""
    from bridgelab.core import memo

    sha, shipped = _raw_calls(monkeypatch, 1)
    quarter_sha, quarter = _raw_calls(monkeypatch, 4)
    assert quarter_sha == sha
    assert quarter == shipped
    # The run is long enough that the batch-keyed memos did evict at a quarter of the bound.
    assert shipped["protocol/batch-digest"] > memo.BATCH_ENTRIES // 4
    assert shipped["crypto/ecrecover"] > memo.DEFAULT_ENTRIES // 4


@pytest.mark.parametrize("name", [
    "relayer-misbehaviour.toml",  # replays: old nonces asked again
    "incidents/nomad-2022.toml",  # forged mints of made-up and replayed nonces
    "finality-early-endorse.toml",  # reorgs undo mints and burns
    "l2-sequencer-halt-escape.toml",
])
def test_facts_in_files_give_the_same_run_as_facts_in_memory(monkeypatch, name):
    """With every column moving all but its newest few items to its file, the accepted roots
    in a sorted file and every final block archived, a run keeps its history, verdicts,
    violations, reasons and metrics: where a fact lives changes nothing."""
    scenario = load_scenario(ATTACKS / name)
    seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    in_memory = run(scenario, seed, base_dir=(ATTACKS / name).parent)
    monkeypatch.setattr(column, "CHUNK", 2)
    monkeypatch.setattr(digest_set, "MERGE_AT", 2)
    monkeypatch.setattr(sorted_run, "BLOCK", 2)
    in_files, bridge = _captured_run(scenario, seed, setup=_prune(True))
    view = bridge.monitor.view
    # The run did move facts to files, and archived blocks.
    assert view.locks._recipient._file is not None
    roots = bridge.settlement.bridge.accepted_roots  # none on L1 when deposits go to the L2
    assert len(roots) < 3 or roots._sorted._file is not None
    assert bridge.settlement.blocks.archived > 0
    assert in_files.history_sha256 == in_memory.history_sha256
    assert in_files.verdicts == in_memory.verdicts
    assert in_files.violations == in_memory.violations
    assert in_files.inconclusive == in_memory.inconclusive
    drop = {"performance"}
    assert _canonical({k: v for k, v in in_files.metrics.items() if k not in drop}) == \
        _canonical({k: v for k, v in in_memory.metrics.items() if k not in drop})


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_finished_run_leaves_no_file_open(monkeypatch):
    """Facts moved to files are the run's: once the run is dropped, its files are closed (a
    campaign worker runs one scenario after another)."""
    monkeypatch.setattr(column, "CHUNK", 2)
    monkeypatch.setattr(digest_set, "MERGE_AT", 2)
    gc.collect()
    before = _open_files()
    result, bridge = _captured_run(small_scenario(), 1, setup=_prune(True))
    assert bridge.monitor.view.locks._recipient._file is not None
    assert _open_files() > before + 10  # the run's columns hold files while it is alive
    del result, bridge
    gc.collect()
    assert _open_files() == before
