"""The message network: nodes with bounded inboxes, directed links with latency and loss.

The topology lives in a networkx DiGraph; partitions cut edges without removing them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import simpy

from bridgelab.core.history import History
from bridgelab.core.inbox import Inbox
from bridgelab.core.latency import sample
from bridgelab.core.rng import Streams
from bridgelab.scenario.base import Latency


@dataclass(slots=True)
class Node:
    """A network endpoint. A node that is down neither sends nor receives."""

    name: str
    role: str
    inbox: Inbox
    up: bool = True


@dataclass(slots=True)
class NetworkStats:
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    cut: int = 0
    overflowed: int = 0
    duplicated: int = 0
    to_down_node: int = 0
    by_role: dict[str, int] = field(default_factory=dict)


class Network:
    """Delivers messages after a sampled latency, unless lost, cut, or the inbox is full."""

    def __init__(
        self,
        env: simpy.Environment,
        streams: Streams,
        history: History,
        default_latency: Latency,
        default_loss: float,
        inbox_capacity: int,
    ) -> None:
        self.env = env
        self.history = history
        self.graph: nx.DiGraph = nx.DiGraph()
        self.nodes: dict[str, Node] = {}
        self.default_latency = default_latency
        self.default_loss = default_loss
        self.inbox_capacity = inbox_capacity
        self._latency_rng = streams.get("network/latency")
        self._loss_rng = streams.get("network/loss")
        self._cut: dict[tuple[str, str], str] = {}
        # (src, dst) -> the graph's own attribute dict for that edge, so a send costs one
        # dict lookup; `connect` and `set_link_property` update these same dicts in place.
        self._links: dict[tuple[str, str], dict[str, Any]] = {}
        self.stats = NetworkStats()

    def add_node(self, name: str, role: str) -> Node:
        if name in self.nodes:
            raise ValueError(f"duplicate network node {name}")
        node = Node(name, role, Inbox(self.env, self.inbox_capacity))
        self.nodes[name] = node
        self.graph.add_node(name, role=role)
        return node

    def connect(
        self, a: str, b: str, latency: Latency | None = None, loss: float | None = None
    ) -> None:
        """Link a and b both ways; a later call for the same pair overrides the link."""
        for src, dst in ((a, b), (b, a)):
            self.graph.add_edge(
                src,
                dst,
                latency=latency or self.default_latency,
                loss=self.default_loss if loss is None else loss,
            )

    def connect_all(self, group_a: Iterable[str], group_b: Iterable[str]) -> None:
        members_b = list(group_b)
        for a in group_a:
            for b in members_b:
                if a != b:
                    self.connect(a, b)

    def nodes_with_role(self, role: str) -> list[str]:
        return [name for name, node in self.nodes.items() if node.role == role]

    def cut(self, src: str, dst: str, reason: str) -> None:
        self._cut[(src, dst)] = reason

    def restore(self, src: str, dst: str) -> None:
        self._cut.pop((src, dst), None)

    def is_cut(self, src: str, dst: str) -> bool:
        return (src, dst) in self._cut

    def send(self, src: str, dst: str, message: Any) -> bool:
        """Schedule delivery of `message`; False if it is dropped at the sender's side."""
        stats = self.stats
        stats.sent += 1
        if not self.nodes[src].up:
            stats.to_down_node += 1
            return False
        link = (src, dst)
        edge = self._links.get(link)
        if edge is None:
            edge = self.graph.get_edge_data(src, dst)
            if edge is None:
                raise KeyError(f"no link {src} -> {dst}")
            self._links[link] = edge
        if self._cut and link in self._cut:
            stats.cut += 1
            return False
        if edge["loss"] > 0 and self._loss_rng.random() < edge["loss"]:
            stats.lost += 1
            return False
        delay = sample(edge["latency"], self._latency_rng)
        timer = self.env.timeout(delay)
        timer.callbacks.append(lambda _event: self._deliver(dst, message))
        duplicate = edge.get("duplicate", 0.0)
        if duplicate > 0 and self._loss_rng.random() < duplicate:
            stats.duplicated += 1
            again = self.env.timeout(delay + sample(edge["latency"], self._latency_rng))
            again.callbacks.append(lambda _event: self._deliver(dst, message))
        return True

    def set_link_property(self, src: str, dst: str, key: str, value: float) -> float:
        """Change one property of the link src -> dst; returns the previous value."""
        edge = self.graph.edges[src, dst]
        previous = edge.get(key, 0.0)
        edge[key] = value
        return previous

    def select(self, name_or_role: str) -> list[str]:
        """Nodes whose name or role is `name_or_role`, in creation order."""
        return [
            name for name, node in self.nodes.items() if name_or_role in (name, node.role)
        ]

    def _deliver(self, dst: str, message: Any) -> None:
        node = self.nodes[dst]
        if not node.up:
            self.stats.to_down_node += 1
            return
        if len(node.inbox.items) >= node.inbox.capacity:
            self.stats.overflowed += 1
            return
        self.stats.delivered += 1
        node.inbox.put(message)
