"""Key compromise: coerced or hacked operators, and a mobile adversary that collects keys.

Compromising an entity yields every seat it holds or can sign for (delegations included).
The adversary forges with what it holds; refreshed threshold-BLS shares do not combine.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack


class KeyCompromise(Attack):
    kind = "key.compromise"

    def describe(self) -> dict[str, Any]:
        holders = self.bridge.holders
        spec_targets = self.spec.targets
        if spec_targets.entities:
            self._entities = list(spec_targets.entities)
        elif spec_targets.select:
            names = [operator.name for operator in holders.operators]
            threshold = self.world.scenario.committee.threshold
            self._entities = targets.pick(names, spec_targets.select, threshold, self.rng)
        else:
            self._entities = []
        seats = set(holders.seats_controlled(self._entities))
        committee = self.world.scenario.committee
        if spec_targets.members is not None:
            seats |= set(targets.members(spec_targets, committee.members, committee.threshold,
                                         self.rng))
        self._seats = sorted(seats)
        return {"entities": self._entities, "seats": self._seats}

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        # The keys are lost at the heal: a campaign still pacing its forgeries stops then.
        heal_at = None if self.spec.heal.after is None else env.now + self.spec.heal.after
        self.adversary.take_seats(self._seats, self.actor)
        if not self.params.forge:
            return
        if self.params.dwell > 0:
            yield env.timeout(self.params.dwell)
        for attempt in range(self.params.attempts):
            if attempt:
                yield env.timeout(self.params.retry_every)
            if not self.active and self.spec.heal.after is not None:
                return
            if heal_at is not None and env.now > heal_at:
                return
            yield from self.forge(within=None if heal_at is None else heal_at - env.now)

    def heal(self, round_: int) -> None:
        self.adversary.lose_seats(self._seats, self.actor)


class MobileAdversary(Attack):
    """Each period, `seats_per_period` more seats; a forgery attempt after each."""

    kind = "key.mobile"

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        members = self.world.scenario.committee.members
        started = env.now
        for period in range(self.params.periods):
            wait = started + period * self.params.period - env.now
            if wait > 0:
                yield env.timeout(wait)
            remaining = [seat for seat in range(members) if seat not in self._taken()]
            if not remaining:
                remaining = list(range(members))
            count = min(self.params.seats_per_period, len(remaining))
            seats = sorted(self.rng.sample(remaining, count))
            self.adversary.take_seats(seats, self.actor)
            # A campaign ends before the next period's seats are taken.
            yield from self.forge(within=self.params.period)

    def _taken(self) -> set[int]:
        # Seats whose current-epoch share (or key) the adversary already has.
        epoch = self.bridge.custody.epoch
        held = {seat for (seat, share_epoch) in self.adversary.shares if share_epoch == epoch}
        if not self.adversary.shares:
            held = set(self.adversary.seats)
        return held


class Forge(Attack):
    """Forge with whatever the adversary holds at this moment."""

    kind = "adversary.forge"

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        yield from self.forge()
