"""L2 attacks (class G, liveness): the sequencer halts or censors, a bank run on L2, the
deposit message oracle below its quorum.

L1 congestion that delays L2 batches is `settlement.congestion`: the batcher re-bids on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import simpy

from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.judged import JudgedRounds

if TYPE_CHECKING:
    from bridgelab.l2 import L2System
    from bridgelab.l2.sequencer import L2Tx


class _L2Attack(Attack):
    @property
    def l2(self) -> L2System:
        l2 = self.bridge.l2
        if l2 is None:
            raise RuntimeError(f"{self.spec.kind} needs [l2] enabled = true")
        return l2


class _SequencerFault(_L2Attack, JudgedRounds):
    """A sequencer fault judged by what it held up: a round in which no soft-block tick found
    an L2 transaction (that the censor matches) waiting tested nothing."""

    idle_reason = "nothing_held"

    def _matches(self, tx: L2Tx) -> bool:
        return True

    def _evidence_at_start(self) -> None:
        self._started = self.world.now

    def _struck(self) -> bool:
        return self.l2.sequencer.held_back(self._started, self._matches) > 0


class SequencerHalt(_SequencerFault):
    kind = "l2.sequencer_halt"

    def describe(self) -> dict[str, Any]:
        hatch = self.l2.hatch
        return {"escape_timeout": hatch.config.escape_timeout,
                "hatch_deadline": round(hatch.deadline, 6)}

    def begin(self, round_: int) -> None:
        self._open_round()
        self.l2.sequencer.halt()

    def heal(self, round_: int) -> None:
        self._close_round()  # before the heal: the queue still holds what the halt held up
        self.l2.sequencer.heal()


class SequencerCensor(_SequencerFault):
    kind = "l2.sequencer_censor"

    def describe(self) -> dict[str, Any]:
        return {"accounts": list(self.params.accounts), "tx_kinds": list(self.params.tx_kinds)}

    def _matches(self, tx: L2Tx) -> bool:
        accounts = self.params.accounts
        return tx.kind in self.params.tx_kinds and (
            not accounts or tx.sender in accounts or tx.recipient in accounts
        )

    def begin(self, round_: int) -> None:
        self._open_round()
        self.l2.sequencer.censor(self._matches, self.actor)

    def heal(self, round_: int) -> None:
        self._close_round()
        self.l2.sequencer.uncensor()


class RedemptionRun(_L2Attack):
    kind = "l2.redemption_run"

    def describe(self) -> dict[str, Any]:
        asset = self.world.scenario.workload.asset
        balances = self.l2.sequencer.state.balances
        holders = sorted(
            account for (account, held), amount in balances.items()
            if held == asset and amount > 0
        )
        count = min(len(holders), max(1, round(self.params.fraction * len(holders))))
        chosen = set(self.rng.sample(range(len(holders)), count)) if holders else set()
        self._redeemers = [name for index, name in enumerate(holders) if index in chosen]
        return {"holders": len(holders), "redeemers": list(self._redeemers)}

    def begin(self, round_: int) -> simpy.events.ProcessGenerator:
        env = self.world.env
        l2 = self.l2
        asset = self.world.scenario.workload.asset
        cap = self.params.amount_cap
        users = self.bridge.users if self.bridge.l2_gateway is not None else None
        pending: dict[str, int] = {}
        for account in self._redeemers:
            amount = l2.sequencer.state.balance(account, asset)
            if cap is not None:
                amount = min(amount, cap)
            if amount <= 0:
                continue
            ref = f"{self.actor}/{round_}/{account}"
            pending[ref] = amount
            if users is not None:
                users.withdraw_on_l2(account, asset, amount, ref)  # released like any
            else:
                l2.withdraw(account, asset, amount, account, ref)
        started = env.now
        withdrawals = len(pending)
        self.world.record(
            self.actor, "l2.redemption.run", round=round_, withdrawals=withdrawals,
            amount=sum(pending.values()), queue=l2.sequencer.redemption_queue,
        )
        done = env.event()

        def settled(tx: L2Tx, *_: Any) -> None:
            if pending.pop(tx.ref, None) is not None and not pending and not done.triggered:
                done.succeed()

        l2.on_withdrawal_final.append(settled)
        l2.sequencer.on_reject.append(settled)
        try:
            if pending:
                yield done | env.timeout(self.params.max_wait)
        finally:
            l2.on_withdrawal_final.remove(settled)
            l2.sequencer.on_reject.remove(settled)
        self.world.record(
            self.actor, "l2.redemption.drained", round=round_,
            after=round(env.now - started, 6), outstanding=len(pending),
        )
        if not withdrawals:
            # Nobody held anything to redeem: the round put no load on the bridge's exit.
            self.world.record(self.actor, "attack.failed", reason="nothing_to_redeem",
                              attack=self.kind, tested=False)


class OracleOffline(_L2Attack, JudgedRounds):
    """Oracle members offline; a round tested something only if one of them missed an
    approval (a message came in, or its approval came due, while it was away)."""

    kind = "l2.oracle_offline"
    idle_reason = "nothing_missed"

    def _missed(self) -> int:
        missed = self.l2.oracle.missed
        return sum(missed[index] for index in self._members)

    def _evidence_at_start(self) -> None:
        self._missed_before = self._missed()

    def _struck(self) -> bool:
        return self._missed() > self._missed_before

    def describe(self) -> dict[str, Any]:
        oracle = self.l2.oracle
        count = len(oracle.members)
        quorum = self.l2.config.oracle_quorum
        chosen_targets = self.spec.targets
        if chosen_targets.members is not None:
            chosen = sorted(set(chosen_targets.members))
            if chosen and chosen[-1] >= count:
                raise ValueError(
                    f"{self.spec.kind}: oracle member ids are 0..{count - 1}, found {chosen[-1]}"
                )
        else:
            chosen = targets.pick(list(range(count)), chosen_targets.select or "all", quorum,
                                  self.rng)
        self._members = chosen
        return {"oracle_members": chosen, "online": count - len(chosen), "quorum": quorum}

    def strikes_nothing(self) -> str | None:
        return None if self._members else "oracle members"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._members))
        self.l2.oracle.set_online(self._members, False)

    def heal(self, round_: int) -> None:
        self.l2.oracle.set_online(self._members, True)
        self._close_round()
