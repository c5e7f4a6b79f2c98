"""Report sections built from groups: each configuration, the attack matrix, multisig beside
threshold BLS, and the cost-to-break results in words."""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.grouping import group_stats, safety_verdict
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.summary import describe


def configuration(group: ConfigGroup) -> dict[str, Any]:
    holder, seats = group.largest
    return {
        "id": group.id,
        "key": group.key,
        "label": group.label,
        "description": describe(group),
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
        "verdict": safety_verdict(group.records),
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


def _search_end(found: dict[str, Any]) -> str:
    """How far a search that broke nothing went: every set, or why not."""
    if found.get("searched_all"):
        return "; every set was tried."
    if found.get("incomplete_reasons"):
        return f"; it is not complete: {'; '.join(found['incomplete_reasons'])}."
    if found.get("unsettled_probes"):
        return (f"; for {len(found['unsettled_probes'])} set(s) a forged mint was still queued"
                " behind the bridge's delay when the probe ended, so whether they break it is"
                " unknown.")
    if found.get("unknown_probes"):
        first = found["unknown_probes"][0]
        why = f" ({first['reasons'][0]})" if first.get("reasons") else ""
        return (f"; for {len(found['unknown_probes'])} set(s) the probe proved nothing either"
                f" way{why}, so whether they break it is unknown.")
    return (": the search's limit, before every set was tried (the larger sets, the likeliest"
            " to break it, were not).")


def cost_section(groups: list[ConfigGroup], cost: dict[str, dict[str, Any]]) -> list[dict]:
    entries = []
    for group in groups:
        found = cost.get(group.key)
        if found is None:
            continue
        entry = {"configuration": group.id, **found}
        if found.get("entities") == []:
            entry["text"] = (
                f"Cheapest break of {group.label}: no key at all. A forgery that needs none"
                " (an empty certificate, the caller's own signer list or an honest digest"
                " replayed beside other fields) broke it, found after"
                f" {found['evaluations']} simulated attack(s)."
            )
        elif found.get("entities"):
            entry["text"] = (
                f"Cheapest break of {group.label}: compromise {words.names(found['entities'])}"
                f" (total cost {found['cost']:g}), found after {found['evaluations']} simulated"
                " attacks."
                + (f" For {len(found['unsettled_probes'])} cheaper set(s) a forged mint was still"
                   " queued behind the bridge's delay when the probe ended: a cheaper break"
                   " may exist." if found.get("unsettled_probes") else "")
                + (" Not every way to break it was probed"
                   f" ({'; '.join(found['incomplete_reasons'])}): a cheaper break may exist."
                   if found.get("incomplete_reasons") else "")
            )
        else:
            entry["text"] = (
                f"No set of entities broke {group.label} within {found['evaluations']}"
                " simulated attacks by an adversary that sizes and paces its forgeries"
                " against the limits" + _search_end(found)
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
