"""The deployed bridge and what defends it: the destination verifier, the contracts' limits,
the flaws a scenario switches on, the watcher and other defences, and what the adversary
does with unbacked tokens."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridgelab.scenario.base import (
    Amount,
    Count,
    Delay,
    Latency,
    LogNormal,
    Number,
    Period,
    Strict,
)
from bridgelab.scenario.sizes import MAX_MEMBERS

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

