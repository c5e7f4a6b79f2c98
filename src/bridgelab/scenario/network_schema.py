"""The network between nodes (latency, loss, per-link overrides) and the node names a
scenario may refer to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from bridgelab.scenario.base import (
    Count,
    Exponential,
    Fixed,
    Fraction,
    Latency,
    LogNormal,
    Name,
    Strict,
    Uniform,
)
from bridgelab.scenario.sizes import MAX_LINKS, MAX_QUEUE, QUEUE_WHY

if TYPE_CHECKING:
    from bridgelab.scenario.model import Scenario


class Link(Strict):
    """A latency/loss override for the links between two node groups (both directions)."""

    between: tuple[Name("a node or role"), Name("a node or role")] = Field(
        description="the two node groups (names or roles) whose links this sets"
    )
    latency: Latency = Field(description="the latency distribution of these links")
    loss: Fraction("chance a message on these links is lost") = 0.0


class Network(Strict):
    """Message latency and loss between nodes, with per-link overrides."""

    latency: Latency = Field(Fixed(dist="fixed", value=0.05),
                             description="the latency distribution of every link")
    loss: Fraction("chance a message is lost") = 0.0
    inbox_capacity: Count("messages a node's inbox holds", 1, MAX_QUEUE, QUEUE_WHY) = 10_000
    links: list[Link] = Field(
        default_factory=list, max_length=MAX_LINKS,
        description="latency and loss overrides between groups",
    )


def typical_latency(latency: Fixed | Uniform | LogNormal | Exponential) -> float:
    """The delay most messages see: the fixed value, the middle, the median or the mean."""
    if isinstance(latency, Fixed):
        return latency.value
    if isinstance(latency, Uniform):
        return (latency.low + latency.high) / 2
    if isinstance(latency, LogNormal):
        return min(latency.median, latency.cap)
    return min(latency.mean, latency.cap)


def validator_latency(network: Network) -> float:
    """The typical latency between validators: the network's, or the slowest override of a
    link that involves validators."""
    latencies = [typical_latency(network.latency)] + [
        typical_latency(link.latency) for link in network.links
        if any(end == "validator" or end.startswith("validator-") for end in link.between)
    ]
    return max(latencies)


NODE_ROLES = ("validator", "member", "relayer", "settlement", "adversary")


def node_names(scenario: Scenario) -> frozenset[str]:
    """The network's node names (as the runner creates them) and roles."""
    names = [f"validator-{i}" for i in range(scenario.consortium.validators)]
    names += [f"member-{i}" for i in range(scenario.committee.members)]
    names += [f"relayer-{i}" for i in range(scenario.relayers.count)]
    return frozenset([*names, "settlement", *NODE_ROLES])

