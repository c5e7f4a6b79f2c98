"""A Hypothesis state machine over the live model: it searches for a sequence of user and
adversary actions that breaks a safety property, then shrinks it to a minimal one.

Rules: honest deposits, compromising an entity (every seat it holds or can sign for),
forging with what the adversary holds, censoring a relayer, and advancing simulated time —
within a budget of entities, relayers and time. A forgery is a campaign (`nemesis.plan`): a
target amount, at most a number of forgeries, and a pacing — adaptive (sized and paced
against the contract's public limits as simulated time advances) or single (the amount in
equal parts at once); the search draws all three. The invariant is every safety property.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bridgelab.core.history import History
from bridgelab.nemesis import campaign
from bridgelab.nemesis.adversary import Adversary
from bridgelab.nemesis.plan import PACING_MODES, Pacing
from bridgelab.runner import Bridge, build
from bridgelab.scenario.model import Scenario

# Shrinking prefers earlier choices: a single minute is the simplest way to let time pass.
ADVANCE_CHOICES = (60, 15, 5, 300, 900)
# Forged deposits (mints), forged withdrawals too (releases from the escrow), or only those.
DIRECTION_CHOICES = (("deposit",), ("deposit", "withdrawal"), ("withdrawal",))
ACTOR = "hunt"


@dataclass(frozen=True)
class Budget:
    """What the adversary may spend: entities compromised, relayers censored, time."""

    entities: int = 2
    relayers: int = 1
    horizon: float = 3_600.0
    # A forgery's target (the search may choose less) and the most forgeries it may send.
    forge_amount: int = 10_000_000
    forgeries: int = 16


@dataclass
class Step:
    time: float
    action: str
    args: dict[str, Any] = field(default_factory=dict)


class SafetyViolated(AssertionError):
    """Raised by the invariant; carries the first violation for the explanation."""


def hunt_scenario(scenario: Scenario) -> Scenario:
    """The scenario the hunt explores: the user's bridge and workload, none of its attacks."""
    return scenario.model_copy(update={"attacks": []})


class HuntState(RuleBasedStateMachine):
    """One fresh bridge per example; steps are recorded for the replay file.

    The actions the rules take live here; `make_machine` declares the rules themselves, whose
    strategies depend on the scenario and the budget. Hypothesis orders rules by name, so
    the rule names (not their place in the class) decide how a search draws and shrinks."""

    model_scenario: ClassVar[Scenario]
    model_seed: ClassVar[int]
    # The scenario's directory: the files it names (its own contract, its properties'
    # modules) are read relative to it, as `bridgelab run` reads them.
    model_base_dir: ClassVar[Path | None] = None
    hunt_budget: ClassVar[Budget]
    last_steps: ClassVar[list[Step]] = []
    last_violation: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.history = History(keep=True)
        self.bridge: Bridge = build(self.model_scenario, self.model_seed, self.history,
                                    self.model_base_dir)
        self.adversary = Adversary(self.bridge)
        self.bridge.adversary = self.adversary
        self.bridge.start()
        self.compromised: list[str] = []
        self.censored: list[int] = []
        self.steps: list[Step] = []
        self.deposits = 0
        type(self).last_steps = self.steps
        type(self).last_violation = None

    @property
    def now(self) -> float:
        return self.bridge.world.now

    def _step(self, action: str, **args: Any) -> None:
        self.steps.append(Step(round(self.now, 6), action, args))

    def advance_by(self, seconds: int) -> None:
        target = min(self.hunt_budget.horizon, self.now + seconds)
        if target > self.now:
            self._step("advance", seconds=seconds)
            self.bridge.world.env.run(until=target)

    def deposit_from(self, user: int, amount: int) -> None:
        name = self.bridge.users.names[user]
        self.deposits += 1
        self._step("deposit", user=name, amount=amount)
        self.bridge.users.deposit(name, amount, f"{name}/hunt{self.deposits}")

    def compromise_entity(self, entity: str) -> None:
        if entity in self.compromised:
            return
        self.compromised.append(entity)
        seats = list(self.bridge.holders.seats_controlled([entity]))
        self._step("compromise", entity=entity, seats=seats)
        self.adversary.take_seats(seats, ACTOR)

    def start_forgery(self, amount: int, forgeries: int, pacing: str,
                      directions: tuple[str, ...]) -> None:
        self._step("forge", amount=amount, forgeries=forgeries, pacing=pacing,
                   directions=list(directions))
        plan = Pacing(pacing, forgeries, directions)  # type: ignore[arg-type]
        campaign.start(
            self.bridge.world.env, self.adversary.campaign(amount, "attacker", ACTOR, plan)
        )

    def censor_relayer(self, relayer: int) -> None:
        if relayer in self.censored:
            return
        self.censored.append(relayer)
        self._step("censor", relayer=relayer)
        self.bridge.relayers[relayer].censors[ACTOR] = lambda _message: True

    @invariant()
    def safety_holds(self) -> None:
        for violation in self.bridge.monitor.violations:
            if violation.property.startswith("safety."):
                type(self).last_violation = violation.to_dict()
                raise SafetyViolated(
                    f"{violation.property} at t={violation.time:.3f}: {violation.detail}"
                )


def make_machine(scenario: Scenario, seed: int, budget: Budget,
                 base_dir: Path | None = None) -> type[RuleBasedStateMachine]:
    """The state machine for `scenario`: its rules draw from the scenario's entities, users,
    relayers and amounts, within `budget`; the files it names are read from `base_dir`."""
    entity_names = [e.name for e in scenario.entities] or [
        f"operator-{m}" for m in range(scenario.committee.members)
    ]
    relayer_count = scenario.relayers.count
    users = max(1, scenario.workload.users)
    amount_max = scenario.workload.amount_max

    class BridgeHunt(HuntState):
        model_scenario = hunt_scenario(scenario)
        model_seed = seed
        model_base_dir = base_dir
        hunt_budget = budget

        @rule(seconds=st.sampled_from(ADVANCE_CHOICES))
        def advance(self, seconds: int) -> None:
            self.advance_by(seconds)

        @rule(user=st.integers(0, users - 1), amount=st.integers(1, amount_max))
        def deposit(self, user: int, amount: int) -> None:
            self.deposit_from(user, amount)

        @precondition(lambda self: len(self.compromised) < budget.entities)
        @rule(entity=st.sampled_from(entity_names))
        def compromise(self, entity: str) -> None:
            self.compromise_entity(entity)

        # Shrinking prefers the budget's whole amount, one forgery, adaptive pacing and
        # forged deposits only.
        @rule(
            amount=st.integers(0, budget.forge_amount - 1).map(lambda v: budget.forge_amount - v),
            forgeries=st.integers(1, budget.forgeries),
            pacing=st.sampled_from(PACING_MODES),
            directions=st.sampled_from(DIRECTION_CHOICES),
        )
        def forge(self, amount: int, forgeries: int, pacing: str,
                  directions: tuple[str, ...]) -> None:
            self.start_forgery(amount, forgeries, pacing, directions)

        @precondition(lambda self: len(self.censored) < budget.relayers)
        @rule(relayer=st.integers(0, relayer_count - 1))
        def censor(self, relayer: int) -> None:
            self.censor_relayer(relayer)

    return BridgeHunt
