"""Genuine signatures over a claimed digest, beside fields of the adversary's own:
`forge.unbound_digest`.

A verifier may take the digest its signatures sign as an argument of the call, apart from the
nonce, amount and recipient it then acts on. Unless it derives that digest from those fields,
anyone who has seen one honest certificate (every mint's call data is public) can pass its
digest and signatures again with a message of their own. The adversary keeps the latest
honest mint it has seen, included in a block or waiting in the mempool, and submits a
fabricated deposit that claims that certificate's digest (`Certificate.claimed_digest`). The
model's verifier and the bridge's own contract derive the digest from the message, so the
mint reverts on the signature check; a user's contract that trusts its `digest` argument
mints it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from bridgelab.nemesis.toolkit import _Forgery
from bridgelab.protocol.messages import Certificate
from bridgelab.settlement.blocks import SettlementBlock
from bridgelab.settlement.transactions import MintTx

# Slots a round waits at most for an honest mint to copy.
MAX_MEMPOOL_POLLS = 10_000


class UnboundDigest(_Forgery):
    """A fabricated deposit carrying an honest certificate's signatures and its digest."""

    kind = "forge.unbound_digest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Calldata is public once a mint is in a block: watched from the start of the run.
        self._seen: Certificate | None = None
        self._relayers = frozenset(relayer.node for relayer in self.bridge.relayers)
        self.bridge.settlement.on_block.append(self._watch)

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        honest = yield from self._honest_certificate()
        if honest is None:
            # The round tested nothing: the checker counts the attack untested (attack_rounds).
            self.world.record(self.actor, "attack.failed", reason="no_certificate_seen",
                              attack=self.kind, tested=False)
            return
        message = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        # The batch path is left out: the fabricated message is in no batch, and the digest
        # the signatures sign (the batch's, for a batched certificate) is claimed instead.
        forged = Certificate(
            message, honest.trust_root_version, honest.scheme, honest.signatures,
            honest.signer_hint, honest.claimed_signers, None, honest.cosignatures,
            claimed_digest=honest.digest,
        )
        self.world.record(
            self.actor, "attack.replayed_signatures", copied_nonce=honest.message.nonce,
            digest=honest.digest.hex(), signatures=len(honest.signatures), nonce=message.nonce,
        )
        self.adversary.submit_mint(forged, self.actor)
        self._keep(message.recipient)

    def _watch(self, block: SettlementBlock) -> None:
        for tx in block.txs:
            if isinstance(tx, MintTx) and self._honest(tx):
                self._seen = tx.certificate

    def _honest(self, tx: MintTx) -> bool:
        """A mint a relayer sent: the adversary's own forgeries go out under its attacks'
        names and carry no certificate worth copying."""
        return tx.sender in self._relayers

    def _honest_certificate(self) -> Generator[simpy.Event, Any, Certificate | None]:
        """The latest honest certificate seen in a block, else the first waiting in the
        mempool, polled once a slot; None once the run would end before the next poll, so
        that the history says why nothing was submitted."""
        env = self.world.env
        settlement = self.bridge.settlement
        slot_time = settlement.config.slot_time
        ends = self.world.scenario.scenario.duration
        for _ in range(MAX_MEMPOOL_POLLS):
            if self._seen is not None:
                return self._seen
            for pending in settlement.mempool:
                tx = pending.tx
                if isinstance(tx, MintTx) and self._honest(tx):
                    return tx.certificate
            if env.now + slot_time >= ends:
                break
            yield env.timeout(slot_time)
        return None
