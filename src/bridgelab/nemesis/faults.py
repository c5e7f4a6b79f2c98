"""Consensus and network faults: crashes with restarts, partitions, message loss, duplication."""

from __future__ import annotations

from typing import Any

from bridgelab.nemesis import targets
from bridgelab.nemesis.base import Attack


def _role_nodes(attack: Attack, role: str) -> list[str]:
    return attack.world.network.select(role)


class NodeCrash(Attack):
    kind = "node.crash"

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
        for name in self._nodes:
            self.world.network.nodes[name].up = False

    def heal(self, round_: int) -> None:
        for name in self._nodes:
            self.world.network.nodes[name].up = True


class Partition(Attack):
    kind = "network.partition"
    # Whether a round's cuts are in place and not yet judged for what they stopped.
    _open = False

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
        if self._open:  # the last round never healed: it ends as this one starts
            self._note_if_idle()
        self._stopped_before = self._stopped()
        self._open = bool(self._cuts)
        for src, dst in self._cuts:
            self.world.network.cut(src, dst, self.actor)

    def heal(self, round_: int) -> None:
        for src, dst in self._cuts:
            self.world.network.restore(src, dst)
        self._note_if_idle()

    def at_end(self) -> None:
        super().at_end()
        if self._open:  # a partition never healed: its round ends with the run
            self._note_if_idle()

    def _stopped(self) -> int:
        return self.world.network.stats.cut_by.get(self.actor, 0)

    def _note_if_idle(self) -> None:
        """A round whose cuts stopped no message (no traffic across them) tested nothing."""
        if self._open and self._stopped() == self._stopped_before:
            self.world.record(self.actor, "attack.failed", reason="nothing_crossed",
                              attack=self.kind, tested=False)
        self._open = False


class _LinkFault(Attack):
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
        self._previous = [
            network.set_link_property(src, dst, self.link_key, self.params.probability)
            for src, dst in self._links
        ]

    def heal(self, round_: int) -> None:
        for (src, dst), value in zip(self._links, self._previous, strict=True):
            self.world.network.set_link_property(src, dst, self.link_key, value)


class Loss(_LinkFault):
    kind = "network.loss"
    link_key = "loss"


class Duplicate(_LinkFault):
    kind = "network.duplicate"
    link_key = "duplicate"
