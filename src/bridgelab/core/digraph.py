"""A small directed graph with attributes on nodes and edges: what the model asks of one.

The network's topology and the custody's delegations need only adding nodes and edges,
reading an edge's attributes and a node's successors. A dictionary of dictionaries does that,
iterates in insertion order (as networkx's DiGraph, which it replaced, did) and costs nothing
to import, where networkx cost a campaign worker a third of a second at every start.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any


class DiGraph:
    """Nodes and directed edges, each with a dict of attributes."""

    __slots__ = ("_nodes", "_successors", "edges")

    def __init__(self) -> None:
        self._nodes: dict[Hashable, dict[str, Any]] = {}
        self._successors: dict[Hashable, dict[Hashable, dict[str, Any]]] = {}
        self.edges = EdgeView(self._successors)

    def add_node(self, name: Hashable, **attributes: Any) -> None:
        """Add `name` (or update its attributes if it is there already)."""
        if name not in self._nodes:
            self._nodes[name] = {}
            self._successors[name] = {}
        self._nodes[name].update(attributes)

    def add_edge(self, source: Hashable, target: Hashable, **attributes: Any) -> None:
        """Add the edge source -> target, adding either node if new; an edge that is there
        already keeps its attribute dict (readers may hold it) and has it updated."""
        for name in (source, target):
            if name not in self._nodes:
                self.add_node(name)
        edge = self._successors[source].setdefault(target, {})
        edge.update(attributes)

    def has_edge(self, source: Hashable, target: Hashable) -> bool:
        return target in self._successors.get(source, ())

    def get_edge_data(self, source: Hashable, target: Hashable) -> dict[str, Any] | None:
        """The edge's attribute dict itself (not a copy), or None if there is no such edge."""
        return self._successors.get(source, {}).get(target)

    def successors(self, name: Hashable) -> Iterator[Hashable]:
        """The targets of `name`'s edges, in the order they were added (KeyError if `name`
        is not a node)."""
        return iter(self._successors[name])

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)


class EdgeView:
    """`graph.edges[source, target]`: the edge's attribute dict (KeyError if absent)."""

    __slots__ = ("_successors",)

    def __init__(self, successors: dict[Hashable, dict[Hashable, dict[str, Any]]]) -> None:
        self._successors = successors

    def __getitem__(self, edge: tuple[Hashable, Hashable]) -> dict[str, Any]:
        source, target = edge
        return self._successors[source][target]
