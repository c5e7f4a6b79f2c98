"""The two facts a reader of the summary asks first: what it takes to break the bridge (the
cheapest successful attack found, by the cost-to-break search or in the runs) and how
multisig custody fared against threshold BLS.

Neither claims more than its evidence: a search that broke nothing says how much it tried,
never that the bridge is safe; a report with one custody scheme says there is no contrast.
"""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.grouping import attack_key, untested
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.records import FAMILIES

# Attacks that forge through a verifier flaw: the break needs no key holder at all.
KEYLESS_FAMILY = "verifier flaw"
KEYLESS_KINDS = tuple(prefix for prefix, family in FAMILIES if family == KEYLESS_FAMILY)


def _fewest_in_runs(groups: list[ConfigGroup]) -> dict[str, Any] | None:
    """The key-compromise run that broke safety with the fewest key holders compromised."""
    best: dict[str, Any] | None = None
    for group in groups:
        for record in group.key_runs:
            count = group.compromised.get(record.id)
            if not record.safety_failed or count is None:
                continue
            if best is None or (count, record.seed) < (best["entities"], best["seed"]):
                best = {"entities": count, "seed": record.seed, "run": record.id,
                        "configuration": group.id, "label": group.label}
    return best


def _keyless_in_runs(groups: list[ConfigGroup]) -> dict[str, Any] | None:
    """A run that broke safety with a forgery needing no committee key (a verifier flaw
    exploited): the search's key probes cannot show this break's cost. Every attack of the
    run must be such a forgery: a key taken beside it would make "no key" untrue."""
    for group in groups:
        # Every attack of the run such a forgery (the family reads the first one alone).
        for record in sorted(group.family(KEYLESS_FAMILY), key=lambda r: (r.seed, r.id)):
            if record.safety_failed and all(kind.startswith(KEYLESS_KINDS)
                                            for kind in record.attack_kinds):
                return {"seed": record.seed, "run": record.id, "configuration": group.id,
                        "label": group.label, "attack": record.attack_kinds[0]}
    return None


def _cheapest(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The search result that broke with the fewest entities (then the lowest cost)."""
    broke = [entry for entry in entries if entry.get("entities") is not None]
    return min(broke, key=lambda e: (len(e["entities"]), e["cost"]), default=None)


def _search_clause(entry: dict[str, Any], label: str) -> str:
    if entry.get("entities") == []:
        return f"a forgery with no key at all breaks {label} (cost 0)"
    if entry.get("entities"):
        count = len(entry["entities"])
        at_most = (" (at most: not every way to break it was probed)"
                   if entry.get("incomplete_reasons") else "")
        return (f"compromising {count} key-holding entit{'y' if count == 1 else 'ies'}"
                f" ({words.names(entry['entities'])}; cost {entry['cost']:g}) breaks"
                f" {label}{at_most}")
    return (f"no set of entities broke {label} in {entry['evaluations']} simulated attacks"
            " (the search's limit, not a proof that none exists)")


def cost_headline(groups: list[ConfigGroup], cost: list[dict[str, Any]]) -> dict[str, Any]:
    """The cheapest break: per configuration from the search, and the fewest in the runs."""
    labels = {group.id: group.label for group in groups}
    cheapest = _cheapest(cost)
    in_runs = _fewest_in_runs(groups)
    keyless = _keyless_in_runs(groups)
    parts = []
    if keyless is not None:
        parts.append(
            f"No committee key at all: in the runs, a forgery ({keyless['attack']}) broke"
            f" {keyless['label']} (seed {keyless['seed']}) with no key holder compromised.")
    if cost:
        parts.append("The cost-to-break search found: " + "; ".join(
            _search_clause(entry, labels[entry["configuration"]]) for entry in cost) + ".")
    else:
        parts.append("The cost-to-break search was not run for this report.")
    if in_runs is not None:
        parts.append(
            f"In the runs, the cheapest successful key compromise took {in_runs['entities']}"
            f" key holder{'s' if in_runs['entities'] != 1 else ''} ({in_runs['label']},"
            f" seed {in_runs['seed']}).")
    elif any(len(untested(group.key_runs)) < len(group.key_runs) for group in groups):
        parts.append("No key-compromise run broke safety.")
    elif any(group.key_runs for group in groups):
        parts.append("No key-compromise run tested anything: the attacks never started, or"
                     " the runs ended inconclusive.")
    return {
        "text": " ".join(parts),
        "searched": bool(cost),
        "entities": len(cheapest["entities"]) if cheapest else None,
        "cost": cheapest["cost"] if cheapest else None,
        "configuration": cheapest["configuration"] if cheapest else None,
        "in_runs": in_runs,
        "keyless_in_runs": keyless,
    }


def _scheme_row(scheme: str, groups: list[ConfigGroup],
                cost: list[dict[str, Any]]) -> dict[str, Any]:
    records = [r for g in groups for r in g.records]
    ids = {g.id for g in groups}
    searched = [e for e in cost if e["configuration"] in ids]
    cheapest = _cheapest(searched)
    in_runs = _fewest_in_runs(groups)
    labels = {g.id: g.label for g in groups}
    return {
        "scheme": scheme,
        "configurations": [g.id for g in groups],
        "runs": len(records),
        "attacked": sum(1 for r in records if r.tested),
        "broken": sum(1 for r in records if r.safety_failed),
        # Entities the search needed (None: it broke nothing, or did not run) ...
        "cheapest_search": len(cheapest["entities"]) if cheapest else None,
        "searched": bool(searched),
        # Where the cheapest break was found (a scheme may have several configurations).
        "cheapest_label": (labels[cheapest["configuration"]] if cheapest
                           else in_runs["label"] if in_runs else None),
        # ... and the fewest key holders in a run that broke safety (None: no such run).
        "cheapest_in_runs": in_runs["entities"] if in_runs else None,
    }


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _row_text(row: dict[str, Any], several: bool) -> str:
    where = f" ({row['cheapest_label']})" if several and row["cheapest_label"] else ""
    if row["cheapest_search"] == 0:
        cheapest = "cheapest break needs no key at all"
    elif row["cheapest_search"] is not None:
        cheapest = f"cheapest break {_plural(row['cheapest_search'], 'entity', 'entities')}"
    elif row["cheapest_in_runs"] is not None:
        cheapest = ("cheapest break in the runs"
                    f" {_plural(row['cheapest_in_runs'], 'key holder', 'key holders')}")
    elif row["searched"]:
        cheapest, where = "the cost-to-break search found no break", ""
    else:
        cheapest, where = "no break measured", ""
    name = words.scheme_name(row["scheme"])
    return (f"{name[0].upper()}{name[1:]}: safety broke in {row['broken']} of"
            f" {row['attacked']} attacked runs ({row['runs']} runs), {cheapest}{where}")


def custody_contrast(groups: list[ConfigGroup], cost: list[dict[str, Any]]) -> dict[str, Any]:
    """Per custody scheme: runs, runs broken, the cheapest break; and whether they differ."""
    by_scheme: dict[str, list[ConfigGroup]] = {}
    for group in groups:
        by_scheme.setdefault(group.scheme, []).append(group)
    rows = [_scheme_row(s, by_scheme[s], cost) for s in sorted(by_scheme)]
    if not rows:
        return {"comparable": False, "schemes": rows,
                "text": "No custody scheme can be compared: there is no usable run."}
    if len(rows) == 1:
        only = words.scheme_name(rows[0]["scheme"])
        return {"comparable": False, "schemes": rows,
                "text": f"Only {only} custody was tested: these runs say nothing about how"
                        " another custody scheme would fare."}
    text = ". ".join(_row_text(row, len(row["configurations"]) > 1) for row in rows) + "."
    met = {s: {attack_key(r) for g in by_scheme[s] for r in g.records} for s in by_scheme}
    if len({frozenset(attacks) for attacks in met.values()}) > 1:
        text += (" The schemes did not meet the same attacks, so a difference here is not"
                 " the custody scheme's alone.")
    elif len({(r["broken"], r["attacked"], r["cheapest_search"], r["cheapest_in_runs"])
              for r in rows}) == 1:
        text += " Both broke as often, and at the same cost, under the same attacks."
    return {"comparable": True, "schemes": rows, "text": text}
