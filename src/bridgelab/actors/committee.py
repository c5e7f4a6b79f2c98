"""A PTC committee member: a light client of both chains that endorses only what it verified.

Before signing a lock it checks the header's > 2/3 validator commit, the event's Merkle path,
that the event came from the canonical escrow, and that the message says what the event says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from bridgelab.actors.wire import BurnProof, Endorsement, LockProof
from bridgelab.consortium.block import verify_commit
from bridgelab.consortium.escrow import ESCROW_CONTRACT, LockEvent, lock_emitter
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.custody.base import Custody
from bridgelab.l2.gateway import L2WithdrawalProof, check_l2_withdrawal
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BurnEvent
from bridgelab.settlement.chain import SettlementChain

if TYPE_CHECKING:
    from bridgelab.l2 import L2System

MAX_VERIFIED_HEADERS = 4_096


@dataclass(slots=True)
class MemberStats:
    endorsed: int = 0
    refused: dict[str, int] = field(default_factory=dict)


class CommitteeMember:
    """One member: verifies proofs, signs each message at most once, refuses equivocation."""

    def __init__(
        self,
        world: World,
        index: int,
        custody: Custody,
        validator_keys: tuple[bytes, ...],
        settlement: SettlementChain,
        trust_root_version: int,
    ) -> None:
        self.world = world
        self.index = index
        self.node = f"member-{index}"
        self.custody = custody
        self.validator_keys = validator_keys
        self.settlement = settlement
        self.trust_root_version = trust_root_version
        self.processing_time = world.scenario.committee.processing_time
        # (direction, nonce) -> (digest, key epoch, signature): one message per nonce, ever.
        self.signed: dict[tuple[str, int], tuple[bytes, int, bytes]] = {}
        self.stats = MemberStats()
        # Headers are checked once per light client; the cache is bounded (oldest evicted).
        self._verified_headers: dict[bytes, bool] = {}
        # Set when the bridge's destination is the L2: withdrawals are checked against it.
        self.l2: L2System | None = None
        world.network.add_node(self.node, "member")

    def start(self) -> None:
        self.world.env.process(self._loop())

    def _loop(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        inbox = self.world.network.nodes[self.node].inbox
        while True:
            request = yield inbox.get()
            if self.processing_time > 0:
                yield env.timeout(self.processing_time)
            if isinstance(request, LockProof):
                check = self.check_lock(request)
            elif isinstance(request, BurnProof):
                check = self.check_burn(request)
            elif isinstance(request, L2WithdrawalProof):
                check = check_l2_withdrawal(request, self.l2, self.settlement)
            else:
                continue
            if check != "ok":
                self._refuse(request, check)
                continue
            endorsement = self._endorse(request)
            if endorsement is not None:
                self.world.network.send(self.node, request.relayer, endorsement)

    def _header_committed(self, proof: LockProof) -> bool:
        header_hash = proof.header.hash
        known = self._verified_headers.get(header_hash)
        if known is None:
            known = verify_commit(proof.header, proof.commit, self.validator_keys)
            if len(self._verified_headers) >= MAX_VERIFIED_HEADERS:
                del self._verified_headers[next(iter(self._verified_headers))]
            self._verified_headers[header_hash] = known
        return known

    def check_lock(self, proof: LockProof) -> str:
        """The light-client checks, in order; the first that fails is named."""
        message = proof.message
        if message.direction != "deposit":
            return "direction"
        # Who emitted the event (a leaf that does not parse fails the field check below).
        emitter = lock_emitter(proof.leaf) or message.source_contract
        # The `foreign_contract_events` flaw: the member reads the event's fields but never
        # asks who emitted it.
        if "foreign_contract_events" not in self.world.scenario.bridge.flaws and (
            message.source_contract != ESCROW_CONTRACT or emitter != ESCROW_CONTRACT
        ):
            return "source_contract"
        if (message.source_block, message.source_block_hash) != (
            proof.header.height,
            proof.header.hash,
        ):
            return "source_block"
        if not self._header_committed(proof):
            return "header_commit"
        expected_leaf = LockEvent(
            emitter,
            message.nonce,
            message.asset,
            message.amount,
            message.sender,
            message.recipient,
            "",
            payload=message.payload,
        ).leaf()
        if proof.leaf != expected_leaf:
            return "event_fields"
        if not merkle.verify(proof.header.events_root, proof.leaf, proof.proof):
            return "merkle_inclusion"
        return "ok"

    def check_burn(self, proof: BurnProof) -> str:
        message = proof.message
        if message.direction != "withdrawal":
            return "direction"
        if message.source_contract != BRIDGE_CONTRACT:
            return "source_contract"
        settlement = self.settlement
        number = proof.header.number
        if settlement.confirmations is None:
            final_header = settlement.finalized_header(number)
            if final_header is None:
                return "not_final"
            if final_header != proof.header:
                return "not_canonical"
        else:
            # Configured to act before finality: canonical and deep enough is all it asks.
            if settlement.canonical_header(number) != proof.header:
                return "not_canonical"
            if settlement.depth_of(number) < settlement.confirmations:
                return "not_confirmed"
        if (message.source_block, message.source_block_hash) != (
            proof.header.number,
            proof.header.hash,
        ):
            return "source_block"
        expected_leaf = BurnEvent(
            message.source_contract,
            message.nonce,
            message.asset,
            message.amount,
            message.sender,
            message.recipient,
            "",
        ).leaf()
        if proof.leaf != expected_leaf:
            return "event_fields"
        if not merkle.verify(proof.header.events_root, proof.leaf, proof.proof):
            return "merkle_inclusion"
        return "ok"

    def _endorse(
        self, request: LockProof | BurnProof | L2WithdrawalProof
    ) -> Endorsement | None:
        message = request.message
        digest = message.digest(self.trust_root_version)
        epoch = self.custody.epoch
        previous = self.signed.get(message.key)
        if previous is not None:
            if previous[0] != digest:
                self._refuse(request, "equivocation")
                return None
            if previous[1] == epoch:
                return Endorsement(self.index, message.key, digest, previous[2], epoch)
            # Same message, refreshed share: signing it again is not equivocation.
        signature = self.custody.endorse(self.index, digest)
        self.signed[message.key] = (digest, epoch, signature)
        self.stats.endorsed += 1
        self.world.record(
            self.node,
            "endorse",
            direction=message.direction,
            nonce=message.nonce,
            digest=digest.hex()[:16],
        )
        return Endorsement(self.index, message.key, digest, signature, epoch)

    def _refuse(
        self, request: LockProof | BurnProof | L2WithdrawalProof, check: str
    ) -> None:
        self.stats.refused[check] = self.stats.refused.get(check, 0) + 1
        self.world.record(
            self.node,
            "endorse.refused",
            direction=request.message.direction,
            nonce=request.message.nonce,
            check=check,
        )
