"""Faults of the settlement chain itself: forced reorgs, demand spikes (congestion) and
proposers that censor the bridge."""

from __future__ import annotations

import random
from typing import Any

import simpy

from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.judged import JudgedRounds
from bridgelab.scenario.model import DemandSpike
from bridgelab.settlement.chain import Censorship, SettlementBlock
from bridgelab.settlement.execution import EXECUTION
from bridgelab.settlement.transactions import BackgroundTx, Transaction


class Reorg(Attack):
    kind = "settlement.reorg"

    def begin(self, round_: int) -> None:
        if self.bridge.settlement.reorg(self.params.depth, cause=self.actor) == 0:
            # Every block was already final (or none was made yet): nothing was orphaned.
            self.world.record(self.actor, "attack.failed", reason="nothing_to_orphan",
                              attack=self.kind, tested=False)


class Congestion(JudgedRounds):
    """A demand spike; a round tested something only if a block was made while its spike
    was on (fees read demand when a block is made) with a transaction of the bridge's (not
    background demand) in it or left waiting. A spike that raises neither demand nor tips
    strikes nothing."""

    kind = "settlement.congestion"
    idle_reason = "nothing_pending"
    _window = (0.0, 0.0)
    _watching = False
    _hits = 0

    def strikes_nothing(self) -> str | None:
        params = self.params
        raises = params.factor > 1 or params.priority_factor > 1
        return None if raises and params.factor >= 1 and params.priority_factor >= 1 else (
            "demand")

    def _evidence_at_start(self) -> None:
        self._hits_before = self._hits

    def _struck(self) -> bool:
        return self._hits > self._hits_before

    def _on_block(self, block: SettlementBlock) -> None:
        start, end = self._window
        if not start <= self.world.now < end:
            return
        settlement = self.bridge.settlement
        if any(not isinstance(tx, BackgroundTx) for tx in block.txs) or any(
                not isinstance(pending.tx, BackgroundTx) for pending in settlement.mempool):
            self._hits += 1

    def begin(self, round_: int) -> None:
        now = self.world.now
        self._open_round(self.strikes_nothing() is None)
        self._window = (now, now + self.params.duration)
        if not self._watching:
            self.bridge.settlement.on_block.append(self._on_block)
            self._watching = True
        self.bridge.settlement.fees.add_spike(
            DemandSpike(
                start=now, end=now + self.params.duration, factor=self.params.factor,
                priority_factor=self.params.priority_factor,
            )
        )
        self._judging = round_
        self.world.env.process(self._judge_at_the_end(self.params.duration, round_))

    def _judge_at_the_end(self, duration: float, round_: int) -> simpy.events.ProcessGenerator:
        yield self.world.env.timeout(duration)
        if self._judging == round_:  # not a later round, which judged this one as it began
            self._close_round()


def tx_parties(tx: Transaction) -> frozenset[str]:
    """The accounts a settlement transaction touches: its sender, and the recipient (and
    sender) of the message it mints or of the burn it makes."""
    parties = {tx.sender}
    message = getattr(getattr(tx, "certificate", None), "message", None) or getattr(
        tx, "message", None
    )
    if message is not None:
        parties.update((message.sender, message.recipient))
    recipient = getattr(tx, "recipient", None)
    if isinstance(recipient, str):
        parties.add(recipient)
    return frozenset(parties)


def censoring_proposers(rng: random.Random, proposers: int, fraction: float) -> frozenset[int]:
    """round(fraction x proposers) of the proposers, drawn by the attack's stream."""
    count = min(proposers, round(fraction * proposers))
    return frozenset(rng.sample(range(proposers), count))


class SettlementCensor(Attack):
    """A share of the settlement chain's proposers leave the bridge's transactions (or
    those touching listed addresses) out of their blocks; the others include them."""

    kind = "settlement.censor"

    def describe(self) -> dict[str, Any]:
        proposers = self.world.scenario.settlement.proposers
        self._proposers = censoring_proposers(self.rng, proposers, self.params.fraction)
        return {
            "proposers": sorted(self._proposers),
            "fraction": len(self._proposers) / proposers,
            "addresses": list(self.params.addresses),
        }

    def strikes_nothing(self) -> str | None:
        return None if self._proposers else "proposers"

    def _excludes(self, tx: Transaction) -> bool:
        if isinstance(tx, BackgroundTx):
            return False
        if self.params.addresses:
            return not tx_parties(tx).isdisjoint(self.params.addresses)
        # The bridge's own transactions: those the bridge contract executes.
        return type(tx) in EXECUTION

    def begin(self, round_: int) -> None:
        self.bridge.settlement.censorships[self.actor] = Censorship(
            self.actor, self._proposers, self._excludes
        )

    def heal(self, round_: int) -> None:
        self.bridge.settlement.censorships.pop(self.actor, None)
