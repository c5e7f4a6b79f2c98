"""Runs grouped the way a report reads them: by configuration, by attack, by environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridgelab.campaign.stats import quantile, wilson
from bridgelab.report import words
from bridgelab.report.records import KEY_FAMILY, RunRecord

SEVEN_DAYS = 7 * 86_400.0
# A transfer is "delayed" when the slowest one took more than this many times the reference
# (the slowest under honest traffic in the same configuration and environment) ...
DELAY_FACTOR = 2.0
# ... and at least this much longer in absolute terms.
DELAY_MARGIN_S = 60.0
ONLINE_STORAGE = ("hot-server", "laptop")
VERIFIER_FAMILIES = ("collusion", "verifier flaw")


def environment(record: RunRecord) -> tuple[Any, ...]:
    config = record.config or {}
    l2 = config.get("l2") or {}
    return (bool(l2.get("enabled")), l2.get("destination"),
            bool((config.get("oracle") or {}).get("enabled")))


@dataclass
class ConfigGroup:
    key: str
    id: str
    label: str
    records: list[RunRecord] = field(default_factory=list)
    # Run id -> key-holding entities the adversary controlled (None: no keys taken, unknown).
    compromised: dict[str, int | None] = field(default_factory=dict)

    # -- the configuration, as data --------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        for record in self.records:
            if record.config is not None:
                return record.config
        return {}

    @property
    def committee(self) -> dict[str, Any]:
        committee = dict(self.config.get("committee") or {})
        custody = self.records[0].custody if self.records else {}
        committee.setdefault("custody", custody.get("scheme", "unknown"))
        committee.setdefault("members", custody.get("members", 0))
        committee.setdefault("threshold", custody.get("threshold", 0))
        return committee

    @property
    def scheme(self) -> str:
        return str(self.committee.get("custody", "unknown"))

    @property
    def members(self) -> int:
        return int(self.committee.get("members") or 0)

    @property
    def threshold(self) -> int:
        return int(self.committee.get("threshold") or 0)

    @property
    def required(self) -> list[int]:
        return list(self.committee.get("required") or [])

    @property
    def limits(self) -> dict[str, Any]:
        return dict((self.config.get("bridge") or {}).get("limits") or {})

    @property
    def flaws(self) -> list[str]:
        return list((self.config.get("bridge") or {}).get("flaws") or [])

    @property
    def defences(self) -> dict[str, Any]:
        return dict(self.config.get("defences") or {})

    @property
    def watcher(self) -> dict[str, Any]:
        return dict(self.defences.get("watcher") or {})

    @property
    def pausing_watcher(self) -> bool:
        return bool(self.watcher.get("enabled")) and bool(self.watcher.get("pause", True))

    @property
    def loss_bound(self) -> dict[str, Any] | None:
        """What the configuration lets one incident move per direction before the pause
        (`nemesis.bound.loss_bound`); None if the configuration is not a valid scenario."""
        from pydantic import ValidationError

        from bridgelab.nemesis.bound import loss_bound
        from bridgelab.scenario.model import Scenario

        if not self.config:
            return None
        try:
            return loss_bound(Scenario.model_validate(self.config))
        except ValidationError:
            return None

    @property
    def relayers(self) -> int:
        return int((self.config.get("relayers") or {}).get("count") or 0)

    @property
    def timelock(self) -> float:
        return float(self.defences.get("rotation_timelock") or 0.0)

    @property
    def holdings(self) -> dict[str, dict[str, Any]]:
        return words.holdings(self.config) if self.config else {}

    @property
    def largest(self) -> tuple[str | None, int]:
        """The entity controlling the most seats (delegations included), by the verified
        scenario's entities and delegations: a run's own figure for it is not evidence."""
        table = self.holdings
        if not table:
            return None, 0
        # A tie names the entity the run's custody names (`KeyHolders.largest_holding`).
        holder = max(table, key=lambda name: (len(table[name]["controls"]), name))
        return holder, len(table[holder]["controls"])

    @property
    def declared_entities(self) -> bool:
        return bool(self.config.get("entities"))

    # -- the runs --------------------------------------------------------------------------

    @property
    def attacked(self) -> list[RunRecord]:
        return [r for r in self.records if r.attacked]

    def family(self, *families: str) -> list[RunRecord]:
        return [r for r in self.records if r.family in families]

    @property
    def key_runs(self) -> list[RunRecord]:
        return self.family(KEY_FAMILY)


def evidence(runs: list[RunRecord], limit: int = 3) -> list[dict[str, Any]]:
    """The runs a statement rests on: reproducible ones first, in the order given."""
    ordered = [r for r in runs if r.reproducible] + [r for r in runs if not r.reproducible]
    return [r.evidence() for r in ordered[:limit]]


def rate(runs: list[RunRecord], hit) -> dict[str, Any]:
    """How often `hit(run)` held, with a Wilson interval."""
    count = sum(1 for r in runs if hit(r))
    low, high = wilson(count, len(runs))
    return {"count": count, "runs": len(runs), "p": count / len(runs) if runs else None,
            "low": low, "high": high}


def quantiles(values: list[float]) -> dict[str, Any]:
    ordered = sorted(float(v) for v in values)
    return {
        "count": len(ordered),
        "p50": quantile(ordered, 0.5),
        "p90": quantile(ordered, 0.9),
        "p99": quantile(ordered, 0.99),
        "max": ordered[-1] if ordered else None,
    }


def worst_latency(record: RunRecord, direction: str) -> float | None:
    stats = record.metrics.get(f"{direction}_latency_s") or {}
    return stats.get("max")


def references(group: ConfigGroup) -> dict[tuple[Any, ...], dict[str, float]]:
    """Per environment: the slowest deposit and withdrawal under honest traffic. An
    environment with no honest run (or none that completed a transfer that way) has no
    reference for that direction: an attacked run is no yardstick for another, since an
    attack that slows every run would then look like no delay at all."""
    by_env: dict[tuple[Any, ...], list[RunRecord]] = {}
    for record in group.records:
        by_env.setdefault(environment(record), []).append(record)
    refs: dict[tuple[Any, ...], dict[str, float]] = {}
    for env, runs in by_env.items():
        honest = [r for r in runs if not r.attacked]
        refs[env] = {}
        for direction in ("deposit", "withdrawal"):
            values = [v for v in (worst_latency(r, direction) for r in honest) if v is not None]
            if values:
                refs[env][direction] = max(values)
    return refs


def _slowest(group: ConfigGroup) -> list[dict[str, Any]]:
    """Each attacked run's slowest transfer per direction, beside the honest reference of
    its environment (None: no honest run there to compare with)."""
    refs = references(group)
    return [{"run": record, "direction": direction, "worst": worst,
             "reference": refs.get(environment(record), {}).get(direction)}
            for record in group.attacked for direction in ("withdrawal", "deposit")
            if (worst := worst_latency(record, direction)) is not None]


def delays(group: ConfigGroup) -> list[dict[str, Any]]:
    """Attacked runs whose slowest transfer took more than DELAY_FACTOR × the reference."""
    return [d for d in _slowest(group) if d["reference"] is not None
            and d["worst"] > DELAY_FACTOR * d["reference"]
            and d["worst"] > d["reference"] + DELAY_MARGIN_S]


def unjudged(group: ConfigGroup) -> list[dict[str, Any]]:
    """Attacked runs with a measured transfer but no honest reference to judge its delay by
    (no honest run in their environment): whether the attack delayed them is unknown."""
    return [d for d in _slowest(group) if d["reference"] is None]


def paused(record: RunRecord) -> bool:
    """The bridge was paused during the run."""
    return record.outcome.get("time_to_pause_s") is not None


def loss_bound(group: ConfigGroup, record: RunRecord) -> float | None:
    """What the rate limit admits before the pause (or the run's end): capacity + refill."""
    capacity = group.limits.get("rate_capacity")
    if capacity is None:
        return None
    refill = float(group.limits.get("rate_per_second") or 0.0)
    outcome = record.outcome
    window = outcome.get("time_to_pause_s")
    if window is None:
        window = float(record.metrics.get("last_event_time_s") or 0.0)
    return float(capacity) + refill * float(window)


def exceeded(group: ConfigGroup, record: RunRecord) -> bool:
    """The run lost more than the rate limit admits before the pause (or the run's end), or
    lost anything with no rate limit to bound it."""
    if record.loss == 0:
        return False
    bound = loss_bound(group, record)
    return bound is None or record.loss > bound


def bounded(group: ConfigGroup, record: RunRecord) -> bool:
    """The run's loss is bounded: nothing lost, or the bridge paused and the loss fit what
    the limit admits before the pause. A losing run that never paused is not bounded: its
    loss was limited only by the run's length, and a longer run would have lost more."""
    if record.loss == 0:
        return True
    return paused(record) and not exceeded(group, record)
