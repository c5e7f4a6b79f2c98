"""Byzantine consortium validators: equivocation, conflicting votes, split proposals,
withheld votes and Twins (the misbehaviour itself lives in consortium/byzantine.py).

The targets are validators: `targets.nodes` names them (`validator-3`), or `targets.select`
counts them (f = (n - 1) // 3 of n validators; "threshold" is the commit quorum). The honest
validators are split into two sides: `params.side_a` names side A, or the attack's stream
draws half of them. To double-spend, the adversary locks `amount` on side A only: a member
following block A certifies that lock while the chain goes on with block B, where the
adversary never paid.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bridgelab.consortium.byzantine import Behaviour, ByzantinePlan
from bridgelab.consortium.escrow import LockTx
from bridgelab.nemesis import targets
from bridgelab.nemesis.forgery import ADVERSARY_ACCOUNT
from bridgelab.nemesis.judged import JudgedRounds

VALIDATOR_PREFIX = "validator-"


class _Byzantine(JudgedRounds):
    behaviour: ClassVar[Behaviour]
    # Whether the behaviour needs the adversary's lock (a fork to double-spend in).
    forks: ClassVar[bool] = True
    idle_reason = "nothing_proposed"
    # The plan of the round in progress, which `_struck` judges.
    _plan: ByzantinePlan | None = None

    def describe(self) -> dict[str, Any]:
        chain = self.bridge.consortium
        names = [validator.node for validator in chain.validators]
        spec = self.spec.targets
        if spec.nodes:
            chosen = sorted({names.index(node) for node in spec.nodes if node in names})
        else:
            chosen = [names.index(node) for node in
                      targets.pick(names, spec.select or "f", chain.quorum, self.rng)]
        self._byzantine = tuple(chosen)
        honest = [i for i in range(len(names)) if i not in chosen]
        named = getattr(self.params, "side_a", None) or []
        if named:
            # Node names or a role, as a partition's sides are named.
            network = self.world.network
            on_side_a = {node for name in named for node in network.select(name)}
            side_a = [i for i in honest if names[i] in on_side_a]
        else:
            drawn = self.rng.sample(honest, len(honest) // 2)
            side_a = sorted(drawn)
        self._side_a = tuple(side_a)
        side_b = [i for i in honest if i not in side_a]
        return {
            "behaviour": self.behaviour,
            "validators": [names[i] for i in chosen],
            "side_a": [names[i] for i in side_a],
            "side_b": [names[i] for i in side_b],
        }

    def strikes_nothing(self) -> str | None:
        return None if self._byzantine else "validators"

    def begin(self, round_: int) -> None:
        world = self.world
        chain = self.bridge.consortium
        inject = None
        if self.forks:
            params = self.params
            asset = world.scenario.workload.asset
            # The adversary buys the asset on the consortium chain, like anyone can; on the
            # branch without its lock it still holds it.
            balances = chain.escrow.balances
            key = (ADVERSARY_ACCOUNT, asset)
            balances[key] = balances.get(key, 0) + params.amount
            inject = LockTx(
                f"{self.actor}/lock{round_}", ADVERSARY_ACCOUNT, asset, params.amount,
                params.recipient, world.now,
            )
            world.record(self.actor, "attack.lock", tx=inject.tx_id, amount=params.amount,
                         recipient=params.recipient, side="a")
        splits = getattr(self.params, "splits", 1)
        self._open_round()  # judges the last round first, if it never healed
        self._plan = ByzantinePlan(
            self.behaviour, self._byzantine, self._side_a, splits_left=splits, inject=inject,
        )
        chain.install_byzantine(self._plan)

    def heal(self, round_: int) -> None:
        plan = self.bridge.consortium.byzantine
        if plan is not None:
            plan.active = False
        self._close_round()

    def _evidence_at_start(self) -> None:
        """Nothing to note: each round installs a plan of its own, which counts what it did."""

    def _struck(self) -> bool:
        """A round that never split a proposal no honest validator signed a side of (no
        Byzantine leader came up, no round ran, the split reached no honest validator), whose
        short conflicting commit no member refused, or, withholding, that saw no consensus
        round tested nothing: the agreement it leaves intact was never asked."""
        plan = self._plan
        if plan is None:
            return False
        if self.behaviour == "withhold-votes":
            return plan.rounds_seen > 0
        if self.behaviour == "conflicting-votes" and not plan.forks:
            # A commit too short to stand tested the bridge only if a member refused it.
            return any(short in member.stats.refused_headers
                       for short in plan.short_commits for member in self.bridge.members)
        if self.behaviour == "conflicting-votes":
            return plan.splits_done > 0
        return plan.splits_heard > 0  # a split no honest validator signed asked nobody


class Equivocate(_Byzantine):
    kind = "consortium.equivocate"
    behaviour = "equivocate"


class ConflictingVotes(_Byzantine):
    kind = "consortium.conflicting-votes"
    behaviour = "conflicting-votes"


class SplitProposal(_Byzantine):
    """Equivocation along a real partition: the two honest sides cannot reach each other
    until the heal, so neither can tell the other a second block exists."""

    kind = "consortium.split-proposal"
    behaviour = "split-proposal"

    def begin(self, round_: int) -> None:
        super().begin(round_)
        names = [validator.node for validator in self.bridge.consortium.validators]
        side_a = [names[i] for i in self._side_a]
        side_b = [names[i] for i in range(len(names))
                  if i not in self._side_a and i not in self._byzantine]
        self._cuts = [(a, b) for a in side_a for b in side_b]
        self._cuts += [(b, a) for a, b in self._cuts]
        for src, dst in self._cuts:
            self.world.network.cut(src, dst, self.actor)

    def heal(self, round_: int) -> None:
        super().heal(round_)
        for src, dst in self._cuts:
            self.world.network.restore(src, dst, self.actor)


class WithholdVotes(_Byzantine):
    kind = "consortium.withhold-votes"
    behaviour = "withhold-votes"
    forks = False


class Twins(_Byzantine):
    kind = "consortium.twins"
    behaviour = "twins"
