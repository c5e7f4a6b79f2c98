"""The checker a scenario configures, over a live history or a saved one.

A run's verdicts and violations go to its results, not into its history: whoever reads
a saved run re-judges its history with the same checker to know that the results it
was given are the history's (`judge_saved`). The same pass folds the history into the
metrics the run derived from it, so that every figure a report reads can be held to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgelab.checker.api import UserProperty
from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.frozen import honest_accounts
from bridgelab.checker.monitor import Monitor
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.checker.stream import RunFolds
from bridgelab.core.history import Event, History
from bridgelab.exitcodes import describe
from bridgelab.scenario.model import Scenario

RECORD_KEYS = frozenset({"seq", "t", "actor", "kind"})


def liveness_grace(scenario: Scenario) -> float:
    """How long after the last heal liveness must be given before it is judged: the run
    goes on that long, and the checker reads it from the scenario, not from the run."""
    if scenario.checks.liveness_grace is not None:
        return scenario.checks.liveness_grace
    settlement = scenario.settlement
    return settlement.finality_slots * settlement.slot_time + 120.0


def monitor_for(scenario: Scenario, user_properties: Iterable[UserProperty] = (),
                history: History | None = None) -> Monitor:
    """The monitor `scenario` configures (fed by `history` from now on, if given)."""
    return Monitor(
        history,
        tuple(user_properties),
        tuple(scenario.checks.expect),
        scenario.committee.signatures,
        CommitteePolicy.of_scenario(scenario),
        SettlementFinality.of_scenario(scenario),
        honest_accounts(scenario.workload.users),
        liveness_grace(scenario),
        tuple((attack.actor(index), attack.kind)
              for index, attack in enumerate(scenario.attacks)),
        frozenset(attack.actor(index) for index, attack in enumerate(scenario.attacks)
                  if attack.kind == "key.compromise" and attack.params.get("forge") is False),
    )


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the checker finds in a saved history: each property's verdict, and each
    violation as (property, seq of the event that caused it), in order."""

    verdicts: dict[str, str]
    violations: list[tuple[str, int]]
    # Why the history cannot vouch for the bridge though nothing failed (the run's own
    # `inconclusive` list, less what only the live run knows: a stop, its own properties).
    inconclusive: tuple[str, ...] = ()
    # Attack rounds that started (`fault.start` events): a run whose attacks never started
    # tested nothing, whatever its results' metrics say.
    fault_starts: int = 0
    # The `metrics` the run derives from this history (the runner's folds, its liveness
    # breakdown), as results.json holds them; all but the run's own performance figures.
    metrics: dict[str, Any] | None = None


def judge_saved(path: Path, scenario: Scenario) -> tuple[Judgement | None, str | None]:
    """(the judgement of the history at `path`, None), or (None, why it cannot be judged).

    The scenario's own properties are not re-judged: they are the user's code, looked up
    next to a scenario this run directory does not hold. The same pass folds the metrics
    the run derived from the history (`Judgement.metrics`). Reads one line at a time."""
    monitor = monitor_for(scenario)
    folds = RunFolds(scenario.oracle.enabled, scenario.l2.enabled)
    line_number = 0
    end = 0.0
    try:
        with path.open("rb") as stream:
            for line in stream:
                line_number += 1  # named if the line cannot be judged
                record = json.loads(line)
                # As in the run: the folds see each record before the monitor its event.
                folds.add(record)
                end = record["t"]
                fields = {key: value for key, value in record.items() if key not in RECORD_KEYS}
                monitor.observe(Event(record["seq"], record["t"], record["actor"],
                                      record["kind"], fields))
        verdicts = dict(monitor.verdicts())
        inconclusive = tuple(monitor.inconclusive_reasons())
        metrics = run_metrics(folds, monitor, end)
    except Exception as error:  # a hostile history: any failure is its, and named
        return None, (f"history cannot be re-judged (line {line_number}:"
                      f" {describe(error)})")
    violations = [(violation.property, violation.seq) for violation in monitor.violations]
    return Judgement(verdicts, violations, inconclusive, monitor.fault_starts, metrics), None


def run_metrics(folds: RunFolds, monitor: Monitor, end: float) -> dict[str, Any]:
    """The `metrics` the runner writes for this history (`runner._simulate`), as results.json
    holds them after its JSON round trip; `end` is the run's last event's time."""
    metrics = folds.result(end=end, violations=[
        (violation.property, violation.time) for violation in monitor.violations])
    metrics["liveness"] = monitor.liveness_breakdown()
    # Through JSON as the run writes it: tuples become lists, keys strings.
    return dict(json.loads(json.dumps(metrics)))


def check_records(
    records: Iterable[dict[str, Any]],
    signatures: str = "real",
    policy: CommitteePolicy | None = None,
    finality: SettlementFinality | None = None,
    honest: frozenset[str] = frozenset(),
    liveness_grace: float | None = None,
    attacks: tuple[tuple[str, str], ...] | None = None,
    key_grants: frozenset[str] = frozenset(),
) -> Monitor:
    """Re-check a saved history (records as read from `history.jsonl`) of a run with real (or
    `signatures = "symbolic"`) signatures, against the committee `policy` its scenario
    configures (`CommitteePolicy.of_scenario`; without it certificate-quorum is unknown), its
    settlement `finality` (`SettlementFinality.of_scenario`; without it the chain's own
    claims), its honest users' accounts, its liveness grace and its `attacks` as (name,
    kind) with the names of those that only hand their keys on (`judge.monitor_for` gives
    all of these from a scenario). Without `attacks`, whether the scenario's attacks were
    tested is not known, and the run is inconclusive for it."""
    monitor = Monitor(signatures=signatures, policy=policy, finality=finality, honest=honest,
                      liveness_grace=liveness_grace, attacks=attacks or (),
                      key_grants=key_grants)
    monitor.attacks_given = attacks is not None
    for record in records:
        fields = {
            key: value for key, value in record.items() if key not in {"seq", "t", "actor", "kind"}
        }
        monitor.observe(Event(record["seq"], record["t"], record["actor"], record["kind"], fields))
    return monitor
