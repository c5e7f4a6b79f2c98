"""The scenario schema: every knob of the modelled bridge, with its unit and its limits.

Unknown keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from bridgelab.scenario.base import (
    Fixed,
    Latency,
    LogNormal,
    NonNegativeSeconds,
    PositiveSeconds,
    Probability,
    Strict,
    invalid,
)
from bridgelab.scenario.l2_schema import L2
from bridgelab.scenario.oracle_schema import Oracle


class ScenarioMeta(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    duration: PositiveSeconds = 14_400.0
    drain_grace: NonNegativeSeconds = 0.0
    # The seed a run uses when none is given (replay files written by `hunt` pin theirs).
    seed: Annotated[int, Field(ge=0)] | None = None


class Consortium(Strict):
    validators: Annotated[int, Field(ge=1, le=100)] = 7
    block_time: PositiveSeconds = 1.0
    view_timeout: PositiveSeconds = 3.0
    max_txs_per_block: Annotated[int, Field(ge=1, le=100_000)] = 500
    mempool_capacity: Annotated[int, Field(ge=1, le=10_000_000)] = 100_000
    empty_blocks: bool = False
    kyc: Literal["all"] | list[str] = "all"


class Relayers(Strict):
    count: Annotated[int, Field(ge=1, le=100)] = 3
    endorse_timeout: PositiveSeconds = 5.0
    inclusion_timeout: PositiveSeconds = 60.0
    backup_delay: NonNegativeSeconds = 120.0
    retry_backoff: PositiveSeconds = 2.0
    max_retries: Annotated[int, Field(ge=0, le=100)] = 8
    priority_fee_gwei: Annotated[float, Field(ge=0)] = 2.0
    # A transaction bids max_fee = base fee x this + the priority fee (wallets use 2).
    max_fee_multiplier: Annotated[float, Field(ge=1, le=100)] = 2.0
    # Each retry raises both fees by this factor (>= 1.125 replaces a pending tx).
    fee_bump: Annotated[float, Field(ge=1, le=10)] = 1.25
    # Ether each relayer may spend on settlement-chain fees; 0 means unlimited.
    gas_budget_eth: Annotated[float, Field(ge=0)] = 0.0
    # A single-server work queue per relayer: each message it takes up waits for the server,
    # then holds it for an exponential service time of this mean (seconds); 0 = no queue.
    service_time_mean: NonNegativeSeconds = 0.0
    # Batch certificates: the committee signs one Merkle root over up to `batch_max` messages
    # (each certificate then carries its message's path); 1 = one signature per message.
    batch_max: Annotated[int, Field(ge=1, le=1_024)] = 1
    # How long a relayer holds an open batch for more messages before requesting endorsements.
    batch_window: NonNegativeSeconds = 0.0


class Committee(Strict):
    """The PTC: `threshold` distinct endorsements, including every `required` member.

    Under threshold BLS, `threshold` is also t of the t-of-n group key.
    """

    members: Annotated[int, Field(ge=1, le=1000)] = 9
    threshold: Annotated[int, Field(ge=1)] = 6
    required: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)
    custody: Literal["multisig", "threshold-bls"] = "multisig"
    bls_backend: Literal["arkworks", "py-ecc"] = "arkworks"
    refresh_interval: NonNegativeSeconds = 0.0
    processing_time: NonNegativeSeconds = 0.01
    # Every signature of the run (committee ECDSA and BLS, validator Ed25519): "real"
    # cryptography (the default), or "symbolic" stand-ins for large sweeps (crypto/symbolic.py:
    # not cryptography; keys, addresses and verdicts stay those of the real run, and results
    # are labelled `crypto = "symbolic"`). Not part of the scenario hash for that reason.
    signatures: Literal["real", "symbolic"] = "real"

    @model_validator(mode="after")
    def _policy(self) -> Committee:
        if self.threshold > self.members:
            raise invalid("threshold", f"at most members ({self.members})", self.threshold)
        for member in self.required:
            if member >= self.members:
                raise invalid("required", f"member ids in 0..{self.members - 1}", member)
        if len(set(self.required)) != len(self.required):
            raise invalid("required", "distinct member ids", self.required)
        if len(self.required) > self.threshold:
            raise invalid(
                "required", f"at most threshold ({self.threshold}) members", self.required
            )
        return self


StorageClass = Literal["hsm", "cloud-kms", "hot-server", "mpc-node", "laptop"]


class Entity(Strict):
    """An operator that holds committee keys: a company, a cloud account, a person."""

    name: str = Field(min_length=1, max_length=100)
    jurisdiction: str = "unspecified"
    storage: StorageClass = "hsm"
    members: list[Annotated[int, Field(ge=0)]]
    cost: Annotated[float, Field(ge=0)] = 1.0


class Delegation(Strict):
    """`grantee` may sign with `grantor`'s keys (all of them unless `members` narrows it)."""

    grantor: str
    grantee: str
    members: list[Annotated[int, Field(ge=0)]] | None = None
    revoked: bool = False


class DemandSpike(Strict):
    """Background demand multiplied by `factor` from `start` to `end` (simulated seconds).

    A rush also bids up tips: `priority_factor` scales the background's priority fees.
    """

    start: NonNegativeSeconds
    end: NonNegativeSeconds
    factor: Annotated[float, Field(gt=0, le=1000)]
    priority_factor: Annotated[float, Field(gt=0, le=1000)] = 1.0

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

    gas_per_slot: Annotated[float, Field(ge=0)] = 0.0
    bundle_gas: Annotated[int, Field(ge=21_000)] = 1_500_000
    max_fee_median_gwei: Annotated[float, Field(gt=0)] = 20.0
    max_fee_sigma: Annotated[float, Field(ge=0, le=5)] = 0.7
    priority_fee_median_gwei: Annotated[float, Field(ge=0)] = 1.5
    expiry_slots: Annotated[int, Field(ge=1, le=10_000)] = 25
    spikes: list[DemandSpike] = Field(default_factory=list)


class Reorgs(Strict):
    """Before finality, each slot may orphan the newest 1..max_depth blocks."""

    probability: Probability = 0.0
    max_depth: Annotated[int, Field(ge=0, le=1_000)] = 0


class Settlement(Strict):
    slot_time: PositiveSeconds = 12.0
    finality_slots: Annotated[int, Field(ge=0, le=10_000)] = 64
    gas_limit: Annotated[int, Field(ge=100_000)] = 30_000_000
    mempool_capacity: Annotated[int, Field(ge=1, le=10_000_000)] = 100_000
    proposers: Annotated[int, Field(ge=1, le=10_000)] = 16
    initial_base_fee_gwei: Annotated[float, Field(ge=0)] = 10.0
    # EIP-1559: target = gas_limit / elasticity; the fee moves at most 1/denominator a block.
    elasticity: Annotated[int, Field(ge=1, le=100)] = 2
    base_fee_change_denominator: Annotated[int, Field(ge=1, le=1_000)] = 8
    demand: Demand = Demand()
    reorgs: Reorgs = Reorgs()
    # Blocks the committee and relayers wait for before acting on a burn; None = finality.
    confirmations: Annotated[int, Field(ge=1, le=10_000)] | None = None

    @model_validator(mode="after")
    def _reorgs_before_finality(self) -> Settlement:
        if self.reorgs.max_depth > self.finality_slots:
            raise invalid(
                "reorgs.max_depth",
                f"at most finality_slots ({self.finality_slots}): final blocks never reorg",
                self.reorgs.max_depth,
            )
        return self


class Link(Strict):
    """A latency/loss override for the links between two node groups (both directions)."""

    between: tuple[str, str]
    latency: Latency
    loss: Probability = 0.0


class Network(Strict):
    latency: Latency = Fixed(dist="fixed", value=0.05)
    loss: Probability = 0.0
    inbox_capacity: Annotated[int, Field(ge=1, le=10_000_000)] = 10_000
    links: list[Link] = Field(default_factory=list)


class ScriptedDeposit(Strict):
    """One user action at a fixed time, on top of the random workload (hunt replays use it)."""

    at: NonNegativeSeconds
    user: str = Field(min_length=1, max_length=100)
    amount: Annotated[int, Field(ge=1)]


class Workload(Strict):
    users: Annotated[int, Field(ge=1, le=100_000)] = 20
    asset: str = Field(default="SP-TOKEN", min_length=1, max_length=64)
    deposits: Annotated[int, Field(ge=0, le=10_000_000)] = 200
    withdrawals: Annotated[int, Field(ge=0, le=10_000_000)] = 200
    deposit_interval: PositiveSeconds = 10.0
    amount_min: Annotated[int, Field(ge=1)] = 1_000
    amount_max: Annotated[int, Field(ge=1)] = 1_000_000
    withdraw_delay: NonNegativeSeconds = 60.0
    scripted: list[ScriptedDeposit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _bounds(self) -> Workload:
        if self.amount_max < self.amount_min:
            raise invalid(
                "amount_max", f"a value >= amount_min ({self.amount_min})", self.amount_max
            )
        if self.withdrawals > self.deposits:
            raise invalid(
                "withdrawals",
                f"at most deposits ({self.deposits}): each withdrawal burns a minted deposit",
                self.withdrawals,
            )
        return self


Flaw = Literal[
    "duplicate_signers_counted",
    "skip_verification_if_empty",
    "signer_list_from_caller",
    "zero_root_trusted",
    "arbitrary_message_calls",
    "replay_protection_disabled",
    "foreign_contract_events",
    "lock_event_without_transfer",
    # The destination never checks that the required members signed: under multisig it
    # counts the threshold only, under threshold BLS it ignores their co-signatures.
    "required_members_unchecked",
]


class Verifier(Strict):
    """The destination verifier. A wrong threshold reproduces a configuration error (class E)."""

    threshold_override: Annotated[int, Field(ge=0)] | None = None


class Limits(Strict):
    """Defences in the contracts: caps, a token-bucket rate limit, and a delay for large sums.

    The bucket applies per direction: mints on the settlement chain, releases on the escrow.
    """

    per_transfer_cap: Annotated[int, Field(ge=1)] | None = None
    rate_capacity: Annotated[int, Field(ge=1)] | None = None
    rate_per_second: Annotated[float, Field(ge=0)] = 0.0
    delay_threshold: Annotated[int, Field(ge=1)] | None = None
    delay: NonNegativeSeconds = 0.0


class Bridge(Strict):
    """The deployed contracts and committee software; `flaws` switch on real bug classes."""

    verifier: Verifier = Verifier()
    limits: Limits = Limits()
    flaws: list[Flaw] = Field(default_factory=list)


class Watcher(Strict):
    """An independent monitor: it notices an anomaly after a sampled delay and pauses."""

    enabled: bool = False
    detection_delay: Latency = LogNormal(dist="lognormal", median=300.0, sigma=1.0, cap=86_400.0)
    pause: bool = True


class Defences(Strict):
    watcher: Watcher = Watcher()
    # The destination refuses a mint that would make minted - burned exceed locked - released.
    accountant: bool = False
    # Every mint waits this long; an enabled watcher challenges (cancels) one with no lock
    # behind it. Without one nobody challenges: the mint executes when the window closes.
    challenge_window: NonNegativeSeconds = 0.0
    # Trust-root changes wait this long; an enabled watcher vetoes one not signed by > 2/3.
    rotation_timelock: NonNegativeSeconds = 0.0


class Adversary(Strict):
    """What the adversary does with unbacked tokens: burn them to drain the escrow."""

    extract: bool = True
    chunk: Annotated[int, Field(ge=1)] | None = None
    interval: PositiveSeconds = 60.0


TargetSelect = Literal[
    "one", "minority", "majority", "f", "f+1", "threshold-1", "threshold", "all"
]


class Targets(Strict):
    """Whom an attack hits: a count by rule (`select`), or named members/entities/relayers."""

    select: TargetSelect | None = None
    members: list[Annotated[int, Field(ge=0)]] | None = None
    entities: list[str] | None = None
    relayers: list[Annotated[int, Field(ge=0)]] | Literal["all"] | None = None
    nodes: list[str] | None = None


class Schedule(Strict):
    """When: at a time, then every `every` seconds up to `count` times, optionally only once
    a transfer above `when_pending_above` is pending."""

    at: NonNegativeSeconds = 0.0
    every: PositiveSeconds | None = None
    count: Annotated[int, Field(ge=1, le=10_000)] = 1
    when_pending_above: Annotated[int, Field(ge=0)] | None = None


class Heal(Strict):
    after: NonNegativeSeconds | None = None


class Attack(Strict):
    """One attack from the catalogue (`bridgelab attacks list`), with whom, when and heal."""

    kind: str
    name: str = ""
    targets: Targets = Targets()
    schedule: Schedule = Schedule()
    heal: Heal = Heal()
    params: dict[str, object] = Field(default_factory=dict)

    @field_validator("params")
    @classmethod
    def _no_nulls(cls, params: dict[str, object]) -> dict[str, object]:
        # A parameter given as None is one left at its default (TOML cannot even say None):
        # dropped, so that a scenario written out as TOML reads back to the same hash.
        return {key: value for key, value in params.items() if value is not None}


class Checks(Strict):
    """What a run must show: coverage probes it expects, and properties from your modules."""

    expect: list[str] = Field(default_factory=list)
    properties: list[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]] = Field(
        default_factory=list
    )
    # Liveness is judged only this long after the last heal (default: settlement finality
    # plus two minutes).
    liveness_grace: NonNegativeSeconds | None = None


class Scenario(Strict):
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
    entities: list[Entity] = Field(default_factory=list)
    delegations: list[Delegation] = Field(default_factory=list)
    attacks: list[Attack] = Field(default_factory=list)
    checks: Checks = Checks()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        self._check_entities()
        self._check_attacks()
        from bridgelab.checker.properties import PROBES

        probes = [probe.id for probe in PROBES]
        for index, probe in enumerate(self.checks.expect):
            if probe not in probes:
                raise invalid(f"checks.expect.{index}", f"one of {probes}", probe)
        return self

    def _check_attacks(self) -> None:
        from bridgelab.nemesis.specs import CATALOG

        members = self.committee.members
        entity_names = [entity.name for entity in self.entities] or [
            f"operator-{m}" for m in range(members)
        ]
        for index, attack in enumerate(self.attacks):
            where = f"attacks.{index}"
            info = CATALOG.get(attack.kind)
            if info is None:
                raise invalid(f"{where}.kind", "a kind from `bridgelab attacks list`", attack.kind)
            try:
                info.params.model_validate(attack.params)
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                key = ".".join(str(part) for part in first["loc"])
                found = first.get("input") if first["type"] != "extra_forbidden" else key
                raise invalid(f"{where}.params.{key}", first["msg"].lower(), found) from None
            if info.real_signatures and self.committee.signatures == "symbolic":
                raise invalid(
                    f"{where}.kind",
                    "an attack that works on symbolic signatures (committee.signatures is"
                    f" 'symbolic'; {attack.kind} needs real signature algebra)",
                    attack.kind,
                )
            if attack.kind.startswith("l2.") and not self.l2.enabled:
                raise invalid(f"{where}.kind", "an [l2] section with enabled = true", attack.kind)
            # L2 oracle attacks name message-oracle members, the others committee members.
            limit = self.l2.oracle_members if info.target_role == "l2-oracle" else members
            for member in attack.targets.members or []:
                if member >= limit:
                    raise invalid(
                        f"{where}.targets.members", f"member ids in 0..{limit - 1}", member
                    )
            for name in attack.targets.entities or []:
                if name not in entity_names:
                    raise invalid(f"{where}.targets.entities", f"one of {entity_names}", name)
            relayers = attack.targets.relayers
            if isinstance(relayers, list):
                for relayer in relayers:
                    if relayer >= self.relayers.count:
                        raise invalid(
                            f"{where}.targets.relayers",
                            f"relayer ids in 0..{self.relayers.count - 1}", relayer,
                        )

    def _check_entities(self) -> None:
        members = self.committee.members
        holder: dict[int, str] = {}
        names: list[str] = []
        for index, entity in enumerate(self.entities):
            if entity.name in names:
                raise invalid(f"entities.{index}.name", "a unique entity name", entity.name)
            names.append(entity.name)
            for member in entity.members:
                if member >= members:
                    raise invalid(
                        f"entities.{index}.members", f"member ids in 0..{members - 1}", member
                    )
                if member in holder:
                    raise invalid(
                        f"entities.{index}.members",
                        f"each member held by one entity (member {member} is held by"
                        f" {holder[member]!r})",
                        member,
                    )
                holder[member] = entity.name
        if self.entities and len(holder) != members:
            missing = [member for member in range(members) if member not in holder]
            raise invalid("entities", f"every member 0..{members - 1} held by an entity",
                          f"members {missing} unheld")
        for index, delegation in enumerate(self.delegations):
            for role in ("grantor", "grantee"):
                name = getattr(delegation, role)
                if name not in names:
                    raise invalid(f"delegations.{index}.{role}", f"one of {names}", name)
            grantor_seats = holder_keys(self.entities, delegation.grantor)
            for member in delegation.members or []:
                if member not in grantor_seats:
                    raise invalid(
                        f"delegations.{index}.members",
                        f"members held by {delegation.grantor!r} ({grantor_seats})",
                        member,
                    )


def holder_keys(entities: list[Entity], name: str) -> list[int]:
    for entity in entities:
        if entity.name == name:
            return list(entity.members)
    return []
