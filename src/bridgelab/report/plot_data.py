"""The plots' data (the renderers draw them): loss against compromised entities, deposit
latency per configuration and attack, and the supply gap over the worst runs."""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import ConfigGroup, quantiles
from bridgelab.report.records import KEY_FAMILY, RunRecord

GAP_RUNS = 4


def compromised_entities(record: RunRecord, series: dict[str, Any] | None) -> int | None:
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
            count = compromised_entities(record, series.get(record.id))
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
