"""The shape every attack shares: wait for its schedule, strike, optionally heal, repeat.

Subclasses implement `begin` (and `heal` when healing means something); the driver records
`fault.start` and `fault.heal` so checkers can tell fault windows from healed time.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar

import simpy

from bridgelab.nemesis.specs import CATALOG, AttackInfo
from bridgelab.scenario import attributes
from bridgelab.scenario.base import Strict
from bridgelab.scenario.model import Attack as AttackSpec

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge
    from bridgelab.nemesis.adversary import Adversary

PENDING_POLL = 5.0
MAX_PENDING_WAIT = 1_000_000


class Attack:
    """One scheduled attack from the scenario, driven as its own SimPy process."""

    kind: ClassVar[str] = ""

    def __init__(
        self, bridge: Bridge, adversary: Adversary, index: int, spec: AttackSpec
    ) -> None:
        self.bridge = bridge
        self.world = bridge.world
        self.adversary = adversary
        self.index = index
        self.info: AttackInfo = CATALOG[spec.kind]
        # An attribute selection (`targets = { jurisdiction = "X" }`) becomes the named
        # targets it stands for, once, before anything runs; the run records both.
        self.selected_by = attributes.wanted(spec.targets)
        if self.selected_by:
            spec = spec.model_copy(update={"targets": attributes.explicit_targets(
                bridge.world.scenario, spec.kind, self.info.target_role, spec.targets,
                spec.params,
            )})
        self.spec = spec
        self.params: Any = self.info.params.model_validate(spec.params)
        self.actor = spec.actor(index)
        self.rng = self.world.streams.get(f"nemesis/{index}/{spec.kind}")
        self.active = False
        self.finished = False
        # Inside a round's `begin` (a forgery still waiting for what it needs), for `at_end`.
        self.in_round = False

    @property
    def config(self) -> Strict:
        return self.params

    def start(self) -> None:
        self.world.env.process(self._drive())

    def _drive(self) -> simpy.events.ProcessGenerator:
        yield from self._rounds()
        self.finished = True

    def _rounds(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        schedule = self.spec.schedule
        if schedule.at > env.now:
            yield env.timeout(schedule.at - env.now)
        if schedule.when_pending_above is not None:
            yield from self._wait_for_large_transfer(schedule.when_pending_above)
        for round_ in range(schedule.count):
            started = env.now
            self.active = True
            heal_after = self.spec.heal.after
            self.world.record(
                self.actor, "fault.start", attack=self.spec.kind, round=round_,
                heals_at=None if heal_after is None else round(started + heal_after, 6),
                **self.describe(),
                **({"selected_by": self.selected_by} if self.selected_by else {}),
            )
            missing = self.strikes_nothing()
            if missing is not None:
                # Nobody to strike: the round cannot test the bridge, whatever follows.
                self.world.record(self.actor, "attack.failed", reason="no_target",
                                  missing=missing, attack=self.spec.kind, tested=False)
            self.in_round = True
            outcome = self.begin(round_)
            if inspect.isgenerator(outcome):
                yield from outcome
            self.in_round = False
            if self.spec.heal.after is not None:
                remaining = started + self.spec.heal.after - env.now
                if remaining > 0:
                    yield env.timeout(remaining)
                self.heal(round_)
                self.active = False
                self.world.record(self.actor, "fault.heal", attack=self.spec.kind, round=round_)
            if schedule.every is None or round_ == schedule.count - 1:
                break
            wait = started + schedule.every - env.now
            if wait > 0:
                yield env.timeout(wait)

    def _wait_for_large_transfer(self, amount: int) -> Generator[simpy.Event, Any, None]:
        """Poll the consortium's committed locks until one above `amount` is in flight."""
        env = self.world.env
        for _ in range(MAX_PENDING_WAIT):
            minted = self.bridge.settlement.bridge.minted_nonces
            for committed in reversed(self.bridge.consortium.blocks[-50:]):
                for item in committed.block.decoded:
                    nonce = getattr(item, "nonce", None)
                    if (
                        getattr(item, "amount", 0) > amount
                        and type(item).__name__ == "LockEvent"
                        and nonce not in minted
                    ):
                        return
            yield env.timeout(PENDING_POLL)

    def at_end(self) -> None:
        """Called as the run ends: a round still inside `begin` (a forgery waiting for a
        commit, inclusion, finality or a trusted block; keys waiting out a dwell or the next
        period; a redemption run waiting for its withdrawals) never did all it was asked, so
        it counts as testing nothing; the record says so, as a round that gave up would
        (checker/attack_rounds)."""
        if self.in_round:
            self.world.record(self.actor, "attack.failed", reason="unfinished",
                              attack=self.spec.kind, tested=False)

    def describe(self) -> dict[str, Any]:
        """Public facts about the targets, for the `fault.start` record."""
        return {}

    def strikes_nothing(self) -> str | None:
        """What this round's targets turned out to be empty of (no node, link, relayer,
        proposer or validator to strike), or None; read after `describe`."""
        return None

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None] | None:
        raise NotImplementedError

    def heal(self, round_: int) -> None:
        """Undo the fault; attacks whose effect cannot be undone keep this no-op."""

    def forge(self, within: float | None = None) -> Generator[simpy.Event, Any, None]:
        """Forge the attack's `amount` with what the adversary holds, paced as its params say
        (`params.ForgingParams`); `within` bounds the campaign unless the params do."""
        params = self.params
        yield from self.adversary.campaign(
            params.amount, params.recipient, self.actor, params.plan(within)
        )
