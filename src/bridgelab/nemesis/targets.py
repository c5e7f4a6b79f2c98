"""Resolve an attack's `targets` into concrete members, entities, relayers or nodes.

Counts follow Jepsen's vocabulary over n members with BFT tolerance f = (n - 1) // 3 and
the committee threshold t. Which ones are hit is drawn from the attack's own stream.
"""

from __future__ import annotations

import random

from bridgelab.scenario.model import Targets


def count_for(select: str, n: int, threshold: int) -> int:
    f = (n - 1) // 3
    counts = {
        "one": 1,
        "minority": (n - 1) // 2,
        "majority": n // 2 + 1,
        "f": f,
        "f+1": f + 1,
        "threshold-1": threshold - 1,
        "threshold": threshold,
        "all": n,
    }
    return max(0, min(n, counts[select]))


def pick(population: list, select: str | None, threshold: int, rng: random.Random) -> list:
    """`select` of `population`, sampled by the attack's stream, in population order."""
    if select is None:
        return []
    k = count_for(select, len(population), threshold)
    chosen = set(rng.sample(range(len(population)), k))
    return [item for index, item in enumerate(population) if index in chosen]


def members(targets: Targets, n: int, threshold: int, rng: random.Random) -> list[int]:
    if targets.members is not None:
        return sorted(set(targets.members))
    return pick(list(range(n)), targets.select, threshold, rng)


def relayers(targets: Targets, count: int, rng: random.Random) -> list[int]:
    if targets.relayers == "all":
        return list(range(count))
    if isinstance(targets.relayers, list):
        return sorted(set(targets.relayers))
    return pick(list(range(count)), targets.select, count, rng) or [0]
