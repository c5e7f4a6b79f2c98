"""Sampling link latencies from the scenario's distributions with a component's own stream."""

from __future__ import annotations

import math
import random

from bridgelab.scenario.base import Exponential, Fixed, Latency, LogNormal, Uniform


def sample(latency: Latency, rng: random.Random) -> float:
    if isinstance(latency, Fixed):  # most links: no draw, and checked first
        return latency.value
    match latency:
        case Uniform(low=low, high=high):
            return rng.uniform(low, high)
        case LogNormal(median=median, sigma=sigma, cap=cap):
            return min(cap, median * math.exp(sigma * rng.gauss(0.0, 1.0)))
        case Exponential(mean=mean, cap=cap):
            return min(cap, rng.expovariate(1.0 / mean))
    raise TypeError(f"unknown latency distribution {latency!r}")
