"""The L2 as the bridge's destination (`[l2] destination = "l2"`): deposits credited on the
rollup, withdrawals started on it, escapes paid on L1.

deposit     lock on the consortium chain -> PTC certificate (as for L1) -> the relayer hands
            the certificate to `L2Gateway.deliver`, the rollup's inbox on L1: it is the bridge
            contract, so it checks the certificate with the contract's deployed verifier and
            marks the lock nonce used (the same certificate cannot also mint on L1) -> the
            message oracle (M of N) approves -> the sequencer credits it (soft confirmation)
            -> final when its batch is final on L1. The credit is recorded as a `mint`
            (`layer = "l2"`, nonce = the lock nonce, with the certificate), so the monitor
            checks it like any mint. A credit with no certificate behind it (colluding oracle
            members) is recorded too, with `certificate = None`.
withdrawal  `l2.withdraw` -> soft-confirmed -> its batch, which commits a Merkle root of its
            withdrawals on L1, final on L1 -> a `burn` (`layer = "l2"`, nonce = L2_NONCE_BASE +
            the L2 withdrawal index, `number` = the L1 block carrying the batch) -> relayers
            carry an `L2WithdrawalProof` to the committee; each member checks it against its
            own view of L1 (`actors/member_checks.py`), not the relayer's word -> release as today.
escape      the hatch pays a proven, finalised L2 balance on L1 in wrapped tokens (credited in
            the bridge contract, where they can be burned for release like any). The value
            leaves L2 but stays in circulation: neither a mint nor a burn, so conservation
            (minted - burned <= locked - released) is unchanged by an escape.

Simplifications: the inbox call costs no L1 gas and needs no inclusion (the oracle's latency
stands for it); the contract's caps, rate limit and accountant guard L1 mints only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridgelab.core import memo
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.l2.sequencer import L2Block, L2Tx
from bridgelab.protocol.messages import BridgeMessage, Certificate, certificate_fields
from bridgelab.protocol.verifier import verify_certificate
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, credit_escaped

if TYPE_CHECKING:
    from bridgelab.l2 import Batch, L2System
    from bridgelab.settlement.chain import SettlementChain

ACTOR = "l2-bridge"
# L2 withdrawals are released by nonce like L1 burns; theirs start here, so the two never meet.
L2_NONCE_BASE = 1_000_000_000
# The settlement node pushes final L2 withdrawals to relayers, as it pushes final L1 blocks.
NOTICE_SOURCE = "settlement"


def deposit_ref(nonce: int) -> str:
    """The oracle message id of lock #nonce (one per lock: the oracle refuses a second)."""
    return f"lock-{nonce}"


def lock_nonce(ref: str) -> int | None:
    prefix, _, number = ref.partition("-")
    return int(number) if prefix == "lock" and number.isdigit() else None


@dataclass(frozen=True, slots=True)
class L2WithdrawalFinal:
    """A final L2 withdrawal with its path to the withdrawals root its batch committed."""

    message: BridgeMessage
    batch: int
    leaf: bytes
    proof: merkle.Proof


@dataclass(frozen=True, slots=True)
class L2WithdrawalProof:
    """What a relayer asks the committee to endorse for an L2 withdrawal (cf. `BurnProof`)."""

    relayer: str
    message: BridgeMessage
    batch: int
    leaf: bytes
    proof: merkle.Proof


def _batch_key(batch: Batch) -> tuple[int, bytes]:
    """A batch by value within a run: its number, and the root committing to its
    withdrawals."""
    return batch.number, batch.withdrawals_root


# Each withdrawal of a final batch is proved against the batch's leaves: built once a batch.
@memo.pure("l2/withdrawal-leaves", size=64, key=_batch_key)
def _withdrawal_leaves(batch: Batch) -> tuple[tuple[bytes, ...], dict[str, int]]:
    """The batch's withdrawal leaves, and each withdrawal's position by its L2 transaction."""
    leaves = tuple([item.leaf() for item in batch.withdrawals])
    positions = {item.tx.tx_id: index for index, item in enumerate(batch.withdrawals)}
    return leaves, positions


class L2Gateway:
    """The bridge contract's L2 side: delivers certified deposits, reports credits and burns."""

    def __init__(
        self, world: World, l2: L2System, settlement: SettlementChain, relayers: list[str]
    ) -> None:
        self.world = world
        self.l2 = l2
        self.settlement = settlement
        self.relayers = list(relayers)
        # ref -> (certificate, verified signers) for deposits the oracle accepted.
        self.certificates: dict[str, tuple[Certificate, tuple[int, ...]]] = {}
        self.on_credit: list[Callable[[int | str, L2Tx], None]] = []
        self.on_burn: list[Callable[[str, int], None]] = []
        l2.sequencer.on_confirm.append(self._on_confirm)
        l2.on_withdrawal_final.append(self._on_withdrawal_final)
        l2.hatch.on_payout.append(self._on_escape_payout)

    # -- deposits ----------------------------------------------------------------------------

    def delivered(self, nonce: int) -> bool:
        return deposit_ref(nonce) in self.certificates

    def deliver(self, certificate: Certificate, relayer: str) -> bool:
        """A relayer submits lock #n's certificate; True if the oracle now has the deposit."""
        message = certificate.message
        ref = deposit_ref(message.nonce)
        check, signers = self._check(certificate, ref)
        if check == "ok":
            if self.l2.deposit(message.recipient, message.asset, message.amount, ref):
                self.certificates[ref] = (certificate, signers)
                self.settlement.bridge.minted_nonces.add(message.nonce)
            else:
                check = "oracle_refused"  # a full oracle queue: the relayer retries
        self.world.record(ACTOR, "l2.bridge.deliver", nonce=message.nonce, relayer=relayer,
                          ref=ref, check=check)
        return check == "ok"

    def _check(self, certificate: Certificate, ref: str) -> tuple[str, tuple[int, ...]]:
        message = certificate.message
        bridge = self.settlement.bridge
        if bridge.paused:
            return "paused", ()
        if self.l2.hatch.open:
            return "rollup_frozen", ()
        if message.direction != "deposit":
            return "direction", ()
        if message.source_contract != bridge.escrow_contract:
            return "source_contract", ()
        if (
            ref in self.certificates
            or message.nonce in bridge.minted_nonces
            or message.nonce in bridge.delayed
        ):
            return "nonce_unused", ()
        verdict = verify_certificate(bridge.trust_root, bridge.verifier, certificate)
        if not verdict:
            return f"certificate_{verdict.check}", ()
        return "ok", tuple(verdict.signers)

    def _on_confirm(self, tx: L2Tx, block: L2Block) -> None:
        if tx.kind != "deposit":
            return
        certified = self.certificates.get(tx.ref)
        if certified is not None:
            certificate, signers = certified
            nonce: int | str = certificate.message.nonce
            fields: dict[str, Any] | None = certificate_fields(certificate)
        else:
            # No certificate behind it: the oracle's colluders credited it. Still a mint.
            parsed = lock_nonce(tx.ref)
            nonce, signers, fields = (tx.ref if parsed is None else parsed), (), None
        self.world.record(
            ACTOR, "mint", layer="l2", nonce=nonce, asset=tx.asset, amount=tx.amount,
            recipient=tx.recipient, signers=list(signers), tx=tx.tx_id, ref=tx.ref,
            block=block.number, certificate=fields,
        )
        for callback in self.on_credit:
            callback(nonce, tx)

    # -- withdrawals -------------------------------------------------------------------------

    def _on_withdrawal_final(self, tx: L2Tx) -> None:
        batcher = self.l2.batcher
        # Called while the batcher finalises this batch: it is the last one finalised.
        batch = batcher.batches[batcher.last_finalized_batch]
        leaves, positions = _withdrawal_leaves(batch)
        position = positions[tx.tx_id]
        item = batch.withdrawals[position]
        header = batch.l1_header
        nonce = L2_NONCE_BASE + item.index
        message = BridgeMessage(
            "withdrawal", nonce, tx.asset, tx.amount, tx.sender, tx.recipient, BRIDGE_CONTRACT,
            header.number, header.hash,
        )
        self.world.record(
            ACTOR, "burn", layer="l2", nonce=nonce, asset=tx.asset, amount=tx.amount,
            sender=tx.sender, recipient=tx.recipient, tx=tx.ref, l2_tx=tx.tx_id,
            number=header.number, batch=batch.number, block=item.block,
        )
        for callback in self.on_burn:
            callback(tx.ref, nonce)
        notice = L2WithdrawalFinal(message, batch.number, leaves[position],
                                   merkle.prove(leaves, position))
        network = self.world.network
        for relayer in self.relayers:
            network.send(NOTICE_SOURCE, relayer, notice)

    # -- escapes -----------------------------------------------------------------------------

    def _on_escape_payout(self, account: str, asset: str, amount: int) -> None:
        """The escaped balance becomes wrapped tokens on L1: moved, not minted."""
        credit_escaped(self.settlement.bridge, account, asset, amount)
        self.world.record(ACTOR, "l2.escape.paid_on_l1", account=account, asset=asset,
                          amount=amount)

