"""A relayer: watches both chains, gathers endorsements, and delivers certificates.

Relayers are trusted for liveness only. Each message has a primary relayer (nonce mod m); the
others back it up after `backup_delay` if the message is still not delivered. Every wait is
bounded: endorsement rounds and submissions retry with exponential back-off up to a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import simpy

from bridgelab.actors.relayer_blocks import (
    block_proof,
    burn_proof,
    deposits_in,
    lock_proof,
    withdrawals_in,
)
from bridgelab.actors.relayer_gather import Collector, Gathering, OpenBatch
from bridgelab.actors.relayer_submit import Replaying, Submission
from bridgelab.actors.wire import BurnProof, Endorsement, LockProof, MessageProof
from bridgelab.consortium.chain import Committed, ConsortiumChain
from bridgelab.core.recent import RecentSet
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.custody.base import Custody
from bridgelab.l2.gateway import L2WithdrawalFinal, L2WithdrawalProof
from bridgelab.protocol.messages import BridgeMessage
from bridgelab.settlement.chain import Finalized, SettlementChain

if TYPE_CHECKING:
    from bridgelab.l2.gateway import L2Gateway

CENSOR_POLL = 30.0
MAX_CENSOR_POLLS = 100_000


@dataclass(slots=True)
class RelayerStats:
    relayed: int = 0
    certificates: int = 0
    submissions: int = 0
    retries: int = 0
    gave_up: int = 0
    backups: int = 0
    invalid_endorsements: int = 0
    by_direction: dict[str, int] = field(default_factory=dict)


class Relayer(Gathering, Submission):
    """One relayer process with its inbox; per-message delivery runs as its own process."""

    def __init__(
        self,
        world: World,
        index: int,
        count: int,
        custody: Custody,
        consortium: ConsortiumChain,
        settlement: SettlementChain,
        members: list[str],
        trust_root_version: int,
    ) -> None:
        self.world = world
        self.index = index
        self.count = count
        self.node = f"relayer-{index}"
        self.config = world.scenario.relayers
        self.custody = custody
        self.consortium = consortium
        self.settlement = settlement
        self.members = members
        self.trust_root_version = trust_root_version
        self.validator_nodes: list[str] = []
        self.stats = RelayerStats()
        self._seen_heights = RecentSet()
        self._seen_short = RecentSet()
        # Keyed by block hash: after a reorg a new block may carry an old number.
        self._seen_settlement = RecentSet()
        self._collectors: dict[tuple[str, int], Collector] = {}
        self._open_batches: dict[str, OpenBatch] = {}
        self._batch_counter = 0
        self._tx_counter = 0
        # Nemesis hooks: censorship predicates, holding times, replays and double submission,
        # each with the name of the attack that set it, which the relayer's records of the
        # messages struck carry (the checker's evidence that the attack struck).
        self.censors: dict[str, Callable[[BridgeMessage], bool]] = {}
        self.extra_delay = 0.0
        self.delaying = ""
        self.jitter = 0.0
        self.jittering = ""
        self.replay: Replaying | None = None
        self.double_submit = ""
        self._in_flight: list[tuple[float, int]] = []
        self._jitter_rng = world.streams.get(f"relayer/{index}/jitter")
        # Set when the bridge's destination is the L2: deposits go to it, not to an L1 mint.
        self.gateway: L2Gateway | None = None
        self._seen_l2 = RecentSet()
        world.network.add_node(self.node, "relayer")

    def start(self) -> None:
        # A relayer only handles each message as it arrives (its waiting is done by the
        # processes it starts), so its inbox hands messages to `_on_message` directly.
        self.world.network.nodes[self.node].inbox.serve(self._on_message)

    # -- watching ---------------------------------------------------------------------------

    def _on_message(self, item: object) -> None:
        if isinstance(item, Endorsement):
            self._collect(item)
        elif isinstance(item, Committed):
            self._on_consortium_block(item)
        elif isinstance(item, Finalized):
            self._on_settlement_final(item)
        elif isinstance(item, L2WithdrawalFinal):
            self._on_l2_withdrawal(item)

    def _on_consortium_block(self, committed: Committed) -> None:
        block = committed.block
        header = block.header
        if header.height in self._seen_heights:
            return
        if len(committed.commit.votes) < self.consortium.quorum:
            # Too few votes to be the chain's block (a Byzantine minority's push): carry it,
            # once, for the members to refuse, but keep watching for the block at its height.
            if header.hash in self._seen_short:
                return
            self._seen_short.add(header.hash)
        else:
            self._seen_heights.add(header.height)
        # Proofs are built only for the messages carried (a partial, not a closure).
        deposits = deposits_in(block)
        self._carry_block(
            block.events, deposits, partial(lock_proof, self.node, header, committed.commit)
        )

    def _on_settlement_final(self, finalized: Finalized) -> None:
        block = finalized.block
        header = block.header
        if header.hash in self._seen_settlement:
            return
        self._seen_settlement.add(header.hash)
        withdrawals = withdrawals_in(block)
        self._carry_block(block.events, withdrawals, partial(burn_proof, self.node, header))

    def _carry_block(
        self,
        events: Sequence[bytes],
        messages: tuple[tuple[int, BridgeMessage], ...],
        proof_for: Callable[[BridgeMessage, bytes, merkle.Proof], LockProof | BurnProof],
    ) -> None:
        """Dispatch each message a block carries (with its leaf index), with its proof: its
        leaf and Merkle path under the block's events root."""
        for leaf_index, message in messages:
            self._dispatch(message, block_proof(proof_for, message, events, leaf_index))

    def _on_l2_withdrawal(self, notice: L2WithdrawalFinal) -> None:
        """An L2 withdrawal whose batch is final on L1: carry it to the committee."""
        message = notice.message
        if message.nonce in self._seen_l2:
            return
        self._seen_l2.add(message.nonce)
        self._dispatch(message, L2WithdrawalProof(
            self.node, message, notice.batch, notice.leaf, notice.proof
        ))

    # -- delivering -------------------------------------------------------------------------

    def delivered(self, message: BridgeMessage) -> bool:
        """Minted or released; a deposit the destination holds in its delay queue (a challenge
        window, a large-transfer delay) counts too, since submitting it again only reverts. The
        relayer that submitted it watches the queue (`_await_queue`) and delivers again if the
        mint leaves the queue unexecuted."""
        if message.direction == "deposit":
            if self.gateway is not None:
                return self.gateway.delivered(message.nonce)
            bridge = self.settlement.bridge
            return message.nonce in bridge.minted_nonces or message.nonce in bridge.delayed
        return message.nonce in self.consortium.escrow.released_nonces

    def is_primary(self, message: BridgeMessage) -> bool:
        return message.nonce % self.count == self.index

    def _dispatch(self, message: BridgeMessage, proof: MessageProof) -> None:
        """Start carrying a message this relayer has seen, after its work queue if it has
        one (`relayers.service_time_mean` > 0)."""
        if self.config.service_time_mean > 0:
            self.world.env.process(self._queued(message, proof))
        else:
            self._start(message, proof)

    def _queued(self, message: BridgeMessage, proof: MessageProof) -> simpy.events.ProcessGenerator:
        yield from self._serve(message)
        self._start(message, proof)

    def _start(self, message: BridgeMessage, proof: MessageProof) -> None:
        """The primary carries the message now; the others back it up."""
        env = self.world.env
        if self.is_primary(message):
            env.process(self._carry(message, proof))
        else:
            env.process(self._back_up(message, proof))

    def _back_up(
        self, message: BridgeMessage, proof: MessageProof
    ) -> simpy.events.ProcessGenerator:
        """Carry the message only if the primary has not delivered it within `backup_delay`."""
        yield self.world.env.timeout(self.config.backup_delay)
        if self.delivered(message):
            return
        self.stats.backups += 1
        yield from self._carry(message, proof)

    def _carry(self, message: BridgeMessage, proof: MessageProof) -> simpy.events.ProcessGenerator:
        """Past the queue and any back-up wait: the nemesis gate, endorsements, submission."""
        yield from self._nemesis_gate(message)
        if self.delivered(message):
            return
        if self.config.batch_max > 1:
            certificate = yield from self._batched(message, proof)
        else:
            certificate = yield from self._gather(message, proof)
        if certificate is None:
            return
        yield from self._submit(message, certificate)

    def _serve(self, message: BridgeMessage) -> simpy.events.ProcessGenerator:
        """The optional work queue (`relayers.service_time_mean` > 0): one server, FIFO.

        Every message the relayer sees waits for the server, then holds it for an exponential
        service time; `relay.service` records the wait (arrival to start of service).
        """
        env = self.world.env
        server = getattr(self, "_work_server", None)
        if server is None:
            server = self._work_server = simpy.Resource(env, capacity=1)
            self._service_rng = self.world.streams.get(f"relayer/{self.index}/service")
        arrived = env.now
        with server.request() as request:
            yield request
            service = self._service_rng.expovariate(1.0 / self.config.service_time_mean)
            self.world.record(
                self.node, "relay.service", direction=message.direction, nonce=message.nonce,
                wait=round(env.now - arrived, 6), service=round(service, 6),
            )
            yield env.timeout(service)

    def censored(self, message: BridgeMessage) -> bool:
        return any(predicate(message) for predicate in self.censors.values())

    def _nemesis_gate(self, message: BridgeMessage) -> simpy.events.ProcessGenerator:
        """Hold a message while a censoring attack matches it, then add any injected delay."""
        if not (self.censors or self.extra_delay > 0 or self.jitter > 0):
            return  # no relayer attack on: nothing to hold
        env = self.world.env
        about = {"direction": message.direction, "nonce": message.nonce}
        censoring = [attack for attack, predicate in self.censors.items() if predicate(message)]
        if censoring:
            self.world.record(self.node, "relay.censored", **about, attacks=censoring)
            for _ in range(MAX_CENSOR_POLLS):
                yield env.timeout(CENSOR_POLL)
                if not self.censored(message) or self.delivered(message):
                    break
        if self.delivered(message):
            return  # another relayer carried it: holding it now would strike nothing
        # `relay.held` is the evidence that a delaying or reordering attack struck a message
        # (checker/attack_rounds): a window that held nothing tested nothing.
        if self.extra_delay > 0:
            self.world.record(self.node, "relay.held", **about, attack=self.delaying,
                              cause="delay", seconds=self.extra_delay)
            yield env.timeout(self.extra_delay)
        if self.jitter > 0:
            jitter = self._jitter_rng.uniform(0.0, self.jitter)
            self.world.record(self.node, "relay.held", **about, attack=self.jittering,
                              cause="jitter", seconds=round(jitter, 6))
            yield env.timeout(jitter)
