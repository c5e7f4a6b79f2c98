"""Whose transfers liveness judges, and which stuck transfers a theft explains.

Liveness is a promise to honest users. The adversary's own transfers — the locks its attacks
submitted and the burns that cash out its forged tokens — are named by its recorded attack
events (`attack.submit`, `attack.lock`, `attack.extract`) and are not judged: a thief's burn
frozen by the pause its own theft triggered is not a failure of the bridge.

An honest transfer still stuck at the end is *frozen by a theft* when a safety property had
failed and then the side that must complete it — the destination for a deposit (its mint),
the escrow for a withdrawal (its release) — was paused while the transfer was pending, or,
for a withdrawal, when the escrow ends holding less of the asset than the withdrawal pays.
Every other stuck transfer is an honest liveness failure. Both keep the liveness property
failing (honest users' funds did not arrive); the classification says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridgelab.workload.names import user_names

# The side whose pause holds each direction: mints on the settlement chain, releases on the
# escrow of the consortium chain.
DEPOSIT_SIDE = "settlement"
WITHDRAWAL_SIDE = "escrow"
# Pause events by kind: (side, paused).
PAUSE_EVENTS = {
    "bridge.paused": (DEPOSIT_SIDE, True),
    "bridge.unpaused": (DEPOSIT_SIDE, False),
    "escrow.frozen": (WITHDRAWAL_SIDE, True),
    "escrow.unfrozen": (WITHDRAWAL_SIDE, False),
}
# Stuck honest transfers named in a run's results (the counts are complete).
EXAMPLES = 10


def honest_accounts(users: int) -> frozenset[str]:
    """The honest users' accounts, as the scenario's `[workload] users` names them."""
    return frozenset(user_names(users))


@dataclass(slots=True)
class AdversaryTrail:
    """The accounts and transactions the adversary's recorded attack events name. An
    honest user's account is never the adversary's, whatever an attack record says (an
    attack may pay a user, and a record naming one must not excuse that user's transfers)."""

    accounts: dict[str, None] = field(default_factory=dict)
    txs: dict[str, None] = field(default_factory=dict)
    honest: frozenset[str] = frozenset()

    def note(self, kind: str, actor: str, fields: dict[str, Any]) -> None:
        if kind == "attack.extract":
            # The account burning its forged tokens records the burn itself.
            self._account(actor)
            return
        if "recipient" in fields:  # attack.submit: a forged mint's or lock's beneficiary
            self._account(fields["recipient"])
        # A lock the attack submitted on the consortium chain (`attack.lock`, or a submit
        # naming no nonce); a forged mint's or release's submit names its transfer's nonce,
        # and its `tx` is no lock of anyone's.
        if "tx" in fields and (kind == "attack.lock" or "nonce" not in fields):
            self.txs[fields["tx"]] = None

    def _account(self, account: Any) -> None:
        if account not in self.honest:
            self.accounts[account] = None

    def owns_lock(self, fields: dict[str, Any]) -> bool:
        sender = fields.get("sender")
        if sender in self.honest:
            return False
        return fields.get("tx") in self.txs or sender in self.accounts

    def owns_burn(self, fields: dict[str, Any]) -> bool:
        return fields.get("sender") in self.accounts


@dataclass(slots=True)
class TheftPauses:
    """When each side was paused after the first safety violation (a theft)."""

    theft_at: float | None = None
    # Side -> when a pause that began after the theft started, while it still holds.
    holding_since: dict[str, float] = field(default_factory=dict)
    # Side -> when the latest such pause was lifted.
    lifted_at: dict[str, float] = field(default_factory=dict)

    def theft(self, time: float) -> None:
        if self.theft_at is None:
            self.theft_at = time

    def set_paused(self, side: str, paused: bool, time: float) -> None:
        """A pause (or its lifting, or a reorg restoring either) seen at `time`."""
        if paused:
            if self.theft_at is not None and side not in self.holding_since:
                self.holding_since[side] = time
            return
        if self.holding_since.pop(side, None) is not None:
            self.lifted_at[side] = time

    def held(self, side: str, pending_since: float) -> bool:
        """A transfer pending from `pending_since` to the end was held by a theft's pause."""
        if side in self.holding_since:
            return True
        lifted = self.lifted_at.get(side)
        return lifted is not None and pending_since < lifted


def breakdown(honest: list[Any], frozen_by_theft: int, adversary: int) -> dict[str, Any]:
    """One liveness property's stuck transfers: honest failures (a few named), those a theft
    froze, and the adversary's own (not judged)."""
    return {
        "honest_failures": len(honest),
        "frozen_by_theft": frozen_by_theft,
        "adversary": adversary,
        "examples": honest[:EXAMPLES],
    }
