"""The history's shortcuts, each compared with doing the work in full every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.frozen import honest_accounts
from bridgelab.checker.judge import check_records, liveness_grace
from bridgelab.checker.monitor import OBSERVED_KINDS, Monitor
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.core import history as history_module
from bridgelab.core.history import History, read_history
from bridgelab.runner import run
from bridgelab.scenario.load import load_scenario
from tests.conftest import ATTACKS

# -- listeners of some kinds only ------------------------------------------------------------


def test_a_listener_of_some_kinds_sees_those_kinds_in_order():
    history = History(keep=False)
    every: list[tuple[int, str]] = []
    some: list[tuple[int, str]] = []
    history.subscribe(lambda event: some.append((event.seq, event.kind)), kinds=["mint", "lock"])
    history.subscribe(lambda event: every.append((event.seq, event.kind)))
    for kind in ["lock", "endorse", "mint", "certificate", "lock"]:
        history.record(1.0, "bridge", kind, amount=1)
    assert every == [(0, "lock"), (1, "endorse"), (2, "mint"), (3, "certificate"), (4, "lock")]
    assert some == [pair for pair in every if pair[1] in {"mint", "lock"}]


def test_an_event_no_listener_takes_is_not_built(monkeypatch):
    built: list[str] = []

    class CountedEvent(history_module.Event):
        __slots__ = ()

        def __init__(self, seq, time, actor, kind, fields):
            built.append(kind)
            super().__init__(seq, time, actor, kind, fields)

    monkeypatch.setattr(history_module, "Event", CountedEvent)
    history = History(keep=False)
    seen: list[str] = []
    history.subscribe(lambda event: seen.append(event.kind), kinds=["mint"])
    history.subscribe_records(lambda record: None)
    for kind in ["lock", "mint", "endorse"]:
        history.record(1.0, "bridge", kind)
    assert built == seen == ["mint"]
    kept = History(keep=True)
    for kind in ["lock", "mint"]:
        kept.record(1.0, "bridge", kind)
    assert [event.kind for event in kept.events] == ["lock", "mint"]


# -- the monitor reads only the kinds it acts on ---------------------------------------------


def _state(monitor: Monitor) -> dict[str, object]:
    return {
        "view": monitor.view, "violations": monitor.violations, "exercised": monitor.exercised,
        "probes": monitor.probes, "active_faults": monitor.active_faults,
        "last_heal": monitor.last_heal, "end_time": monitor.end_time,
        "liveness_grace": monitor.liveness_grace, "root_policies": monitor.root_policies,
        "group_key": monitor.group_key, "unjudged": monitor.unjudged_certificates,
        "finality": monitor.finality, "unfinal_mints": monitor.unfinal_mints,
    }


@pytest.mark.parametrize("source", ["consensus-faults.toml", "incidents/harmony-2022.toml"])
def test_the_live_monitor_ends_as_one_that_reads_every_event(source, tmp_path: Path):
    """The live monitor takes only OBSERVED_KINDS; replaying the saved history hands the
    monitor every event. Faults, view changes, forgeries and violations: the two agree."""
    path = ATTACKS / source
    scenario = load_scenario(path)
    seen: list[Monitor] = []
    run(scenario, 1, tmp_path, setup=lambda bridge: seen.append(bridge.monitor),
        base_dir=path.parent)
    records = read_history(tmp_path / "history.jsonl")
    assert {record["kind"] for record in records} - OBSERVED_KINDS  # some are passed by
    replayed = check_records(
        records, scenario.committee.signatures, CommitteePolicy.of_scenario(scenario),
        SettlementFinality.of_scenario(scenario), honest_accounts(scenario.workload.users),
        liveness_grace(scenario),
    )
    assert _state(seen[0]) == _state(replayed)
