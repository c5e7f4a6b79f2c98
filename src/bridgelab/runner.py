"""Build the modelled bridge from a scenario, run it to completion, and collect the outcome.

The run stops when the workload has fully settled (plus `drain_grace`) or at `duration`.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bridgelab import __version__, evidence
from bridgelab.bridge import Bridge
from bridgelab.checker.api import load_user_properties
from bridgelab.checker.judge import liveness_grace, monitor_for
from bridgelab.checker.stream import RunFolds
from bridgelab.consortium.chain import ConsortiumChain
from bridgelab.core import memo
from bridgelab.core.guard import RunLimits, Stalled
from bridgelab.core.history import History
from bridgelab.core.world import World
from bridgelab.crypto import symbolic
from bridgelab.custody.entities import KeyHolders
from bridgelab.defences.watcher import Watcher
from bridgelab.l2 import L2System, install_l2
from bridgelab.l2.gateway import L2Gateway
from bridgelab.nemesis.adversary import Adversary
from bridgelab.nemesis.registry import build_attack
from bridgelab.oracle import install_oracle
from bridgelab.parts import (
    TRUST_ROOT_VERSION,
    make_actors,
    make_bridge_state,
    make_custody,
    make_escrow,
    settlement_chain,
    wire_network,
)
from bridgelab.protocol.messages import trust_root_fields
from bridgelab.runresult import RunResult, git_commit
from bridgelab.scenario.load import scenario_hash
from bridgelab.scenario.model import Scenario
from bridgelab.scenario_files import property_files
from bridgelab.workload.users import Users

PROGRESS_STEPS = 200
# Quiescence is polled at least this often (simulated seconds), so a generous `duration`
# does not keep an idle chain running long after the workload settled.
MAX_POLL_INTERVAL = 60.0

ProgressCallback = Callable[[float, float], None]


# A run allocates and drops small objects (events, messages, records) by the million: the
# youngest generation is collected every 20,000 allocations instead of CPython's 700.
YOUNG_GENERATION_THRESHOLD = 20_000


class _CollectionThreshold:
    """A larger young-generation threshold while any run is in progress. The threshold is
    the process's: runs overlapping in threads raise it once, and the last to end restores
    what it was before the first began."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = 0
        self._saved = gc.get_threshold()

    @contextmanager
    def during_run(self) -> Iterator[None]:
        with self._lock:
            if self._runs == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *self._saved[1:])
            self._runs += 1
        try:
            yield
        finally:
            with self._lock:
                self._runs -= 1
                if self._runs == 0:
                    gc.set_threshold(*self._saved)


_collection_threshold = _CollectionThreshold()


def build(
    scenario: Scenario, seed: int, history: History, base_dir: Path | None = None
) -> Bridge:
    world = World(scenario, seed, history)
    committee = scenario.committee
    # Nothing memoised carries over from an earlier run.
    memo.reset()
    if committee.signatures == "symbolic":
        # The symbolic BLS backend's discrete-log registry starts empty for every run.
        symbolic.reset()
    # The checker judges this history as it is written, as `judge_saved` judges it saved.
    monitor = monitor_for(
        scenario, load_user_properties(scenario.checks.properties, base_dir), history
    )
    custody = make_custody(world, scenario)
    holders = KeyHolders(committee.members, scenario.entities, scenario.delegations)
    root = custody.trust_root(TRUST_ROOT_VERSION)
    escrow = make_escrow(scenario, root)
    consortium = ConsortiumChain(world, escrow)
    settlement = settlement_chain(world, make_bridge_state(scenario, root, consortium), scenario,
                                  base_dir)
    members, relayers = make_actors(world, scenario, custody, consortium, settlement)
    users = Users(world, consortium, settlement)
    users.fund(escrow.balances)
    wire_network(world, consortium, settlement, relayers, [member.node for member in members])
    world.record(
        "bridge",
        "run.start",
        scenario=scenario.scenario.name,
        seed=seed,
        scenario_hash=scenario_hash(scenario),
        version=__version__,
        liveness_grace=liveness_grace(scenario),
    )
    if scenario.checks.properties and base_dir is not None:
        # Which files the user's properties were read from, so that a saved copy of the
        # scenario carries them, checked against these digests (report/store.py).
        world.record("bridge", "checks.properties", properties=list(scenario.checks.properties),
                     files=property_files(scenario.checks.properties, base_dir))
    world.record("bridge", "trust_root", **trust_root_fields(root))
    world.record("custody", "custody.entities", operators=holders.public_record())
    oracle = install_oracle(world, scenario.oracle) if scenario.oracle.enabled else None
    bridge = Bridge(
        world, custody, holders, consortium, settlement, members, relayers, users, monitor,
        [], oracle,
    )
    _arm(bridge, scenario)
    return bridge


def _arm(bridge: Bridge, scenario: Scenario) -> None:
    """The watcher, the L2 and its gateway, the adversary and the attacks, as configured."""
    # Only a watcher someone configured challenges, vetoes or pauses: a challenge window or
    # a rotation timelock with nobody watching lets a forged mint or root through when it ends.
    if scenario.defences.watcher.enabled:
        bridge.watcher = Watcher(bridge)
    if scenario.l2.enabled:
        bridge.l2 = install_l2(bridge.world, bridge.settlement, scenario.l2)
        if scenario.l2.destination == "l2":
            bridge.l2_gateway = connect_l2_destination(bridge, bridge.l2)
    if scenario.attacks:
        adversary = Adversary(bridge)
        bridge.adversary = adversary
        bridge.attacks = [
            build_attack(bridge, adversary, index, spec)
            for index, spec in enumerate(scenario.attacks)
        ]


def connect_l2_destination(bridge: Bridge, l2: L2System) -> L2Gateway:
    """Make the installed L2 the bridge's destination: relayers, committee and users use it."""
    gateway = L2Gateway(bridge.world, l2, bridge.settlement,
                        [relayer.node for relayer in bridge.relayers])
    for relayer in bridge.relayers:
        relayer.gateway = gateway
    for member in bridge.members:
        member.l2 = l2
    bridge.users.attach_l2(gateway)
    return gateway


def custody_figures(bridge: Bridge) -> dict[str, Any]:
    """The custody as it ends the run (its epoch counts refreshes), for the last event."""
    holder, seats = bridge.holders.largest_holding()
    return {
        "scheme": bridge.custody.scheme,
        "members": bridge.custody.members,
        "threshold": bridge.custody.threshold,
        "epoch": bridge.custody.epoch,
        "entities": len(bridge.holders.operators),
        "largest_holding": {"entity": holder, "seats": seats},
    }


def network_figures(world: World) -> dict[str, int]:
    """The network's message counts over the run, for the last event."""
    stats = world.network.stats
    return {"sent": stats.sent, "delivered": stats.delivered, "lost": stats.lost,
            "cut": stats.cut, "overflowed": stats.overflowed}


def run(
    scenario: Scenario,
    seed: int,
    out_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    keep_history: bool = False,
    setup: Callable[[Bridge], None] | None = None,
    base_dir: Path | None = None,
    reproduce: str | None = None,
    limits: RunLimits | None = None,
) -> RunResult:
    """Run one scenario at one seed; under `out_dir`, leave the run's evidence.

    `out_dir` gets scenario.toml (the effective scenario), history.jsonl and, last and
    atomically, results.json with the history's SHA-256, `complete` and `reproduce` (the
    command that replays the run); see `bridgelab.evidence`. An interrupted run leaves a
    results.json with `complete: false`, or none at all, never an old one.

    `setup` may adjust the built bridge before any process starts (tests use it to inject).
    The history is streamed (to the file, the hash, the monitor and the metric folds) and not
    kept in memory; `keep_history=True` keeps every event in `bridge.world.history.events`.

    `limits` bound the run (the stall guard, core/guard.py; by default
    `RunLimits.from_environment()`): a run that breaks one stops early as incomplete, its
    results.json marked `complete: false`, its exit code 2 unless a property had failed.
    """
    limits = RunLimits.from_environment() if limits is None else limits
    if out_dir is None:
        return _simulate(scenario, seed, None, progress, keep_history, setup, base_dir, limits)
    evidence.begin(out_dir)
    evidence.write_scenario(out_dir, scenario, seed)
    try:
        result = _simulate(scenario, seed, out_dir, progress, keep_history, setup, base_dir,
                           limits)
        # Inside the `try`: a signal that arrives while results.json is written still leaves
        # the run marked incomplete, never without a mark.
        evidence.write_results(out_dir, evidence.results_data(
            result.to_json(), reproduce, complete=result.stopped is None))
        result.out_dir = out_dir
    except BaseException as error:  # an exception, or SIGINT / SIGTERM (signals.Interrupted)
        fingerprint = {"version": __version__, "scenario": scenario.scenario.name,
                       "scenario_hash": scenario_hash(scenario), "seed": seed,
                       "crypto": scenario.committee.signatures}
        evidence.write_incomplete(out_dir, fingerprint, error, reproduce)
        raise
    return result


def _advance(bridge: Bridge, scenario: Scenario,
             progress: ProgressCallback | None) -> Stalled | None:
    """Run simulated time to the scenario's end, or to the grace period after the bridge is
    quiescent; the stall guard's stop, if it stopped the run."""
    env = bridge.world.env
    duration = scenario.scenario.duration
    step = min(max(duration / PROGRESS_STEPS, 1e-3), MAX_POLL_INTERVAL)
    grace = scenario.scenario.drain_grace
    if scenario.attacks:
        # Every attack has healed when the run is quiescent: give liveness its grace period
        # (which also lets the adversary's burns reach finality) before judging.
        grace = max(grace, liveness_grace(scenario))
    stop_at = duration
    with _collection_threshold.during_run():
        while env.now < stop_at:
            try:
                env.run(until=min(stop_at, env.now + step))
            except Stalled as stop:
                return stop
            if stop_at == duration and bridge.quiescent():
                stop_at = min(duration, env.now + grace)
            if progress is not None:
                progress(env.now, duration)
    return None


def _simulate(
    scenario: Scenario,
    seed: int,
    out_dir: Path | None,
    progress: ProgressCallback | None,
    keep_history: bool,
    setup: Callable[[Bridge], None] | None,
    base_dir: Path | None,
    limits: RunLimits,
) -> RunResult:
    started = time.perf_counter()  # wall-clock ok: reported run time, not model input
    history = History(out_dir / "history.jsonl" if out_dir else None, keep=keep_history)
    # The folds see every record in `seq` order, as a fold over the saved history.jsonl would.
    folds = RunFolds(scenario.oracle.enabled, scenario.l2.enabled).attach(history)
    bridge = build(scenario, seed, history, base_dir)
    world = bridge.world
    env = world.env
    if setup is not None:
        setup(bridge)
    env.limit(limits)
    bridge.start()
    stalled = _advance(bridge, scenario, progress)
    if stalled is not None:
        # In the history too: whoever reads it later sees that the run did not finish.
        world.record("bridge", "run.stopped", reason=stalled.reason,
                     component=stalled.component)
    for attack in bridge.attacks:
        attack.at_end()
    world.record("bridge", "run.end", settled=bridge.users.settled.triggered,
                 custody=custody_figures(bridge), network=network_figures(world))
    history.close()
    monitor = bridge.monitor
    metrics = folds.result(end=env.now, violations=[
        (violation.property, violation.time) for violation in monitor.violations])
    # Why transfers are stuck: honest failures, frozen by a theft's pause, the adversary's own.
    metrics["liveness"] = monitor.liveness_breakdown()
    wall = time.perf_counter() - started  # wall-clock ok: reported run time
    metrics["performance"] = {
        "wall_time_s": round(wall, 3),
        "history_events": history.count,
        "sim_steps": env.steps,
    }
    result = RunResult(
        fingerprint={
            "version": __version__,
            "commit": git_commit(),
            "scenario": scenario.scenario.name,
            "scenario_hash": scenario_hash(scenario),
            "seed": seed,
            # "symbolic": signatures were model-internal stand-ins (crypto/symbolic.py).
            "crypto": scenario.committee.signatures,
        },
        verdicts=dict(bridge.monitor.verdicts()),
        metrics=metrics,
        violations=[violation.to_dict() for violation in bridge.monitor.violations],
        inconclusive=bridge.monitor.inconclusive_reasons(),
        history_sha256=history.sha256,
        settled=bridge.users.settled.triggered,
        sim_time=env.now,
        wall_time_s=wall,
        history_events=history.count,
        sim_steps=env.steps,
    )
    if stalled is not None:
        result.stop_early(f"{stalled.reason}; busiest component: {stalled.component}")
    return result
