"""A relayer: watches both chains, gathers endorsements, and delivers certificates.

Relayers are trusted for liveness only. Each message has a primary relayer (nonce mod m); the
others back it up after `backup_delay` if the message is still not delivered. Every wait is
bounded: endorsement rounds and submissions retry with exponential back-off up to a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from bridgelab.actors.wire import BatchRequest, BurnProof, Endorsement, LockProof, MessageProof
from bridgelab.consortium.block import Block, Commit, Header
from bridgelab.consortium.chain import Committed, ConsortiumChain
from bridgelab.consortium.escrow import LockEvent, ReleaseTx
from bridgelab.core import memo
from bridgelab.core.recent import RecentSet
from bridgelab.core.world import World
from bridgelab.crypto import merkle
from bridgelab.custody.base import MINT_STORAGE_GAS, Custody
from bridgelab.l2.gateway import L2WithdrawalFinal, L2WithdrawalProof
from bridgelab.protocol.messages import BatchPath, BridgeMessage, Certificate, batch_digest
from bridgelab.settlement.bridge_contract import BurnEvent
from bridgelab.settlement.chain import NODE as SETTLEMENT_NODE
from bridgelab.settlement.chain import (
    Finalized,
    SettlementBlock,
    SettlementChain,
    SettlementHeader,
)
from bridgelab.settlement.fees import ETHER, gwei
from bridgelab.settlement.transactions import Fee, MintTx

if TYPE_CHECKING:
    from bridgelab.l2.gateway import L2Gateway

CENSOR_POLL = 30.0
# A bid is on the wire at most this long (the latency cap) before the mempool shows it.
IN_FLIGHT_WINDOW = 30.0
MAX_CENSOR_POLLS = 100_000
# A queued mint is watched by at most this many polls once due (a pause holds it), each at
# most an hour apart, and delivered again at most this many times after leaving the queue.
MAX_QUEUE_POLLS = 64
MAX_QUEUE_POLL_INTERVAL = 3_600.0
MAX_REQUEUES = 8
# Blocks whose messages are kept for the other relayers (they read a block within seconds).
RECENT_BLOCKS = 256


@dataclass(slots=True)
class _Collector:
    digest: bytes
    epoch: int
    endorsements: dict[int, bytes]
    met: simpy.Event


@dataclass(slots=True)
class _Batch:
    """Messages of one direction waiting to be endorsed under one root."""

    number: int
    items: list[tuple[BridgeMessage, MessageProof]]
    full: simpy.Event
    # Succeeds with the certificates issued, by message key (empty if none were).
    done: simpy.Event


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


class Relayer:
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
        # Keyed by block hash: after a reorg a new block may carry an old number.
        self._seen_settlement = RecentSet()
        self._collectors: dict[tuple[str, int], _Collector] = {}
        self._open_batches: dict[str, _Batch] = {}
        self._batch_counter = 0
        self._tx_counter = 0
        # Nemesis hooks: censorship predicates by attack, extra holding time, replays.
        self.censors: dict[str, Callable[[BridgeMessage], bool]] = {}
        self.extra_delay = 0.0
        self.jitter = 0.0
        self.replay: tuple[int, float] | None = None
        self.double_submit = False
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
        self._seen_heights.add(header.height)
        # Proofs are built only for the messages carried (a partial, not a closure).
        deposits = _deposits_in(block)
        self._carry_block(
            block.events, deposits, partial(_lock_proof, self.node, header, committed.commit)
        )

    def _on_settlement_final(self, finalized: Finalized) -> None:
        block = finalized.block
        header = block.header
        if header.hash in self._seen_settlement:
            return
        self._seen_settlement.add(header.hash)
        withdrawals = _withdrawals_in(block)
        self._carry_block(block.events, withdrawals, partial(_burn_proof, self.node, header))

    def _carry_block(
        self,
        events: Sequence[bytes],
        messages: tuple[tuple[int, BridgeMessage], ...],
        proof_for: Callable[[BridgeMessage, bytes, merkle.Proof], LockProof | BurnProof],
    ) -> None:
        """Dispatch each message a block carries (with its leaf index), with its proof: its
        leaf and Merkle path under the block's events root."""
        for leaf_index, message in messages:
            self._dispatch(message, _block_proof(proof_for, message, events, leaf_index))

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
        env = self.world.env
        if self.censored(message):
            self.world.record(
                self.node, "relay.censored", direction=message.direction, nonce=message.nonce
            )
            for _ in range(MAX_CENSOR_POLLS):
                yield env.timeout(CENSOR_POLL)
                if not self.censored(message) or self.delivered(message):
                    break
        if self.extra_delay > 0:
            yield env.timeout(self.extra_delay)
        if self.jitter > 0:
            yield env.timeout(self._jitter_rng.uniform(0.0, self.jitter))

    def _gather(self, message: BridgeMessage, proof: MessageProof) -> simpy.events.ProcessGenerator:
        """Endorsements for one message, assembled into its certificate (None if none)."""
        digest = message.digest(self.trust_root_version)
        about = {"direction": message.direction, "nonce": message.nonce}
        self.stats.relayed += 1
        self.world.record(self.node, "relay", **about, members=len(self.members))
        endorsements = yield from self._rounds(
            message.key, digest, proof, about, lambda: self.delivered(message)
        )
        if endorsements is None:
            return None
        certificate = self.custody.assemble(message, self.trust_root_version, endorsements)
        self.stats.certificates += 1
        self.world.record(
            self.node, "certificate", **about, signers=list(certificate.signer_hint)
        )
        return certificate

    def _batched(
        self, message: BridgeMessage, proof: MessageProof
    ) -> simpy.events.ProcessGenerator:
        """Join this direction's open batch and wait for its certificate. If the batch could
        not be certified, the message is gathered on its own."""
        env = self.world.env
        direction = message.direction
        batch = self._open_batches.get(direction)
        if batch is None:
            self._batch_counter += 1
            batch = _Batch(self._batch_counter, [], env.event(), env.event())
            self._open_batches[direction] = batch
            env.process(self._run_batch(direction, batch))
        batch.items.append((message, proof))
        if len(batch.items) >= self.config.batch_max:
            del self._open_batches[direction]
            batch.full.succeed()
        certificates = yield batch.done
        certificate = certificates.get(message.key)
        if certificate is not None or self.delivered(message):
            return certificate
        return (yield from self._gather(message, proof))

    def _run_batch(self, direction: str, batch: _Batch) -> simpy.events.ProcessGenerator:
        """Hold the batch open for `batch_window` (or until full), then certify it."""
        env = self.world.env
        if self.config.batch_window > 0 and not batch.full.triggered:
            yield batch.full | env.timeout(self.config.batch_window)
        if self._open_batches.get(direction) is batch:
            del self._open_batches[direction]
        items = [(message, proof) for message, proof in batch.items if not self.delivered(message)]
        certificates: dict[tuple[str, int], Certificate] = {}
        if len(items) > 1:
            certificates = (yield from self._gather_batch(direction, batch.number, items)) or {}
        # A lone message is left to its own process: a batch of one is a plain certificate.
        batch.done.succeed(certificates)

    def _gather_batch(
        self,
        direction: str,
        number: int,
        items: list[tuple[BridgeMessage, MessageProof]],
    ) -> simpy.events.ProcessGenerator:
        """Endorsements for a Merkle root over the messages' digests; a certificate each."""
        version = self.trust_root_version
        messages = [message for message, _proof in items]
        leaves = [message.digest(version) for message in messages]
        root = merkle.root(leaves)
        digest = batch_digest(root, len(leaves), version)
        request = BatchRequest(self.node, (f"{direction}-batch", number),
                               tuple(proof for _message, proof in items))
        about = {"direction": direction, "nonces": [message.nonce for message in messages]}
        self.stats.relayed += len(messages)
        self.world.record(
            self.node, "relay.batch", **about, root=root.hex()[:16], members=len(self.members)
        )
        endorsements = yield from self._rounds(
            request.key, digest, request, about,
            lambda: all(self.delivered(message) for message in messages),
        )
        if endorsements is None:
            return None
        first = self.custody.assemble(messages[0], version, endorsements)
        self.stats.certificates += 1
        self.world.record(
            self.node, "certificate.batch", **about, signers=list(first.signer_hint)
        )
        return {
            message.key: first.for_batch_member(message, BatchPath(root, path))
            for message, path in zip(messages, merkle.prove_all(leaves), strict=True)
        }

    def _rounds(
        self,
        key: tuple[str, int],
        digest: bytes,
        request: MessageProof | BatchRequest,
        about: dict[str, Any],
        finished: Callable[[], bool],
    ) -> simpy.events.ProcessGenerator:
        """Ask every member that has not endorsed `digest`, wait for the policy or a time-out,
        back off and ask again; the endorsements, or None once `finished` or out of rounds."""
        env = self.world.env
        network = self.world.network
        collector = _Collector(digest, self.custody.epoch, {}, env.event())
        self._collectors[key] = collector
        backoff = self.config.endorse_timeout
        try:
            for attempt in range(self.config.max_retries + 1):
                if attempt:
                    self.stats.retries += 1
                network.multicast(self.node, [
                    member for member_index, member in enumerate(self.members)
                    if member_index not in collector.endorsements
                ], request)
                yield collector.met | env.timeout(backoff)
                if collector.met.triggered:
                    if not self._drop_bad_partials(about, collector):
                        return collector.endorsements
                    continue
                if finished():
                    return None
                backoff *= self.config.retry_backoff
            self.stats.gave_up += 1
            self.world.record(
                self.node, "relay.gave_up", **about, endorsements=len(collector.endorsements)
            )
            return None
        finally:
            # Only its own: in a consortium fork one relayer may carry two conflicting messages
            # for one nonce at once, and the later collector took the key over.
            if self._collectors.get(key) is collector:
                del self._collectors[key]

    def _drop_bad_partials(self, about: dict[str, Any], collector: _Collector) -> bool:
        """Optimistic combination: True if some partials were bad and were dropped."""
        if not getattr(self.custody, "optimistic", False):
            return False
        bad = self.custody.bad_endorsements(collector.digest, collector.endorsements)
        if not bad:
            return False
        for member in bad:
            collector.endorsements.pop(member, None)
        self.stats.invalid_endorsements += len(bad)
        self.world.record(self.node, "relay.bad_endorsements", **about, members=bad)
        collector.met = self.world.env.event()
        if self.custody.policy_met(list(collector.endorsements)):
            collector.met.succeed()
        return True

    def _collect(self, endorsement: Endorsement) -> None:
        collector = self._collectors.get(endorsement.key)
        if collector is None or endorsement.digest != collector.digest:
            return
        # Threshold BLS is checked optimistically: partials are combined first and checked
        # one by one only if the combination fails (see `_drop_bad_partials`).
        if not getattr(self.custody, "optimistic", False) and not self.custody.verify_endorsement(
            endorsement.member, endorsement.digest, endorsement.signature, endorsement.epoch
        ):
            self.stats.invalid_endorsements += 1
            return
        if endorsement.epoch != collector.epoch:
            # The shares were refreshed: partials from different epochs never combine.
            collector.epoch = endorsement.epoch
            collector.endorsements.clear()
        endorsements = collector.endorsements
        endorsements[endorsement.member] = endorsement.signature
        # No policy is met by fewer distinct members than the threshold (`policy_met` in
        # custody/base.py), so the policy is asked only from then on: once per endorsement
        # before, about 14 of a batch's 21.
        if (
            len(endorsements) >= self.custody.threshold
            and not collector.met.triggered
            and self.custody.policy_met(list(endorsements))
        ):
            collector.met.succeed()

    def _submit(
        self, message: BridgeMessage, certificate: Certificate
    ) -> simpy.events.ProcessGenerator:
        """Submit until delivered; while the mint waits in the destination's delay queue,
        watch it, and submit again if it leaves the queue unexecuted: a challenge cancelled it
        (the certificate is genuine, so the mint is owed) or a reorg orphaned its queueing."""
        for requeue in range(MAX_REQUEUES + 1):
            yield from self._submit_rounds(message, certificate, replay=requeue == 0)
            if not self._mint_queued(message):
                return
            if (yield from self._await_queue(message)):
                return
            self.world.record(
                self.node, "relay.requeue", direction=message.direction, nonce=message.nonce
            )

    def _mint_queued(self, message: BridgeMessage) -> bool:
        return (
            message.direction == "deposit"
            and self.gateway is None
            and message.nonce in self.settlement.bridge.delayed
        )

    def _await_queue(self, message: BridgeMessage) -> simpy.events.ProcessGenerator:
        """Wait while the mint is queued: until it is due (and a slot more), then, if a pause
        holds it, poll with back-off. True when there is nothing more to do (minted, or still
        queued after every poll); False when it left the queue without being minted."""
        env = self.world.env
        bridge = self.settlement.bridge
        poll = self.config.inclusion_timeout
        slot = self.world.scenario.settlement.slot_time
        for _ in range(MAX_QUEUE_POLLS):
            item = bridge.delayed.get(message.nonce)
            if item is None:
                return message.nonce in bridge.minted_nonces
            if item.due >= env.now:
                yield env.timeout(item.due - env.now + slot)
            else:
                yield env.timeout(poll)
                poll = min(poll * max(self.config.retry_backoff, 1.0), MAX_QUEUE_POLL_INTERVAL)
        return True

    def _submit_rounds(
        self, message: BridgeMessage, certificate: Certificate, replay: bool
    ) -> simpy.events.ProcessGenerator:
        env = self.world.env
        wait = self.config.inclusion_timeout
        for attempt in range(self.config.max_retries + 1):
            if self.delivered(message):
                if replay and self.replay is not None:
                    self.world.env.process(self._replay(certificate))
                return
            if attempt:
                self.stats.retries += 1
            if message.direction == "deposit":
                if self.gateway is not None:
                    self._send_to_l2(certificate)
                elif not self._send_mint(certificate, attempt):
                    return
            else:
                self._send_release(certificate)
            yield env.timeout(wait)
            wait *= self.config.retry_backoff
        if not self.delivered(message):
            self.stats.gave_up += 1
            self.world.record(
                self.node, "submit.gave_up", direction=message.direction, nonce=message.nonce
            )

    def _replay(self, certificate: Certificate) -> simpy.events.ProcessGenerator:
        """Submit an already delivered certificate again: replay protection must hold."""
        assert self.replay is not None
        copies, after = self.replay
        yield self.world.env.timeout(after)
        for _ in range(copies):
            self.world.record(
                self.node, "relay.replay", direction=certificate.message.direction,
                nonce=certificate.message.nonce,
            )
            if certificate.message.direction == "deposit" and self.gateway is not None:
                self._send_to_l2(certificate)
            elif certificate.message.direction == "deposit":
                self._send_mint_tx(self._mint_bid(certificate, 0))
            else:
                self._send_release(certificate)

    def _next_tx_id(self) -> str:
        self._tx_counter += 1
        return f"{self.node}/tx{self._tx_counter}"

    def funds_left_wei(self) -> int | None:
        budget = self.config.gas_budget_eth
        if budget <= 0:
            return None
        # Like a wallet: what is spent, and what pending bids could still cost, is not free.
        # Bids still on the wire to the chain's RPC node count too.
        now = self.world.now
        self._in_flight = [(sent, cost) for sent, cost in self._in_flight
                           if now - sent < IN_FLIGHT_WINDOW]
        reserved = sum(cost for _sent, cost in self._in_flight)
        spent = self.settlement.fees_by_sender.get(self.node, 0)
        pending = self.settlement.mempool.cost_cap(self.node)
        return round(budget * ETHER) - spent - pending - reserved

    def _mint_bid(self, certificate: Certificate, attempt: int) -> MintTx:
        """A mint transaction bidding the base fee x multiplier, bumped once per retry."""
        config = self.config
        verification_gas = self.custody.verification_gas(certificate)
        bump = config.fee_bump**attempt
        priority_fee = gwei(config.priority_fee_gwei * bump)
        base_fee = self.settlement.fees.base_fee
        max_fee = round(base_fee * config.max_fee_multiplier * bump) + priority_fee
        fee = Fee(verification_gas + MINT_STORAGE_GAS, priority_fee, max_fee)
        return MintTx(self._next_tx_id(), self.node, self.world.now, fee, certificate,
                      verification_gas)

    def _send_mint(self, certificate: Certificate, attempt: int) -> bool:
        """Bid, or re-bid higher over a stuck transaction; False when out of funds."""
        tx = self._mint_bid(certificate, attempt)
        cost = tx.fee.max_cost
        funds = self.funds_left_wei()
        if funds is not None and funds < cost:
            self.stats.gave_up += 1
            self.world.record(
                self.node, "relayer.out_of_funds", nonce=certificate.message.nonce,
                funds_left_wei=funds, needed_wei=cost,
            )
            return False
        key = certificate.message.key
        if self.settlement.mempool.has_mint(key):
            # A pending bid for this message is stuck: replace it with the higher one.
            self.settlement.mempool.drop(
                lambda pending: isinstance(pending, MintTx) and pending.certificate.message.key
                == key and pending.sender == self.node
            )
            if self.settlement.mempool.has_mint(key):
                return True  # another relayer's bid is pending; let it land
        self._send_mint_tx(tx)
        if funds is not None:
            # Only a budgeted wallet reserves for bids on the wire (and prunes the list).
            self._in_flight.append((self.world.now, cost))
        return True

    def _send_mint_tx(self, tx: MintTx) -> None:
        copies = 2 if self.double_submit else 1
        for copy in range(copies):
            if copy:
                tx = replace(tx, tx_id=self._next_tx_id())
            self.stats.submissions += 1
            self.world.network.send(self.node, SETTLEMENT_NODE, tx)

    def _send_to_l2(self, certificate: Certificate) -> None:
        """Hand a certified deposit to the L2's inbox (twice under `double_submit`)."""
        assert self.gateway is not None
        for _ in range(2 if self.double_submit else 1):
            self.stats.submissions += 1
            self.gateway.deliver(certificate, self.node)

    def _send_release(self, certificate: Certificate) -> None:
        if self.double_submit:
            self._send_release_once(certificate)
        self._send_release_once(certificate)

    def _send_release_once(self, certificate: Certificate) -> None:
        tx = ReleaseTx(self._next_tx_id(), self.node, certificate, self.world.now)
        self.stats.submissions += 1
        network = self.world.network
        for validator in self.validator_nodes:
            if network.nodes[validator].up and not network.is_cut(self.node, validator):
                network.send(self.node, validator, tx)
                return
        network.send(self.node, self.validator_nodes[0], tx)


def _block_proof(
    proof_for: Callable[[BridgeMessage, bytes, merkle.Proof], LockProof | BurnProof],
    message: BridgeMessage,
    events: Sequence[bytes],
    leaf_index: int,
) -> LockProof | BurnProof:
    """The proof of the message at `leaf_index` of a block's events (the block's Merkle
    paths are built once, and shared by every relayer that proves one of its messages)."""
    return proof_for(message, events[leaf_index], merkle.prove_all(events)[leaf_index])


def _lock_proof(
    relayer: str, header: Header, commit: Commit, message: BridgeMessage, leaf: bytes,
    proof: merkle.Proof,
) -> LockProof:
    return LockProof(relayer, message, header, commit, leaf, proof)


def _burn_proof(
    relayer: str, header: SettlementHeader, message: BridgeMessage, leaf: bytes,
    proof: merkle.Proof,
) -> BurnProof:
    return BurnProof(relayer, message, header, leaf, proof)


def _block_key(block: Block | SettlementBlock) -> tuple[bytes, tuple[bytes, ...]]:
    """A block by value: its header's digest and its events (what it decodes is read from
    them)."""
    return block.header.hash, block.events


# Every relayer reads every block, and gets it from several validators: the messages a block
# carries are built once and shared, so each message's digest is computed once too. (A
# settlement block's body is pruned only after the block was pushed to the relayers.)
@memo.pure("relayer/deposits", size=RECENT_BLOCKS, key=_block_key)
def _deposits_in(block: Block) -> tuple[tuple[int, BridgeMessage], ...]:
    """The deposit messages a committed consortium block carries, with their leaf indices."""
    header = block.header
    deposits = []
    leaf_index = 0
    for item in block.decoded:
        if isinstance(item, LockEvent):
            message = _message("deposit", item, header.height, header.hash, item.payload)
            deposits.append((leaf_index, message))
        # Decoded tuples annotate the block; they have no leaf of their own.
        if not isinstance(item, tuple):
            leaf_index += 1
    return tuple(deposits)


@memo.pure("relayer/withdrawals", size=RECENT_BLOCKS, key=_block_key)
def _withdrawals_in(block: SettlementBlock) -> tuple[tuple[int, BridgeMessage], ...]:
    """The withdrawal messages a settlement block carries, with their leaf indices."""
    header = block.header
    return tuple(
        (leaf_index, _message("withdrawal", item, header.number, header.hash))
        for leaf_index, item in enumerate(block.decoded)
        if isinstance(item, BurnEvent)
    )


def _message(
    direction: str, event: LockEvent | BurnEvent, block: int, block_hash: bytes,
    payload: str = "",
) -> BridgeMessage:
    """The bridge message for a lock or burn event in the block numbered `block`."""
    return BridgeMessage(
        direction, event.nonce, event.asset, event.amount, event.sender, event.recipient,
        event.contract, block, block_hash, payload,
    )
