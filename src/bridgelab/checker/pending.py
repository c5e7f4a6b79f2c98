"""Outcomes still to come when the run ended: mints queued behind the contract's delay, and
the adversary's forged transactions whose outcome the history never recorded.

A mint the contract queued executes (or is challenged away) later: one still queued at the
end was never judged. A forged mint priced out of the settlement mempool (or a forged
release still waiting on the consortium) is an attack whose outcome was still to come when
the run ended: nothing failed because nothing happened yet, which vouches for nothing.

From the history alone, each `attack.submit` is matched with what became of its transaction
(`tx`; by `nonce` only when a submit records no `tx`): executed (`mint`, `release`, `lock`),
queued behind the delay (`mint.queued`: from there it is a queued mint), refused
(`tx.reverted`) or turned away (`tx.dropped`). A settlement reorg returns the transactions
of its orphaned blocks to the mempool, so what they settled is pending again. A submit that
records neither `tx` nor `nonce` can never be matched: it stays pending.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bridgelab.consortium.byzantine import ORPHANED
from bridgelab.core.history import Event
from bridgelab.textsafe import printable

# The kinds this fold reads (the monitor subscribes to them).
PENDING_KINDS = frozenset({
    "attack.submit", "mint", "mint.queued", "mint.challenged", "release", "lock",
    "tx.reverted", "tx.dropped", "settlement.reorg",
})
# Outcomes that executed a transaction on the settlement chain, which a reorg may take back.
_SETTLEMENT_KINDS = frozenset({"mint", "mint.queued", "tx.reverted"})
# The consortium's escrow records its own reverts; every other revert is the settlement's.
_ESCROW_ACTOR = "escrow"


@dataclass(slots=True)
class Forgery:
    """One `attack.submit`, and the settlement block that settled it (None: not settled;
    `math.inf` when the settling record names no block, so any reorg may take it back;
    -1 when no reorg can: a consortium outcome, or a transaction turned away)."""

    seq: int
    time: float
    actor: str
    fields: dict[str, Any]
    settled_in: float | None = None

    def describe(self) -> str:
        fields = self.fields
        name = fields.get("tx")
        if name is None:  # a submit recorded without its transaction
            name = f"nonce {printable(fields.get('nonce'), 40)}"
        return (f"{printable(name, 80)} of {printable(fields.get('amount'), 40)} to"
                f" {printable(fields.get('recipient'), 60)}, submitted by"
                f" {printable(self.actor, 80)} at t={self.time}")


class Unsettled:
    """A fold over the history: the mints queued behind the delay, by nonce, and the
    adversary's submitted transactions, settled or not."""

    def __init__(self) -> None:
        # Accepted and queued, not yet executed or challenged away (their records' fields).
        self.queued: dict[object, dict[str, Any]] = {}
        self.forgeries: list[Forgery] = []
        # Unsettled or settled, each submit under its `tx` (or, without one, its `nonce`).
        self._by_tx: dict[object, list[Forgery]] = {}
        self._by_nonce: dict[object, list[Forgery]] = {}

    def observe(self, event: Event) -> None:
        kind, fields = event.kind, event.fields
        if kind == "attack.submit":
            self._on_submit(event)
        elif kind == "settlement.reorg":
            self._on_reorg(fields)
        elif kind == "mint.challenged":
            self.queued.pop(fields["nonce"], None)
        elif fields.get("fork") != ORPHANED:  # else on a consortium branch left behind
            if kind == "mint.queued":
                self.queued[fields["nonce"]] = fields
            elif kind == "mint":
                self.queued.pop(fields["nonce"], None)
                if fields.get("delayed"):
                    return  # a queued mint coming due: its transaction settled when queued
            self._settle(kind, event.actor, fields)

    def _on_submit(self, event: Event) -> None:
        fields = event.fields
        forgery = Forgery(event.seq, event.time, event.actor, dict(fields))
        self.forgeries.append(forgery)
        if fields.get("tx") is not None:
            self._by_tx.setdefault(_key(fields["tx"]), []).append(forgery)
        elif fields.get("nonce") is not None:
            self._by_nonce.setdefault(_key(fields["nonce"]), []).append(forgery)

    def _settle(self, kind: str, actor: str, fields: dict[str, Any]) -> None:
        """Settle the oldest unsettled submit of the transaction (or nonce) this outcome
        names; an outcome for a transaction the adversary never submitted is passed by."""
        tx, nonce = fields.get("tx"), fields.get("nonce")
        candidates = [] if tx is None else self._by_tx.get(_key(tx), [])
        if not candidates and nonce is not None and kind in ("mint", "mint.queued", "release"):
            candidates = self._by_nonce.get(_key(nonce), [])
        for forgery in candidates:
            if forgery.settled_in is None:
                forgery.settled_in = _settled_in(kind, actor, fields)
                return

    def _on_reorg(self, fields: dict[str, Any]) -> None:
        """The orphaned blocks' transactions went back to the mempool: what they settled
        is pending again (the winning fork records what it makes of them)."""
        first = fields.get("first_orphaned")
        first = first if type(first) is int else -math.inf
        for forgery in self.forgeries:
            if forgery.settled_in is not None and forgery.settled_in >= max(first, 0):
                forgery.settled_in = None

    def pending(self) -> list[Forgery]:
        """The submits nothing settled, in the order they were submitted."""
        return [forgery for forgery in self.forgeries if forgery.settled_in is None]

    def reasons(self) -> list[str]:
        """Why the run cannot vouch for the bridge while some outcome is still to come."""
        reasons = []
        if self.queued:
            first = next(iter(self.queued.values()))
            reasons.append(
                f"{len(self.queued)} mint(s) the bridge accepted were still queued behind"
                f" its delay when the run ended (the first of {printable(first.get('amount'), 40)}"
                f" to {printable(first.get('recipient'), 60)}, due at"
                f" t={printable(first.get('due'), 40)}): what they would mint was never judged")
        pending = self.pending()
        if pending:
            reasons.append(
                f"{len(pending)} forged transaction(s) the adversary submitted were still"
                f" pending when the run ended (the first: {pending[0].describe()}): what they"
                " would do was never judged")
        return reasons


def _settled_in(kind: str, actor: str, fields: dict[str, Any]) -> float:
    if kind not in _SETTLEMENT_KINDS or (kind == "tx.reverted" and actor == _ESCROW_ACTOR):
        return -1  # a consortium outcome or a turned-away transaction: no reorg undoes it
    number = fields.get("number")
    return number if type(number) is int else math.inf


def _key(value: object) -> object:
    """A hashable key for a recorded id (a history fed by hand may record anything)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
