"""What the adversary's attacks share: keys of its own, real Merkle proofs of committed
consortium blocks, waiting for its transaction to commit, a relayer node of its own that
collects endorsements as an honest relayer checks them, and the base of the forgeries.
"""


from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from bridgelab.actors.wire import Endorsement, LockProof
from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import ForeignEvent
from bridgelab.crypto import merkle
from bridgelab.crypto.symbolic import EcdsaSigning, make_ecdsa_signer
from bridgelab.nemesis.adversary import ADVERSARY_TIP_GWEI
from bridgelab.nemesis.base import Attack
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.fees import gwei

if TYPE_CHECKING:
    from bridgelab.custody.base import Custody

# The adversary's own account on the consortium chain.
ADVERSARY_ACCOUNT = "adversary"
# How long the adversary waits for its consortium transaction, and for endorsements.
COMMIT_WAIT = 600.0
ENDORSE_WAIT = 30.0


def own_keys(attack: Attack, count: int) -> list[EcdsaSigning]:
    """Fresh secp256k1 keys drawn from the attack's stream; they never leave the adversary.

    Of the run's kind of signatures (same draws, same addresses, either way).
    """
    signatures = attack.world.scenario.committee.signatures
    return [
        make_ecdsa_signer(attack.rng.getrandbits(256).to_bytes(32, "big"), signatures)
        for _ in range(count)
    ]


def leaf_items(committed: Committed) -> Generator[tuple[int, Any], None, None]:
    """(leaf index, decoded item) for each item of a block that has a leaf (reverts do not)."""
    leaf_index = 0
    for item in committed.block.decoded:
        if isinstance(item, tuple):
            continue
        yield leaf_index, item
        leaf_index += 1


def lock_proof(
    relayer: str, committed: Committed, leaf_index: int, message: BridgeMessage
) -> LockProof:
    """A real proof: the committed header, its commit, and the event's Merkle path."""
    leaves = list(committed.block.events)
    return LockProof(
        relayer, message, committed.block.header, committed.commit, leaves[leaf_index],
        merkle.prove(leaves, leaf_index),
    )


def await_commit(
    attack: Attack, tx_id: str, wait: float = COMMIT_WAIT
) -> Generator[simpy.Event, Any, tuple[Committed, Any, int] | None]:
    """Wait for `tx_id` in a committed consortium block: (block, decoded item, leaf index).

    A reverted transaction comes back as its ("revert", tx_id, check) item with index -1;
    None if no block carried it within `wait` seconds (the failure is recorded).
    """
    env = attack.world.env
    found = env.event()

    def watch(committed: Committed) -> None:
        if found.triggered:
            return
        for item in committed.block.decoded:
            if isinstance(item, tuple) and item[1] == tx_id:
                found.succeed((committed, item, -1))
                return
        for leaf_index, item in leaf_items(committed):
            event = item.event if isinstance(item, ForeignEvent) else item
            if getattr(event, "tx_id", None) == tx_id:
                found.succeed((committed, item, leaf_index))
                return

    attack.bridge.consortium.on_commit.append(watch)
    yield found | env.timeout(wait)
    if not found.triggered:
        # The consortium never committed it (down, cut off): the bridge never saw it.
        attack.world.record(attack.actor, "attack.failed", reason="not_committed", tx=tx_id,
                            attack=attack.spec.kind, tested=False)
        return None
    committed, item, leaf_index = found.value
    if leaf_index < 0:
        attack.world.record(attack.actor, "attack.failed", reason="reverted", tx=tx_id,
                            check=item[2])
        return None
    return committed, item, leaf_index


@dataclass(slots=True)
class _Request:
    digest: bytes
    epoch: int
    endorsements: dict[int, bytes]
    enough: Callable[[list[int]], bool]
    done: simpy.Event


class AdversaryRelay:
    """The adversary's own relayer node: relaying is permissionless, so it may ask any member
    to endorse a proof and collect the answers, checked as an honest relayer checks them."""

    def __init__(self, attack: Attack) -> None:
        self.world = attack.world
        self.custody: Custody = attack.bridge.custody
        self.trust_root_version = attack.bridge.members[0].trust_root_version
        self.member_nodes = [member.node for member in attack.bridge.members]
        self.node = f"adversary-relay-{attack.index}"
        network = self.world.network
        network.add_node(self.node, "adversary")
        network.connect_all([self.node], self.member_nodes)
        self._requests: dict[tuple[str, int], _Request] = {}
        # It only reacts to what members send back, so it serves its inbox.
        network.nodes[self.node].inbox.serve(self._on_message)

    def _on_message(self, item: object) -> None:
        if isinstance(item, Endorsement):
            self._collect(item)

    def _collect(self, endorsement: Endorsement) -> None:
        request = self._requests.get(endorsement.key)
        if request is None or endorsement.digest != request.digest:
            return
        if not self.custody.verify_endorsement(
            endorsement.member, endorsement.digest, endorsement.signature, endorsement.epoch
        ):
            return
        if endorsement.epoch != request.epoch:
            request.epoch = endorsement.epoch
            request.endorsements.clear()
        request.endorsements[endorsement.member] = endorsement.signature
        if not request.done.triggered and request.enough(list(request.endorsements)):
            request.done.succeed()

    def endorse(
        self,
        proof: LockProof,
        members: list[int],
        enough: Callable[[list[int]], bool],
        wait: float = ENDORSE_WAIT,
    ) -> Generator[simpy.Event, Any, dict[int, bytes]]:
        """Send `proof` to `members`; return what they endorsed once `enough` or at `wait`."""
        env = self.world.env
        message = proof.message
        request = _Request(
            message.digest(self.trust_root_version), self.custody.epoch, {}, enough, env.event()
        )
        self._requests[message.key] = request
        for member in members:
            self.world.network.send(self.node, self.member_nodes[member], proof)
        yield request.done | env.timeout(wait)
        del self._requests[message.key]
        return dict(request.endorsements)


class _Forgery(Attack):
    def _bid(self) -> tuple[int, int]:
        tip = gwei(ADVERSARY_TIP_GWEI)
        return tip, self.bridge.settlement.fees.base_fee * 4 + tip

    def _keep(self, account: str) -> None:
        """Unbacked tokens minted to `account` are the adversary's to cash out."""
        if account not in self.adversary.accounts:
            self.adversary.accounts.append(account)

