"""Validation against theory: campaign estimates next to closed-form results.

- binomial: each of n seats is compromised independently with probability p
  (`key.bernoulli`), so a k-of-n bridge is broken with probability P(X >= k), X ~ Binomial(n, p)
  (with r required members: p^r · P(Binomial(n - r, p) >= k - r)). The estimate is the
  fraction of runs with a safety violation, with its Wilson interval.
- mm1: locks arrive as a Poisson process (rate λ = 1 / workload.deposit_interval) at a relayer
  whose single server takes an exponential time of mean 1/μ = relayers.service_time_mean, so
  the mean wait before service is W_q = λ / (μ (μ − λ)). The estimate is the mean over
  seeds of each run's mean wait (independent replications), with a t interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bridgelab.campaign.spec import Arm, Campaign
from bridgelab.campaign.stats import (
    conclusive,
    group_rows,
    mean_interval,
    safety_broken,
    wilson,
)


def binomial_tail(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return math.fsum(math.comb(n, i) * p**i * (1.0 - p) ** (n - i) for i in range(k, n + 1))


def broken_probability(n: int, k: int, required: int, p: float) -> float:
    """P(the adversary holds k seats, every required one among them)."""
    return p**required * binomial_tail(n - required, k - required, p)


def mm1_wait(arrival_rate: float, service_rate: float) -> float:
    """Mean waiting time in queue of a stable M/M/1 queue: λ / (μ (μ − λ))."""
    if arrival_rate >= service_rate:
        return math.inf
    return arrival_rate / (service_rate * (service_rate - arrival_rate))


def _arm(campaign: Campaign, name: str) -> Arm:
    return next(arm for arm in campaign.arms if arm.name == name)


def evaluate(campaign: Campaign, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One comparison per (configuration, arm); empty when the campaign names no theory."""
    theory = campaign.spec.theory
    if theory is None:
        return []
    results = []
    for (config, arm_name), members in group_rows(rows):
        scenario = campaign.scenario(config, _arm(campaign, arm_name))
        ok = [row for row in members if row["status"] == "ok"]
        entry: dict[str, Any] = {
            "config": config, "label": campaign.group_label(config), "arm": arm_name,
            "kind": theory.kind, "runs": len(ok), "confidence": theory.confidence,
        }
        if theory.kind == "binomial":
            # Only a run that shows something either way is a trial of "broken or not".
            trials = [row for row in ok if conclusive(row)]
            entry["runs"] = len(trials)
            entry.update(_binomial(scenario, trials, theory.confidence))
        else:
            entry.update(_mm1(scenario, ok, theory.confidence))
        results.append(entry)
    return results


def _binomial(scenario: Any, rows: list[dict[str, Any]], confidence: float) -> dict[str, Any]:
    attack = next((a for a in scenario.attacks if a.kind == "key.bernoulli"), None)
    if attack is None:
        return {"applicable": False, "reason": "no key.bernoulli attack"}
    # Required members are enforced under both schemes (under threshold BLS by their own
    # co-signatures beside the group signature), so one formula holds for both.
    committee = scenario.committee
    p = float(attack.params.get("p", 0.1))
    n, k, r = committee.members, committee.threshold, len(committee.required)
    expected = broken_probability(n, k, r, p)
    broken = sum(1 for row in rows if safety_broken(row))
    low, high = wilson(broken, len(rows), confidence)
    # Run by run, the bridge must be broken exactly when k seats were compromised.
    consistent = None
    if r == 0:
        consistent = sum(
            1 for row in rows
            if safety_broken(row) == (row["probes"]["compromised_seats"] >= k)
        )
    return {
        "applicable": True,
        "n": n, "k": k, "required": r, "p": p,
        "expected": expected,
        "estimate": broken / len(rows) if rows else None,
        "low": low, "high": high,
        "inside": low <= expected <= high,
        "runs_consistent": consistent,
    }


def _mm1(scenario: Any, rows: list[dict[str, Any]], confidence: float) -> dict[str, Any]:
    service = scenario.relayers.service_time_mean
    if service <= 0:
        return {"applicable": False, "reason": "relayers.service_time_mean is 0 (no queue)"}
    if scenario.workload.withdrawals:
        return {"applicable": False, "reason": "withdrawals add arrivals beyond the locks"}
    lam = 1.0 / scenario.workload.deposit_interval
    mu = 1.0 / service
    expected = mm1_wait(lam, mu)
    means = [
        row["probes"]["queue"]["wait_mean_s"] for row in rows
        if row["probes"].get("queue") and row["probes"]["queue"]["wait_mean_s"] is not None
    ]
    served = sum(row["probes"]["queue"]["served"] for row in rows if row["probes"].get("queue"))
    interval = mean_interval(means, confidence)
    inside = (
        interval["low"] is not None and interval["low"] <= expected <= interval["high"]
    )
    return {
        "applicable": True,
        "lambda": lam, "mu": mu, "rho": lam / mu,
        "expected": expected,
        "estimate": interval["mean"],
        "low": interval["low"], "high": interval["high"],
        "replications": interval["n"],
        "customers": served,
        "inside": inside,
    }


def all_inside(results: Sequence[dict[str, Any]]) -> bool:
    applicable = [entry for entry in results if entry.get("applicable")]
    return bool(applicable) and all(entry["inside"] for entry in applicable) and all(
        entry.get("runs_consistent") in (None, entry["runs"]) for entry in applicable
    )
