"""A copycat contract on the settlement chain: anyone can deploy code that emits the bridge's
burn-event layout under its own address, burning nothing.

Its event sits in a real block under the real events root, so a Merkle proof of it is
genuine; only who emitted it tells it apart. A committee that checks the emitter refuses it;
one with the `foreign_burn_events` flaw endorses a withdrawal no burn backs (the burn side of
the consortium's copycat lock, `consortium.escrow.COPYCAT_CONTRACT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgelab.settlement.bridge_contract import BridgeState, BurnEvent
from bridgelab.settlement.transactions import Transaction

COPYCAT_BRIDGE = "settlement:copycat"
BURN_TAG = "bridge/burn"
COPYCAT_GAS = 30_000


@dataclass(frozen=True, slots=True)
class CopycatBurnTx(Transaction):
    """A call to the copycat: emit a burn-layout event with the caller's chosen fields."""

    asset: str
    amount: int
    recipient: str
    nonce: int


@dataclass(frozen=True, slots=True)
class ForeignBurn:
    """A burn-layout event emitted by a contract other than the bridge (`event.contract`)."""

    event: BurnEvent

    def leaf(self) -> bytes:
        return self.event.leaf()


def burn_emitter(leaf: bytes) -> str | None:
    """Who emitted a burn-layout event: the first field of its leaf; None if not such a leaf."""
    prefix = BURN_TAG.encode("ascii") + b"\x00"
    if not leaf.startswith(prefix) or len(leaf) < len(prefix) + 4:
        return None
    length = int.from_bytes(leaf[len(prefix) : len(prefix) + 4], "big")
    raw = leaf[len(prefix) + 4 : len(prefix) + 4 + length]
    if len(raw) != length:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def execute_copycat_burn(
    state: BridgeState, tx: CopycatBurnTx, fee_paid: int, now: float, effects: Any
) -> None:
    """The copycat's code: the bridge's burn event under the copycat's address. It touches no
    bridge state (so a reorg has nothing to undo) and records nothing as the bridge."""
    effects.emit(ForeignBurn(BurnEvent(
        COPYCAT_BRIDGE, tx.nonce, tx.asset, tx.amount, tx.sender, tx.recipient, tx.tx_id,
    )))
