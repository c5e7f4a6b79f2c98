"""Incident reproductions: each incident scenario beside its `-defended` twin, what the
defence changed (setting by setting) and what that did to the loss."""

from __future__ import annotations

import json
from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import evidence, quantiles
from bridgelab.report.records import RunRecord

# Left out of the diff: the scenario block (its name and timing differ by design).
INCIDENT_META = ("scenario",)
# Settings listed per incident; how many more there were goes in changes_omitted.
MAX_CHANGES = 14


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Entities and delegations keyed by name, latency distributions as one phrase: a diff
    then names what changed in words, not list indexes and distribution fields."""
    data = dict(data)
    if isinstance(data.get("entities"), list):
        data["entities"] = {
            str(e.get("name")): " · ".join([
                f"seats {e.get('members')}", str(e.get("jurisdiction", "unspecified")),
                str(e.get("storage", "hsm")),
            ])
            for e in data["entities"]
        }
    if isinstance(data.get("delegations"), list):
        data["delegations"] = {
            f"{d.get('grantor')} → {d.get('grantee')}": ("revoked" if d.get("revoked")
                                                         else "live")
            for d in data["delegations"]
        }
    return data


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    if isinstance(data, dict) and "dist" in data:
        flat[prefix] = words.distribution(data)
    elif isinstance(data, dict):
        for key in sorted(data):
            flat.update(_flatten(data[key], f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(i, dict) for i in data):
        for index, item in enumerate(data):
            flat.update(_flatten(item, f"{prefix}.{index}"))
    else:
        flat[prefix] = data
    return flat


def config_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting the defended scenario changes (scenario name and timing left out)."""
    a = {k: v for k, v in _flatten(_compact(before)).items()
         if k.split(".")[0] not in INCIDENT_META}
    b = {k: v for k, v in _flatten(_compact(after)).items()
         if k.split(".")[0] not in INCIDENT_META}
    changes = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            changes.append({"setting": path, "before": _show(a.get(path)),
                            "after": _show(b.get(path))})
    return changes


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _run_summary(runs: list[RunRecord]) -> dict[str, Any]:
    first = runs[0]
    return {
        "scenario": first.scenario,
        "description": ((first.config or {}).get("scenario") or {}).get("description", ""),
        "runs": len(runs),
        "safety_failed": sorted({p for r in runs for p in r.safety_failed}),
        "liveness_failed": sorted({p for r in runs for p in r.liveness_failed}),
        "loss": quantiles([r.loss for r in runs]),
        "unbacked_peak": max(r.unbacked_peak for r in runs),
        "time_to_detect_s": first.outcome.get("time_to_detect_s"),
        "dwell_s": first.outcome.get("dwell_s"),
        "evidence": evidence(runs, 2),
    }


def _not_shown(idle: list[RunRecord], defended: int) -> str:
    reasons = [reason for r in idle for reason in r.inconclusive]
    why = f" ({reasons[0]})" if reasons else ""
    return (f"not shown: {len(idle)} of the {defended} defended runs tested nothing: the"
            f" attack never started, or the run ended inconclusive{why}")


def incidents(records: list[RunRecord]) -> list[dict[str, Any]]:
    pairs: dict[str, dict[str, list[RunRecord]]] = {}
    for record in records:
        base = record.scenario.removesuffix("-defended")
        side = "defended" if record.scenario.endswith("-defended") else "incident"
        pairs.setdefault(base, {}).setdefault(side, []).append(record)
    result = []
    for name in sorted(pairs):
        sides = pairs[name]
        incident = sides.get("incident")
        defended = sides.get("defended")
        entry: dict[str, Any] = {
            "name": name,
            "incident": _run_summary(incident) if incident else None,
            "defended": _run_summary(defended) if defended else None,
            "changes": [],
            "effect": "",
        }
        if incident and defended:
            before, after = incident[0].config, defended[0].config
            if before is not None and after is not None:
                changes = config_changes(before, after)
                entry["changes"] = changes[:MAX_CHANGES]
                entry["changes_omitted"] = max(0, len(changes) - MAX_CHANGES)
            lost, kept = entry["incident"]["loss"]["max"] or 0, entry["defended"]["loss"]["max"]
            broke = entry["incident"]["safety_failed"]
            still = entry["defended"]["safety_failed"]
            # A defence "held" only where the defended replay shows it: one whose attack
            # never started, or that ended inconclusive (an attack left unstarted, a forged
            # mint still queued), shows nothing either way.
            idle = [r for r in defended if not r.attacked or r.inconclusive_on_safety]
            if broke and not still and idle:
                entry["effect"] = _not_shown(idle, len(defended))
            elif broke and not still:
                entry["effect"] = (
                    f"prevents: safety held with the defence (loss {words.amount(lost)} → 0)"
                    if not kept else f"safety held; loss {words.amount(lost)} →"
                    f" {words.amount(kept)}"
                )
            elif kept is not None and kept < lost:
                entry["effect"] = f"bounds: loss {words.amount(lost)} → {words.amount(kept)}"
            elif broke:
                entry["effect"] = "no change: the defended run still broke safety"
            else:
                entry["effect"] = "the undefended run did not break safety"
        result.append(entry)
    return result
