"""Checks across sections of a scenario, before anything runs: consensus timers against the
network's latency, entities against the committee and the nodes they run, names against the
nodes that exist, probes against those the model has. Each refuses, with the key at fault,
what would otherwise fail (or silently do nothing) at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridgelab.scenario.attack_checks import one_of
from bridgelab.scenario.base import invalid
from bridgelab.scenario.network_schema import node_names, validator_latency
from bridgelab.scenario.registry import probe_ids

if TYPE_CHECKING:
    from bridgelab.scenario.custody_schema import Entity
    from bridgelab.scenario.model import Scenario


def check_consensus_timing(scenario: Scenario) -> None:
    """Consensus timers against the latency between validators: a block cannot commit
    faster than its votes travel, and a view shorter than a round trip never hears its
    leader (every view times out, for ever: a livelock, not a scenario)."""
    latency = validator_latency(scenario.network)
    consortium = scenario.consortium
    if consortium.view_timeout < 2 * latency:
        raise invalid(
            "consortium.view_timeout",
            f"at least twice the typical latency between validators ({latency:g} s): a"
            " shorter view never hears its leader", consortium.view_timeout,
        )
    if consortium.block_time < latency:
        raise invalid(
            "consortium.block_time",
            f"at least the typical latency between validators ({latency:g} s): a block"
            " cannot commit faster than its votes travel", consortium.block_time,
        )


def check_node_names(scenario: Scenario) -> None:
    """Node and role names (targets, partitions, link overrides) name existing nodes."""
    known = node_names(scenario)
    named: list[tuple[str, str]] = []
    for index, link in enumerate(scenario.network.links):
        named += [(f"network.links.{index}.between", name) for name in link.between]
    for index, attack in enumerate(scenario.attacks):
        where = f"attacks.{index}"
        named += [(f"{where}.targets.nodes", name) for name in attack.targets.nodes or []]
        for key in ("side_a", "side_b", "between"):
            value = attack.params.get(key)
            if isinstance(value, list | tuple):
                named += [(f"{where}.params.{key}", name) for name in value]
    for key, name in named:
        if name not in known:
            raise invalid(
                key, "a node (validator-0, member-0, relayer-0, settlement) or a role"
                " (validator, member, relayer, settlement)", name,
            )


def check_probes(scenario: Scenario) -> None:
    """The coverage probes a run must hit are probes the model has."""
    probes = probe_ids()
    for index, probe in enumerate(scenario.checks.expect):
        if probe not in probes:
            raise invalid(f"checks.expect.{index}", f"one of {probes}", probe)


def check_entities(scenario: Scenario) -> None:
    members = scenario.committee.members
    holder: dict[int, str] = {}
    names: list[str] = []
    for index, entity in enumerate(scenario.entities):
        if entity.name in names:
            raise invalid(f"entities.{index}.name", "a unique entity name", entity.name)
        names.append(entity.name)
        for member in entity.members:
            if member >= members:
                raise invalid(
                    f"entities.{index}.members", f"member ids in 0..{members - 1}", member
                )
            if member in holder:
                raise invalid(
                    f"entities.{index}.members",
                    f"each member held by one entity (member {member} is held by"
                    f" {holder[member]!r})",
                    member,
                )
            holder[member] = entity.name
    _check_operated(scenario, "validators", scenario.consortium.validators)
    _check_operated(scenario, "relayers", scenario.relayers.count)
    from bridgelab.scenario import attributes

    for index, unit in enumerate(scenario.attribute_costs):
        known = attributes.values(scenario, unit.attribute)
        if unit.value not in known:
            raise invalid(f"attribute_costs.{index}.value", one_of(known), unit.value)
    if scenario.entities and len(holder) != members:
        missing = [member for member in range(members) if member not in holder]
        raise invalid("entities", f"every member 0..{members - 1} held by an entity",
                      f"members {missing} unheld")
    for index, delegation in enumerate(scenario.delegations):
        for role in ("grantor", "grantee"):
            name = getattr(delegation, role)
            if name not in names:
                raise invalid(f"delegations.{index}.{role}", one_of(names), name)
        grantor_seats = holder_keys(scenario.entities, delegation.grantor)
        for member in delegation.members or []:
            if member not in grantor_seats:
                raise invalid(
                    f"delegations.{index}.members",
                    f"members held by {delegation.grantor!r} ({grantor_seats})",
                    member,
                )


def _check_operated(scenario: Scenario, key: str, count: int) -> None:
    """The validators or relayers entities run exist, each run by one entity."""
    runner: dict[int, str] = {}
    for index, entity in enumerate(scenario.entities):
        for item in getattr(entity, key):
            if item >= count:
                raise invalid(f"entities.{index}.{key}", f"ids in 0..{count - 1}", item)
            if item in runner:
                raise invalid(f"entities.{index}.{key}",
                              f"each run by one entity ({key[:-1]} {item} is run by"
                              f" {runner[item]!r})", item)
            runner[item] = entity.name


def holder_keys(entities: list[Entity], name: str) -> list[int]:
    for entity in entities:
        if entity.name == name:
            return list(entity.members)
    return []
