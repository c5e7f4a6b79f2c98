"""The L1→L2 message oracle: M of N members must approve a deposit before L2 credits it.

Honest members approve only deposits the bridge really delivered; colluding members approve
anything, so M colluders can credit a deposit that never happened (a fake-deposit attack).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import simpy

from bridgelab.core.world import World
from bridgelab.scenario.l2_schema import L2

ACTOR = "l2-oracle"
# Each member's speed is this spread around the configured median; each message varies less.
MEMBER_SPREAD = (0.5, 1.5)
MESSAGE_JITTER = (0.9, 1.1)


@dataclass(frozen=True, slots=True)
class DepositMessage:
    ref: str
    recipient: str
    asset: str
    amount: int
    requested_at: float


@dataclass(slots=True)
class OracleMember:
    index: int
    latency: float
    online: bool = True
    colluding: bool = False


class MessageOracle:
    """Collects approvals per message; at the quorum it hands the message to `deliver`."""

    def __init__(
        self, world: World, config: L2, deliver: Callable[[DepositMessage], None]
    ) -> None:
        self.world = world
        self.config = config
        self.deliver = deliver
        self.members: list[OracleMember] = []
        for index in range(config.oracle_members):
            rng = world.streams.get(f"l2/oracle/{index}")
            latency = config.oracle_latency * rng.uniform(*MEMBER_SPREAD)
            self.members.append(OracleMember(index, latency))
        self._genuine: dict[str, None] = {}
        self._pending: dict[str, DepositMessage] = {}
        self._approvals: dict[str, list[int]] = {}
        self._done: dict[str, None] = {}
        # Approvals each member missed because it was offline: an offline attack's evidence.
        self.missed = [0] * len(self.members)

    # -- inputs ------------------------------------------------------------------------------

    def submit(self, message: DepositMessage) -> bool:
        """A deposit the bridge saw final on L1: every online member starts checking it."""
        self._genuine[message.ref] = None
        return self._enqueue(message)

    def forge(self, message: DepositMessage) -> bool:
        """An attacker's message with no L1 deposit behind it: only colluders approve it."""
        return self._enqueue(message)

    def _enqueue(self, message: DepositMessage) -> bool:
        if message.ref in self._pending or message.ref in self._done:
            return False
        if len(self._pending) >= self.config.queue_capacity:
            self.world.record(ACTOR, "l2.deposit.dropped", ref=message.ref, reason="queue_full")
            return False
        self._pending[message.ref] = message
        self._approvals[message.ref] = []
        for member in self.members:
            if member.online:
                self._schedule(member, message)
            else:
                self.missed[member.index] += 1
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- fault hooks -------------------------------------------------------------------------

    def set_online(self, indices: list[int], online: bool) -> None:
        """Take members offline (they miss messages) or back online (they catch up)."""
        for index in indices:
            member = self.members[index]
            if member.online == online:
                continue
            member.online = online
            kind = "l2.oracle.online" if online else "l2.oracle.offline"
            self.world.record(ACTOR, kind, member=index)
            if online:
                for ref, message in list(self._pending.items()):
                    if index not in self._approvals[ref]:
                        self._schedule(member, message)

    def collude(self, indices: list[int], colluding: bool = True) -> None:
        for index in indices:
            self.members[index].colluding = colluding
        self.world.record(ACTOR, "l2.oracle.collude", members=list(indices), colluding=colluding)

    # -- approvals ---------------------------------------------------------------------------

    def _schedule(self, member: OracleMember, message: DepositMessage) -> None:
        rng = self.world.streams.get(f"l2/oracle/{member.index}")
        delay = member.latency * rng.uniform(*MESSAGE_JITTER)
        self.world.env.process(self._approve_after(member, message.ref, delay))

    def _approve_after(
        self, member: OracleMember, ref: str, delay: float
    ) -> simpy.events.ProcessGenerator:
        yield self.world.env.timeout(delay)
        message = self._pending.get(ref)
        if message is None:
            return
        if not member.online:
            self.missed[member.index] += 1  # it went offline before it could approve
            return
        approvals = self._approvals[ref]
        if member.index in approvals:
            return
        if not (member.colluding or ref in self._genuine):
            return  # an honest member finds no such deposit on L1
        approvals.append(member.index)
        if len(approvals) < self.config.oracle_quorum:
            return
        del self._pending[ref]
        del self._approvals[ref]
        self._done[ref] = None
        genuine = ref in self._genuine
        self._genuine.pop(ref, None)
        self.world.record(
            ACTOR, "l2.deposit.approved", ref=ref, recipient=message.recipient,
            asset=message.asset, amount=message.amount, members=sorted(approvals),
            genuine=genuine,
        )
        self.deliver(message)
