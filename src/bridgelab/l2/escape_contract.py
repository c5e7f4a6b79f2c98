"""The rollup contract's escape hatch on L1, as pure state transitions with named checks.

When no batch has been finalised for `timeout` (7 days by default), anyone may open the
hatch (`process_open`): the rollup is frozen and its last finalised state root is final for
good. Each user then proves their balance in that root and is paid it once on L1
(`process_escape`). Balances that exist only in soft (unbatched or unfinalised) L2 state
cannot be proven, so are lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridgelab.crypto import merkle
from bridgelab.l2.sequencer import leaf as balance_leaf
from bridgelab.protocol.revert import require

# A timer set for `deadline - now` may fire a hair before the deadline in floating point.
TIME_EPSILON = 1e-9


@dataclass(slots=True)
class EscapeState:
    """What the rollup contract keeps for escapes: when the hatch opened, and who was paid."""

    timeout: float
    opened_at: float | None = None
    paid: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EscapeClaim:
    """A user's claim to `amount` of `asset`: the balance leaf and its path under the last
    finalised state root, which the user rebuilt from the batches' published data; no
    proof when that state holds no balance of theirs."""

    account: str
    asset: str
    amount: int
    leaf: bytes
    proof: merkle.Proof | None


@dataclass(frozen=True, slots=True)
class EscapePayout:
    account: str
    asset: str
    amount: int


def process_open(state: EscapeState, last_finalized_at: float, now: float) -> None:
    """Open the hatch: no batch has been finalised for the contract's timeout."""
    require(state.opened_at is None, "already_open")
    require(now >= last_finalized_at + state.timeout - TIME_EPSILON, "batch_finalized_recently")
    state.opened_at = now


def process_escape(
    state: EscapeState, claim: EscapeClaim, finalized_root: bytes
) -> EscapePayout:
    """Pay a balance proven in the last finalised state root, once per account and asset."""
    key = (claim.account, claim.asset)
    require(state.opened_at is not None, "closed")
    require(key not in state.paid, "already_withdrawn")
    require(claim.proof is not None, "no_finalised_balance")
    require(claim.leaf == balance_leaf(claim.account, claim.asset, claim.amount), "balance_leaf")
    # The contract checks the proof against the root it stored, not the L2's word.
    require(merkle.verify(finalized_root, claim.leaf, claim.proof), "bad_proof")
    state.paid[key] = claim.amount
    return EscapePayout(claim.account, claim.asset, claim.amount)
