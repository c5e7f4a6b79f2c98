"""Attacks that target by attribute: every seat, validator and relayer of the entities in one
jurisdiction, of one organisation, on one hosting provider or one storage class.

`targets = { jurisdiction = "X" }` (or `provider`, `organisation`, `storage`; several keys
must all match) selects the entities whose attribute matches, in name order, and through
them what the attack acts on: their entities (key compromise), the seats they hold
(collusion), the relayers they run, or the nodes of a role (crash, partition). The selection
is resolved once, before the run, into the explicit named targets every attack already
understands, so a run's `fault.start` names exactly who was hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridgelab.scenario.model import Entity, Scenario, Targets

ATTRIBUTES = ("jurisdiction", "organisation", "provider", "storage")
# What an attribute selection yields, by the attack's target role (or, for the kinds that
# take a `role` parameter, by that role).
ROLE_KINDS = ("node.crash", "network.partition")
UNSPECIFIED = "unspecified"


@dataclass(frozen=True, slots=True)
class Holder:
    """An entity as attribute targeting sees it (one per member when none are declared)."""

    name: str
    jurisdiction: str
    organisation: str
    provider: str
    storage: str
    members: tuple[int, ...]
    validators: tuple[int, ...]
    relayers: tuple[int, ...]

    def attribute(self, key: str) -> str:
        return str(getattr(self, key))


def holders(scenario: Scenario) -> list[Holder]:
    """The scenario's entities in name order; without any, one per member, as custody has."""
    if not scenario.entities:
        return [
            Holder(f"operator-{m}", UNSPECIFIED, f"operator-{m}", UNSPECIFIED, "hsm", (m,), (), ())
            for m in range(scenario.committee.members)
        ]
    return sorted(
        (_holder(entity) for entity in scenario.entities), key=lambda holder: holder.name
    )


def _holder(entity: Entity) -> Holder:
    return Holder(
        entity.name, entity.jurisdiction, entity.organisation or entity.name, entity.provider,
        entity.storage, tuple(sorted(entity.members)), tuple(sorted(entity.validators)),
        tuple(sorted(entity.relayers)),
    )


def wanted(targets: Targets) -> dict[str, str]:
    """The attribute keys a `targets` table sets (empty: it selects by other means)."""
    return {key: value for key in ATTRIBUTES if (value := getattr(targets, key)) is not None}


def matching(scenario: Scenario, attributes: dict[str, str]) -> list[Holder]:
    return [
        holder for holder in holders(scenario)
        if all(holder.attribute(key) == value for key, value in attributes.items())
    ]


def values(scenario: Scenario, key: str) -> list[str]:
    """Every value `key` takes among the scenario's entities, sorted."""
    return sorted({holder.attribute(key) for holder in holders(scenario)})


def role_of(kind: str, target_role: str, params: dict[str, Any]) -> str | None:
    """What an attribute selection picks for this attack: "entity", "member", "relayer" or
    "validator"; None when the kind does not target entities, seats, relayers or nodes."""
    if kind in ROLE_KINDS:
        return str(params.get("role", "validator"))
    return target_role if target_role in ("entity", "member", "relayer", "validator") else None


def resolve(scenario: Scenario, targets: Targets, role: str) -> dict[str, Any]:
    """The explicit targets an attribute selection stands for (sorted, deterministic)."""
    chosen = matching(scenario, wanted(targets))
    if role == "entity":
        return {"entities": [holder.name for holder in chosen]}
    items = {"member": "members", "relayer": "relayers"}[role]
    return {items: sorted({i for holder in chosen for i in getattr(holder, items)})}


def resolve_for_nodes(scenario: Scenario, targets: Targets, role: str) -> list[str]:
    """The node names of `role` the attribute selection picks (crash and partition)."""
    chosen = matching(scenario, wanted(targets))
    items = {"member": "members", "validator": "validators", "relayer": "relayers"}[role]
    ids = sorted({i for holder in chosen for i in getattr(holder, items)})
    return [f"{role}-{i}" for i in ids]


def explicit_targets(
    scenario: Scenario, kind: str, target_role: str, targets: Targets, params: dict[str, Any]
) -> Targets:
    """`targets` with its attribute selection replaced by the named targets it stands for."""
    role = role_of(kind, target_role, params)
    assert role is not None and wanted(targets), (kind, targets)
    cleared = {key: None for key in ATTRIBUTES}
    if kind in ROLE_KINDS or role == "validator":
        # Nodes of a role: crash and partition, and the Byzantine validator kinds.
        update: dict[str, Any] = {"nodes": resolve_for_nodes(scenario, targets, role)}
    else:
        update = resolve(scenario, targets, role)
    return targets.model_copy(update={**cleared, **update})


def shares(scenario: Scenario, key: str) -> list[tuple[str, int]]:
    """(value, seats held by its entities), largest first (ties by value): how much of the
    committee one jurisdiction or one provider could be made to sign with."""
    seats: dict[str, set[int]] = {}
    for holder in holders(scenario):
        seats.setdefault(holder.attribute(key), set()).update(holder.members)
    return sorted(((value, len(held)) for value, held in seats.items()),
                  key=lambda item: (-item[1], item[0]))


def unit_entities(scenario: Scenario, unit: str) -> Sequence[str]:
    """The entities a cost unit stands for: an entity's own name, or `key:value` (every
    entity whose attribute `key` is `value`)."""
    key, sep, value = unit.partition(":")
    if sep and key in ATTRIBUTES:
        return [holder.name for holder in matching(scenario, {key: value})]
    return [unit]
