"""Run records -> the report, as one JSON-ready dict (`report.schema.json` describes it).

A pure function: the same records (and cost results and history series, computed before)
give the same report. Nothing here reads files, runs simulations or formats for a medium.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bridgelab import __version__
from bridgelab.report import cells, words
from bridgelab.report.groups import (
    ConfigGroup,
    delays,
    evidence,
    quantiles,
    rate,
)
from bridgelab.report.records import KEY_FAMILY, RunRecord

SCHEMA_VERSION = 1
SENTENCE_ORDER = {"stolen": 0, "frozen": 1, "delayed": 2}
GAP_RUNS = 4
INCIDENT_META = ("scenario",)
MAX_CHANGES = 14


# -- grouping ----------------------------------------------------------------------------------


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


def _attack_key(record: RunRecord) -> str:
    if "arm" in record.parameters:
        return "arm:" + str(record.parameters["arm"])
    return record.attack_key()


def group_attacks(records: list[RunRecord]) -> list[dict[str, Any]]:
    """Attack rows in first-appearance order, labels made unique."""
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        key = _attack_key(record)
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


# -- per group statistics ------------------------------------------------------------------------


def _verdict(runs: list[RunRecord], prefix: str) -> str:
    verdicts = [v for r in runs for p, v in r.verdicts.items() if p.startswith(prefix)]
    if "fail" in verdicts:
        return "fail"
    if "unknown" in verdicts:
        return "unknown"
    if "pass" in verdicts:
        return "pass"
    return "not_exercised"


def group_stats(runs: list[RunRecord]) -> dict[str, Any]:
    detect = [r.outcome.get("time_to_detect_s") for r in runs]
    detect = [d for d in detect if d is not None]
    latency = [(r.metrics.get("deposit_latency_s") or {}).get("p99") for r in runs]
    gas = [(r.metrics.get("verification_gas_per_certificate") or {}).get("mean") for r in runs]
    gas = [g for g in gas if g]
    # EVM mode: the whole mint's gas as the EVM metered it, beside the model's bid for it.
    evm_runs = [r for r in runs if (r.metrics.get("evm") or {}).get("gas_per_certificate")]
    evm_gas = [r.metrics["evm"]["gas_per_certificate"].get("mean") for r in evm_runs]
    model_gas = [(r.metrics.get("mint_gas") or {}).get("mean") for r in evm_runs]
    return {
        "runs": len(runs),
        "seeds": sorted({r.seed for r in runs}),
        "safety": {"verdict": _verdict(runs, "safety."),
                   **rate(runs, lambda r: bool(r.safety_failed))},
        "liveness": {"verdict": _verdict(runs, "liveness."),
                     **rate(runs, lambda r: bool(r.liveness_failed))},
        "p_loss": rate(runs, lambda r: r.loss > 0),
        "loss": quantiles([r.loss for r in runs]),
        "unbacked_peak": quantiles([r.unbacked_peak for r in runs]),
        "time_to_detect_s": quantiles(detect),
        "deposit_latency_p99_s": quantiles([v for v in latency if v is not None]),
        "verification_gas": (sum(gas) / len(gas)) if gas else None,
        "evm_mint_gas": _mean(evm_gas),
        "model_mint_gas": _mean(model_gas) if _mean(evm_gas) is not None else None,
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


# -- risk sentences ------------------------------------------------------------------------------


def _clause(runs: list[RunRecord]) -> str:
    record = runs[0]
    return words.attacks_clause(record.attacks, record.config or {})


def _stuck_words(props: list[str]) -> str:
    return words.names([
        "deposits were never minted" if prop == "liveness.deposits-minted"
        else "final withdrawals were never released"
        if prop == "liveness.withdrawals-released" else prop
        for prop in props
    ])


def risk_sentences(groups: list[ConfigGroup]) -> list[dict[str, Any]]:
    sentences = []
    for group in groups:
        by_attack: dict[str, list[RunRecord]] = {}
        for record in group.attacked:
            by_attack.setdefault(_attack_key(record), []).append(record)
        delayed = delays(group)
        for runs in by_attack.values():
            clause = _clause(runs)
            stolen = [r for r in runs if r.safety_failed]
            # Honest transfers only a theft froze are the theft's consequence, told with it.
            by_theft = [r for r in runs if r.liveness_failed and not r.honest_liveness_failed]
            if stolen:
                p = rate(runs, lambda r: bool(r.safety_failed))
                losses = quantiles([r.loss for r in stolen])
                unbacked = max(r.unbacked_peak for r in stolen)
                outcome = (
                    f"the adversary took a median of {words.amount(losses['p50'])} (up to"
                    f" {words.amount(losses['max'])})" if losses["max"]
                    else f"unbacked tokens worth up to {words.amount(unbacked)} were minted"
                    " (nothing left the escrow)"
                )
                if by_theft:
                    what = _stuck_words(sorted({q for r in by_theft for q in r.liveness_failed}))
                    outcome += (
                        f"; as a consequence of the theft, honest users' {what} in"
                        f" {len(by_theft)} runs (frozen by the pause that followed it, or unpaid"
                        " from the escrow it drained)"
                    )
                sentences.append({
                    "kind": "stolen", "configuration": group.id,
                    "attack": _attack_key(runs[0]),
                    "text": f"Funds can be stolen if {clause}: on {group.label}, safety failed"
                            f" in {p['count']} of {p['runs']} runs"
                            f" ({words.interval(p['p'], p['low'], p['high'])}) and {outcome}.",
                    "probability": p, "median_loss": losses["p50"] or 0,
                    "evidence": evidence(sorted(stolen, key=lambda r: -r.loss)),
                })
            frozen = [r for r in runs if r.honest_liveness_failed]
            if frozen:
                p = rate(runs, lambda r: bool(r.honest_liveness_failed))
                what = _stuck_words(sorted({q for r in frozen for q in r.honest_liveness_failed}))
                # Results that do not classify their stuck transfers (older ones) can only say
                # what else happened in those runs.
                if all(r.safety_failed and r.loss > 0 and "liveness" not in r.metrics
                       for r in frozen):
                    what += " (the adversary had drained the escrow)"
                sentences.append({
                    "kind": "frozen", "configuration": group.id,
                    "attack": _attack_key(runs[0]),
                    "text": f"Funds can be frozen if {clause}: on {group.label}, {what} in"
                            f" {p['count']} of {p['runs']} runs"
                            f" ({words.interval(p['p'], p['low'], p['high'])}).",
                    "probability": p, "median_loss": 0, "evidence": evidence(frozen),
                })
            slow = [d for d in delayed if d["run"] in runs]
            for direction in ("withdrawal", "deposit"):
                hits = [d for d in slow if d["direction"] == direction]
                if not hits or any(r.liveness_failed for r in (d["run"] for d in hits)):
                    continue
                worst = max(hits, key=lambda d: d["worst"])
                hit_runs = list(dict.fromkeys(d["run"] for d in hits))
                p = rate(runs, lambda r, hit_runs=hit_runs: r in hit_runs)
                noun = "Withdrawals" if direction == "withdrawal" else "Deposits"
                sentences.append({
                    "kind": "delayed", "configuration": group.id,
                    "attack": _attack_key(runs[0]),
                    "text": f"{noun} can be delayed if {clause}: on {group.label}, the slowest"
                            f" took {words.duration(worst['worst'])} against"
                            f" {words.duration(worst['reference'])} without the attack, in"
                            f" {p['count']} of {p['runs']} runs.",
                    "probability": p, "median_loss": 0,
                    "evidence": evidence(hit_runs),
                })
    sentences.sort(key=lambda s: (SENTENCE_ORDER[s["kind"]], -(s["probability"]["p"] or 0),
                                  -s["median_loss"]))
    return sentences


# -- summary -------------------------------------------------------------------------------------


def _describe(group: ConfigGroup) -> str:
    _, seats = group.largest
    parts = [
        f"{words.scheme_name(group.scheme)} custody, {group.threshold} of {group.members}"
        " committee signatures per transfer"
    ]
    if group.declared_entities:
        parts.append(f"keys with {len(group.holdings)} entities (the largest controls {seats})")
    if group.pausing_watcher:
        parts.append("a watcher that pauses the bridge")
    if group.limits.get("rate_capacity") or group.limits.get("per_transfer_cap"):
        parts.append("transfer limits")
    if group.defences.get("accountant"):
        parts.append("a global accountant")
    if group.flaws:
        parts.append(f"verifier flaws {words.names(group.flaws)}")
    return "; ".join(parts) + "."


def _cost_breaks(groups: list[ConfigGroup], cost: list[dict[str, Any]]) -> str | None:
    """The cost-to-break search's breaks, as a clause (None: it broke nothing, or did not run).

    Its witness is a simulated attack the checker judged: a bridge it broke is not safe,
    whatever the runs given to the report show."""
    labels = {group.id: group.label for group in groups}
    broken = [entry for entry in cost if entry.get("entities")]
    if not broken:
        return None
    return "; ".join(
        f"compromising {words.names(entry['entities'])} breaks {labels[entry['configuration']]}"
        for entry in broken
    )


def summary(groups: list[ConfigGroup], sentences: list[dict[str, Any]],
            runs: list[RunRecord], cost: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    attacked = [r for r in runs if r.attacked]
    stolen = [r for r in runs if r.safety_failed]
    stuck = [r for r in runs if r.liveness_failed]
    inconclusive = [r for r in runs if r.exit_code == 2]
    breaks = _cost_breaks(groups, cost or [])
    if stolen:
        verdict = "unsafe"
        text = (
            f"Not safe under the tested attacks: safety failed in {len(stolen)} of"
            f" {len(attacked)} attacked runs."
        )
    elif stuck:
        verdict = "at-risk"
        text = (
            f"Safety held in every run, but transfers got stuck in {len(stuck)} of"
            f" {len(runs)} runs."
        )
        if breaks:
            text += f" The cost-to-break search found a break: {breaks} (see Cost to break)."
    elif breaks:
        verdict = "at-risk"
        text = (
            f"Safety held in every run, but the cost-to-break search broke it: {breaks}"
            " (see Cost to break for the loss and its bound)."
        )
    elif inconclusive:
        verdict = "inconclusive"
        text = f"Nothing failed, but {len(inconclusive)} runs were inconclusive."
    elif not attacked and not cost:
        # Honest traffic alone says nothing about what an attacker could do.
        verdict = "inconclusive"
        text = (
            f"No attack was tested: the {len(runs)} runs carried honest traffic only and no"
            " cost-to-break search was run."
        )
    else:
        verdict = "safe"
        text = f"No tested attack broke safety or liveness in {len(runs)} runs."
    # Three different risks: the most likely of each kind (stolen, frozen, delayed), each from
    # an attack not already named, then the next most severe.
    top: list[dict[str, Any]] = []
    for kind in SENTENCE_ORDER:
        named = {s["attack"] for s in top}
        candidates = [s for s in sentences if s["kind"] == kind]
        fresh = [s for s in candidates if s["attack"] not in named]
        if fresh or candidates:
            top.append((fresh or candidates)[0])
    for sentence in sentences:
        if len(top) >= 3:
            break
        if sentence not in top:
            top.append(sentence)
    top = sorted(top[:3], key=sentences.index)
    configurations = [f"{g.label}: {_describe(g)}" for g in groups]
    return {
        "verdict": verdict,
        "verdict_text": text,
        "configurations": configurations,
        "runs": len(runs),
        "attacked_runs": len(attacked),
        "seeds": len({r.seed for r in runs}),
        "campaigns": sorted({r.campaign for r in runs if r.campaign}),
        "top_risks": [s["text"] for s in top],
    }


def qualified(found: dict[str, Any], records: list[RunRecord],
              main: list[RunRecord]) -> dict[str, Any]:
    """The summary, honest about the runs it could not use: never "safe" on fewer runs than
    were read, nor on none; each unusable run named with its reason."""
    unusable = [r for r in records if not r.usable]
    read = len(records)
    found = {**found, "runs_read": read, "unverified_runs": len(unusable),
             "unusable": [unusable_entry(r) for r in unusable]}
    if not main:
        reasons = sorted({entry["reasons"][0].split(" (")[0] for entry in found["unusable"]})
        found["verdict"] = "inconclusive"
        found["verdict_text"] = (
            f"No verdict: none of the {read} runs read could be used ({words.names(reasons)})."
            if read else "No verdict: there are no runs."
        )
        return found
    if not unusable:
        return found
    left_out = (f"{len(unusable)} of the {read} runs read could not be used (their evidence"
                f" does not verify) and {'is' if len(unusable) == 1 else 'are'} left out")
    if found["verdict"] == "safe":
        found["verdict"] = "inconclusive"
        found["verdict_text"] = (
            f"Nothing failed in the {len(main)} usable run{'s' if len(main) != 1 else ''},"
            f" but {left_out}: what {'it' if len(unusable) == 1 else 'they'} would show is"
            " unknown."
        )
    else:
        found["verdict_text"] += f" {left_out[0].upper()}{left_out[1:]}."
    return found


def unusable_entry(record: RunRecord) -> dict[str, Any]:
    return {
        "run": record.id,
        "scenario": record.scenario,
        "seed": record.seed,
        "campaign": record.campaign,
        "reasons": list(record.problems) or ["scenario unknown"],
        "results": record.results_path,
        "history": record.history_path,
    }


# -- configurations, matrix, comparison -----------------------------------------------------------


def configuration(group: ConfigGroup) -> dict[str, Any]:
    holder, seats = group.largest
    return {
        "id": group.id,
        "key": group.key,
        "label": group.label,
        "description": _describe(group),
        "custody": group.scheme,
        "members": group.members,
        "threshold": group.threshold,
        "required": group.required,
        "relayers": group.relayers,
        "entities": [
            {"name": name, "jurisdiction": h["jurisdiction"], "storage": h["storage"],
             "seats": h["seats"], "controls": h["controls"]}
            for name, h in sorted(group.holdings.items())
        ] if group.declared_entities else [],
        "largest_holding": {"entity": holder, "seats": seats},
        "limits": group.limits,
        "defences": group.defences,
        "flaws": group.flaws,
        "runs": len(group.records),
        "verdict": _verdict(group.records, "safety."),
    }


def attack_matrix(groups: list[ConfigGroup], attacks: list[dict[str, Any]]) -> dict[str, Any]:
    cells_ = []
    for attack in attacks:
        for group in groups:
            runs = [r for r in attack["records"] if r in group.records]
            if runs:
                cells_.append({"attack": attack["id"], "configuration": group.id,
                               **group_stats(runs)})
    return {
        "attacks": [{"id": a["id"], "label": a["label"], "family": a["family"],
                     "kinds": a["kinds"]} for a in attacks],
        "configurations": [g.id for g in groups],
        "cells": cells_,
    }


def custody_comparison(groups: list[ConfigGroup], attacks: list[dict[str, Any]]) -> dict[str, Any]:
    """Multisig beside threshold BLS: configurations that differ only in custody, paired."""
    by_scheme: dict[str, list[ConfigGroup]] = {}
    for group in groups:
        by_scheme.setdefault(group.scheme, []).append(group)
    schemes = sorted(by_scheme)
    columns = [by_scheme[s][0] for s in schemes]
    rows = []
    for attack in attacks:
        entry: dict[str, Any] = {"attack": attack["id"], "label": attack["label"],
                                 "by_scheme": {}}
        for scheme, group in zip(schemes, columns, strict=True):
            runs = [r for r in attack["records"] if r in group.records]
            if runs:
                stats = group_stats(runs)
                entry["by_scheme"][scheme] = {
                    "configuration": group.id,
                    "runs": stats["runs"],
                    "safety": stats["safety"],
                    "liveness": stats["liveness"],
                    "p_loss": stats["p_loss"],
                    "loss": stats["loss"],
                    "time_to_detect_s": stats["time_to_detect_s"],
                    "deposit_latency_p99_s": stats["deposit_latency_p99_s"],
                    "verification_gas": stats["verification_gas"],
                    "evidence": stats["evidence"],
                }
        if len(entry["by_scheme"]) >= 1:
            rows.append(entry)
    return {
        "schemes": schemes,
        "configurations": {s: g.id for s, g in zip(schemes, columns, strict=True)},
        "comparable": len(schemes) >= 2,
        "rows": rows,
    }


# -- incidents -----------------------------------------------------------------------------------


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
            if broke and not still:
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


# -- cost to break -------------------------------------------------------------------------------


def cost_section(groups: list[ConfigGroup], cost: dict[str, dict[str, Any]]) -> list[dict]:
    entries = []
    for group in groups:
        found = cost.get(group.key)
        if found is None:
            continue
        entry = {"configuration": group.id, **found}
        if found.get("entities"):
            entry["text"] = (
                f"Cheapest break of {group.label}: compromise {words.names(found['entities'])}"
                f" (total cost {found['cost']:g}), found after {found['evaluations']} simulated"
                " attacks."
            )
        else:
            entry["text"] = (
                f"No set of entities broke {group.label} within {found['evaluations']}"
                " simulated attacks by an adversary that sizes and paces its forgeries"
                " against the limits."
            )
        entry["loss_text"] = _loss_text(found)
        entries.append(entry)
    return entries


def _loss_text(found: dict[str, Any]) -> str:
    """The witness's take beside the configured bound (reports without them say nothing)."""
    parts = []
    if found.get("loss"):
        parts.append(words.witness_loss(found["loss"]))
    if found.get("loss_bound"):
        parts.append(words.loss_bound(found["loss_bound"]))
    if found.get("within_bound") is True:
        parts.append("The witness stayed within that bound.")
    elif found.get("within_bound") is False:
        parts.append("The witness took more than that bound: the bound does not hold here.")
    return " ".join(parts)


# -- plots (data only; the renderers draw them) ---------------------------------------------------


def _compromised(record: RunRecord, series: dict[str, Any] | None) -> int | None:
    if series and series.get("compromised_entities") is not None:
        return int(series["compromised_entities"])
    config = record.config or {}
    entities = 0
    for attack in record.attacks:
        target = attack.get("targets") or {}
        if target.get("entities"):
            entities += len(target["entities"])
        elif target.get("members") is not None:
            entities += len(words.entities_of_members(config, list(target["members"])))
    if entities:
        return entities
    seats = record.probes.get("compromised_seats")
    if seats is not None and not config.get("entities"):
        return int(seats)  # one operator per seat
    return None


def plots(groups: list[ConfigGroup], attacks: list[dict[str, Any]],
          series: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    points = []
    for group in groups:
        for record in group.records:
            if record.family != KEY_FAMILY:
                continue
            count = _compromised(record, series.get(record.id))
            if count is None:
                continue
            points.append({"scheme": group.scheme, "configuration": group.id,
                           "label": group.label, "entities": count, "loss": record.loss,
                           "unbacked": record.unbacked_peak, "run": record.id})
    latency = []
    for group in groups:
        for attack in attacks:
            runs = [r for r in attack["records"] if r in group.records]
            values: list[float] = []
            for record in runs:
                values += (series.get(record.id) or {}).get("deposit_latency_s", [])
            if values:
                latency.append({"configuration": group.id, "label": group.label,
                                "attack": attack["id"], "attack_label": attack["label"],
                                "runs": len(runs), "values": sorted(values),
                                "summary": quantiles(values)})
    gaps = []
    for group in groups:
        candidates = [r for r in group.records if r.id in series]
        if not candidates:
            continue
        worst = max(candidates, key=lambda r: (r.unbacked_peak, len(r.outcome.get("faults") or []),
                                               -r.seed))
        data = series[worst.id]
        gaps.append({"configuration": group.id, "label": group.label, "run": worst.id,
                     "scenario": worst.scenario, "seed": worst.seed,
                     "attack_label": worst.attack_label(),
                     "points": data["gap"], "end": data["end"],
                     "faults": [{"attack": f.get("attack", ""), "start": f.get("start"),
                                 "heal": f.get("heal")}
                                for f in worst.outcome.get("faults") or []]})
    return [
        {"id": "loss-vs-entities", "title": "Loss against compromised entities",
         "caption": "Value extracted by the adversary in each key-compromise run, against the"
                    " number of key-holding entities it controlled, per custody scheme.",
         "data": {"points": points}},
        {"id": "deposit-latency", "title": "Deposit latency",
         "caption": "Seconds from a user's lock to the mint (or L2 credit), every deposit of"
                    " every run, per configuration and attack.",
         "data": {"groups": latency}},
        {"id": "supply-gap", "title": "Minted minus locked over time",
         "caption": "(minted − burned) − (locked − released) during the worst run of each"
                    " configuration; above zero, wrapped tokens are unbacked. Shaded: fault"
                    " windows.",
         "data": {"runs": gaps[:GAP_RUNS]}},
    ]


# -- the report ------------------------------------------------------------------------------------


def run_entry(record: RunRecord, group_id: str | None) -> dict[str, Any]:
    return {
        "id": record.id,
        "scenario": record.scenario,
        "seed": record.seed,
        "campaign": record.campaign,
        "configuration": group_id,
        "attack": record.attack_label(),
        "family": record.family,
        "reproduce": record.reproduce,
        "reproducible": record.reproducible,
        "verdict": record.verdict,
        "problems": list(record.problems),
        "verdicts": dict(sorted(record.verdicts.items())),
        "safety_failed": record.safety_failed,
        "liveness_failed": record.liveness_failed,
        "loss": record.loss,
        "unbacked_peak": record.unbacked_peak,
        "time_to_detect_s": record.outcome.get("time_to_detect_s"),
        "scenario_hash": record.fingerprint.get("scenario_hash"),
        # "symbolic": the run's signatures were stand-ins (crypto/symbolic.py), not crypto.
        "crypto": record.fingerprint.get("crypto", "real"),
        "results": record.results_path,
        "history": record.history_path,
        "incident": record.is_incident,
    }


def build_report(
    records: Iterable[RunRecord],
    *,
    title: str = "bridgelab risk report",
    source: list[str] | None = None,
    cost: dict[str, dict[str, Any]] | None = None,
    series: dict[str, dict[str, Any]] | None = None,
    generated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    records = list(records)
    # A run is analysed only if its evidence verified (history hash, completion, its own
    # scenario): cells are about a configuration, and a verdict rests on checked runs only.
    analysed = [r for r in records if r.usable]
    incident_runs = [r for r in analysed if r.is_incident]
    main = [r for r in analysed if not r.is_incident] or incident_runs
    series = series or {}
    groups = group_configs(main)
    for group in groups:
        group.compromised = {
            r.id: _compromised(r, series.get(r.id)) for r in group.records
            if r.family == KEY_FAMILY
        }
    attacks = group_attacks(main)
    sentences = risk_sentences(groups)
    group_of = {r.id: g.id for g in groups for r in g.records}
    cost_to_break = cost_section(groups, cost or {})
    return {
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "generated_by": {"bridgelab": __version__, "commit": None, **(generated or {})},
        "source": list(source or []),
        "summary": qualified(summary(groups, sentences, main, cost_to_break), records, main),
        "configurations": [configuration(g) for g in groups],
        "risk_cells": [{"configuration": g.id, "cells": cells.risk_cells(g)} for g in groups],
        "risk_sentences": sentences,
        "cost_to_break": cost_to_break,
        "attack_matrix": attack_matrix(groups, attacks),
        "custody_comparison": custody_comparison(groups, attacks),
        "incidents": incidents(incident_runs),
        "maturity": [{"configuration": g.id, "items": cells.maturity(g)} for g in groups],
        "plots": plots(groups, attacks, series),
        "rules": dict(cells.RULES),
        "runs": [run_entry(r, group_of.get(r.id)) for r in records],
    }
