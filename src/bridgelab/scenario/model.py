"""The scenario schema: every knob of the modelled bridge, with its unit and its limits.

Unknown keys are errors, so a typo never silently falls back to a default. Every number is
a quantity of `scenario.base` with physical bounds, and its description says the unit and
why the bounds are what they are. The cross-section checks at the end refuse, before
anything runs, what would otherwise fail (or silently do nothing) at run time: an attack on
a section that is not enabled, targets that do not exist.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from bridgelab.scenario.base import (
    MAX_DURATION,
    MIN_PERIOD,
    Amount,
    Count,
    Delay,
    Exponential,
    Fixed,
    Fraction,
    Instant,
    Latency,
    LogNormal,
    Name,
    Number,
    Period,
    Strict,
    Text,
    Uniform,
    invalid,
)
from bridgelab.scenario.contract_schema import ContractSource
from bridgelab.scenario.l2_schema import L2
from bridgelab.scenario.oracle_schema import Oracle
from bridgelab.scenario.registry import attack_kind, probe_ids

# Upper bounds on sizes, each with the reason it cannot be larger.
MAX_MEMBERS = 1_000
MEMBERS_WHY = (
    "every member checks and signs every message, and a threshold-BLS key generation costs"
    " members squared"
)
MAX_BLS_MEMBERS = 256
MAX_VALIDATORS = 100
MAX_RELAYERS = 100
MAX_QUEUE = 10_000_000
QUEUE_WHY = "memory: every pending item is held until it is taken"
MAX_USERS = 100_000
MAX_TRANSFERS = 10_000_000
TRANSFERS_WHY = "each transfer is several events; ten million already take hours"
MAX_GWEI = 1e6
GWEI_WHY = "a million gwei per gas is far above any fee a real chain has seen"
MAX_GAS_LIMIT = 1_000_000_000
# Background bundles arriving per slot on average, at the peak of all spikes together.
MAX_BUNDLES_PER_SLOT = 10_000
MAX_SPIKES = 1_000
MAX_LINKS = 1_000
MAX_SCRIPTED = 100_000
MAX_ENTITIES = MAX_MEMBERS
MAX_DELEGATIONS = 10_000
MAX_ATTACKS = 100
MAX_ROUNDS = 10_000
MAX_NODES = MAX_VALIDATORS + MAX_MEMBERS + MAX_RELAYERS + 1
LIST_WHY = "no scenario needs more"


def MemberId(what: str = "a committee member id") -> object:
    return Count(what, 0, MAX_MEMBERS - 1, f"a committee has at most {MAX_MEMBERS:,} members")


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
        0, 2**64 - 1, "seeds are 64-bit",
    ) | None = None


class Consortium(Strict):
    """The source chain: a BFT consortium of validators, its block time and view timeout."""

    validators: Count(
        "BFT validators of the consortium chain", 1, MAX_VALIDATORS,
        "every validator sends its vote to every other: a block costs validators squared"
        " messages",
    ) = 7
    block_time: Period("seconds between block proposals while transactions wait") = 1.0
    view_timeout: Period("seconds a silent leader has before the validators change view") = 3.0
    max_txs_per_block: Count(
        "transactions one block may hold", 1, 100_000,
        "a block's Merkle tree and every proof of it are built in memory",
    ) = 500
    mempool_capacity: Count("transactions waiting for a block", 1, MAX_QUEUE, QUEUE_WHY) = 100_000
    empty_blocks: bool = Field(False, description="propose blocks with no transactions too")
    kyc: Literal["all"] | list[Name("a user allowed to lock")] = Field(
        "all", max_length=MAX_USERS,
        description='"all", or the users allowed to lock (no more than there are users)',
    )


class Relayers(Strict):
    """The relayers that carry messages between the chains, with their timeouts."""

    count: Count(
        "relayers", 1, MAX_RELAYERS,
        "each relayer follows f + 1 validators and sends every message to every member",
    ) = 3
    endorse_timeout: Period(
        "seconds a relayer waits for endorsements before asking again (times retry_backoff"
        " after each round)"
    ) = 5.0
    inclusion_timeout: Period(
        "seconds a relayer waits for its submission to be included before submitting again"
    ) = 60.0
    backup_delay: Delay(
        "seconds a back-up relayer waits before carrying a message the primary has not"
        " delivered"
    ) = 120.0
    retry_backoff: Number(
        "factor each wait grows by from one retry to the next", "",
        "below 1 a back-off would shrink; 10 already spans days in a few retries",
        ge=1.0, le=10.0,
    ) = 2.0
    max_retries: Count(
        "retries of each request before the relayer gives up", 0, 100,
        "each retry re-sends to every member",
    ) = 8
    priority_fee_gwei: Number(
        "priority fee a relayer bids", "gwei per gas", GWEI_WHY, ge=0.0, le=MAX_GWEI
    ) = 2.0
    max_fee_multiplier: Number(
        "a transaction bids max_fee = base fee x this + the priority fee (wallets use 2)", "",
        "a bid beyond 100 base fees is no bid a wallet makes", ge=1.0, le=100.0,
    ) = 2.0
    fee_bump: Number(
        "factor each retry raises both fees by (>= 1.125 replaces a pending transaction)", "",
        "ten times per retry is already far beyond a replacement", ge=1.0, le=10.0,
    ) = 1.25
    gas_budget_eth: Number(
        "ether each relayer may spend on settlement-chain fees; 0 means unlimited", "ETH",
        "more than all the ether there is", ge=0.0, le=1e9,
    ) = 0.0
    service_time_mean: Delay(
        "mean seconds of the exponential service time of each relayer's single-server work"
        " queue; 0 = no queue"
    ) = 0.0
    batch_max: Count(
        "messages in one batch certificate (one signature over their Merkle root); 1 = one"
        " signature per message", 1, 1_024, "a batch's tree and paths are built per request",
    ) = 1
    batch_window: Delay(
        "seconds a relayer holds an open batch for more messages before asking for"
        " endorsements"
    ) = 0.0


# py-ecc is the slow reference backend; bench/crypto_bench.py gives it 21 members at most too.
MAX_PYECC_MEMBERS = 21


class Committee(Strict):
    """The PTC: `threshold` distinct endorsements, including every `required` member.

    Under threshold BLS, `threshold` is also t of the t-of-n group key.
    """

    members: Count("committee members (n)", 1, MAX_MEMBERS, MEMBERS_WHY) = 9
    threshold: Count(
        "distinct endorsements a certificate needs (t of n), at most members", 1, MAX_MEMBERS,
        MEMBERS_WHY,
    ) = 6
    required: list[MemberId("a member whose endorsement every certificate needs")] = Field(
        default_factory=list, max_length=MAX_MEMBERS,
        description="members every certificate must include (at most threshold of them)",
    )
    custody: Literal["multisig", "threshold-bls"] = Field(
        "multisig", description="how the committee signs: k-of-n ECDSA multisig or t-of-n"
        " threshold BLS (one aggregate signature)",
    )
    bls_backend: Literal["blst", "arkworks", "py-ecc"] = Field(
        "arkworks", description="the BLS12-381 library (blst or arkworks: fast, native;"
        " py-ecc: pure Python)",
    )
    refresh_interval: Period(
        "seconds between proactive refreshes of the shares", off=True, at_least=1.0,
        why="a refresh is a protocol run among all members, each dealing to every other;"
        " more than one a second is no deployment",
    ) = 0.0
    processing_time: Delay("seconds a member takes to check and sign a request") = 0.01
    # Every signature of the run (committee ECDSA and BLS, validator Ed25519): "real"
    # cryptography (the default), or "symbolic" stand-ins for large sweeps (crypto/symbolic.py:
    # not cryptography; keys, addresses and verdicts stay those of the real run, and results
    # are labelled `crypto = "symbolic"`). Not part of the scenario hash for that reason.
    signatures: Literal["real", "symbolic"] = Field(
        "real", description="real cryptography, or symbolic stand-ins for large sweeps (not"
        " cryptography; results say crypto = symbolic)",
    )

    @model_validator(mode="after")
    def _policy(self) -> Committee:
        if self.custody == "threshold-bls" and self.members > MAX_BLS_MEMBERS:
            raise invalid(
                "members",
                f"at most {MAX_BLS_MEMBERS} members under threshold-bls custody (key"
                " generation costs members cubed group operations: 256 members already take"
                " about 20 s before the first block)", self.members,
            )
        if (self.custody == "threshold-bls" and self.bls_backend == "py-ecc"
                and self.signatures == "real" and self.members > MAX_PYECC_MEMBERS):
            raise invalid(
                "members",
                f"at most {MAX_PYECC_MEMBERS} members on the py-ecc backend (pure Python: key"
                " generation alone takes about 5 s at 21 members and minutes beyond, before"
                " the first event, where no stall guard reaches; blst or arkworks take any"
                " size)", self.members,
            )
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

    name: Name("the entity's name")
    jurisdiction: Name("where the entity is") = "unspecified"
    storage: StorageClass = Field("hsm", description="where the entity keeps its keys")
    members: list[MemberId("a member whose key the entity holds")] = Field(
        max_length=MAX_MEMBERS, description="the members whose keys the entity holds"
    )
    # Attributes an attack can target as a unit (`targets = { provider = "..." }`).
    organisation: Name("the organisation the entity belongs to (default: the entity"
                       " itself)") | None = None
    provider: Name("the hosting provider or cloud account its machines run on") = "unspecified"
    validators: list[Count(
        "a consortium validator the entity runs", 0, MAX_VALIDATORS - 1,
        f"there are at most {MAX_VALIDATORS} validators",
    )] = Field(default_factory=list, max_length=MAX_VALIDATORS,
               description="the consortium validators the entity runs")
    relayers: list[Count(
        "a relayer the entity runs", 0, MAX_RELAYERS - 1,
        f"there are at most {MAX_RELAYERS} relayers",
    )] = Field(default_factory=list, max_length=MAX_RELAYERS,
               description="the relayers the entity runs")
    cost: Number(
        "what compromising the entity costs an attacker (any unit, summed by `hunt`)", "",
        "an arbitrary unit, finite so sums compare", ge=0.0, le=1e18,
    ) = 1.0


class AttributeCost(Strict):
    """What compromising every entity with one attribute value costs, as one unit (a
    jurisdiction coerced, a cloud account taken): `hunt --objective cost` prices it beside
    the entities' own costs."""

    attribute: Literal["jurisdiction", "organisation", "provider", "storage"] = Field(
        description="which attribute of the entities the unit is")
    value: Name("the attribute's value")
    cost: Number(
        "what compromising all of them at once costs (the unit of the entities' costs)", "",
        "an arbitrary unit, finite so sums compare", ge=0.0, le=1e18,
    )


class Delegation(Strict):
    """`grantee` may sign with `grantor`'s keys (all of them unless `members` narrows it)."""

    grantor: Name("the entity that delegates")
    grantee: Name("the entity that may sign")
    members: list[MemberId("a delegated member")] | None = Field(
        None, max_length=MAX_MEMBERS, description="the delegated members (default: all)"
    )
    revoked: bool = Field(False, description="the delegation was withdrawn (no longer used)")


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


class Link(Strict):
    """A latency/loss override for the links between two node groups (both directions)."""

    between: tuple[Name("a node or role"), Name("a node or role")] = Field(
        description="the two node groups (names or roles) whose links this sets"
    )
    latency: Latency = Field(description="the latency distribution of these links")
    loss: Fraction("chance a message on these links is lost") = 0.0


class Network(Strict):
    """Message latency and loss between nodes, with per-link overrides."""

    latency: Latency = Field(Fixed(dist="fixed", value=0.05),
                             description="the latency distribution of every link")
    loss: Fraction("chance a message is lost") = 0.0
    inbox_capacity: Count("messages a node's inbox holds", 1, MAX_QUEUE, QUEUE_WHY) = 10_000
    links: list[Link] = Field(
        default_factory=list, max_length=MAX_LINKS,
        description="latency and loss overrides between groups",
    )


class ScriptedDeposit(Strict):
    """One user action at a fixed time, on top of the random workload (hunt replays use it)."""

    at: Instant("when the user deposits")
    user: Name("who deposits")
    amount: Amount("how much")


class Workload(Strict):
    """The honest users: how many, which asset, how many deposits and withdrawals, how often."""

    users: Count("honest users", 1, MAX_USERS, "each user is a process with its own balance") = 20
    asset: Text("the bridged asset's symbol", low=1, high=64) = "SP-TOKEN"
    deposits: Count("random deposits", 0, MAX_TRANSFERS, TRANSFERS_WHY) = 200
    withdrawals: Count(
        "random withdrawals (each burns a minted deposit)", 0, MAX_TRANSFERS, TRANSFERS_WHY
    ) = 200
    deposit_interval: Period("mean seconds between deposits") = 10.0
    amount_min: Amount("smallest random amount") = 1_000
    amount_max: Amount("largest random amount") = 1_000_000
    withdraw_delay: Delay("seconds a user waits after a mint before withdrawing") = 60.0
    scripted: list[ScriptedDeposit] = Field(
        default_factory=list, max_length=MAX_SCRIPTED,
        description="deposits at fixed times, on top of the random ones",
    )

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
    # The committee endorses a burn-layout event from any settlement contract, not only the
    # canonical bridge (the burn side of `foreign_contract_events`).
    "foreign_burn_events",
    # The settlement contract's proof path proves the leaf the caller supplies and mints the
    # message the caller supplies, never checking that one encodes the other.
    "proof_leaf_unbound",
]


class Verifier(Strict):
    """The destination verifier. A wrong threshold reproduces a configuration error (class E)."""

    threshold_override: Count(
        "the threshold the deployed verifier checks instead of the trust root's", 0,
        MAX_MEMBERS, f"a committee has at most {MAX_MEMBERS:,} members",
    ) | None = None
    # The same configuration error on the other side: the escrow's release path.
    escrow_threshold_override: Count(
        "the threshold the escrow checks on releases instead of the trust root's", 0,
        MAX_MEMBERS, f"a committee has at most {MAX_MEMBERS:,} members",
    ) | None = None


class Limits(Strict):
    """Defences in the contracts: caps, a token-bucket rate limit, and a delay for large sums.

    The bucket applies per direction: mints on the settlement chain, releases on the escrow.
    """

    per_transfer_cap: Amount("the most one transfer may move") | None = None
    rate_capacity: Amount("the token bucket's capacity") | None = None
    rate_per_second: Number(
        "tokens the bucket regains per second", "token units per second",
        "token amounts are below 2**128", ge=0.0, le=float(2**128),
    ) = 0.0
    delay_threshold: Amount("transfers above this wait `delay`") | None = None
    delay: Delay("seconds a large transfer waits") = 0.0


class Bridge(Strict):
    """The deployed contracts and committee software; `flaws` switch on real bug classes."""

    verifier: Verifier = Verifier()
    limits: Limits = Limits()
    flaws: list[Flaw] = Field(
        default_factory=list, max_length=16, description="real bug classes switched on"
    )


class Watcher(Strict):
    """An independent monitor: it notices an anomaly after a sampled delay and pauses."""

    enabled: bool = Field(False, description="run the watcher")
    detection_delay: Latency = Field(
        LogNormal(dist="lognormal", median=300.0, sigma=1.0, cap=86_400.0),
        description="seconds from an anomaly to its detection (drawn per anomaly)",
    )
    pause: bool = Field(True, description="pause the bridge on detection")


class Defences(Strict):
    """Defences at the destination: a watcher, an accountant, challenge and rotation delays."""

    watcher: Watcher = Watcher()
    # The destination refuses a mint that would make minted - burned exceed locked - released.
    accountant: bool = Field(False, description="refuse a mint that would make minted -"
                             " burned exceed locked - released")
    challenge_window: Delay(
        "seconds every mint waits; an enabled watcher challenges (cancels) one with no lock"
        " behind it, and without one the mint executes when the window closes"
    ) = 0.0
    rotation_timelock: Delay(
        "seconds trust-root changes wait; an enabled watcher vetoes one not signed by > 2/3"
    ) = 0.0


class Adversary(Strict):
    """What the adversary does with unbacked tokens: burn them to drain the escrow."""

    extract: bool = Field(True, description="burn unbacked tokens to drain the escrow")
    chunk: Amount("tokens burned at a time (default: all)") | None = None
    interval: Period("seconds between the adversary's burns") = 60.0


TargetSelect = Literal[
    "one", "minority", "majority", "f", "f+1", "threshold-1", "threshold", "all"
]


class Targets(Strict):
    """Whom an attack hits: a count by rule (`select`), named members/entities/relayers/nodes,
    or every entity with an attribute (`jurisdiction`, `organisation`, `provider`, `storage`)."""

    select: TargetSelect | None = Field(None, description="how many to hit, by rule")
    members: list[MemberId("a targeted member (or reporter, or L2 oracle member)")] | None = (
        Field(None, max_length=MAX_MEMBERS, description="targeted members by id")
    )
    entities: list[Name("a targeted entity")] | None = Field(
        None, max_length=MAX_ENTITIES, description="targeted entities by name"
    )
    relayers: list[Count(
        "a targeted relayer id", 0, MAX_RELAYERS - 1, f"there are at most {MAX_RELAYERS} relayers"
    )] | Literal["all"] | None = Field(
        None, max_length=MAX_RELAYERS, description='targeted relayers by id, or "all"'
    )
    nodes: list[Name("a targeted network node")] | None = Field(
        None, max_length=MAX_NODES, description="targeted network nodes by name"
    )
    # By attribute (scenario/attributes.py): every entity whose attributes match all given,
    # and through them their seats, relayers or nodes. Not mixed with the forms above.
    jurisdiction: Name("the jurisdiction whose entities are targeted") | None = None
    organisation: Name("the organisation whose entities are targeted") | None = None
    provider: Name("the hosting provider whose entities are targeted") | None = None
    storage: StorageClass | None = Field(
        None, description="the key storage class whose entities are targeted")


class Schedule(Strict):
    """When: at a time, then every `every` seconds up to `count` times, optionally only once
    a transfer above `when_pending_above` is pending."""

    at: Instant("when the first round starts") = 0.0
    every: Period("seconds between rounds") | None = None
    count: Count(
        "rounds", 1, MAX_ROUNDS, "each round is a fault window the checker keeps"
    ) = 1
    when_pending_above: Amount(
        "start only once a transfer above this is pending", low=0
    ) | None = None


class Heal(Strict):
    """When each round of an attack heals (never, by default)."""

    after: Delay("seconds after each round starts that it heals") | None = None


class Attack(Strict):
    """One attack from the catalogue (`bridgelab attacks list`), with whom, when and heal."""

    kind: Name("a kind from `bridgelab attacks list`")
    name: Text("a label for the attack's events", high=200) = ""
    targets: Targets = Targets()
    schedule: Schedule = Schedule()
    heal: Heal = Heal()
    params: dict[str, object] = Field(
        default_factory=dict, max_length=64, description="the kind's parameters"
    )

    @field_validator("params")
    @classmethod
    def _no_nulls(cls, params: dict[str, object]) -> dict[str, object]:
        # A parameter given as None is one left at its default (TOML cannot even say None):
        # dropped, so that a scenario written out as TOML reads back to the same hash.
        return {key: value for key, value in params.items() if value is not None}


class Checks(Strict):
    """What a run must show: coverage probes it expects, and properties from your modules."""

    expect: list[Name("a coverage probe")] = Field(
        default_factory=list, max_length=100, description="coverage probes the run must hit"
    )
    properties: list[Annotated[str, Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", max_length=200
    )]] = Field(
        default_factory=list, max_length=100,
        description="your properties, as module:attribute (looked up next to the scenario)",
    )
    liveness_grace: Delay(
        "seconds liveness is given after the last heal (default: settlement finality plus two"
        " minutes)"
    ) | None = None


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
        self._check_consensus_timing()
        self._check_entities()
        self._check_attacks()
        self._check_node_names()
        self._check_contract()
        probes = probe_ids()
        for index, probe in enumerate(self.checks.expect):
            if probe not in probes:
                raise invalid(f"checks.expect.{index}", f"one of {probes}", probe)
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

    def _check_consensus_timing(self) -> None:
        """Consensus timers against the latency between validators: a block cannot commit
        faster than its votes travel, and a view shorter than a round trip never hears its
        leader (every view times out, for ever: a livelock, not a scenario)."""
        latency = validator_latency(self.network)
        consortium = self.consortium
        if consortium.view_timeout < 2 * latency:
            raise invalid(
                "consortium.view_timeout",
                f"at least twice the typical latency between validators ({latency:g} s): a"
                " shorter view never hears its leader", consortium.view_timeout,
            )
        if consortium.block_time < latency:
            raise invalid(
                "consortium.block_time",
                f"at least the typical latency between validators ({latency:g} s): a block"
                " cannot commit faster than its votes travel", consortium.block_time,
            )

    def _check_attacks(self) -> None:
        for index, attack in enumerate(self.attacks):
            where = f"attacks.{index}"
            info = attack_kind(attack.kind)
            if info is None:
                raise invalid(f"{where}.kind", "a kind from `bridgelab attacks list`", attack.kind)
            try:
                info.params.model_validate(attack.params)
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                key = ".".join(str(part) for part in first["loc"])
                if first["type"] == "bridgelab_invalid":
                    ctx = first["ctx"]
                    key = ".".join(part for part in (key, ctx["key"]) if part)
                    raise invalid(f"{where}.params.{key}", ctx["expected"],
                                  first["input"]) from None
                found = first.get("input") if first["type"] != "extra_forbidden" else key
                raise invalid(f"{where}.params.{key}", first["msg"].lower(), found) from None
            if info.real_signatures and self.committee.signatures == "symbolic":
                raise invalid(
                    f"{where}.kind",
                    "an attack that works on symbolic signatures (committee.signatures is"
                    f" 'symbolic'; {attack.kind} needs real signature algebra)",
                    attack.kind,
                )
            for section in ("l2", "oracle"):
                if attack.kind.startswith(f"{section}.") and not getattr(self, section).enabled:
                    raise invalid(
                        f"{where}.kind", f"an [{section}] section with enabled = true",
                        attack.kind,
                    )
            self._check_targets(where, attack, info.target_role)
            self._check_attribute_targets(where, attack, info.target_role)

    def _check_attribute_targets(self, where: str, attack: Attack, role: str) -> None:
        """An attribute selection names values some entity has, on an attack that acts on
        entities, seats, relayers or nodes, and picks at least one of them."""
        from bridgelab.scenario import attributes

        targets = attack.targets
        wanted = attributes.wanted(targets)
        if not wanted:
            return
        first = next(iter(wanted))
        others = [key for key in ("select", "members", "entities", "relayers", "nodes")
                  if getattr(targets, key) is not None]
        if others:
            raise invalid(f"{where}.targets.{first}",
                          "attributes alone (not mixed with select, members, entities,"
                          " relayers or nodes)", f"also {others[0]}")
        picks = attributes.role_of(attack.kind, role, attack.params)
        if picks is None:
            raise invalid(f"{where}.targets.{first}",
                          "an attack on entities, members, relayers or nodes (this kind"
                          " targets none of them)", attack.kind)
        for key, value in wanted.items():
            known = attributes.values(self, key)
            if value not in known:
                raise invalid(f"{where}.targets.{key}", _one_of(known), value)
        resolved = attributes.explicit_targets(self, attack.kind, role, targets, attack.params)
        if not any(getattr(resolved, key) for key in ("entities", "members", "relayers",
                                                       "nodes")):
            raise invalid(f"{where}.targets.{first}",
                          f"a selection holding at least one {picks} (the matching entities"
                          f" {[h.name for h in attributes.matching(self, wanted)]} hold none)",
                          value)

    def _check_targets(self, where: str, attack: Attack, role: str) -> None:
        """Every named target exists: a target that does not would be skipped silently."""
        # Member ids name message-oracle members for L2 oracle attacks, reporters for oracle
        # attacks, committee members otherwise.
        limit, what = {
            "l2-oracle": (self.l2.oracle_members, "L2 oracle member"),
            "reporter": (self.oracle.reporters, "reporter"),
        }.get(role, (self.committee.members, "member"))
        for member in attack.targets.members or []:
            if member >= limit:
                raise invalid(f"{where}.targets.members", f"{what} ids in 0..{limit - 1}", member)
        entity_names = [entity.name for entity in self.entities] or [
            f"operator-{m}" for m in range(self.committee.members)
        ]
        for name in attack.targets.entities or []:
            if name not in entity_names:
                raise invalid(f"{where}.targets.entities", _one_of(entity_names), name)
        relayers = attack.targets.relayers
        if isinstance(relayers, list):
            for relayer in relayers:
                if relayer >= self.relayers.count:
                    raise invalid(
                        f"{where}.targets.relayers",
                        f"relayer ids in 0..{self.relayers.count - 1}", relayer,
                    )

    def _check_node_names(self) -> None:
        """Node and role names (targets, partitions, link overrides) name existing nodes."""
        known = node_names(self)
        named: list[tuple[str, str]] = []
        for index, link in enumerate(self.network.links):
            named += [(f"network.links.{index}.between", name) for name in link.between]
        for index, attack in enumerate(self.attacks):
            where = f"attacks.{index}"
            named += [(f"{where}.targets.nodes", name) for name in attack.targets.nodes or []]
            for key in ("side_a", "side_b", "between"):
                value = attack.params.get(key)
                if isinstance(value, list | tuple):
                    named += [(f"{where}.params.{key}", name) for name in value]
        for key, name in named:
            if name not in known:
                raise invalid(
                    key, "a node (validator-0, member-0, relayer-0, settlement) or a role"
                    " (validator, member, relayer, settlement)", name,
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
        self._check_operated("validators", self.consortium.validators)
        self._check_operated("relayers", self.relayers.count)
        from bridgelab.scenario import attributes

        for index, unit in enumerate(self.attribute_costs):
            known = attributes.values(self, unit.attribute)
            if unit.value not in known:
                raise invalid(f"attribute_costs.{index}.value", _one_of(known), unit.value)
        if self.entities and len(holder) != members:
            missing = [member for member in range(members) if member not in holder]
            raise invalid("entities", f"every member 0..{members - 1} held by an entity",
                          f"members {missing} unheld")
        for index, delegation in enumerate(self.delegations):
            for role in ("grantor", "grantee"):
                name = getattr(delegation, role)
                if name not in names:
                    raise invalid(f"delegations.{index}.{role}", _one_of(names), name)
            grantor_seats = holder_keys(self.entities, delegation.grantor)
            for member in delegation.members or []:
                if member not in grantor_seats:
                    raise invalid(
                        f"delegations.{index}.members",
                        f"members held by {delegation.grantor!r} ({grantor_seats})",
                        member,
                    )


    def _check_operated(self, key: str, count: int) -> None:
        """The validators or relayers entities run exist, each run by one entity."""
        runner: dict[int, str] = {}
        for index, entity in enumerate(self.entities):
            for item in getattr(entity, key):
                if item >= count:
                    raise invalid(f"entities.{index}.{key}", f"ids in 0..{count - 1}", item)
                if item in runner:
                    raise invalid(f"entities.{index}.{key}",
                                  f"each run by one entity ({key[:-1]} {item} is run by"
                                  f" {runner[item]!r})", item)
                runner[item] = entity.name


def _one_of(names: list[str]) -> str:
    if not names:
        return "a name defined in the scenario (there are none)"
    shown = ", ".join(repr(name) for name in names[:5])
    return f"one of {shown}" + (f" (and {len(names) - 5:,} more)" if len(names) > 5 else "")


def typical_latency(latency: Fixed | Uniform | LogNormal | Exponential) -> float:
    """The delay most messages see: the fixed value, the middle, the median or the mean."""
    if isinstance(latency, Fixed):
        return latency.value
    if isinstance(latency, Uniform):
        return (latency.low + latency.high) / 2
    if isinstance(latency, LogNormal):
        return min(latency.median, latency.cap)
    return min(latency.mean, latency.cap)


def validator_latency(network: Network) -> float:
    """The typical latency between validators: the network's, or the slowest override of a
    link that involves validators."""
    latencies = [typical_latency(network.latency)] + [
        typical_latency(link.latency) for link in network.links
        if any(end == "validator" or end.startswith("validator-") for end in link.between)
    ]
    return max(latencies)


NODE_ROLES = ("validator", "member", "relayer", "settlement", "adversary")


def node_names(scenario: Scenario) -> frozenset[str]:
    """The network's node names (as the runner creates them) and roles."""
    names = [f"validator-{i}" for i in range(scenario.consortium.validators)]
    names += [f"member-{i}" for i in range(scenario.committee.members)]
    names += [f"relayer-{i}" for i in range(scenario.relayers.count)]
    return frozenset([*names, "settlement", *NODE_ROLES])


def holder_keys(entities: list[Entity], name: str) -> list[int]:
    for entity in entities:
        if entity.name == name:
            return list(entity.members)
    return []
