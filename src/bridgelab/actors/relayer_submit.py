"""A relayer submitting certificates: mint bids on the settlement chain (or deliveries to the
L2), releases on the consortium, retries, replays and the destination's delay queue
(`Submission`, a part of `Relayer`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import simpy

from bridgelab.consortium.escrow import ReleaseTx
from bridgelab.custody.base import MINT_STORAGE_GAS
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.settlement.chain import NODE as SETTLEMENT_NODE
from bridgelab.settlement.fees import ETHER, gwei
from bridgelab.settlement.transactions import Fee, MintTx

if TYPE_CHECKING:
    from bridgelab.actors.relayer import RelayerStats
    from bridgelab.core.world import World
    from bridgelab.custody.base import Custody
    from bridgelab.l2.gateway import L2Gateway
    from bridgelab.settlement.chain import SettlementChain

# A bid is on the wire at most this long (the latency cap) before the mempool shows it.
IN_FLIGHT_WINDOW = 30.0
# A queued mint is watched by at most this many polls once due (a pause holds it), each at
# most an hour apart, and delivered again at most this many times after leaving the queue.
MAX_QUEUE_POLLS = 64
MAX_QUEUE_POLL_INTERVAL = 3_600.0
MAX_REQUEUES = 8


@dataclass(frozen=True, slots=True)
class Replaying:
    """A replaying attack's setting on a relayer: `copies` of each certificate it delivers,
    sent `after` seconds, and the attack's name for the `relay.replay` records."""

    copies: int
    after: float
    attack: str


class Submission:
    """How a `Relayer` delivers a certificate until it is delivered, or gives up."""

    world: World
    node: str
    config: Any
    custody: Custody
    settlement: SettlementChain
    stats: RelayerStats
    gateway: L2Gateway | None
    validator_nodes: list[str]
    replay: Replaying | None
    # The double-submitting attack's name, or "".
    double_submit: str
    _in_flight: list[tuple[float, int]]
    _tx_counter: int

    def delivered(self, message: BridgeMessage) -> bool:
        raise NotImplementedError

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
        replaying = self.replay
        assert replaying is not None
        yield self.world.env.timeout(replaying.after)
        for _ in range(replaying.copies):
            if certificate.message.direction == "deposit" and self.gateway is not None:
                self._send_to_l2(certificate, replaying.attack)
            elif certificate.message.direction == "deposit":
                self._send_mint_tx(self._mint_bid(certificate, 0), replaying.attack)
            else:
                self._send_release(certificate, replaying.attack)

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

    def _send_mint_tx(self, tx: MintTx, replaying: str = "") -> None:
        txs = [tx]
        if self.double_submit:
            txs.append(replace(tx, tx_id=self._next_tx_id()))
        self._record_struck(tx.certificate, replaying, [copy.tx_id for copy in txs])
        for copy in txs:
            self.stats.submissions += 1
            self.world.network.send(self.node, SETTLEMENT_NODE, copy)

    def _send_to_l2(self, certificate: Certificate, replaying: str = "") -> None:
        """Hand a certified deposit to the L2's inbox (twice under `double_submit`)."""
        assert self.gateway is not None
        copies = 2 if self.double_submit else 1
        self._record_struck(certificate, replaying, ["l2"] * copies)
        for _ in range(copies):
            self.stats.submissions += 1
            self.gateway.deliver(certificate, self.node)

    def _send_release(self, certificate: Certificate, replaying: str = "") -> None:
        txs = [ReleaseTx(self._next_tx_id(), self.node, certificate, self.world.now)
               for _ in range(2 if self.double_submit else 1)]
        self._record_struck(certificate, replaying, [tx.tx_id for tx in txs])
        for tx in txs:
            self._send_release_once(tx)

    def _record_struck(self, certificate: Certificate, replaying: str, txs: list[str]) -> None:
        """Name the copies a replaying or double-submitting attack made ("l2": handed to the
        L2's gateway at once): the checker holds the attack tested once they reach the
        destination (checker/attack_rounds)."""
        about = {"direction": certificate.message.direction, "nonce": certificate.message.nonce}
        if replaying:
            self.world.record(self.node, "relay.replay", **about, attack=replaying, txs=txs)
        if self.double_submit:
            self.world.record(self.node, "relay.double_submit", **about,
                              attack=self.double_submit, txs=txs)

    def _send_release_once(self, tx: ReleaseTx) -> None:
        self.stats.submissions += 1
        network = self.world.network
        for validator in self.validator_nodes:
            if network.nodes[validator].up and not network.is_cut(self.node, validator):
                network.send(self.node, validator, tx)
                return
        network.send(self.node, self.validator_nodes[0], tx)
