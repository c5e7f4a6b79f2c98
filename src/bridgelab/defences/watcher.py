"""An independent watcher: it reads both chains, spots what no honest bridge would do, and
after a sampled detection delay pauses the bridge on both sides.

Anomalies: a mint with no matching lock, a release with no matching burn, a trust-root
change that is pending without a > 2/3 rotation behind it. A queued mint (a challenge window
or a large-transfer delay) with no lock is challenged (cancelled) at once. The watcher exists
only when `[defences.watcher] enabled`: a window or a timelock alone challenges nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import FreezeTx, LockEvent, ReleaseEvent
from bridgelab.core.latency import sample
from bridgelab.protocol.rotation import RotationCertificate, check_rotation
from bridgelab.settlement.bridge_contract import ADMIN_GAS, BurnEvent, MintEvent
from bridgelab.settlement.chain import SettlementBlock
from bridgelab.settlement.fees import gwei
from bridgelab.settlement.transactions import ChallengeTx, Fee, PauseTx, VetoTx

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge

WATCHER = "watcher"
GUARDIAN = "guardian"
URGENT_TIP_GWEI = 200.0


class Watcher:
    """Off-chain monitor with the guardian's pause key and a bond to challenge with."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.world = bridge.world
        self.config = bridge.world.scenario.defences.watcher
        self._rng = self.world.streams.get("defences/watcher")
        self._locks: dict[int, tuple[str, int, str]] = {}
        self._burns: dict[int, tuple[str, int, str]] = {}
        self._seen_burn_numbers: dict[int, int] = {}
        self.detected = False
        self._tx = 0
        self._vetoed: set[int] = set()
        bridge.consortium.on_commit.append(self._on_consortium)
        bridge.settlement.on_block.append(self._on_settlement)

    def _on_consortium(self, committed: Committed) -> None:
        for item in committed.block.decoded:
            if isinstance(item, LockEvent):
                self._locks[item.nonce] = (item.asset, item.amount, item.recipient)
            elif isinstance(item, ReleaseEvent):
                burn = self._burns.get(item.nonce)
                if burn != (item.asset, item.amount, item.recipient):
                    self._anomaly("release_without_burn", nonce=item.nonce, amount=item.amount)

    def _on_settlement(self, block: SettlementBlock) -> None:
        bridge_state = self.bridge.settlement.bridge
        for event in block.decoded:
            if isinstance(event, MintEvent):
                if self._locks.get(event.nonce) != (event.asset, event.amount, event.recipient):
                    self._anomaly("mint_without_lock", nonce=event.nonce, amount=event.amount)
            elif isinstance(event, BurnEvent):
                self._burns[event.nonce] = (event.asset, event.amount, event.recipient)
        for nonce, item in list(bridge_state.delayed.items()):
            message = item.certificate.message
            if self._locks.get(nonce) != (message.asset, message.amount, message.recipient):
                self._challenge(nonce)
        pending = bridge_state.pending_root
        if pending is not None and pending.root.version not in self._vetoed:
            check = check_rotation(
                bridge_state.trust_root, RotationCertificate(pending.root, pending.signatures),
                bridge_state.verifier.signatures,
            )
            if check != "ok":
                self._vetoed.add(pending.root.version)
                self._submit(VetoTx(
                    self._next("veto"), WATCHER, self.world.now, _urgent(), pending.root.version
                ))
                self._anomaly("ungoverned_trust_root", version=pending.root.version, check=check)

    def _challenge(self, nonce: int) -> None:
        if any(
            isinstance(tx, ChallengeTx) and tx.nonce == nonce
            for tx in self._pending_txs()
        ):
            return
        self._submit(ChallengeTx(self._next("challenge"), WATCHER, self.world.now, _urgent(),
                                 nonce))
        self.world.record(WATCHER, "watcher.challenge", nonce=nonce)

    def _pending_txs(self) -> list[Any]:
        found: list[Any] = []
        self.bridge.settlement.mempool.any(lambda tx: found.append(tx) or False)
        return found

    def _anomaly(self, kind: str, **fields: Any) -> None:
        self.world.record(WATCHER, "watcher.anomaly", anomaly=kind, **fields)
        if self.detected:
            return
        self.detected = True
        delay = sample(self.config.detection_delay, self._rng)
        timer = self.world.env.timeout(delay)
        timer.callbacks.append(lambda _event: self._detect(kind, delay))

    def _detect(self, kind: str, delay: float) -> None:
        self.world.record(WATCHER, "watcher.detected", anomaly=kind, delay=round(delay, 6))
        if not self.config.pause:
            return
        tip = gwei(URGENT_TIP_GWEI)
        fee = Fee(ADMIN_GAS, tip, self.bridge.settlement.fees.base_fee * 10 + tip)
        self._submit(PauseTx(self._next("pause"), GUARDIAN, self.world.now, fee, True))
        self.bridge.consortium.submit(FreezeTx(self._next("freeze"), GUARDIAN, True,
                                               self.world.now))

    def _submit(self, tx: Any) -> None:
        self.bridge.settlement.submit(tx)

    def _next(self, kind: str) -> str:
        self._tx += 1
        return f"{WATCHER}/{kind}{self._tx}"


def _urgent() -> Fee:
    """An uncapped bid with a high tip: a challenge must land before the queued mint comes
    due, a veto before the timelock ends."""
    return Fee(ADMIN_GAS, gwei(URGENT_TIP_GWEI))
