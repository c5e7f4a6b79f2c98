"""One cost-to-break probe: the scenario it runs, and what its run proves — the set broke the
bridge, held, or the run proves nothing either way.

The probe takes the entities' keys and forges both ways with the adaptive adversary: mints on
the destination (`deposit`) and releases from the escrow (`withdrawal`). One honest deposit
locks tokens before the forging starts, so the escrow holds something a forged release could
take (an empty escrow hides every forged withdrawal) and the run exercises the checker.

Only a run that reached the end of every forgery vouches that the set does not break it:
`held` needs no reason to doubt the run (the checker's inconclusive reasons, a run stopped
early) and no forgery still in flight (in a mempool, or queued behind the contract's delay).
Anything else is `unknown`, never `held` — missing evidence is never read as safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bridgelab.nemesis import plan
from bridgelab.nemesis.adversary import FABRICATED_NONCE_BASE
from bridgelab.nemesis.bound import (
    L2_LANE,
    MAX_PROBE_SECONDS,
    delivers_to_l2,
    deposit_limits,
    probe_horizon,
)
from bridgelab.runner import RunResult
from bridgelab.scenario.model import Scenario
from bridgelab.workload.names import user_names

if TYPE_CHECKING:
    pass

PROBE_AT = 1.0
# The probe's target, and the most forgeries it may send to reach it.
PROBE_AMOUNT = 10_000_000
MAX_PROBE_FORGERIES = 64
PROBE_FORGERY_SLACK = 4
# A single forgery needs this many slots to land and be judged.
PROBE_SETTLE_SECONDS_FACTOR = 4
# The probe's attacks: who takes the keys, and who forges on each side (their transactions'
# ids start with the name). Both sides, each its own campaign: a bridge whose releases are
# weaker than its mints breaks on withdrawals only, and a forged mint stuck in a congested
# mempool must not hold the releases back (one campaign counts it as taken).
COMPROMISE_ACTOR = "compromise"
FORGERS = {"forge": "deposit", "forge-withdrawal": "withdrawal"}
SEED_AT = 0.0

Verdict = Literal["broke", "held", "unknown"]


@dataclass
class ForgeryTally:
    """What the probe's forgeries got through, folded over its history records: forged mints
    (fabricated nonces) executed, their total and largest, when, and when the bridge paused;
    forged releases from the escrow apart."""

    count: int = 0
    minted: int = 0
    largest: int = 0
    first: float | None = None
    last: float | None = None
    paused_at: float | None = None
    releases: int = 0
    released: int = 0
    # Forged mints the contract queued behind its delay and had not executed when the probe
    # ended (by nonce): what they would have done is unknown.
    queued: set[int] = field(default_factory=set)

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        # An L2 credit that no certificate backs carries its oracle reference, not a nonce.
        nonce = record.get("nonce")
        forged = isinstance(nonce, int) and nonce >= FABRICATED_NONCE_BASE
        if kind == "mint.queued" and forged:
            self.queued.add(record["nonce"])
        elif kind == "mint.challenged" and forged:
            # Cancelled in the queue: a final outcome, not a mint still waiting.
            self.queued.discard(record["nonce"])
        elif kind == "mint" and forged:
            self.queued.discard(record["nonce"])
            self.count += 1
            self.minted += record["amount"]
            self.largest = max(self.largest, record["amount"])
            self.first = record["t"] if self.first is None else self.first
            self.last = record["t"]
        elif kind == "release" and _forger(record.get("tx")):
            self.releases += 1
            self.released += record["amount"]
        elif kind == "bridge.paused" and self.paused_at is None:
            self.paused_at = record["t"]

    @property
    def unsettled(self) -> bool:
        """A forgery still queued when the probe ended, the bridge not paused: the probe
        cannot say the set does not break it (the queue may outlast its horizon's cap)."""
        return bool(self.queued) and self.paused_at is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "forged_mints": self.count, "minted": self.minted, "largest": self.largest,
            "first_at": self.first, "last_at": self.last, "paused_at": self.paused_at,
            "over_seconds": None if self.first is None or self.last is None
            else round(self.last - self.first, 6),
            "forged_releases": self.releases, "released": self.released,
        }


@dataclass(frozen=True)
class Outcome:
    """What one probe proves: `broke` (a safety property failed), `held` (the run vouches
    that the set does not break it), or `unknown`, with the reasons it vouches for nothing."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()


def within_limits(scenario: Scenario, amount: int, spent: int = 0) -> int:
    """`amount`, made small enough to pass the contract's cap, what is left in its bucket
    once `spent` has gone through, and its delay threshold (so it is not queued)."""
    limits = scenario.bridge.limits
    left = None if limits.rate_capacity is None else limits.rate_capacity - spent
    bounds = [amount, limits.per_transfer_cap, left]
    if limits.delay_threshold is not None and limits.delay_threshold > 1:
        bounds.append(limits.delay_threshold - 1)
    return max(1, min(bound for bound in bounds if bound is not None))


def seed_amount(scenario: Scenario) -> int:
    """The honest deposit that fills the escrow: a typical one, within the limits (so it
    settles within the probe)."""
    return within_limits(scenario, scenario.workload.amount_max)


def seed_user(scenario: Scenario) -> str:
    """Who makes the honest deposit: the first user the escrow lets lock (its allow-list)."""
    users = user_names(scenario.workload.users)
    allowed = scenario.consortium.kyc
    if allowed == "all":
        return users[0]
    return next((user for user in users if user in allowed), users[0])


def probe_scenario(scenario: Scenario, entities: tuple[str, ...], amount: int = PROBE_AMOUNT,
                   pacing: plan.PacingMode = "adaptive") -> Scenario:
    """`scenario` with its attacks replaced by the probe's: compromise `entities`, then forge
    `amount` on each side, after one honest deposit; long enough for the pacing to matter."""
    slot = scenario.settlement.slot_time
    limits = deposit_limits(scenario)
    forgeries = 1
    horizon = PROBE_SETTLE_SECONDS_FACTOR * slot
    if pacing == "adaptive":
        # Room for smaller forgeries than the fewest that reach the target: under a rate
        # limit they go out as the bucket refills rather than waiting for it to fill.
        needed = plan.forgeries_needed(limits, amount, MAX_PROBE_FORGERIES)
        forgeries = min(MAX_PROBE_FORGERIES, PROBE_FORGERY_SLACK * needed)
        horizon = probe_horizon(limits, amount, forgeries, slot)
    horizon = _past_spikes(scenario, horizon, PROBE_SETTLE_SECONDS_FACTOR * slot)
    attacks = [
        {"kind": "key.compromise", "name": COMPROMISE_ACTOR,
         "targets": {"entities": list(entities)}, "schedule": {"at": PROBE_AT},
         "params": {"forge": False}},
        *({"kind": "adversary.forge", "name": name, "schedule": {"at": PROBE_AT},
           "params": {"amount": amount, "pacing": pacing, "forgeries": forgeries,
                      "directions": [direction]}}
          for name, direction in FORGERS.items()),
    ]
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["attacks"] = attacks
    seed = {"at": SEED_AT, "user": seed_user(scenario), "amount": seed_amount(scenario)}
    data["workload"] = {**data["workload"], "deposits": 0, "withdrawals": 0, "scripted": [seed]}
    data["scenario"] = {**data["scenario"], "duration": PROBE_AT + horizon}
    data["adversary"] = {**data["adversary"], "extract": False}
    # Once the campaign is over, a few slots for its last forgeries to land (only safety
    # is read, so liveness needs no longer grace).
    settle = PROBE_SETTLE_SECONDS_FACTOR * slot
    data["checks"] = {**data.get("checks", {}), "liveness_grace": settle}
    return Scenario.model_validate(data)


def _past_spikes(scenario: Scenario, horizon: float, settle: float) -> float:
    """`horizon`, made to outlast every demand spike that starts within it (and a few slots
    more): a spike can price the forgeries out of blocks, and a probe that ends during it
    proves nothing. At most `MAX_PROBE_SECONDS` more than the pacing needs."""
    longest = horizon + MAX_PROBE_SECONDS
    for spike in sorted(scenario.settlement.demand.spikes, key=lambda s: s.start):
        if spike.start < PROBE_AT + horizon:
            horizon = min(longest, max(horizon, spike.end - PROBE_AT + settle))
    return horizon


def _forger(tx_id: object) -> bool:
    """Whether a transaction id is one of the probe's forgeries (`<attack name>/...`)."""
    return isinstance(tx_id, str) and tx_id.partition("/")[0] in FORGERS


def judge(result: RunResult) -> Outcome:
    """Broke if a safety property failed; held only if the run is conclusive, which the
    checker says from the history alone: every forgery reached an outcome (executed,
    reverted, refused or challenged), none left pending in a mempool or queued."""
    if any(v == "fail" for p, v in result.verdicts.items() if p.startswith("safety.")):
        return Outcome("broke")
    if result.inconclusive:
        return Outcome("unknown", tuple(dict.fromkeys(result.inconclusive)))
    return Outcome("held")


def search_gaps(scenario: Scenario, keyless_settled: bool = False) -> tuple[str, ...]:
    """Ways to break the bridge no probe tries: a search that broke nothing is then not
    complete, whatever its probes proved. `keyless_settled`: the keyless probe of a user's
    own contract (`hunt.keyless`) ran and proved something: that one of its forgeries broke
    it (nothing is cheaper), or that none did."""
    gaps: list[str] = []
    if delivers_to_l2(scenario):
        gaps.append(f"the L2 inbox was not probed: {L2_LANE}")
    validators = sorted(entity.name for entity in scenario.entities if entity.validators)
    if validators:
        gaps.append(
            f"the consortium validators that {', '.join(validators)} run were not probed:"
            " the probes take committee keys only")
    keyless = [flaw for flaw in scenario.bridge.flaws if flaw in keyless_flaws()]
    if keyless:
        gaps.append(
            f"the flaw{'s' if len(keyless) > 1 else ''} {', '.join(keyless)} switched on"
            " need no key, and the probes forge with committee keys only (the forge.*"
            " attacks exploit them)")
    if scenario.settlement.contract_source is not None and not keyless_settled:
        gaps.append(
            "the user's own contract was not shown to withstand forgeries that need no key"
            f" ({', '.join(KEYLESS_FORGERIES)}): their probe did not run or proved nothing")
    return tuple(gaps)


# Forgeries that need no key and no flaw switch of the model: what a user's own contract
# may fall to however many keys it takes (the campaign's arms run them).
KEYLESS_FORGERIES = ("forge.empty_certificate", "forge.caller_signers", "forge.unbound_digest")


def keyless_flaws() -> frozenset[str]:
    """The `[bridge] flaws` an attack exploits without any committee key: each forgery's
    own flaw, and replay protection (anyone may resubmit a certificate)."""
    from bridgelab.nemesis.specs import CATALOG

    flaws = {info.flaw for info in CATALOG.values()
             if info.flaw is not None and info.target_role == "none"}
    return frozenset({*flaws, "replay_protection_disabled"})

