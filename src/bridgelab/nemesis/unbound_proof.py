"""A forged proof under a genuine root: `forge.unbound_proof`.

The settlement contract accepts a deposit proven against a consortium block it already
trusts (`process_prove_and_mint`). The adversary takes a real lock event in such a block and
its real Merkle path, and submits them beside a message of its own — a lock that never
happened, for any amount, claiming the same block. A correct contract requires the proven
leaf to encode the message (`leaf_matches_message`) and reverts; one with the
`proof_leaf_unbound` flaw proves the leaf, then mints the message. (BNB Bridge 2022: the
IAVL proof verifier hashed a genuine path while the forged payload beside it went unchecked;
about 2M BNB minted.)
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

import simpy

from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import ESCROW_CONTRACT, LockEvent
from bridgelab.crypto import merkle
from bridgelab.custody.base import CALLDATA_GAS_PER_BYTE, MINT_STORAGE_GAS, TX_BASE_GAS
from bridgelab.nemesis.forgery import ADVERSARY_ACCOUNT, _Forgery, leaf_items
from bridgelab.settlement.transactions import Fee, InclusionProof, ProveAndMintTx

# Slots the attack waits at most for the contract to trust a consortium block.
MAX_ROOT_POLLS = 10_000
# Calldata of the transaction: the message, the header, the path and the leaf.
CALLDATA_BYTES = 32 * 20


class UnboundProof(_Forgery):
    """A real leaf and path under an accepted root, carrying a fabricated message."""

    kind = "forge.unbound_proof"

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        found = yield from self._genuine_lock()
        if found is None:
            self.world.record(self.actor, "attack.failed", reason="no_accepted_root",
                              attack=self.kind, tested=False)
            return
        committed, leaf_index = found
        header = committed.block.header
        leaves = list(committed.block.events)
        fabricated = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        message = replace(fabricated, source_contract=ESCROW_CONTRACT,
                          source_block=header.height, source_block_hash=header.hash)
        tip, max_fee = self._bid()
        fee = Fee(TX_BASE_GAS + CALLDATA_BYTES * CALLDATA_GAS_PER_BYTE + MINT_STORAGE_GAS, tip,
                  max_fee)
        tx = ProveAndMintTx(
            f"{self.actor}/prove{round_}", ADVERSARY_ACCOUNT, self.world.now, fee, message,
            header.hash, InclusionProof(header, merkle.prove(leaves, leaf_index)),
            leaf=leaves[leaf_index],
        )
        # Recorded before it is sent (a `tx.dropped` follows it); `tx` names its outcome.
        self.world.record(
            self.actor, "attack.submit", tx=tx.tx_id, nonce=message.nonce,
            amount=message.amount, recipient=message.recipient, root=header.hash.hex(),
            proof="genuine-leaf", leaf_index=leaf_index,
        )
        self.adversary.inflight.send_settlement(tx, self.actor)
        self._keep(message.recipient)

    def _genuine_lock(self) -> Generator[simpy.Event, Any, tuple[Committed, int] | None]:
        """The newest block still at hand that the contract trusts, and a lock in it; None
        once the run would end before the next poll (the round then tested nothing)."""
        env = self.world.env
        settlement = self.bridge.settlement
        ends = self.world.scenario.scenario.duration
        for _ in range(MAX_ROOT_POLLS):
            accepted = settlement.bridge.accepted_roots
            for committed in reversed(self.bridge.consortium.blocks):
                root = committed.block.header.hash
                if root not in accepted:
                    continue
                for leaf_index, item in leaf_items(committed):
                    if isinstance(item, LockEvent):
                        return committed, leaf_index
            if env.now + settlement.config.slot_time >= ends:
                break
            yield env.timeout(settlement.config.slot_time)
        return None
