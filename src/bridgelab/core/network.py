"""The message network: nodes with bounded inboxes, directed links with latency and loss.

The topology lives in a directed graph (core/digraph.py); partitions cut edges without
removing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from simpy.events import Event

from bridgelab.core.digraph import DiGraph
from bridgelab.core.engine import CountingEnvironment
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
    # The attack that took the node down ("" for none): what it stops counts under its name.
    down_by: str = ""
    # Every attack holding it down, oldest first: it is up again once none is.
    downs: list[str] = field(default_factory=list)


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
    # Messages each attack's cuts stopped, lost, duplicated or kept from or off the nodes it
    # took down (a link's `loss_by` and `duplicate_by` name the attack that set its
    # probability, a node's `down_by` the one that took it down): its evidence of a strike.
    cut_by: dict[str, int] = field(default_factory=dict)
    lost_by: dict[str, int] = field(default_factory=dict)
    duplicated_by: dict[str, int] = field(default_factory=dict)
    downed_by: dict[str, int] = field(default_factory=dict)


class Network:
    """Delivers messages after a sampled latency, unless lost, cut, or the inbox is full."""

    def __init__(
        self,
        env: CountingEnvironment,
        streams: Streams,
        history: History,
        default_latency: Latency,
        default_loss: float,
        inbox_capacity: int,
    ) -> None:
        self.env = env
        self.history = history
        self.graph: DiGraph = DiGraph()
        self.nodes: dict[str, Node] = {}
        self.default_latency = default_latency
        self.default_loss = default_loss
        self.inbox_capacity = inbox_capacity
        self._latency_rng = streams.get("network/latency")
        self._loss_rng = streams.get("network/loss")
        # Per cut link, the attacks cutting it, oldest first: it is cut while any is.
        self._cut: dict[tuple[str, str], list[str]] = {}
        # Per (src, dst, property): the link's own value, then each attack's, oldest first.
        self._strikes: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
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
        self._cut.setdefault((src, dst), []).append(reason)

    def restore(self, src: str, dst: str, reason: str) -> None:
        """Take `reason`'s cut off the link; another attack's cut of it still holds."""
        reasons = self._cut.get((src, dst))
        if reasons is not None and reason in reasons:
            reasons.remove(reason)
            if not reasons:
                del self._cut[(src, dst)]

    def is_cut(self, src: str, dst: str) -> bool:
        return (src, dst) in self._cut

    def send(self, src: str, dst: str, message: Any) -> bool:
        """Schedule delivery of `message`; False if it is dropped at the sender's side."""
        route = self._route(src, dst)
        if route is None:
            return False
        delay, again = route
        self._after(delay, (dst,), message)
        if again is not None:
            self._after(again, (dst,), message)
        return True

    def multicast(self, src: str, dsts: Iterable[str], message: Any) -> int:
        """`send` to each of `dsts` in turn (the same random draws, in the same order); how
        many were scheduled. Recipients whose latencies are equal (all of them, on
        fixed-latency links) share one timer and are delivered in the order given, so a
        broadcast costs one scheduled event."""
        groups: dict[float, list[str]] = {}
        duplicates: list[tuple[float, str]] = []
        scheduled = 0
        for dst in dsts:
            route = self._route(src, dst)
            if route is None:
                continue
            delay, again = route
            group = groups.get(delay)
            if group is None:
                groups[delay] = [dst]
            else:
                group.append(dst)
            scheduled += 1
            if again is not None:
                duplicates.append((again, dst))
        for delay, recipients in groups.items():
            self._after(delay, recipients, message)
        for again, dst in duplicates:
            self._after(again, (dst,), message)
        return scheduled

    def _route(self, src: str, dst: str) -> tuple[float, float | None] | None:
        """A message's delay from src to dst, and its copy's when the link duplicates it;
        None if it does not leave: the sender is down, the link is cut, or it is lost (all
        counted in `stats`). The draws, in order: loss (`network/loss`, on a lossy link),
        latency (`network/latency`, unless fixed), duplication (`network/loss`, on a
        duplicating link) and the copy's extra latency."""
        stats = self.stats
        stats.sent += 1
        sender = self.nodes[src]
        if not sender.up:
            stats.to_down_node += 1
            if sender.down_by:
                _count(stats.downed_by, sender.down_by)
            return None
        link = (src, dst)
        if self._cut and link in self._cut:
            stats.cut += 1
            if self.nodes[dst].up:  # a message to a node that is down is stopped anyway
                _count(stats.cut_by, self._cut[link][-1])
            return None
        edge = self._links.get(link)
        if edge is None:
            edge = self._link(src, dst)
        loss = edge["loss"]
        if loss > 0 and self._loss_rng.random() < loss:
            stats.lost += 1
            if "loss_by" in edge:
                _count(stats.lost_by, edge["loss_by"])
            return None
        latency = edge["latency"]
        delay = sample(latency, self._latency_rng)
        duplicate = edge.get("duplicate", 0.0)
        if duplicate > 0 and self._loss_rng.random() < duplicate:
            stats.duplicated += 1
            if "duplicate_by" in edge:
                _count(stats.duplicated_by, edge["duplicate_by"])
            return delay, delay + sample(latency, self._latency_rng)
        return delay, None

    def _link(self, src: str, dst: str) -> dict[str, Any]:
        """The graph's attribute dict for the link src -> dst, remembered in `_links`."""
        edge = self.graph.get_edge_data(src, dst)
        if edge is None:
            raise KeyError(f"no link {src} -> {dst}")
        self._links[(src, dst)] = edge
        return edge

    def _after(self, delay: float, recipients: Sequence[str], message: Any) -> None:
        """Deliver `message` to `recipients`, in order, in `delay`: one timer."""
        self.env.call_later(delay, partial(self._deliver_all, recipients, message))

    def set_link_property(self, src: str, dst: str, key: str, value: float) -> float:
        """Change one property of the link src -> dst; returns the previous value."""
        edge = self.graph.edges[src, dst]
        previous = edge.get(key, 0.0)
        edge[key] = value
        return previous

    def strike_link(self, src: str, dst: str, key: str, value: float, owner: str) -> None:
        """An attack sets `key` (loss, duplicate) on the link src -> dst: what it strikes
        counts under `owner` (`loss_by`, `duplicate_by`) until `unstrike_link`. Overlapping
        attacks stack: the latest one's value holds while it lasts."""
        edge = self.graph.edges[src, dst]
        stack = self._strikes.setdefault((src, dst, key), [("", edge.get(key, 0.0))])
        stack.append((owner, value))
        edge[key], edge[f"{key}_by"] = value, owner

    def unstrike_link(self, src: str, dst: str, key: str, owner: str) -> None:
        """Take `owner`'s setting off the link; the latest remaining one (or the link's own
        value) holds again."""
        stack = self._strikes.get((src, dst, key))
        if not stack:
            return
        for position in range(len(stack) - 1, 0, -1):
            if stack[position][0] == owner:
                del stack[position]
                break
        edge = self.graph.edges[src, dst]
        owner_now, value = stack[-1]
        edge[key] = value
        if owner_now:
            edge[f"{key}_by"] = owner_now
        else:
            edge.pop(f"{key}_by", None)
            del self._strikes[(src, dst, key)]

    def select(self, name_or_role: str) -> list[str]:
        """Nodes whose name or role is `name_or_role`, in creation order."""
        return [
            name for name, node in self.nodes.items() if name_or_role in (name, node.role)
        ]

    def _deliver_all(self, recipients: Sequence[str], message: Any, _timer: Event) -> None:
        """Hand `message` to each recipient that is up and has room, in order (a reader
        resumes at once, see `Inbox.offer`)."""
        nodes, stats = self.nodes, self.stats
        for dst in recipients:
            node = nodes[dst]
            if not node.up:
                stats.to_down_node += 1
                if node.down_by:
                    _count(stats.downed_by, node.down_by)
            elif node.inbox.offer(message):
                stats.delivered += 1
            else:
                stats.overflowed += 1


def _count(counts: dict[str, int], owner: str) -> None:
    counts[owner] = counts.get(owner, 0) + 1
