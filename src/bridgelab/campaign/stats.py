"""Campaign statistics: per configuration and attack arm, the probability of a safety
violation with a Wilson score interval, loss quantiles and the time-to-detect distribution.

Pure functions over stored rows in run-key order, so an interrupted-and-resumed campaign and
an uninterrupted one with the same seeds give identical figures.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

QUANTILES = (0.5, 0.9, 0.99)


def z_value(confidence: float) -> float:
    """The two-sided standard-normal quantile for `confidence` (0.95 -> 1.959964)."""
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (sound at 0 and n successes)."""
    if trials <= 0:
        return (0.0, 1.0)
    z = z_value(confidence)
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2.0 * trials)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / trials + z * z / (4.0 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def quantile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, Hyndman-Fan type 7)."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction)


def distribution(values: Sequence[float]) -> dict[str, Any]:
    ordered = sorted(values)
    summary: dict[str, Any] = {"count": len(ordered)}
    summary["mean"] = math.fsum(ordered) / len(ordered) if ordered else None
    for q in QUANTILES:
        summary[f"p{round(q * 100):d}"] = quantile(ordered, q)
    summary["max"] = float(ordered[-1]) if ordered else None
    return summary


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> dict[str, Any]:
    """Mean with a normal-approximation interval (independent replications, n >= 2)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "low": None, "high": None}
    mean = math.fsum(values) / n
    if n < 2:
        return {"n": n, "mean": mean, "low": None, "high": None}
    sd = statistics.stdev(values)
    half = _t_value(confidence, n - 1) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "low": mean - half, "high": mean + half, "sd": sd}


def _t_value(confidence: float, df: int) -> float:
    """Student's t quantile via the Cornish-Fisher expansion (ample for df >= 3)."""
    z = z_value(confidence)
    if df >= 1000:
        return z
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def group_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[tuple[int, str], list[dict]]]:
    """Rows grouped by (configuration, arm), groups in first-appearance (run-key) order."""
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["config"], row["arm"]), []).append(row)
    return list(groups.items())


def failed_properties(row: dict[str, Any]) -> list[str]:
    """The properties that failed in a completed row, read from its verdicts (the column
    the row check holds to the history), not from the derived `failed` column."""
    verdicts = row.get("verdicts")
    if not isinstance(verdicts, dict):
        return list(row.get("failed") or [])
    return sorted(prop for prop, verdict in verdicts.items() if verdict == "fail")


def safety_broken(row: dict[str, Any]) -> bool:
    """A safety property failed, by the row's verdicts (a row without them: its column)."""
    if not isinstance(row.get("verdicts"), dict):
        return bool(row.get("safety_violation"))
    return any(prop.startswith("safety.") for prop in failed_properties(row))


def conclusive(row: dict[str, Any]) -> bool:
    """A completed run that shows something either way: it broke safety, or it did not
    end inconclusive (a forgery still pending, an attack that never started, ...). Only
    these are trials of "does the bridge break"."""
    return row["status"] == "ok" and (row.get("exit_code") != 2 or safety_broken(row))


def summarize_group(rows: Sequence[dict[str, Any]], confidence: float = 0.95) -> dict[str, Any]:
    ok = [row for row in rows if row["status"] == "ok"]
    trials = [row for row in ok if conclusive(row)]
    violations = sum(1 for row in trials if safety_broken(row))
    low, high = wilson(violations, len(trials), confidence)
    failures: dict[str, int] = {}
    for row in ok:
        for prop in failed_properties(row):
            failures[prop] = failures.get(prop, 0) + 1
    extracted = [row["metrics"]["outcome"]["value_extracted"] for row in ok]
    unbacked = [row["metrics"]["outcome"]["unbacked_minted_peak"] for row in ok]
    detect = [
        row["metrics"]["outcome"]["time_to_detect_s"] for row in ok
        if row["metrics"]["outcome"].get("time_to_detect_s") is not None
    ]
    exploited = sum(
        1 for row in ok if row["metrics"]["outcome"]["times"].get("exploit") is not None
    )
    return {
        "runs": len(rows),
        "errors": len(rows) - len(ok),
        # Completed runs that ended inconclusive without breaking safety: no trial either way.
        "inconclusive": len(ok) - len(trials),
        "safety_violation": {
            "count": violations,
            "trials": len(trials),
            "p": violations / len(trials) if trials else None,
            "low": low,
            "high": high,
            "confidence": confidence,
        },
        "property_failures": dict(sorted(failures.items())),
        "loss": {
            "value_extracted": distribution(extracted),
            "unbacked_minted_peak": distribution(unbacked),
        },
        "time_to_detect_s": {**distribution(detect), "exploited_runs": exploited},
    }


def summarize(rows: Sequence[dict[str, Any]], labels: dict[int, str] | None = None,
              confidence: float = 0.95) -> list[dict[str, Any]]:
    """One summary per (configuration, arm), in run-key order."""
    summaries = []
    for (config, arm), members in group_rows(rows):
        summary = {
            "config": config,
            "label": (labels or {}).get(config, f"c{config:04d}"),
            "params": members[0]["params"],
            "arm": arm,
        }
        summary.update(summarize_group(members, confidence))
        summaries.append(summary)
    return summaries


def report(campaign: Any, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Everything `campaign-stats` prints: per-group statistics and the theory comparison."""
    from bridgelab.campaign.theory import all_inside, evaluate

    labels = {index: campaign.group_label(index) for index in range(len(campaign.configs))}
    confidence = campaign.spec.theory.confidence if campaign.spec.theory else 0.95
    theory = evaluate(campaign, rows)
    return {
        "campaign": campaign.name,
        "campaign_hash": campaign.hash,
        "runs_expected": campaign.total_runs(),
        "runs_stored": len(rows),
        "groups": summarize(rows, labels, confidence),
        "theory": theory,
        "theory_agrees": all_inside(theory) if theory else None,
    }
