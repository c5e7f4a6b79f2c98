"""An attack as a scenario names it: its kind from the catalogue, whom it hits, when, and when
it heals; and what a run must show (`[checks]`). Whether the kind exists and its parameters
and targets fit the scenario is checked with the whole scenario (`attack_checks`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from bridgelab.scenario.base import Amount, Count, Delay, Instant, Name, Period, Strict, Text
from bridgelab.scenario.custody_schema import StorageClass
from bridgelab.scenario.sizes import (
    MAX_ENTITIES,
    MAX_MEMBERS,
    MAX_NODES,
    MAX_RELAYERS,
    MAX_ROUNDS,
    MemberId,
)

TargetSelect = Literal[
    "one", "minority", "majority", "f", "f+1", "threshold-1", "threshold", "all"
]


class Targets(Strict):
    """Whom an attack hits: a count by rule (`select`), named members/entities/relayers/nodes,
    or every entity with an attribute (`jurisdiction`, `organisation`, `provider`, `storage`)."""

    select: TargetSelect | None = Field(None, description="how many to hit, by rule")
    members: list[MemberId("a targeted member (or reporter, or L2 oracle member)")] | None = (
        Field(None, max_length=MAX_MEMBERS, description="targeted members by id")
    )
    entities: list[Name("a targeted entity")] | None = Field(
        None, max_length=MAX_ENTITIES, description="targeted entities by name"
    )
    relayers: list[Count(
        "a targeted relayer id", 0, MAX_RELAYERS - 1, f"there are at most {MAX_RELAYERS} relayers"
    )] | Literal["all"] | None = Field(
        None, max_length=MAX_RELAYERS, description='targeted relayers by id, or "all"'
    )
    nodes: list[Name("a targeted network node")] | None = Field(
        None, max_length=MAX_NODES, description="targeted network nodes by name"
    )
    # By attribute (scenario/attributes.py): every entity whose attributes match all given,
    # and through them their seats, relayers or nodes. Not mixed with the forms above.
    jurisdiction: Name("the jurisdiction whose entities are targeted") | None = None
    organisation: Name("the organisation whose entities are targeted") | None = None
    provider: Name("the hosting provider whose entities are targeted") | None = None
    storage: StorageClass | None = Field(
        None, description="the key storage class whose entities are targeted")


class Schedule(Strict):
    """When: at a time, then every `every` seconds up to `count` times, optionally only once
    a transfer above `when_pending_above` is pending."""

    at: Instant("when the first round starts") = 0.0
    every: Period("seconds between rounds") | None = None
    count: Count(
        "rounds", 1, MAX_ROUNDS, "each round is a fault window the checker keeps"
    ) = 1
    when_pending_above: Amount(
        "start only once a transfer above this is pending", low=0
    ) | None = None


class Heal(Strict):
    """When each round of an attack heals (never, by default)."""

    # Healed at once, a round would be over before it struck: at least the clock's 1 µs.
    after: Delay("seconds after each round starts that it heals", positive=True) | None = None


class Attack(Strict):
    """One attack from the catalogue (`bridgelab attacks list`), with whom, when and heal."""

    kind: Name("a kind from `bridgelab attacks list`")
    name: Text("a label for the attack's events", high=200) = ""
    targets: Targets = Targets()
    schedule: Schedule = Schedule()
    heal: Heal = Heal()
    params: dict[str, object] = Field(
        default_factory=dict, max_length=64, description="the kind's parameters"
    )

    def actor(self, index: int) -> str:
        """Who records this attack's events, `index` being its place in the scenario's list:
        the checker reads which attacks started by it."""
        return self.name or f"attack-{index}:{self.kind}"

    @field_validator("params")
    @classmethod
    def _no_nulls(cls, params: dict[str, object]) -> dict[str, object]:
        # A parameter given as None is one left at its default (TOML cannot even say None):
        # dropped, so that a scenario written out as TOML reads back to the same hash.
        return {key: value for key, value in params.items() if value is not None}


class Checks(Strict):
    """What a run must show: coverage probes it expects, and properties from your modules."""

    expect: list[Name("a coverage probe")] = Field(
        default_factory=list, max_length=100, description="coverage probes the run must hit"
    )
    properties: list[Annotated[str, Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", max_length=200
    )]] = Field(
        default_factory=list, max_length=100,
        description="your properties, as module:attribute (looked up next to the scenario)",
    )
    liveness_grace: Delay(
        "seconds liveness is given after the last heal (default: settlement finality plus two"
        " minutes)"
    ) | None = None
