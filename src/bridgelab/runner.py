"""Build the modelled bridge from a scenario, run it to completion, and collect the outcome.

The run stops when the workload has fully settled (plus `drain_grace`) or at `duration`.
"""

from __future__ import annotations

import functools
import gc
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab import __version__, evidence, exitcodes
from bridgelab.actors.committee import CommitteeMember
from bridgelab.actors.ledger import SignedLedger
from bridgelab.actors.relayer import Relayer
from bridgelab.bridge import Bridge
from bridgelab.checker.api import load_user_properties
from bridgelab.checker.judge import monitor_for
from bridgelab.checker.stream import RunFolds
from bridgelab.consortium.chain import ConsortiumChain
from bridgelab.consortium.escrow import ESCROW_CONTRACT, EscrowState
from bridgelab.core import memo
from bridgelab.core.guard import RunLimits, Stalled
from bridgelab.core.history import History
from bridgelab.core.world import World
from bridgelab.crypto import symbolic
from bridgelab.custody.base import Custody
from bridgelab.custody.entities import KeyHolders
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.defences.watcher import Watcher
from bridgelab.l2 import L2System, install_l2
from bridgelab.l2.gateway import L2Gateway
from bridgelab.nemesis.adversary import Adversary
from bridgelab.nemesis.registry import build_attack
from bridgelab.oracle import install_oracle
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import trust_root_fields
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.scenario.load import scenario_hash
from bridgelab.scenario.model import Limits as LimitsConfig
from bridgelab.scenario.model import Scenario
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BridgeState, Limits
from bridgelab.settlement.chain import NODE as SETTLEMENT_NODE
from bridgelab.settlement.chain import SettlementChain
from bridgelab.workload.users import Users

TRUST_ROOT_VERSION = 1
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
    escrow = _escrow(scenario, root)
    consortium = ConsortiumChain(world, escrow)
    settlement = settlement_chain(world, _bridge_state(scenario, root, consortium), scenario,
                                  base_dir)
    members, relayers = _actors(world, scenario, custody, consortium, settlement)
    users = Users(world, consortium, settlement)
    users.fund(escrow.balances)
    _wire(world, consortium, settlement, relayers, [member.node for member in members])
    world.record(
        "bridge",
        "run.start",
        scenario=scenario.scenario.name,
        seed=seed,
        scenario_hash=scenario_hash(scenario),
        version=__version__,
        liveness_grace=liveness_grace(scenario),
    )
    world.record("bridge", "trust_root", **trust_root_fields(root))
    world.record("custody", "custody.entities", operators=holders.public_record())
    oracle = install_oracle(world, scenario.oracle) if scenario.oracle.enabled else None
    bridge = Bridge(
        world, custody, holders, consortium, settlement, members, relayers, users, monitor,
        [], oracle,
    )
    _arm(bridge, scenario)
    return bridge


def _verifier(scenario: Scenario, threshold_override: int | None) -> VerifierConfig:
    committee = scenario.committee
    return VerifierConfig(threshold_override, tuple(scenario.bridge.flaws),
                          committee.bls_backend, committee.signatures)


def _escrow(scenario: Scenario, root: Any) -> EscrowState:
    """The consortium's escrow contract: its verifier, KYC list, cap and rate limit."""
    kyc = None if scenario.consortium.kyc == "all" else frozenset(scenario.consortium.kyc)
    limits = scenario.bridge.limits
    return EscrowState(
        root, _verifier(scenario, scenario.bridge.verifier.escrow_threshold_override),
        BRIDGE_CONTRACT, kyc, limits.per_transfer_cap, _bucket(limits),
    )


def _bridge_state(scenario: Scenario, root: Any, consortium: ConsortiumChain) -> BridgeState:
    """The settlement bridge contract: verifier, limits, delays and the defences on it."""
    limits, defences = scenario.bridge.limits, scenario.defences
    delay_threshold, delay = limits.delay_threshold, limits.delay
    if defences.challenge_window > 0:
        # Optimistic mode: every mint waits out the challenge window.
        delay_threshold, delay = 1, max(delay, defences.challenge_window)
    bridge_state = BridgeState(
        root, _verifier(scenario, scenario.bridge.verifier.threshold_override), ESCROW_CONTRACT,
        Limits(limits.per_transfer_cap, delay_threshold, delay), _bucket(limits),
        rotation_timelock=defences.rotation_timelock,
    )
    if defences.accountant:
        # A global accountant reads the escrow's books across chains before every mint.
        bridge_state.accountant = lambda asset: (
            consortium.escrow.locked_total.get(asset, 0)
            - consortium.escrow.released_total.get(asset, 0)
        )
    return bridge_state


def _actors(
    world: World, scenario: Scenario, custody: Custody, consortium: ConsortiumChain,
    settlement: SettlementChain,
) -> tuple[list[CommitteeMember], list[Relayer]]:
    """The committee members (one signed ledger between them) and the relayers."""
    ledger = SignedLedger()
    members = [
        CommitteeMember(
            world, index, custody, consortium.validator_keys, settlement, TRUST_ROOT_VERSION,
            ledger,
        )
        for index in range(scenario.committee.members)
    ]
    member_nodes = [member.node for member in members]
    relayer_count = scenario.relayers.count
    relayers = [
        Relayer(world, index, relayer_count, custody, consortium, settlement, member_nodes,
                TRUST_ROOT_VERSION)
        for index in range(relayer_count)
    ]
    return members, relayers


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


def settlement_chain(
    world: World, bridge_state: BridgeState, scenario: Scenario, base_dir: Path | None
) -> SettlementChain:
    """The model's contract, or (`[settlement] contract = "evm"`) its bytecode in an EVM."""
    if scenario.settlement.contract == "evm":
        from bridgelab.evm.deployed import contract_chain

        return contract_chain(world, bridge_state, scenario, base_dir)
    return SettlementChain(world, bridge_state)


def _bucket(limits: LimitsConfig) -> TokenBucket | None:
    if limits.rate_capacity is None:
        return None
    return TokenBucket.full(limits.rate_capacity, limits.rate_per_second)


def make_custody(world: World, scenario: Scenario) -> Custody:
    """The scheme the scenario names, keys derived from the run's seed."""
    committee = scenario.committee
    required = tuple(committee.required)
    if committee.custody == "threshold-bls":
        custody = ThresholdBlsCustody(
            world.streams, committee.members, committee.threshold, required,
            committee.bls_backend, committee.signatures,
        )
        world.record(
            "custody", "custody.dkg", scheme=custody.scheme, n=committee.members,
            threshold=committee.threshold, group_key=custody.group_key.hex(),
            qualified=list(custody.dkg.qualified), disqualified=list(custody.dkg.disqualified),
            backend=committee.bls_backend,
        )
        return custody
    return MultisigCustody(
        world.streams, committee.members, committee.threshold, required, committee.signatures
    )


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


def _wire(
    world: World,
    consortium: ConsortiumChain,
    settlement: SettlementChain,
    relayers: list[Relayer],
    member_nodes: list[str],
) -> None:
    network = world.network
    validator_nodes = [validator.node for validator in consortium.validators]
    network.connect_all(validator_nodes, validator_nodes)
    relayer_nodes = [relayer.node for relayer in relayers]
    network.connect_all(relayer_nodes, validator_nodes)
    network.connect_all(relayer_nodes, member_nodes)
    network.connect_all(relayer_nodes, [SETTLEMENT_NODE])
    # Each relayer follows f + 1 validators, so f crashed validators cannot blind it.
    faulty = (len(validator_nodes) - 1) // 3
    for relayer in relayers:
        followed = [(relayer.index + offset) % len(validator_nodes) for offset in range(faulty + 1)]
        relayer.validator_nodes = [validator_nodes[i] for i in followed]
        for i in followed:
            consortium.validators[i].subscribers.append(relayer.node)
        settlement.subscribers.append(relayer.node)
    for link in world.scenario.network.links:
        group_a = _select(network.nodes, link.between[0])
        group_b = _select(network.nodes, link.between[1])
        for a in group_a:
            for b in group_b:
                if a != b and network.graph.has_edge(a, b):
                    network.connect(a, b, link.latency, link.loss)


def _select(nodes: dict, name_or_role: str) -> list[str]:
    return [name for name, node in nodes.items() if name_or_role in (name, node.role)]


def liveness_grace(scenario: Scenario) -> float:
    """How long after the last heal liveness must be given before it is judged."""
    if scenario.checks.liveness_grace is not None:
        return scenario.checks.liveness_grace
    settlement = scenario.settlement
    return settlement.finality_slots * settlement.slot_time + 120.0


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


@dataclass(slots=True)
class RunResult:
    fingerprint: dict[str, Any]
    verdicts: dict[str, str]
    metrics: dict[str, Any]
    violations: list[dict[str, Any]]
    history_sha256: str
    settled: bool
    sim_time: float
    wall_time_s: float
    history_events: int
    sim_steps: int
    inconclusive: list[str] = field(default_factory=list)
    # Why the engine stopped the run before its end (core/guard.py), or None.
    stopped: str | None = None
    # Where the run's evidence was written (None: not written); not part of results.json.
    out_dir: Path | None = None

    def __repr__(self) -> str:
        from bridgelab.runview import short_repr

        return short_repr(self)

    def _repr_html_(self) -> str:
        """The run in a notebook: verdict, properties, first violation, hash, directory."""
        from bridgelab.runview import html_repr

        return html_repr(self)

    def stop_early(self, why: str) -> None:
        """Mark a run the stall guard stopped: what held over its partial history vouches
        for nothing, so no verdict is a pass. A safety violation recorded is still a
        failure; any other failure (a transfer not delivered, a user's expectation) was
        judged at an end the run never reached, so it is unknown too."""
        self.stopped = why
        self.verdicts = {
            prop: "unknown" if verdict == "pass"
            or (verdict == "fail" and not prop.startswith("safety.")) else verdict
            for prop, verdict in self.verdicts.items()
        }
        self.inconclusive.insert(0, f"the run was stopped early: {why}")

    @property
    def exit_code(self) -> int:
        """0 pass, 1 a property failed, 2 inconclusive (nothing failed, nothing vouched)."""
        if any(verdict == "fail" for verdict in self.verdicts.values()):
            return exitcodes.EXIT_FAIL
        return exitcodes.EXIT_INCONCLUSIVE if self.inconclusive else exitcodes.EXIT_PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "verdicts": self.verdicts,
            "metrics": self.metrics,
            "violations": self.violations,
            "inconclusive": self.inconclusive,
            **({"stopped": self.stopped} if self.stopped is not None else {}),
            "history": {"sha256": self.history_sha256, "events": self.history_events},
            "run": {
                "settled": self.settled,
                "simulated_seconds": round(self.sim_time, 6),
                "sim_steps": self.sim_steps,
            },
        }


@functools.cache
def git_commit() -> str | None:
    """The source tree's commit, if it is a git checkout (for the fingerprint only); asked
    once per process, not once per run: a campaign worker runs hundreds."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None if completed.returncode == 0 else None


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
