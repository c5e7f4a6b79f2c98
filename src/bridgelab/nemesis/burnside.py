"""Forgeries on the withdrawal path, the mirror of the deposit-side ones in `forgery`.

- `forge.foreign_burn`: a copycat contract on the settlement chain emits a burn-layout event
  (nothing burnt); the adversary relays it with a genuine Merkle proof under a final block,
  claiming the canonical bridge. Committee flaw `foreign_burn_events` (class C, burn side).

Against the correct committee it fails on a named check (`source_contract`): the members
refuse to endorse, and the attack records the refusal.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from bridgelab.actors.wire import BurnProof
from bridgelab.crypto import merkle
from bridgelab.nemesis.adversary import ADVERSARY_TIP_GWEI
from bridgelab.nemesis.forgery import ADVERSARY_ACCOUNT, AdversaryRelay, _Forgery
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT
from bridgelab.settlement.chain import SettlementBlock
from bridgelab.settlement.copycat import COPYCAT_BRIDGE, COPYCAT_GAS, CopycatBurnTx
from bridgelab.settlement.copycat import ForeignBurn as CopycatEvent
from bridgelab.settlement.fees import gwei
from bridgelab.settlement.transactions import Fee

# The copycat's nonces start far from the bridge's burns and from fabricated ones.
COPYCAT_BURN_NONCE_BASE = 3_000_000_000
NONCES_PER_ATTACK = 1_000_000
# Seconds the attack waits at most for its copycat call to be included.
INCLUSION_WAIT = 3_600.0
# Slots the attack waits at most for its event's block to become final.
MAX_FINALITY_POLLS = 10_000


class ForeignBurn(_Forgery):
    """A copycat's burn event relayed as the bridge's: a release with no burn behind it."""

    kind = "forge.foreign_burn"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._adversary_relay: AdversaryRelay | None = None

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        world, settlement = self.world, self.bridge.settlement
        nonce = COPYCAT_BURN_NONCE_BASE + self.index * NONCES_PER_ATTACK + round_
        tip = gwei(ADVERSARY_TIP_GWEI)
        tx = CopycatBurnTx(
            f"{self.actor}/copycat-burn{round_}", ADVERSARY_ACCOUNT, world.now,
            Fee(COPYCAT_GAS, tip, settlement.fees.base_fee * 4 + tip),
            world.scenario.workload.asset, self.params.amount, self.params.recipient, nonce,
        )
        found = self._watch(tx.tx_id)
        settlement.submit(tx)
        world.record(self.actor, "attack.copycat_burn", contract=COPYCAT_BRIDGE, nonce=nonce,
                     amount=self.params.amount)
        yield found | world.env.timeout(INCLUSION_WAIT)
        if not found.triggered:
            world.record(self.actor, "attack.failed", reason="not_included", nonce=nonce,
                         attack=self.kind, tested=False)
            return
        block = found.value
        final = yield from self._await_final(block)
        if not final:
            world.record(self.actor, "attack.failed", reason="not_final", nonce=nonce,
                         attack=self.kind, tested=False)
            return
        proof = self._proof(block, tx.tx_id)
        relay = self._relay()
        custody = self.bridge.custody
        endorsements = yield from relay.endorse(
            proof, list(range(custody.members)), custody.policy_met,
        )
        if not custody.policy_met(list(endorsements)):
            world.record(self.actor, "attack.failed", reason="endorsements_refused",
                         nonce=nonce, endorsements=sorted(endorsements),
                         threshold=custody.threshold)
            return
        certificate = custody.assemble(proof.message, relay.trust_root_version, endorsements)
        self.adversary.submit_release(certificate, self.actor)

    def _watch(self, tx_id: str) -> simpy.Event:
        """An event that fires with the settlement block that includes `tx_id`."""
        found = self.world.env.event()

        def watch(block: SettlementBlock) -> None:
            if not found.triggered and any(t.tx_id == tx_id for t in block.txs):
                found.succeed(block)

        self.bridge.settlement.on_block.append(watch)
        return found

    def _await_final(self, block: SettlementBlock) -> Generator[simpy.Event, Any, bool]:
        """Wait until `block` is final and still canonical (a reorg may have dropped it)."""
        settlement = self.bridge.settlement
        number = block.header.number
        for _ in range(MAX_FINALITY_POLLS):
            canonical = settlement.canonical_header(number)
            if canonical is None or canonical.hash != block.header.hash:
                return False
            if settlement.finalized_number >= number:
                return True
            yield self.world.env.timeout(settlement.config.slot_time)
        return False

    def _proof(self, block: SettlementBlock, tx_id: str) -> BurnProof:
        """A genuine proof of the copycat's event; the message claims the bridge emitted it."""
        index, event = next(
            (i, item.event) for i, item in enumerate(block.decoded)
            if isinstance(item, CopycatEvent) and item.event.tx_id == tx_id
        )
        header = block.header
        message = BridgeMessage(
            "withdrawal", event.nonce, event.asset, event.amount, event.sender,
            event.recipient, BRIDGE_CONTRACT, header.number, header.hash,
        )
        leaves = list(block.events)
        relay = self._relay()
        return BurnProof(relay.node, message, header, leaves[index], merkle.prove(leaves, index))

    def _relay(self) -> AdversaryRelay:
        if self._adversary_relay is None:
            self._adversary_relay = AdversaryRelay(self)
        return self._adversary_relay
