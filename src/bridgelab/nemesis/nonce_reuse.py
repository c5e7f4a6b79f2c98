"""ECDSA nonce reuse (Anyswap 2021, class A2): one member's signer repeats its nonce, and two of
its public signatures give its private key away.

At the start the member's signing software is replaced by a flawed one that signs with a
fixed nonce (drawn from its own broken stream, unknown to the adversary). The adversary, as
a relayer anyone may run, asks the member to endorse genuine locks; the first two
endorsements over different digests share r, and `recover_private_key` yields the key. The
adversary checks it against the member's address and adds it to what it holds — on its own
one seat is harmless; with threshold - 1 seats from elsewhere it is the last key needed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import LockEvent
from bridgelab.crypto.ecdsa_raw import (
    N,
    NonceReusingSigner,
    recover_private_key,
    signer_from_secret,
)
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.forgery import AdversaryRelay, leaf_items, lock_proof
from bridgelab.protocol.messages import BridgeMessage

# Genuine locks the adversary asks the member to endorse before it gives up.
MAX_REQUESTS = 64
LOCK_POLL = 5.0
MAX_LOCK_POLLS = 10_000


class NonceReuse(Attack):
    kind = "ecdsa.nonce_reuse"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._original: Any = None
        self._relay: AdversaryRelay | None = None
        self._locks: list[tuple[Committed, LockEvent, int]] = []
        self._following = False

    def describe(self) -> dict[str, Any]:
        return {"member": self.params.member}

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        world = self.world
        custody = self.bridge.custody
        member = self.params.member
        # A round that ends without a recovered key tested nothing (`tested=False`): the
        # checker then counts the attack untested, never as the bridge holding.
        if not isinstance(custody, MultisigCustody):
            # Members endorse with BLS shares; ECDSA signs only rare rotations there.
            world.record(self.actor, "attack.failed", reason="not_applicable",
                         scheme=custody.scheme, attack=self.kind, tested=False)
            return
        if member >= custody.members:
            world.record(self.actor, "attack.failed", reason="no_such_member", member=member,
                         attack=self.kind, tested=False)
            return
        if self._original is None:
            self._original = custody._signers[member]
            nonce = world.streams.get(f"nemesis/{self.index}/flawed-signer").randrange(1, N)
            custody._signers[member] = NonceReusingSigner.replacing(self._original, nonce)
        if self._relay is None:
            self._relay = AdversaryRelay(self)
            self.bridge.consortium.on_commit.append(self._on_commit)
        self._following = True
        self._locks.clear()
        try:
            secret = yield from self._harvest(member)
        finally:
            self._following = False
        if secret is None:
            world.record(self.actor, "attack.failed", reason="no_reused_nonce", member=member,
                         attack=self.kind, tested=False)
            return
        signer = signer_from_secret(secret)
        if signer.address != custody.addresses[member]:
            world.record(self.actor, "attack.failed", reason="wrong_key", member=member,
                         attack=self.kind, tested=False)
            return
        self.adversary.recovered[member] = signer
        world.record(self.actor, "attack.key_recovered", member=member, address=signer.address)
        # With fewer keys than the threshold too: the signatures it has are submitted, and
        # the destination's refusal is what the run tests.
        yield from self.forge()

    def _on_commit(self, committed: Committed) -> None:
        """The adversary follows the consortium chain for genuine locks, as relayers do."""
        if not self._following:
            return
        for leaf_index, item in leaf_items(committed):
            if isinstance(item, LockEvent):
                self._locks.append((committed, item, leaf_index))

    def _harvest(self, member: int) -> Generator[simpy.Event, Any, int | None]:
        """Ask `member` to endorse genuine locks until two signatures share a nonce."""
        assert self._relay is not None
        env = self.world.env
        seen: dict[bytes, bytes] = {}  # digest -> the member's signature over it
        for _ in range(MAX_REQUESTS):
            for _ in range(MAX_LOCK_POLLS):
                if self._locks:
                    break
                yield env.timeout(LOCK_POLL)
            else:
                return None
            committed, event, leaf_index = self._locks.pop(0)
            header = committed.block.header
            message = BridgeMessage(
                "deposit", event.nonce, event.asset, event.amount, event.sender,
                event.recipient, event.contract, header.height, header.hash, event.payload,
            )
            proof = lock_proof(self._relay.node, committed, leaf_index, message)
            endorsements = yield from self._relay.endorse(
                proof, [member], lambda signed: member in signed
            )
            signature = endorsements.get(member)
            if signature is None:
                continue
            digest = message.digest(self._relay.trust_root_version)
            for other_digest, other in seen.items():
                if other[:32] == signature[:32] and other_digest != digest:
                    try:
                        return recover_private_key(other_digest, other, digest, signature)
                    except ValueError:
                        continue
            seen[digest] = signature
        return None

    def heal(self, round_: int) -> None:
        """The member's signing software is fixed; the key it leaked stays leaked."""
        custody = self.bridge.custody
        if self._original is not None and isinstance(custody, MultisigCustody):
            custody._signers[self.params.member] = self._original
            self._original = None
