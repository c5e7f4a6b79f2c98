"""Consensus and network faults: crashes with restarts, partitions, message loss, duplication."""

from __future__ import annotations

from typing import Any, ClassVar

from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.judged import JudgedRounds


def _role_nodes(attack: Attack, role: str) -> list[str]:
    return attack.world.network.select(role)


class _CountedFault(JudgedRounds):
    """A network fault judged by what it did: a round in which the network counted no
    message it struck under the attack's name (`NetworkStats.<struck_by>`: no traffic
    across its links, to or from its nodes) tested nothing."""

    struck_by: ClassVar[str] = ""
    idle_reason = "nothing_crossed"

    def _count(self) -> int:
        counts: dict[str, int] = getattr(self.world.network.stats, self.struck_by)
        return counts.get(self.actor, 0)

    def _evidence_at_start(self) -> None:
        self._count_before = self._count()

    def _struck(self) -> bool:
        return self._count() > self._count_before


class NodeCrash(_CountedFault):
    kind = "node.crash"
    struck_by = "downed_by"

    def describe(self) -> dict[str, Any]:
        spec = self.spec.targets
        nodes = _role_nodes(self, self.params.role)
        if spec.nodes:
            self._nodes = [node for node in spec.nodes if node in self.world.network.nodes]
        elif self.params.role == "relayer" and spec.relayers is not None:
            chosen = targets.relayers(spec, len(nodes), self.rng)
            self._nodes = [nodes[i] for i in chosen]
        elif self.params.role == "member" and spec.members is not None:
            self._nodes = [nodes[i] for i in sorted(set(spec.members))]
        else:
            threshold = self.world.scenario.committee.threshold
            self._nodes = targets.pick(nodes, spec.select or "one", threshold, self.rng)
        return {"nodes": self._nodes}

    def strikes_nothing(self) -> str | None:
        return None if self._nodes else "nodes"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._nodes))
        for name in self._nodes:
            node = self.world.network.nodes[name]
            node.downs.append(self.actor)
            node.up, node.down_by = False, self.actor

    def heal(self, round_: int) -> None:
        for name in self._nodes:
            node = self.world.network.nodes[name]
            if self.actor in node.downs:
                node.downs.remove(self.actor)
            # Another crash of it still holding keeps it down.
            node.up, node.down_by = not node.downs, node.downs[-1] if node.downs else ""
        self._close_round()


class Partition(_CountedFault):
    kind = "network.partition"
    struck_by = "cut_by"

    def describe(self) -> dict[str, Any]:
        network = self.world.network
        params = self.params
        if params.side_a:
            side_a = [n for name in params.side_a for n in network.select(name)]
            side_b = [n for name in params.side_b for n in network.select(name)]
        elif self.spec.targets.nodes:
            # Named (or attribute-selected) nodes isolated from everyone else.
            side_a = [name for name in self.spec.targets.nodes if name in network.nodes]
            side_b = [name for name in network.nodes if name not in side_a]
        else:
            role_nodes = network.select(params.role)
            threshold = self.world.scenario.committee.threshold
            side_a = targets.pick(role_nodes, self.spec.targets.select or "minority", threshold,
                                  self.rng)
            # The isolated group loses everyone else: its own role's rest and all other nodes.
            side_b = [name for name in network.nodes if name not in side_a]
        self._cuts = [(a, b) for a in side_a for b in side_b if a != b]
        if not params.one_way:
            self._cuts += [(b, a) for a, b in self._cuts]
        return {"side_a": side_a, "side_b": side_b, "one_way": params.one_way}

    def strikes_nothing(self) -> str | None:
        return None if self._cuts else "links"

    def begin(self, round_: int) -> None:
        self._open_round(bool(self._cuts))
        for src, dst in self._cuts:
            self.world.network.cut(src, dst, self.actor)

    def heal(self, round_: int) -> None:
        for src, dst in self._cuts:
            self.world.network.restore(src, dst, self.actor)
        self._close_round()


class _LinkFault(_CountedFault):
    link_key = ""

    def describe(self) -> dict[str, Any]:
        network = self.world.network
        group_a, group_b = (network.select(name) for name in self.params.between)
        self._links = [
            (a, b) for a in group_a for b in group_b if network.graph.has_edge(a, b)
        ] + [(b, a) for a in group_a for b in group_b if network.graph.has_edge(b, a)]
        return {"between": list(self.params.between), "links": len(self._links)}

    def strikes_nothing(self) -> str | None:
        return None if self._links else "links"

    def begin(self, round_: int) -> None:
        network = self.world.network
        self._open_round(bool(self._links))
        for src, dst in self._links:
            network.strike_link(src, dst, self.link_key, self.params.probability, self.actor)

    def heal(self, round_: int) -> None:
        for src, dst in self._links:
            self.world.network.unstrike_link(src, dst, self.link_key, self.actor)
        self._close_round()


class Loss(_LinkFault):
    kind = "network.loss"
    link_key = "loss"
    struck_by = "lost_by"


class Duplicate(_LinkFault):
    kind = "network.duplicate"
    link_key = "duplicate"
    struck_by = "duplicated_by"
