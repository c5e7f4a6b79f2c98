"""How an adversary who reads the deployed contract sizes and paces its forgeries.

Every parameter it reads is public: the per-transfer cap, the token bucket's capacity and
refill rate (and its current level), the large-transfer delay threshold, the paused flag,
and — with a global accountant — the escrow's books. A forgery the contract would revert
teaches the attacker nothing it could not have read, so this planner never proposes one:

- a forgery is at most the cap, and below the delay threshold while dodging the delay can
  still reach the target within the forgeries left (otherwise it accepts the delay);
- it never takes more than the bucket holds now, after the adversary's own forgeries still
  in flight; when the bucket is short it waits for the refill instead of being reverted;
- it never exceeds what the accountant still admits;
- it stops when the contract is paused, when the target is met, or when nothing it may
  still send could ever be admitted.

Pure: the same limits, view and target give the same decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from bridgelab.protocol.limits import TokenBucket

PacingMode = Literal["adaptive", "single"]
PACING_MODES: tuple[PacingMode, ...] = ("adaptive", "single")
DirectionName = Literal["deposit", "withdrawal"]
# How many forgeries a campaign sends at most, unless told otherwise.
DEFAULT_FORGERIES = 100

# Re-read the contract at least this often while waiting for something that does not refill
# at a known rate (an accountant's headroom grows only with honest deposits).
DEFAULT_POLL = 12.0
# Waiting for a refill adds this much (relative, then absolute) so float rounding in the
# contract's own refill arithmetic never leaves the bucket a hair short.
REFILL_SLACK_RELATIVE = 1e-9
REFILL_SLACK_SECONDS = 1e-6
# While the bucket refills, a forgery waits until it can take at least this share of the
# largest forgery allowed.
MIN_CHUNK_FRACTION = 0.1
# A campaign's time to the target is reported up to this bound (one year).
MAX_CAMPAIGN_SECONDS = 365 * 86_400.0


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a campaign forges its target: `adaptive` reads the contract and sizes and paces
    each forgery (this module); `single` splits the target into `forgeries` equal parts sent
    at once, as an adversary that ignores the limits would. `within` bounds the campaign's
    duration (seconds from its start); `directions` are the sides it forges on."""

    mode: PacingMode = "adaptive"
    forgeries: int = DEFAULT_FORGERIES
    directions: tuple[DirectionName, ...] = ("deposit",)
    within: float | None = None
    # Submit a best-effort certificate from fewer threshold-BLS shares than the threshold.
    below_threshold: bool = True

    def __post_init__(self) -> None:
        assert self.mode in PACING_MODES, self.mode
        assert self.forgeries >= 1 and self.directions


@dataclass(frozen=True, slots=True)
class Limits:
    """The contract's public outflow parameters for one direction; None disables one."""

    per_transfer_cap: int | None = None
    bucket_capacity: int | None = None
    bucket_rate: float = 0.0
    delay_threshold: int | None = None
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class View:
    """The contract's public state as the adversary reads it at `now`."""

    now: float
    paused: bool = False
    # A copy of the contract's bucket (level and last update are storage anyone can read).
    bucket: TokenBucket | None = None
    # What the accountant (or the escrow's balance, for a release) still admits; None: no bound.
    headroom: int | None = None


@dataclass(frozen=True, slots=True)
class Forgery:
    """Send a forgery of `amount` now; `queued` when it will wait out the delay."""

    amount: int
    queued: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing worth sending fits now: read the contract again at `until`."""

    until: float
    reason: str


Decision = Forgery | Wait | None


def size_limit(limits: Limits, remaining: int, forgeries_left: int) -> tuple[int, bool]:
    """The largest forgery the parameters alone allow, and whether it will be queued.

    Dodging the delay costs forgeries: it is done only while `forgeries_left` forgeries
    below the threshold can still make up `remaining`.
    """
    assert remaining >= 1 and forgeries_left >= 1
    size = min(remaining, _hard_bound(limits, remaining))
    threshold = limits.delay_threshold
    if threshold is None or size < threshold:
        return size, False
    below = threshold - 1
    if dodges_delay(limits, remaining, forgeries_left):
        return below, False
    return size, True


def dodges_delay(limits: Limits, remaining: int, forgeries_left: int) -> bool:
    """Whether forgeries just below the delay threshold are worth it: not dust (at least a
    tenth of what the cap and bucket admit) and enough, with the forgeries left, to make up
    `remaining`."""
    threshold = limits.delay_threshold
    if threshold is None:
        return False
    below = threshold - 1
    worth = below >= 1 and below >= _hard_bound(limits, remaining) * MIN_CHUNK_FRACTION
    return worth and below * forgeries_left >= remaining


def _hard_bound(limits: Limits, otherwise: int) -> int:
    """The largest forgery the cap and the bucket's capacity ever admit (`otherwise` if none)."""
    bounds = [b for b in (limits.per_transfer_cap, limits.bucket_capacity) if b is not None]
    return min(bounds) if bounds else otherwise


def worthwhile(limits: Limits, size: int, remaining: int, forgeries_left: int) -> int:
    """The smallest forgery worth sending (at most `size`): the target's share of the
    forgeries left, and at least a tenth of the largest the limits admit — a trickle of tiny
    forgeries gains nothing, since under a rate limit the total over time is the same."""
    share = math.ceil(remaining / forgeries_left)
    floor = math.ceil(_hard_bound(limits, remaining) * MIN_CHUNK_FRACTION)
    return max(1, min(size, max(share, floor)))


def bucket_level(bucket: TokenBucket, at: float, in_flight: int) -> float:
    """The bucket's level at `at` (the contract's own refill), less the adversary's forgeries
    already sent but not yet executed (they will take their tokens first)."""
    projected = bucket.copy()
    projected.refill(at)
    return projected.level - in_flight


def refill_time(bucket: TokenBucket, now: float, needed: float, in_flight: int) -> float | None:
    """The earliest time the bucket holds `needed` beyond the in-flight forgeries; None if
    refilling alone never gets there (no refill, or the in-flight forgeries must execute
    first: the level is capped at the capacity)."""
    level = bucket_level(bucket, now, in_flight)
    if level >= needed:
        return now
    if bucket.rate <= 0 or needed + in_flight > bucket.capacity:
        return None
    seconds = (needed - level) / bucket.rate
    return now + seconds * (1 + REFILL_SLACK_RELATIVE) + REFILL_SLACK_SECONDS


def next_forgery(
    limits: Limits,
    view: View,
    remaining: int,
    forgeries_left: int,
    in_flight: int = 0,
    poll: float = DEFAULT_POLL,
) -> Decision:
    """The next step towards `remaining` more: a forgery to send now, a wait, or None (stop)."""
    if view.paused or remaining <= 0 or forgeries_left <= 0:
        return None
    size, _queued = size_limit(limits, remaining, forgeries_left)
    want = worthwhile(limits, size, remaining, forgeries_left)
    amount = size
    if view.headroom is not None:
        # Headroom grows only with honest deposits, at no known rate: take what there is.
        room = view.headroom - in_flight
        if room < 1:
            return Wait(view.now + poll, "accountant")
        amount = min(amount, room)
        want = min(want, amount)
    if view.bucket is not None:
        level = math.floor(bucket_level(view.bucket, view.now, in_flight))
        if level < want:
            when = refill_time(view.bucket, view.now, want, in_flight)
            if when is not None:
                return Wait(when, "rate_limit")
            if in_flight > 0:
                # The forgeries in flight take their tokens first; look again after them.
                return Wait(view.now + poll, "in_flight")
            # Nothing refills: send what is left in the bucket, or give up.
            if level < 1:
                return None
        amount = min(amount, level)
    assert 1 <= amount <= remaining
    threshold = limits.delay_threshold
    return Forgery(amount, threshold is not None and amount >= threshold)


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` in `parts` near-equal forgeries (the adversary that does not read the limits)."""
    parts = max(1, min(parts, total))
    share, extra = divmod(total, parts)
    return [share + (1 if index < extra else 0) for index in range(parts)]


def forgeries_needed(limits: Limits, target: int, most: int) -> int:
    """How many forgeries reach `target` under the parameters, dodging the delay if it can
    within `most`; at most `most`."""
    assert target >= 1 and most >= 1
    size = min(target, _hard_bound(limits, target))
    needed = math.ceil(target / size)
    threshold = limits.delay_threshold
    if threshold is not None and size >= threshold and dodges_delay(limits, target, most):
        needed = math.ceil(target / (threshold - 1))
    return max(1, min(most, needed))


def time_to_target(limits: Limits, target: int, forgeries: int) -> float | None:
    """Simulated seconds an undisturbed campaign needs from a full bucket (None: never).

    The bucket admits its capacity at once and refills at its rate; a forgery that cannot
    dodge the delay adds the delay once (queued forgeries wait side by side).
    """
    size, queued = size_limit(limits, target, forgeries)
    reachable = min(target, size * forgeries)
    seconds = 0.0
    if limits.bucket_capacity is not None and reachable > limits.bucket_capacity:
        if limits.bucket_rate <= 0:
            return None
        seconds = (reachable - limits.bucket_capacity) / limits.bucket_rate
    if queued:
        seconds += limits.delay
    return min(seconds, MAX_CAMPAIGN_SECONDS)
