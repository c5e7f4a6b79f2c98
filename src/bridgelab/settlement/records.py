"""What the history says about each bridge-contract outcome on the settlement chain.

The checker re-verifies mints from these fields alone (the certificate included), so each
record carries the public data a transition produced, never a live object.
"""

from __future__ import annotations

from typing import Any

from bridgelab.protocol.messages import TrustRoot, certificate_fields, trust_root_fields
from bridgelab.settlement.bridge_contract import BurnEvent, MintEvent, MintQueued, PendingRoot
from bridgelab.settlement.transactions import MintTx, ProveAndMintTx

Fields = dict[str, Any]


def mint_fields(
    event: MintEvent, tx: MintTx | ProveAndMintTx | None, fee_paid: int, delayed: bool = False
) -> Fields:
    """A mint; `tx` is None for a queued mint coming due (no transaction of its own)."""
    assert event.certificate is not None
    return {
        "nonce": event.nonce,
        "asset": event.asset,
        "amount": event.amount,
        "recipient": event.recipient,
        "signers": list(event.signers),
        "tx": event.tx_id,
        "gas": tx.fee.gas if tx else 0,
        "verification_gas": tx.verification_gas if tx else 0,
        "fee_paid": fee_paid,
        "delayed": delayed,
        "certificate": certificate_fields(event.certificate),
    }


def queued_fields(queued: MintQueued, tx_id: str, fee_paid: int) -> Fields:
    return {
        "nonce": queued.nonce, "asset": queued.asset, "amount": queued.amount,
        "recipient": queued.recipient, "due": round(queued.due, 6), "tx": tx_id,
        "fee_paid": fee_paid,
    }


def burn_fields(event: BurnEvent, fee_paid: int) -> Fields:
    return {
        "nonce": event.nonce, "asset": event.asset, "amount": event.amount,
        "sender": event.sender, "recipient": event.recipient, "tx": event.tx_id,
        "fee_paid": fee_paid,
    }


def root_installed_fields(
    root: TrustRoot, via: str, signatures: tuple[bytes, ...], previous: TrustRoot
) -> Fields:
    """A trust root installed now; `signatures` are the rotation's (none for a message call)."""
    return {
        **trust_root_fields(root), "via": via,
        "rotation_signatures": [signature.hex() for signature in signatures],
        "previous_version": previous.version,
    }


def root_due_fields(installed: PendingRoot, previous: TrustRoot) -> Fields:
    """A scheduled trust root installed once its timelock passed."""
    return {
        **root_installed_fields(installed.root, installed.via, installed.signatures, previous),
        "timelocked": True,
    }


def root_pending_fields(version: int, via: str, due: float) -> Fields:
    return {"version": version, "via": via, "due": round(due, 6)}
