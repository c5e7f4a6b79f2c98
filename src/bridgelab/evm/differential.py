"""Run one transaction through the Python model and the EVM contract, and compare.

`Pair` holds a model `BridgeState` and an `EvmBridge` built from the same configuration; each
`step` applies a transaction to both and returns their outcomes as comparable values (the
revert reason, or what the transition returned). A disagreement is saved as a JSON case under
`.bridgelab/differential/` with the command that replays it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab.evm.bridge import EvmBridge
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.messages import TrustRoot, certificate_fields, trust_root_fields
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement import bridge_contract as model
from bridgelab.settlement.bridge_contract import BridgeState, Limits

CASES_DIR = Path(".bridgelab") / "differential"
ESCROW = "consortium:escrow"


@dataclass(slots=True)
class Config:
    """The deployment both sides are built from."""

    root: TrustRoot
    flaws: tuple[str, ...] = ()
    threshold_override: int | None = None
    limits: Limits = field(default_factory=Limits)
    bucket: tuple[int, float] | None = None
    rotation_timelock: float = 0.0
    # The escrow's backing per asset, read by the global accountant (None: no accountant).
    backing: dict[str, int] | None = None

    def verifier(self) -> VerifierConfig:
        return VerifierConfig(self.threshold_override, self.flaws)

    def fields(self) -> dict[str, Any]:
        return {
            "root": trust_root_fields(self.root), "flaws": list(self.flaws),
            "threshold_override": self.threshold_override,
            "limits": [self.limits.per_transfer_cap, self.limits.delay_threshold,
                       self.limits.delay],
            "bucket": list(self.bucket) if self.bucket else None,
            "rotation_timelock": self.rotation_timelock,
            "backing": self.backing,
        }


def outcome_of(result: object) -> tuple:
    """A transition's result as a value both sides must agree on."""
    if isinstance(result, model.MintEvent):
        return ("mint", result.nonce, result.amount, result.signers)
    if isinstance(result, model.MintQueued):
        return ("queued", result.nonce, result.amount, result.due)
    if isinstance(result, model.BurnEvent):
        return ("burn", result.nonce, result.amount)
    if isinstance(result, TrustRoot):
        return ("root", result.version, result.signers, result.threshold)
    if isinstance(result, model.PendingRoot):
        return ("pending", result.root.version, result.via)
    if isinstance(result, list):
        return ("due", tuple(event.nonce for event, _item in result))
    return ("value", result)


class Pair:
    """The model and the contract, side by side."""

    def __init__(self, config: Config, now: float = 0.0) -> None:
        self.config = config
        bucket = None
        if config.bucket is not None:
            bucket = TokenBucket.full(config.bucket[0], config.bucket[1], now)
        accountant = None
        if config.backing is not None:
            backing = config.backing
            accountant = lambda asset: backing.get(asset, 0)  # noqa: E731
        self.model = BridgeState(
            config.root, config.verifier(), ESCROW, config.limits, bucket,
            accountant=accountant, rotation_timelock=config.rotation_timelock,
        )
        self.evm = EvmBridge(
            config.root, config.verifier(), ESCROW, config.limits, config.bucket,
            rotation_timelock=config.rotation_timelock, accountant=accountant, now=now,
        )
        self.steps: list[dict[str, Any]] = []

    def step(self, name: str, tx: object, now: float) -> tuple[tuple, tuple]:
        """Apply `tx` with `process_<name>` on both sides; their outcomes."""
        self.steps.append({"kind": name, "now": now, "tx": _tx_fields(tx)})
        return (
            _run(getattr(model, f"process_{name}"), self.model, tx, now),
            _run(getattr(self.evm, f"process_{name}"), None, tx, now),
        )

    def due_root(self, now: float) -> tuple[tuple, tuple]:
        self.steps.append({"kind": "due_root", "now": now})
        return (
            _run(lambda state, _tx, t: model.process_due_root(state, t), self.model, None, now),
            _run(lambda _state, _tx, t: self.evm.process_due_root(t), None, None, now),
        )

    def due(self, now: float) -> tuple[tuple, tuple]:
        self.steps.append({"kind": "due_mints", "now": now})
        return (
            _run(lambda state, _tx, t: model_due_mints(state, t), self.model, None, now),
            _run(lambda _state, _tx, t: self.evm.process_due_mints(t), None, None, now),
        )


def model_due_mints(state: BridgeState, now: float) -> list:
    """The model's queued mints due at `now`, executed in queue order."""
    return [model.process_due_mint(state, nonce, now) for nonce in model.due_nonces(state, now)]


def _run(function, state, tx, now) -> tuple:
    try:
        result = function(state, tx, now) if state is not None or tx is None else function(
            tx, now
        )
    except Revert as revert:
        return ("revert", revert.check)
    return outcome_of(result)


def _tx_fields(tx: object) -> dict[str, Any]:
    if isinstance(tx, model.MintTx):
        return {"certificate": dict(certificate_fields(tx.certificate)), "relayer": tx.sender}
    if isinstance(tx, model.PauseTx | model.BurnTx):
        return {name: getattr(tx, name) for name in tx.__dataclass_fields__ if name != "fee"}
    return {"repr": repr(tx)}


def save_disagreement(pair: Pair, label: str, expected: tuple, found: tuple) -> Path:
    """Write the case that made the two sides disagree; returns its path."""
    directory = Path(os.environ.get("BRIDGELAB_DIFFERENTIAL_DIR", CASES_DIR))
    directory.mkdir(parents=True, exist_ok=True)
    case = {
        "label": label, "model": list(expected), "evm": list(found),
        "config": pair.config.fields(), "steps": pair.steps,
        "replay": f"python -m bridgelab.evm.replay {directory / (label + '.json')}",
    }
    path = directory / f"{label}.json"
    path.write_text(json.dumps(case, indent=1, default=str, sort_keys=True) + "\n", "utf-8")
    return path
