"""Attacks checked against the whole scenario before anything runs: the kind is in the
catalogue, its parameters are the kind's, it suits the signatures and the sections enabled,
and every target it names (member, entity, relayer, attribute value) exists. A target that
does not would otherwise be skipped silently at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from bridgelab.scenario.base import invalid
from bridgelab.scenario.registry import attack_kind

if TYPE_CHECKING:
    from bridgelab.scenario.attack_schema import Attack
    from bridgelab.scenario.model import Scenario


def check_attacks(scenario: Scenario) -> None:
    actors: dict[str, int] = {}
    for index, attack in enumerate(scenario.attacks):
        where = f"attacks.{index}"
        # Every record an attack writes is signed with its name: two of one name would
        # answer for each other (one's forgery counted as the other's test).
        actor = attack.actor(index)
        if actor in actors:
            raise invalid(f"{where}.name", f"a name no other attack has (attacks.{actors[actor]}"
                          " has it)", actor)
        actors[actor] = index
        info = attack_kind(attack.kind)
        if info is None:
            raise invalid(f"{where}.kind", "a kind from `bridgelab attacks list`", attack.kind)
        try:
            info.params.model_validate(attack.params)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            key = ".".join(str(part) for part in first["loc"])
            if first["type"] == "bridgelab_invalid":
                ctx = first["ctx"]
                key = ".".join(part for part in (key, ctx["key"]) if part)
                raise invalid(f"{where}.params.{key}", ctx["expected"],
                              first["input"]) from None
            from bridgelab.scenario.load import expected_of  # load imports this module

            found = first.get("input") if first["type"] != "extra_forbidden" else key
            raise invalid(f"{where}.params.{key}", expected_of(first), found) from None
        if info.real_signatures and scenario.committee.signatures == "symbolic":
            raise invalid(
                f"{where}.kind",
                "an attack that works on symbolic signatures (committee.signatures is"
                f" 'symbolic'; {attack.kind} needs real signature algebra)",
                attack.kind,
            )
        for section in ("l2", "oracle"):
            if attack.kind.startswith(f"{section}.") and not getattr(scenario, section).enabled:
                raise invalid(
                    f"{where}.kind", f"an [{section}] section with enabled = true",
                    attack.kind,
                )
        _check_targets(scenario, where, attack, info.target_role)
        _check_attribute_targets(scenario, where, attack, info.target_role)


def _check_attribute_targets(scenario: Scenario, where: str, attack: Attack, role: str) -> None:
    """An attribute selection names values some entity has, on an attack that acts on
    entities, seats, relayers or nodes, and picks at least one of them."""
    from bridgelab.scenario import attributes

    targets = attack.targets
    wanted = attributes.wanted(targets)
    if not wanted:
        return
    first = next(iter(wanted))
    others = [key for key in ("select", "members", "entities", "relayers", "nodes")
              if getattr(targets, key) is not None]
    if others:
        raise invalid(f"{where}.targets.{first}",
                      "attributes alone (not mixed with select, members, entities,"
                      " relayers or nodes)", f"also {others[0]}")
    picks = attributes.role_of(attack.kind, role, attack.params)
    if picks is None:
        raise invalid(f"{where}.targets.{first}",
                      "an attack on entities, members, relayers or nodes (this kind"
                      " targets none of them)", attack.kind)
    for key, value in wanted.items():
        known = attributes.values(scenario, key)
        if value not in known:
            raise invalid(f"{where}.targets.{key}", one_of(known), value)
    resolved = attributes.explicit_targets(scenario, attack.kind, role, targets, attack.params)
    if not any(getattr(resolved, key) for key in ("entities", "members", "relayers",
                                                   "nodes")):
        raise invalid(f"{where}.targets.{first}",
                      f"a selection holding at least one {picks} (the matching entities"
                      f" {[h.name for h in attributes.matching(scenario, wanted)]} hold none)",
                      value)


def _check_targets(scenario: Scenario, where: str, attack: Attack, role: str) -> None:
    """Every named target exists: a target that does not would be skipped silently."""
    # Member ids name message-oracle members for L2 oracle attacks, reporters for oracle
    # attacks, committee members otherwise.
    limit, what = {
        "l2-oracle": (scenario.l2.oracle_members, "L2 oracle member"),
        "reporter": (scenario.oracle.reporters, "reporter"),
    }.get(role, (scenario.committee.members, "member"))
    for member in attack.targets.members or []:
        if member >= limit:
            raise invalid(f"{where}.targets.members", f"{what} ids in 0..{limit - 1}", member)
    entity_names = [entity.name for entity in scenario.entities] or [
        f"operator-{m}" for m in range(scenario.committee.members)
    ]
    for name in attack.targets.entities or []:
        if name not in entity_names:
            raise invalid(f"{where}.targets.entities", one_of(entity_names), name)
    relayers = attack.targets.relayers
    if isinstance(relayers, list):
        for relayer in relayers:
            if relayer >= scenario.relayers.count:
                raise invalid(
                    f"{where}.targets.relayers",
                    f"relayer ids in 0..{scenario.relayers.count - 1}", relayer,
                )


def one_of(names: list[str]) -> str:
    """What an error expects of a name: one of those defined (the first five shown)."""
    if not names:
        return "a name defined in the scenario (there are none)"
    shown = ", ".join(repr(name) for name in names[:5])
    return f"one of {shown}" + (f" (and {len(names) - 5:,} more)" if len(names) > 5 else "")
