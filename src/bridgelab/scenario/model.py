"""The scenario schema: every knob of the modelled bridge, with its unit and its limits.

Unknown keys are errors, so a typo never silently falls back to a default. Every number is
a quantity of `scenario.base` with physical bounds, and its description says the unit and
why the bounds are what they are. The root model, `Scenario`, runs the cross-section checks
(`cross_checks`, `attack_checks`) that refuse, before anything runs, what would otherwise
fail (or silently do nothing) at run time: an attack on a section that is not enabled,
targets that do not exist.

Each section lives in a module of its own (`consortium_schema`, `custody_schema`,
`network_schema`, `workload_schema`, `bridge_schema`, `attack_schema`; the L2, oracle and
contract-source ones beside them); this module holds the settlement chain's section and the
root, and names every section's models and bounds as before, so `scenario.model` stays the
one place to import them from.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from bridgelab.scenario.attack_checks import check_attacks
from bridgelab.scenario.attack_schema import (
    Attack,
    Checks,
    Heal,
    Schedule,
    Targets,
    TargetSelect,
)
from bridgelab.scenario.base import (
    MAX_DURATION,
    MIN_PERIOD,
    Count,
    Delay,
    Fraction,
    Instant,
    Number,
    Period,
    Strict,
    Text,
    invalid,
)
from bridgelab.scenario.bridge_schema import (
    Adversary,
    Bridge,
    Defences,
    Flaw,
    Limits,
    Verifier,
    Watcher,
)
from bridgelab.scenario.consortium_schema import Consortium, Relayers
from bridgelab.scenario.contract_schema import ContractSource
from bridgelab.scenario.cross_checks import (
    check_consensus_timing,
    check_entities,
    check_node_names,
    check_probes,
)
from bridgelab.scenario.custody_schema import (
    AttributeCost,
    Committee,
    Delegation,
    Entity,
    StorageClass,
)
from bridgelab.scenario.l2_schema import L2
from bridgelab.scenario.network_schema import (
    NODE_ROLES,
    Link,
    Network,
)
from bridgelab.scenario.oracle_schema import Oracle
from bridgelab.scenario.sizes import (
    GWEI_WHY,
    MAX_ATTACKS,
    MAX_BUNDLES_PER_SLOT,
    MAX_DELEGATIONS,
    MAX_ENTITIES,
    MAX_GAS_LIMIT,
    MAX_GWEI,
    MAX_QUEUE,
    MAX_SEED,
    MAX_SPIKES,
    QUEUE_WHY,
    SEED_WHY,
    MemberId,
)
from bridgelab.scenario.workload_schema import ScriptedDeposit, Workload

# The schema's public names: its sections' models, and the size limits its own checks use.
__all__ = [
    "GWEI_WHY", "MAX_ATTACKS", "MAX_BUNDLES_PER_SLOT", "MAX_DELEGATIONS", "MAX_ENTITIES",
    "MAX_GAS_LIMIT", "MAX_GWEI", "MAX_QUEUE", "MAX_SPIKES", "NODE_ROLES", "QUEUE_WHY",
    "Adversary", "Attack", "AttributeCost", "Bridge", "Checks", "Committee", "Consortium",
    "Defences", "Delegation", "Demand", "DemandSpike", "Entity", "Flaw", "Heal", "Limits", "Link",
    "MemberId", "Network", "Relayers", "Reorgs", "Scenario", "ScenarioMeta", "Schedule",
    "ScriptedDeposit", "Settlement", "StorageClass", "TargetSelect", "Targets", "Verifier",
    "Watcher", "Workload", "peak_bundles_per_slot",
]


class ScenarioMeta(Strict):
    """The scenario's name, what it shows, how long it may run and its pinned seed."""

    name: Text("the scenario's name", low=1, high=200)
    description: Text("what the scenario shows") = ""
    duration: Number(
        "the longest simulated time the run may take (it ends earlier once all settled)", "s",
        "a run must end, and a year of simulated time already takes millions of events",
        ge=MIN_PERIOD, le=MAX_DURATION,
    ) = 14_400.0
    drain_grace: Delay("simulated seconds the run goes on after everything has settled") = 0.0
    seed: Count(
        "the seed a run uses when none is given (replay files written by `hunt` pin theirs)",
        0, MAX_SEED, SEED_WHY,
    ) | None = None
    incident: StrictBool = Field(
        False,
        description="a replay of a real incident (or its `-defended` twin): reports judge it"
        " apart from the headline, which is about attacks on your bridge",
    )


class DemandSpike(Strict):
    """Background demand multiplied by `factor` from `start` to `end` (simulated seconds).

    A rush also bids up tips: `priority_factor` scales the background's priority fees.
    """

    start: Instant("when the spike starts")
    end: Instant("when the spike ends")
    factor: Number(
        "factor on background gas during the spike", "",
        "a thousand times the demand already prices every bridge transaction out", gt=0, le=1000,
    )
    priority_factor: Number(
        "factor on background tips during the spike", "",
        "a thousand times the tips already outbids every bridge transaction", gt=0, le=1000,
    ) = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> DemandSpike:
        if self.end <= self.start:
            raise invalid("end", f"a time after start ({self.start})", self.end)
        return self


class Demand(Strict):
    """Background demand for block space from everyone but the bridge, in gas per slot.

    It arrives as bundles whose bidders cap their fee (lognormal around `max_fee_median_gwei`),
    so a rising base fee prices part of it out, as EIP-1559 intends.
    """

    gas_per_slot: Number(
        "mean background gas arriving per slot", "gas", "ten times the largest gas limit",
        ge=0.0, le=10.0 * MAX_GAS_LIMIT,
    ) = 0.0
    bundle_gas: Count(
        "gas of one background bundle", 21_000, MAX_GAS_LIMIT,
        "21,000 is a plain transfer; no bundle exceeds the largest block",
    ) = 1_500_000
    max_fee_median_gwei: Number(
        "median of the bundles' max fees", "gwei per gas", GWEI_WHY, gt=0.0, le=MAX_GWEI
    ) = 20.0
    max_fee_sigma: Number(
        "log-space spread of the bundles' max fees", "", "beyond 5 the spread is all tail",
        ge=0, le=5,
    ) = 0.7
    priority_fee_median_gwei: Number(
        "median of the bundles' tips", "gwei per gas", GWEI_WHY, ge=0.0, le=MAX_GWEI
    ) = 1.5
    expiry_slots: Count(
        "slots a bundle waits before its sender gives up", 1, 10_000, QUEUE_WHY
    ) = 25
    spikes: list[DemandSpike] = Field(
        default_factory=list, max_length=MAX_SPIKES, description="demand spikes (a rush)"
    )


class Reorgs(Strict):
    """Before finality, each slot may orphan the newest 1..max_depth blocks."""

    probability: Fraction("chance that a slot reorganises the newest blocks") = 0.0
    max_depth: Count(
        "most blocks one reorg orphans", 0, 1_000, "a reorg replays every orphaned block"
    ) = 0


class Settlement(Strict):
    """The Ethereum-like settlement chain: slots, finality, gas, demand and reorgs."""

    contract: Literal["model", "evm"] = Field(
        "model",
        description="the bridge contract: the Python model, or its Vyper bytecode run in an"
        " in-process EVM (needs the 'evm' extra)",
    )
    contract_source: ContractSource | None = None
    evm_engine: Literal["auto", "py-evm", "revm"] = Field(
        "auto",
        description="the EVM that runs the contract: revm (fast; no EIP-2537 BLS precompile),"
        " py-evm (every precompile), or auto (revm for the shipped contract under multisig"
        " custody, py-evm otherwise)",
    )
    slot_time: Period(
        "seconds between settlement-chain blocks", at_least=0.1,
        why="no settlement chain makes blocks faster than a network round trip (Ethereum:"
        " 12 s; the fastest chains: about 0.4 s)",
    ) = 12.0
    finality_slots: Count(
        "slots until a block is final", 0, 10_000, "unfinalised blocks are kept in memory"
    ) = 64
    gas_limit: Count(
        "gas one block may use", 100_000, MAX_GAS_LIMIT,
        "Ethereum's is 3e7; background demand is drawn per bundle up to it",
    ) = 30_000_000
    mempool_capacity: Count("transactions waiting for a block", 1, MAX_QUEUE, QUEUE_WHY) = 100_000
    proposers: Count(
        "block proposers taking turns", 1, 10_000, "each proposer is an object of the model"
    ) = 16
    initial_base_fee_gwei: Number(
        "the EIP-1559 base fee of the first block", "gwei per gas", GWEI_WHY,
        ge=0.0, le=MAX_GWEI,
    ) = 10.0
    # EIP-1559: target = gas_limit / elasticity; the fee moves at most 1/denominator a block.
    elasticity: Count(
        "gas_limit / elasticity is the gas target (EIP-1559)", 1, 100,
        "a target below 1% of the limit is no target",
    ) = 2
    base_fee_change_denominator: Count(
        "the base fee moves at most 1/denominator per block (EIP-1559 uses 8)", 1, 1_000,
        "a slower fee never reacts within a run",
    ) = 8
    demand: Demand = Demand()
    reorgs: Reorgs = Reorgs()
    confirmations: Count(
        "blocks the committee and relayers wait for before acting on a burn (default:"
        " finality)", 1, 10_000, "unfinalised blocks are kept in memory",
    ) | None = None

    @model_validator(mode="after")
    def _reorgs_before_finality(self) -> Settlement:
        if self.reorgs.max_depth > self.finality_slots:
            raise invalid(
                "reorgs.max_depth",
                f"at most finality_slots ({self.finality_slots}): final blocks never reorg",
                self.reorgs.max_depth,
            )
        bundles = peak_bundles_per_slot(self)
        if bundles > MAX_BUNDLES_PER_SLOT:
            raise invalid(
                "demand",
                f"at most {MAX_BUNDLES_PER_SLOT:,} background bundles per slot at the peak"
                " (gas_per_slot, or the gas target under a spike, times the spikes' factors,"
                " over bundle_gas): each is a transaction the mempool keeps and sorts",
                f"{bundles:,.0f}",
            )
        return self


def peak_bundles_per_slot(settlement: Settlement) -> float:
    """The mean number of background bundles a slot brings when the most spikes overlap
    (as `SettlementChain._background_arrivals` draws them)."""
    demand = settlement.demand
    factor = 1.0
    for spike in demand.spikes:  # the product over spikes active at each spike's start
        at = spike.start
        overlapping = 1.0
        for other in demand.spikes:
            if other.start <= at < other.end:
                overlapping *= other.factor
        factor = max(factor, overlapping)
    base = demand.gas_per_slot
    if base <= 0 and factor != 1.0:
        base = settlement.gas_limit / settlement.elasticity
    return base * factor / demand.bundle_gas


class Scenario(Strict):
    # Built at import, unlike its sections: a campaign's fork server imports this module
    # once, and every worker it forks then validates without building anything.
    model_config = ConfigDict(defer_build=False)

    scenario: ScenarioMeta
    consortium: Consortium = Consortium()
    relayers: Relayers = Relayers()
    committee: Committee = Committee()
    settlement: Settlement = Settlement()
    network: Network = Network()
    workload: Workload = Workload()
    bridge: Bridge = Bridge()
    oracle: Oracle = Oracle()
    l2: L2 = L2()
    defences: Defences = Defences()
    adversary: Adversary = Adversary()
    entities: list[Entity] = Field(
        default_factory=list, max_length=MAX_ENTITIES,
        description="operators holding the committee's keys (default: one per member)",
    )
    delegations: list[Delegation] = Field(
        default_factory=list, max_length=MAX_DELEGATIONS, description="signing delegations"
    )
    attribute_costs: list[AttributeCost] = Field(
        default_factory=list, max_length=MAX_ENTITIES,
        description="costs of compromising every entity with one attribute value at once",
    )
    attacks: list[Attack] = Field(
        default_factory=list, max_length=MAX_ATTACKS,
        description="attacks; each is a process of the run with its own fault windows",
    )
    checks: Checks = Checks()


    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        check_consensus_timing(self)
        check_entities(self)
        check_attacks(self)
        check_node_names(self)
        self._check_contract()
        check_probes(self)
        return self

    def _check_contract(self) -> None:
        """What EVM mode needs: the extra installed, real signatures, whole seconds."""
        settlement = self.settlement
        if settlement.contract_source is not None and settlement.contract != "evm":
            raise invalid("settlement.contract", "'evm' (a contract_source runs in the EVM)",
                          settlement.contract)
        if settlement.evm_engine != "auto" and settlement.contract != "evm":
            raise invalid("settlement.evm_engine", "'auto' (an engine runs only with"
                          " contract = 'evm')", settlement.evm_engine)
        if settlement.contract != "evm":
            return
        if settlement.evm_engine == "revm":
            if find_spec("pyrevm") is None:
                raise invalid("settlement.evm_engine",
                              "the 'evm' extra installed (pip install 'bridgelab[evm]')",
                              "revm, but pyrevm is missing")
            if self.committee.custody != "multisig":
                raise invalid("settlement.evm_engine", "'py-evm' or 'auto' (revm has no"
                              " EIP-2537 precompile for threshold BLS)", "revm")
        missing = [name for name in ("eth", "eth_abi", "vyper") if find_spec(name) is None]
        if missing:
            raise invalid("settlement.contract",
                          "the 'evm' extra installed (pip install 'bridgelab[evm]')",
                          f"evm, but {missing[0]} is missing")
        if self.committee.signatures != "real":
            raise invalid("committee.signatures", "'real' (the EVM verifies real signatures)",
                          self.committee.signatures)
        if self.l2.enabled:
            raise invalid("l2.enabled", "false (the L2 contracts have no EVM form)", True)
        timed = {
            "settlement.slot_time": settlement.slot_time,
            "bridge.limits.delay": self.bridge.limits.delay,
            "defences.challenge_window": self.defences.challenge_window,
            "defences.rotation_timelock": self.defences.rotation_timelock,
        }
        for key, value in timed.items():
            if value != int(value):
                raise invalid(key, "whole seconds (EVM block timestamps are whole seconds)",
                              value)
