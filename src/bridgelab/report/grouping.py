"""Runs grouped for the report: by configuration (`group_configs`), by attack
(`group_attacks`), and the statistics of one group of runs (`group_stats`)."""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import ConfigGroup, evidence, quantiles, rate
from bridgelab.report.records import RunRecord


def _config_label(record: RunRecord) -> str:
    config = record.config or {}
    committee = config.get("committee") or {}
    custody = record.custody
    scheme = committee.get("custody") or custody.get("scheme", "unknown")
    n = committee.get("members", custody.get("members", "?"))
    t = committee.get("threshold", custody.get("threshold", "?"))
    extras = []
    defences = config.get("defences") or {}
    limits = (config.get("bridge") or {}).get("limits") or {}
    if config.get("entities"):
        extras.append(f"{len(config['entities'])} key holders")
    if (defences.get("watcher") or {}).get("enabled"):
        extras.append("watcher")
    if limits.get("rate_capacity") or limits.get("per_transfer_cap"):
        extras.append("limits")
    if defences.get("accountant"):
        extras.append("accountant")
    for flaw in (config.get("bridge") or {}).get("flaws") or []:
        extras.append(f"flaw {flaw}")
    label = f"{words.scheme_name(str(scheme))} {t}-of-{n}"
    return " + ".join([label, *extras])


def group_configs(records: list[RunRecord]) -> list[ConfigGroup]:
    groups: dict[str, ConfigGroup] = {}
    for record in records:
        key = record.config_key()
        if key not in groups:
            groups[key] = ConfigGroup(key, f"cfg-{len(groups) + 1}", _config_label(record))
        groups[key].records.append(record)
    seen: dict[str, int] = {}
    for group in groups.values():
        seen[group.label] = seen.get(group.label, 0) + 1
        if seen[group.label] > 1:
            group.label += f" (variant {seen[group.label]})"
    return list(groups.values())


def attack_key(record: RunRecord) -> str:
    if "arm" in record.parameters:
        return "arm:" + str(record.parameters["arm"])
    return record.attack_key()


def group_attacks(records: list[RunRecord]) -> list[dict[str, Any]]:
    """Attack rows in first-appearance order, labels made unique."""
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        key = attack_key(record)
        if key not in rows:
            rows[key] = {"key": key, "id": f"atk-{len(rows) + 1}",
                         "label": record.attack_label(), "family": record.family,
                         "kinds": record.attack_kinds, "records": []}
        rows[key]["records"].append(record)
    labels: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        labels.setdefault(row["label"], []).append(row)
    for same in labels.values():
        if len(same) > 1:
            for row in same:
                row["label"] += f" [{row['records'][0].scenario}]"
    return list(rows.values())


def worst_verdict(runs: list[RunRecord], prefix: str) -> str:
    verdicts = [v for r in runs for p, v in r.verdicts.items() if p.startswith(prefix)]
    if "fail" in verdicts:
        return "fail"
    if "unknown" in verdicts:
        return "unknown"
    if "pass" in verdicts:
        return "pass"
    return "not_exercised"


def untested(runs: list[RunRecord]) -> list[RunRecord]:
    """Runs that show nothing either way about safety: not broken, and inconclusive (an
    attack that never started, a forged mint still queued, ...) or attacked by nothing that
    started. Such a run neither breaks nor vouches for the configuration it ran."""
    return [r for r in runs if r.inconclusive_on_safety
            or (not r.safety_failed and bool(r.attack_kinds) and not r.attacked)]


def safety_verdict(runs: list[RunRecord]) -> str:
    """The worst safety verdict of `runs`; "inconclusive" where none failed but some tested
    nothing, never "pass" on their account."""
    worst = worst_verdict(runs, "safety.")
    return "inconclusive" if worst != "fail" and untested(runs) else worst


def group_stats(runs: list[RunRecord]) -> dict[str, Any]:
    idle = untested(runs)
    # The chance of a loss over the runs that could show one either way.
    judged = [r for r in runs if r not in idle]
    detect = [r.outcome.get("time_to_detect_s") for r in runs]
    detect = [d for d in detect if d is not None]
    # Detection times exist only for runs that detected: the exploited runs say how many
    # never did, which a median of the others would hide.
    exploited = sum(1 for r in runs if (r.outcome.get("times") or {}).get("exploit") is not None)
    latency = [(r.metrics.get("deposit_latency_s") or {}).get("p99") for r in runs]
    gas = [(r.metrics.get("verification_gas_per_certificate") or {}).get("mean") for r in runs]
    gas = [g for g in gas if g]
    # EVM mode: the whole mint's gas as the EVM metered it, beside the model's bid for it.
    evm_runs = [r for r in runs if (r.metrics.get("evm") or {}).get("gas_per_certificate")]
    evm_gas = _mean([r.metrics["evm"]["gas_per_certificate"].get("mean") for r in evm_runs])
    model_gas = _mean([(r.metrics.get("mint_gas") or {}).get("mean") for r in evm_runs])
    return {
        "runs": len(runs),
        "seeds": sorted({r.seed for r in runs}),
        "safety": {"verdict": safety_verdict(runs),
                   **rate(runs, lambda r: bool(r.safety_failed))},
        "untested": len(idle),
        "liveness": {"verdict": worst_verdict(runs, "liveness."),
                     **rate(runs, lambda r: bool(r.liveness_failed)),
                     # Runs whose only stuck transfers a theft froze: the theft's consequence.
                     "after_theft": sum(1 for r in runs
                                        if r.liveness_failed and not r.honest_liveness_failed)},
        "p_loss": rate(judged, lambda r: r.loss > 0),
        "loss": quantiles([r.loss for r in runs]),
        "unbacked_peak": quantiles([r.unbacked_peak for r in runs]),
        "time_to_detect_s": quantiles(detect),
        "exploited_runs": exploited,
        "deposit_latency_p99_s": quantiles([v for v in latency if v is not None]),
        "verification_gas": (sum(gas) / len(gas)) if gas else None,
        "evm_mint_gas": evm_gas,
        "model_mint_gas": model_gas if evm_gas is not None else None,
        "withdrawal_latency_max_s": quantiles(_metric(runs, "withdrawal_latency_s", "max")),
        # Environment effects the bridge's own verdicts do not show.
        "oracle_stale_s": quantiles(_metric(runs, "oracle", "stale", "longest_s")),
        "l2_settlement_lag_s": quantiles(
            _metric(runs, "l2", "deposit_settlement_lag_s", "max")),
        "evidence": evidence(sorted(runs, key=lambda r: (-len(r.safety_failed), -r.loss)), 2),
    }


def _mean(values: list[float | None]) -> float | None:
    present = [value for value in values if value]
    return sum(present) / len(present) if present else None


def _metric(runs: list[RunRecord], *path: str) -> list[float]:
    values = []
    for record in runs:
        node: Any = record.metrics
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, (int, float)):
            values.append(float(node))
    return values
