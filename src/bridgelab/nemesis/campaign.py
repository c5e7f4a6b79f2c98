"""A forging campaign: the adversary reaches a target total with forgeries sized and paced by
`nemesis.plan`, reading the contracts' public state between them.

Deposits are forged mints on the settlement chain (its cap, bucket, delay threshold, pause
and accountant); withdrawals are forged releases on the consortium escrow (its own cap,
bucket, freeze and balance). A side whose certificates the deployed verifier refuses is given
up after the first try: the attacker can check a certificate against the contract's public
code and trust root, so it does not keep sending ones that fail. Every loop is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import simpy

from bridgelab.consortium.escrow import ReleaseTx
from bridgelab.nemesis import plan
from bridgelab.protocol.messages import Certificate
from bridgelab.protocol.verifier import verify_certificate
from bridgelab.settlement.transactions import MintTx

if TYPE_CHECKING:
    from bridgelab.nemesis.adversary import Adversary

# pending: in the mempool; queued: accepted into the delay queue, executes at its `due`;
# admitted: executed; lost: reverted, dropped, challenged or undone by a reorg.
Status = Literal["pending", "queued", "admitted", "lost"]
# Re-planning rounds a campaign may take beyond one per forgery (waits for refills, for
# forgeries in flight to land, for an accountant's headroom).
EXTRA_ROUNDS = 256
# The shortest wait, so a refill time equal to now cannot spin.
MIN_WAIT = 1e-3


@dataclass(slots=True)
class Sent:
    side: Side
    certificate: Certificate
    tx_id: str
    # Seen in the delay queue: if it then disappears without executing, it was cancelled.
    was_queued: bool = False

    @property
    def nonce(self) -> int:
        return self.certificate.message.nonce

    @property
    def amount(self) -> int:
        return self.certificate.message.amount


class Side:
    """One direction the adversary forges on: the contract's public limits and state, how to
    send a forgery there, and what became of one."""

    direction: plan.DirectionName = "deposit"

    def __init__(self, adversary: Adversary, below_threshold: bool = False) -> None:
        self.adversary = adversary
        self.bridge = adversary.bridge
        self.usable = True
        self.below_threshold = below_threshold

    def limits(self) -> plan.Limits:
        raise NotImplementedError

    def view(self) -> plan.View:
        raise NotImplementedError

    def send(self, amount: int, recipient: str, actor: str) -> Sent | None:
        raise NotImplementedError

    def status(self, sent: Sent) -> Status:
        raise NotImplementedError

    def accepts(self, certificate: Certificate) -> bool:
        """Whether the deployed verifier would accept it (what an `eth_call` shows)."""
        raise NotImplementedError

    def due(self, sent: Sent) -> float | None:
        """When a queued forgery executes (public in the delay queue); None if not queued."""
        return None


class DepositSide(Side):
    direction: plan.DirectionName = "deposit"

    def limits(self) -> plan.Limits:
        state = self.bridge.settlement.bridge
        bucket = state.bucket
        return plan.Limits(
            state.limits.per_transfer_cap,
            bucket.capacity if bucket is not None else None,
            bucket.rate if bucket is not None else 0.0,
            state.limits.delay_threshold, state.limits.delay,
        )

    def view(self) -> plan.View:
        state = self.bridge.settlement.bridge
        headroom = None
        if state.accountant is not None:
            asset = self.bridge.world.scenario.workload.asset
            circulating = state.minted_total.get(asset, 0) - state.burned_total.get(asset, 0)
            queued = sum(
                item.certificate.message.amount for item in state.delayed.values()
                if item.certificate.message.asset == asset
            )
            headroom = max(0, state.accountant(asset) - circulating - queued)
        return plan.View(
            self.bridge.world.now, state.paused,
            state.bucket.copy() if state.bucket is not None else None, headroom,
        )

    def send(self, amount: int, recipient: str, actor: str) -> Sent | None:
        tx = self.adversary.forge_and_submit(amount, recipient, actor, self.below_threshold)
        return None if tx is None else _sent(self, tx)

    def status(self, sent: Sent) -> Status:
        settlement = self.bridge.settlement
        state = settlement.bridge
        if sent.nonce in state.minted_nonces:
            return "admitted"
        if sent.nonce in state.delayed:
            return "queued"
        if settlement.mempool.has_tx(sent.tx_id, MintTx):
            return "pending"
        return "lost"

    def accepts(self, certificate: Certificate) -> bool:
        state = self.bridge.settlement.bridge
        return bool(verify_certificate(state.trust_root, state.verifier, certificate))

    def due(self, sent: Sent) -> float | None:
        item = self.bridge.settlement.bridge.delayed.get(sent.nonce)
        return None if item is None else item.due


class WithdrawalSide(Side):
    direction: plan.DirectionName = "withdrawal"

    def limits(self) -> plan.Limits:
        escrow = self.bridge.consortium.escrow
        bucket = escrow.bucket
        return plan.Limits(
            escrow.per_transfer_cap,
            bucket.capacity if bucket is not None else None,
            bucket.rate if bucket is not None else 0.0,
        )

    def view(self) -> plan.View:
        escrow = self.bridge.consortium.escrow
        asset = self.bridge.world.scenario.workload.asset
        return plan.View(
            self.bridge.world.now, escrow.paused,
            escrow.bucket.copy() if escrow.bucket is not None else None,
            escrow.escrowed.get(asset, 0),
        )

    def send(self, amount: int, recipient: str, actor: str) -> Sent | None:
        escrow = self.bridge.consortium.escrow
        if escrow.kyc is not None and recipient not in escrow.kyc:
            # The allow-list is public: a release to this recipient can never pass. Sent
            # once all the same, so that the escrow's refusal is what the run records.
            self.usable = False
        tx = self.adversary.forge_withdrawal(amount, recipient, actor, self.below_threshold)
        return None if tx is None else _sent(self, tx)

    def status(self, sent: Sent) -> Status:
        consortium = self.bridge.consortium
        if sent.nonce in consortium.escrow.released_nonces:
            return "admitted"
        if any(isinstance(tx, ReleaseTx) and tx.tx_id == sent.tx_id for tx in consortium.mempool):
            return "pending"
        return "lost"

    def accepts(self, certificate: Certificate) -> bool:
        escrow = self.bridge.consortium.escrow
        return bool(verify_certificate(escrow.trust_root, escrow.verifier, certificate))


SIDES: dict[str, type[Side]] = {"deposit": DepositSide, "withdrawal": WithdrawalSide}


def _sent(side: Side, tx: MintTx | ReleaseTx) -> Sent:
    return Sent(side, tx.certificate, tx.tx_id)


def run_campaign(
    adversary: Adversary, target: int, recipient: str, actor: str, pacing: plan.Pacing
) -> simpy.events.ProcessGenerator:
    """Forge `target` in all. `single`: equal parts at once; `adaptive`: planned, paced."""
    if pacing.mode == "single":
        for amount in plan.split_evenly(target, pacing.forgeries):
            if adversary.forge_and_submit(amount, recipient, actor,
                                          pacing.below_threshold) is None:
                return
        return
    yield from _adaptive(adversary, target, recipient, actor, pacing)


def _adaptive(
    adversary: Adversary, target: int, recipient: str, actor: str, pacing: plan.Pacing
) -> simpy.events.ProcessGenerator:
    env = adversary.bridge.world.env
    poll = adversary.bridge.world.scenario.settlement.slot_time
    deadline = None if pacing.within is None else env.now + pacing.within
    sides = [SIDES[direction](adversary, pacing.below_threshold)
             for direction in dict.fromkeys(pacing.directions)]
    sent: list[Sent] = []
    for _round in range(pacing.forgeries + EXTRA_ROUNDS):
        states = [(item, item.side.status(item)) for item in sent]
        for item, status in states:
            if status == "queued":
                item.was_queued = True
            elif status == "lost" and item.was_queued:
                # Challenged in the queue: someone watches it, and more would fare the same.
                item.side.usable = False
        flying = [item for item, status in states if status == "pending"]
        queued = [item for item, status in states if status == "queued"]
        taken = sum(item.amount for item, status in states if status != "lost")
        live = [side for side in sides if side.usable]
        # Queued forgeries are worth waiting for unless the bridge is paused (they would not
        # execute) — and then the campaign stops.
        queued = [item for item in queued if not item.side.view().paused]
        if not live and not queued:
            return
        wait = _next_step(live, sent, flying, queued, target - taken, recipient, actor, pacing,
                          poll)
        if wait == 0.0:
            continue
        if wait is None or (deadline is not None and env.now + wait > deadline):
            return
        yield env.timeout(wait)


def _next_step(
    live: list[Side], sent: list[Sent], flying: list[Sent], queued: list[Sent], remaining: int,
    recipient: str, actor: str, pacing: plan.Pacing, poll: float,
) -> float | None:
    """Send one forgery if one fits (0.0), or say how long to wait (None: the campaign is over)."""
    env = live[0].bridge.world.env if live else queued[0].side.bridge.world.env
    waits: list[float] = []
    if remaining > 0:
        for side in live:
            in_flight = sum(item.amount for item in flying if item.side is side)
            decision = plan.next_forgery(
                side.limits(), side.view(), remaining, pacing.forgeries - len(sent), in_flight,
                poll,
            )
            if decision is None:
                side.usable = False
            elif isinstance(decision, plan.Wait):
                waits.append(max(decision.until - env.now, MIN_WAIT))
            elif _send(side, sent, decision.amount, recipient, actor):
                return 0.0
    # Watch the forgeries in flight land, with limits or without (one priced out of the
    # mempool may wait long, and be dropped), and the queued ones execute (a watcher may
    # cancel them): a lost one is made up if it can be. Bounded by the campaign's rounds.
    if flying:
        waits.append(poll)
    dues = [due for due in (item.side.due(item) for item in queued) if due is not None]
    if dues:
        waits.append(max(min(dues) - env.now, 0.0) + poll)
    return min(waits) if waits else None


def _send(side: Side, sent: list[Sent], amount: int, recipient: str, actor: str) -> bool:
    """Send one forgery. If the deployed verifier would refuse its certificate (the keys held
    do not reach the policy, or no longer do), the attacker learns it and gives the side up."""
    item = side.send(amount, recipient, actor)
    if item is None:
        side.usable = False
        return False
    sent.append(item)
    if not side.accepts(item.certificate):
        side.usable = False
    return True


def start(env: simpy.Environment, campaign: simpy.events.ProcessGenerator) -> None:
    """Run `campaign` now, up to its first wait, then on as a process — so a forgery made
    between other actions at one instant happens in their order, as it does when an attack
    runs it (the hunt's steps are replayed as attacks)."""
    try:
        first = next(campaign)
    except StopIteration:
        return
    env.process(_resume(first, campaign))


def _resume(
    first: simpy.Event, campaign: simpy.events.ProcessGenerator
) -> simpy.events.ProcessGenerator:
    value = yield first
    while True:
        try:
            event = campaign.send(value)
        except StopIteration:
            return
        value = yield event
