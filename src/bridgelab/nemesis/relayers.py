"""Relayer misbehaviour: censorship by predicate, delay, reordering, replay, double submission.

Relayers are untrusted for integrity, so none of these may break safety; censorship by all
relayers stops liveness until it heals.
"""

from __future__ import annotations

from typing import Any

from bridgelab.actors.relayer_submit import Replaying
from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack
from bridgelab.protocol.messages import BridgeMessage


class _RelayerAttack(Attack):
    def describe(self) -> dict[str, Any]:
        count = len(self.bridge.relayers)
        self._targets = [
            self.bridge.relayers[i] for i in targets.relayers(self.spec.targets, count, self.rng)
        ]
        return {"relayers": [relayer.node for relayer in self._targets]}

    def strikes_nothing(self) -> str | None:
        return None if self._targets else "relayers"


class Censor(_RelayerAttack):
    kind = "relayer.censor"

    def _matches(self, message: BridgeMessage) -> bool:
        params = self.params
        if message.direction not in params.directions:
            return False
        parties = (message.sender, message.recipient)
        if params.users and not any(user in parties for user in params.users):
            return False
        if params.assets and message.asset not in params.assets:
            return False
        return params.amount_above is None or message.amount > params.amount_above

    def begin(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.censors[self.actor] = self._matches

    def heal(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.censors.pop(self.actor, None)


class Delay(_RelayerAttack):
    kind = "relayer.delay"

    def begin(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.extra_delay, relayer.delaying = self.params.delay, self.actor

    def heal(self, round_: int) -> None:
        for relayer in self._targets:
            if relayer.delaying == self.actor:  # not undoing a later attack's delay
                relayer.extra_delay, relayer.delaying = 0.0, ""


class Reorder(_RelayerAttack):
    kind = "relayer.reorder"

    def begin(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.jitter, relayer.jittering = self.params.max_jitter, self.actor

    def heal(self, round_: int) -> None:
        for relayer in self._targets:
            if relayer.jittering == self.actor:
                relayer.jitter, relayer.jittering = 0.0, ""


class Replay(_RelayerAttack):
    kind = "relayer.replay"

    def begin(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.replay = Replaying(self.params.copies, self.params.after, self.actor)

    def heal(self, round_: int) -> None:
        for relayer in self._targets:
            if relayer.replay is not None and relayer.replay.attack == self.actor:
                relayer.replay = None


class DoubleSubmit(_RelayerAttack):
    kind = "relayer.double_submit"

    def begin(self, round_: int) -> None:
        for relayer in self._targets:
            relayer.double_submit = self.actor

    def heal(self, round_: int) -> None:
        for relayer in self._targets:
            if relayer.double_submit == self.actor:
                relayer.double_submit = ""
