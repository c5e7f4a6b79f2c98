"""Who holds which key: operator entities, their seats, and delegations between them.

Compromising an entity yields every seat it holds or can sign for through an unrevoked
delegation — the Ronin pattern of a stale delegation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bridgelab.core.digraph import DiGraph
from bridgelab.scenario.model import Delegation, Entity


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    jurisdiction: str
    storage: str
    seats: tuple[int, ...]
    cost: float


class KeyHolders:
    """The custody map of one committee: seats per entity and who can sign for whom."""

    def __init__(
        self, members: int, entities: list[Entity], delegations: list[Delegation]
    ) -> None:
        if entities:
            self.operators = tuple(
                Operator(e.name, e.jurisdiction, e.storage, tuple(sorted(e.members)), e.cost)
                for e in entities
            )
        else:
            self.operators = tuple(
                Operator(f"operator-{m}", "unspecified", "hsm", (m,), 1.0) for m in range(members)
            )
        self.members = members
        self._by_name = {operator.name: operator for operator in self.operators}
        # Edge grantee -> grantor, labelled with the seats the grantee may use.
        self.graph: DiGraph = DiGraph()
        for operator in self.operators:
            self.graph.add_node(operator.name)
        for delegation in delegations:
            if delegation.revoked:
                continue
            seats = tuple(sorted(delegation.members or self._by_name[delegation.grantor].seats))
            previous = self.graph.get_edge_data(delegation.grantee, delegation.grantor)
            if previous is not None:
                seats = tuple(sorted(set(previous["seats"]) | set(seats)))
            self.graph.add_edge(delegation.grantee, delegation.grantor, seats=seats)

    def operator(self, name: str) -> Operator:
        return self._by_name[name]

    def holder_of(self, member: int) -> str:
        for operator in self.operators:
            if member in operator.seats:
                return operator.name
        raise KeyError(member)

    def seats_controlled(self, compromised: Iterable[str]) -> tuple[int, ...]:
        """Every seat an adversary controlling `compromised` entities can sign with.

        A delegate signs with the grantor's own keys only, so delegation is one hop: seats the
        grantor could itself use through a further delegation do not flow on.
        """
        seats: set[int] = set()
        for name in sorted(set(compromised)):
            seats.update(self._by_name[name].seats)
            for grantor in self.graph.successors(name):
                seats.update(self.graph.edges[name, grantor]["seats"])
        return tuple(sorted(seats))

    def largest_holding(self) -> tuple[str, int]:
        """The entity that controls the most seats by itself (delegations included)."""
        best = max(self.operators, key=lambda op: (len(self.seats_controlled([op.name])), op.name))
        return best.name, len(self.seats_controlled([best.name]))

    def public_record(self) -> list[dict[str, object]]:
        return [
            {
                "name": op.name,
                "jurisdiction": op.jurisdiction,
                "storage": op.storage,
                "seats": list(op.seats),
                "controls": list(self.seats_controlled([op.name])),
            }
            for op in self.operators
        ]
