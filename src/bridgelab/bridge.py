"""The modelled bridge as one record of its parts.

The runner builds it and alone wires what acts on it (attacks, the adversary, the watcher,
the L2 gateway); the parts below it never import the runner. Attacks, adversary and
watcher are held through the small protocols below, so this record imports nothing from
the packages that act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bridgelab.actors.committee import CommitteeMember
from bridgelab.actors.relayer import Relayer
from bridgelab.checker.monitor import Monitor
from bridgelab.consortium.chain import ConsortiumChain
from bridgelab.core.world import World
from bridgelab.custody.base import Custody
from bridgelab.custody.entities import KeyHolders
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.l2 import L2System
from bridgelab.l2.gateway import L2Gateway
from bridgelab.oracle import OracleSystem
from bridgelab.settlement.chain import SettlementChain
from bridgelab.workload.users import Users


class RunningAttack(Protocol):
    """An attack process: started with the bridge, finished once its rounds have run."""

    finished: bool

    def start(self) -> None: ...

    def at_end(self) -> None: ...


class Adversary(Protocol):
    """The adversary's state: idle once none of its campaigns is in flight."""

    @property
    def idle(self) -> bool: ...

    @property
    def in_flight(self) -> bool:
        """A forged transaction of its own still waits in a mempool, its bridge not paused."""
        ...


@dataclass(slots=True)
class Bridge:
    """Every component of one modelled bridge. `monitor` is the checker fed by the run's
    history; no model part reads it."""

    world: World
    custody: Custody
    holders: KeyHolders
    consortium: ConsortiumChain
    settlement: SettlementChain
    members: list[CommitteeMember]
    relayers: list[Relayer]
    users: Users
    monitor: Monitor
    attacks: list[RunningAttack] = field(default_factory=list)
    oracle: OracleSystem | None = None
    # The watcher (defences/watcher.py), when the scenario configures one.
    watcher: object | None = None
    adversary: Adversary | None = None
    l2: L2System | None = None
    # The bridge's way into the L2 when it is the destination (`[l2] destination = "l2"`).
    l2_gateway: L2Gateway | None = None

    def quiescent(self) -> bool:
        """The workload has settled, every attack has run its course, no mint waits in
        the contract's delay queue (a forged one coming due is the attack's outcome; while
        the bridge is paused nothing in the queue can come due), and no forged transaction
        of the adversary's still waits in a mempool (one priced out by a demand spike may
        yet land; `in_flight` leaves out those a paused contract would refuse). The run
        still ends at its duration: what is pending then is judged inconclusive."""
        contract = self.settlement.bridge
        return (
            self.users.settled.triggered
            and all(attack.finished for attack in self.attacks)
            and (self.adversary is None
                 or (self.adversary.idle and not self.adversary.in_flight))
            and (not contract.delayed or contract.paused)
        )

    def start(self) -> None:
        """Start every process; the world's clock has not moved yet."""
        self.consortium.start()
        self.settlement.start()
        for member in self.members:
            member.start()
        for relayer in self.relayers:
            relayer.start()
        for attack in self.attacks:
            attack.start()
        interval = self.world.scenario.committee.refresh_interval
        if interval > 0 and isinstance(self.custody, ThresholdBlsCustody):
            self.world.env.process(refresh_process(self.world, self.custody, interval))
        self.users.start()


def refresh_process(world: World, custody: ThresholdBlsCustody, interval: float):
    """Proactive share refresh every `interval` simulated seconds."""
    while True:
        yield world.env.timeout(interval)
        key = custody.refresh()
        world.record(
            "custody", "custody.refresh", epoch=key.epoch, group_key=key.group_pk.hex(),
            commitments=[commitment.hex() for commitment in key.commitments],
        )
