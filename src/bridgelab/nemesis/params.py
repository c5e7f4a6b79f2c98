"""The attack catalogue's parameter models: what each attack kind accepts in `params`.

Scenario validation checks `[[attacks]] params` against them (nemesis/specs.py names each
kind's model); the runtime attack classes read the validated values.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridgelab.nemesis.plan import DEFAULT_FORGERIES, Pacing
from bridgelab.scenario.base import (
    Amount,
    Count,
    Delay,
    Fraction,
    Name,
    Number,
    Period,
    Strict,
)
from bridgelab.scenario.sizes import MAX_NODES, MAX_USERS

NAMES = MAX_USERS  # the most users or assets one attack may list: the workload's users


Recipient = Name("the account that receives what the attack takes")


class NoParams(Strict):
    pass


class ForgingParams(Strict):
    """What every attack that forges with the keys it holds shares.

    `amount` is the total the adversary is after. `pacing = "adaptive"` (the default) reads
    the deployed contract's public limits and sends forgeries sized under the per-transfer
    cap, below the delay threshold, within the rate limit's bucket (waiting for its refill)
    and stops when the bridge is paused — at most `forgeries` of them (default 100), over at
    most `within` seconds. `pacing = "single"` sends the amount at once in `forgeries` equal
    parts (default 1), whatever the limits. `directions` adds forged withdrawals (a release
    from the escrow with no burn behind it) to forged deposits. Holding fewer threshold-BLS
    shares than the threshold, the adversary submits its best forgery all the same;
    `below_threshold = false` gives up instead, and the checker then calls the attack
    untested (the bridge was never asked).
    """

    amount: Amount("tokens the adversary is after, in all its forgeries") = 10_000_000
    recipient: Recipient = "attacker"
    pacing: Literal["adaptive", "single"] = "adaptive"
    forgeries: Count(
        "forged transfers at most", 1, 10_000, "each is a transaction the chain executes"
    ) | None = None
    directions: list[Literal["deposit", "withdrawal"]] = Field(
        default_factory=lambda: ["deposit"], min_length=1, max_length=2
    )
    within: Period("seconds the forgeries may take in all") | None = None
    # Holding fewer threshold-BLS shares than the threshold, combine those held anyway and
    # submit the result (the destination's pairing check must refuse it) instead of giving
    # up unseen. A multisig adversary always submits the signatures it has.
    below_threshold: bool = True

    def plan(self, within: float | None = None) -> Pacing:
        """The campaign this attack runs (`within` bounds it when the params do not)."""
        default = DEFAULT_FORGERIES if self.pacing == "adaptive" else 1
        return Pacing(
            self.pacing, self.forgeries or default, tuple(self.directions),
            self.within if self.within is not None else within, self.below_threshold,
        )


class FabricatedLockParams(ForgingParams):
    pass


class EquivocateParams(Strict):
    recipient: Recipient = "attacker"
    amount_factor: Number(
        "the conflicting message's amount over the real one's", "",
        "a million times the real amount is already any amount", gt=0, le=1_000_000,
    ) = 1.0


class CompromiseParams(ForgingParams):
    # False: only take the keys (a later `adversary.forge` uses them).
    forge: bool = True
    dwell: Delay("seconds between taking the keys and forging") = 0.0
    attempts: Count("forgeries tried", 1, 1_000, "each attempt is a certificate") = 1
    retry_every: Period("seconds between attempts") = 600.0


class MobileParams(ForgingParams):
    period: Period("seconds the adversary holds each seat") = 3_600.0
    seats_per_period: Count("seats taken each period", 1, 1_000, "a committee's size") = 1
    periods: Count("periods", 1, 10_000, "each period is a fault window the checker keeps") = 12


class BernoulliParams(ForgingParams):
    p: Fraction("chance each seat is compromised") = 0.1
    dwell: Delay("seconds between compromise and forgery") = 0.0


class NonceReuseParams(ForgingParams):
    member: Count("the member whose signer reuses a nonce", 0, 999, "a committee's size") = 0


class CensorParams(Strict):
    users: list[Name("a censored user")] = Field(default_factory=list, max_length=NAMES)
    assets: list[Name("a censored asset")] = Field(default_factory=list, max_length=NAMES)
    amount_above: Amount("censor transfers above this", low=0) | None = None
    directions: list[Literal["deposit", "withdrawal"]] = Field(
        default_factory=lambda: ["deposit", "withdrawal"], max_length=2
    )


class DelayParams(Strict):
    delay: Delay("seconds each message is held", positive=True) = 600.0


class ReorderParams(Strict):
    max_jitter: Delay("the longest random hold of a message", positive=True) = 120.0


class ReplayParams(Strict):
    copies: Count("copies replayed", 1, 100, "each copy is a submission") = 1
    after: Delay("seconds after delivery the copies are sent") = 30.0


class CrashParams(Strict):
    role: Literal["validator", "member", "relayer"] = "validator"


class PartitionParams(Strict):
    """Cut `side_a` from `side_b` (role names or node names); one-way cuts a -> b only."""

    side_a: list[Name("a node or role")] = Field(default_factory=list, max_length=MAX_NODES)
    side_b: list[Name("a node or role")] = Field(default_factory=list, max_length=MAX_NODES)
    one_way: bool = False
    role: Literal["validator", "member", "relayer"] = "validator"


class LossParams(Strict):
    probability: Fraction("chance a message is lost", positive=True) = 0.2
    between: tuple[Name("a node or role"), Name("a node or role")] = ("relayer", "member")


class DuplicateParams(Strict):
    probability: Fraction("chance a message is delivered twice", positive=True) = 0.2
    between: tuple[Name("a node or role"), Name("a node or role")] = ("relayer", "member")


class ReorgParams(Strict):
    depth: Count("blocks orphaned", 1, 1_000, "a reorg replays every orphaned block") = 4


class CongestionParams(Strict):
    factor: Number(
        "factor on background gas", "",
        "a thousand times the demand already prices every bridge transaction out", gt=0, le=1_000,
    ) = 5.0
    priority_factor: Number(
        "factor on background tips", "",
        "a thousand times the tips already outbids every bridge transaction", gt=0, le=1_000,
    ) = 5.0
    duration: Number(
        "seconds the congestion lasts", "s",
        "a spike shorter than a second cannot outlast a single slot anyway", ge=1.0, le=1e9,
    ) = 1_800.0


class SettlementCensorParams(Strict):
    """Which proposers censor (a share of them) and what they leave out."""

    fraction: Fraction("share of the settlement proposers that censor (p)") = 0.5
    addresses: list[Name("an account whose transactions are excluded")] = Field(
        default_factory=list, max_length=NAMES,
        description="accounts (sender or recipient) whose transactions are excluded;"
        " none listed means every transaction to the bridge contract",
    )


class OracleDelayParams(Strict):
    delay: Delay("seconds each report is held") = 1_800.0


class OracleManipulateParams(Strict):
    bias: Number(
        "relative error the colluding reporters add", "",
        "-0.99 is a price of almost nothing, 100 a price 101 times the truth", ge=-0.99, le=100,
    ) = 0.5


class OracleDefaultParams(Strict):
    write_down: Number("fraction of the NAV lost", "", "a share of the NAV", gt=0, le=1) = 0.4
    report_delay: Delay("seconds the reporters are late with the default") = 3_600.0


class ForgeParams(Strict):
    amount: Amount("tokens the forged mint claims") = 10_000_000
    recipient: Recipient = "attacker"


class L2CensorParams(Strict):
    """Which L2 transactions the sequencer leaves queued: by account (sender or recipient;
    none listed means every account) and by kind."""

    accounts: list[Name("a censored account")] = Field(default_factory=list, max_length=NAMES)
    tx_kinds: list[Literal["deposit", "transfer", "withdraw"]] = Field(
        default_factory=lambda: ["deposit", "transfer", "withdraw"], max_length=3
    )


class RedemptionRunParams(Strict):
    fraction: Number("share of L2 balances withdrawn", "", "a share", gt=0, le=1) = 0.5
    amount_cap: Amount("the most one withdrawal takes") | None = None
    max_wait: Delay(
        "seconds the attack waits at most for its withdrawals to settle", positive=True
    ) = 86_400.0


class ByzantineParams(Strict):
    """A Byzantine validators' attack: the adversary's lock proposed on side A only."""

    amount: Amount("tokens the adversary locks on side A only (its double spend)") = 5_000_000
    recipient: Recipient = "attacker"
    splits: Count(
        "rounds the Byzantine validators split at most", 1, 1_000,
        "each split may fork the chain once",
    ) = 1
    side_a: list[Name("an honest validator on side A")] = Field(
        default_factory=list, max_length=MAX_NODES
    )


class WithholdParams(Strict):
    pass
