"""Committee collusion: members sign what never happened, or sign twice for one nonce.

Colluding members act through the adversary, which then holds their keys (or shares) and
submits the certificate itself; the destination's verifier decides whether it passes.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

import simpy

from bridgelab.consortium.chain import Committed
from bridgelab.consortium.escrow import LockEvent
from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack
from bridgelab.protocol.messages import BridgeMessage


class FabricatedLock(Attack):
    kind = "collusion.fabricated_lock"

    def _colluders(self) -> list[int]:
        committee = self.world.scenario.committee
        return targets.members(self.spec.targets, committee.members, committee.threshold, self.rng)

    def describe(self) -> dict[str, Any]:
        self._chosen = self._colluders()
        return {"members": self._chosen}

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        self.adversary.take_seats(self._chosen, self.actor)
        yield from self.forge()


class Equivocate(Attack):
    """On the next genuine lock, colluders certify a conflicting message for its nonce."""

    kind = "collusion.equivocate"

    def describe(self) -> dict[str, Any]:
        committee = self.world.scenario.committee
        self._chosen = targets.members(
            self.spec.targets, committee.members, committee.threshold, self.rng
        )
        return {"members": self._chosen}

    def begin(self, round_: int) -> None:
        self.adversary.take_seats(self._chosen, self.actor)
        self._armed = True
        self.bridge.consortium.on_commit.append(self._on_commit)

    def _on_commit(self, committed: Committed) -> None:
        if not getattr(self, "_armed", False):
            return
        header = committed.block.header
        for item in committed.block.decoded:
            if isinstance(item, LockEvent):
                self._armed = False
                genuine = BridgeMessage(
                    "deposit", item.nonce, item.asset, item.amount, item.sender,
                    item.recipient, item.contract, header.height, header.hash,
                )
                conflicting = replace(
                    genuine,
                    recipient=self.params.recipient,
                    amount=max(1, round(item.amount * self.params.amount_factor)),
                )
                self.world.record(
                    self.actor, "attack.equivocate", nonce=item.nonce,
                    genuine_amount=item.amount, forged_amount=conflicting.amount,
                )
                # Below the BLS threshold too: the destination's refusal is the test.
                certificate = self.adversary.certificate(conflicting, self.actor,
                                                         below_threshold=True)
                if certificate is not None:
                    self.adversary.submit_mint(certificate, self.actor)
                return

    def heal(self, round_: int) -> None:
        self._armed = False
        self.adversary.lose_seats(self._chosen, self.actor)
