"""The report's summary: its verdict and the words that justify it, the configurations in
one line each, the three largest risks, and the runs that could not be used."""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.headline import cost_headline, custody_contrast
from bridgelab.report.records import RunRecord
from bridgelab.report.sentences import SENTENCE_ORDER


def describe(group: ConfigGroup) -> str:
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
    broken = [entry for entry in cost if entry.get("entities") is not None]
    if not broken:
        return None
    return "; ".join(
        (f"compromising {words.names(entry['entities'])}" if entry["entities"]
         else "a forgery with no key at all")
        + f" breaks {labels[entry['configuration']]}"
        for entry in broken
    )


def _no_attack_tested(runs: int, cost: list[dict[str, Any]]) -> str:
    """Why no attack was tested: none started, and the cost search (if any) did not cover
    every set of entities."""
    started = (f"No attack was tested: no attack on the bridge started in the {runs} runs"
               " (attacks on the NAV feed test none of it), and")
    if not cost:
        return f"{started} no cost-to-break search was run."
    gaps = sorted({gap for entry in cost for gap in entry.get("incomplete_reasons") or []})
    if gaps:
        return f"{started} the cost-to-break search is not complete: {'; '.join(gaps)}."
    if any(entry.get("unsettled_probes") for entry in cost):
        return (f"{started} the cost-to-break search left forged mints queued behind the"
                " bridge's delay when its probes ended: whether they break it is unknown.")
    if any(entry.get("unknown_probes") for entry in cost):
        return (f"{started} some of the cost-to-break search's probes proved nothing either"
                " way (their runs ended inconclusive): whether those sets break it is"
                " unknown.")
    return (f"{started} the cost-to-break search stopped at its limit before trying every set"
            " of entities.")


def _verdict(groups: list[ConfigGroup], runs: list[RunRecord],
             cost: list[dict[str, Any]]) -> tuple[str, str]:
    """The headline verdict and its sentence: the worst thing the evidence shows."""
    attacked = [r for r in runs if r.tested]
    stolen = [r for r in runs if r.safety_failed]
    stuck = [r for r in runs if r.liveness_failed]
    inconclusive = [r for r in runs if r.exit_code == 2]
    # A property of the scenario's own failed (`[checks] properties`): its kind is the
    # user's to say, so the run is read as failing safety.
    own_failed = [r for r in runs
                  if r.exit_code == 1 and not r.safety_failed and not r.liveness_failed]
    breaks = _cost_breaks(groups, cost)
    # The cost search tested attacks only where it found a break or tried every set.
    searched = [entry for entry in cost
                if entry.get("entities") is not None or entry.get("searched_all")]
    if stolen:
        verdict = "unsafe"
        text = (
            f"Not safe under the tested attacks: safety failed in {len(stolen)} of"
            f" {len(attacked)} attacked runs."
        )
        unattacked = [r for r in stolen if not r.attacked]
        if unattacked:  # honest traffic alone broke it, or an attack that never started
            text = (f"Not safe: safety failed in {len(stolen)} of {len(runs)} runs,"
                    f" {len(unattacked)} of them with no attack round started.")
    elif own_failed:
        verdict = "unsafe"
        names = sorted({p for r in own_failed for p, v in r.verdicts.items() if v == "fail"})
        text = (
            f"Not safe by the scenario's own properties: {words.names(names)} failed in"
            f" {len(own_failed)} of {len(runs)} runs."
        )
    elif stuck:
        verdict = "at-risk"
        text = (
            f"{_held(runs)}, but transfers got stuck in {len(stuck)} of"
            f" {len(runs)} runs."
        )
        if breaks:
            text += f" The cost-to-break search found a break: {breaks} (see Cost to break)."
    elif breaks:
        verdict = "at-risk"
        text = (
            f"{_held(runs)}, but the cost-to-break search broke it: {breaks}"
            " (see Cost to break for the loss and its bound)."
        )
    elif inconclusive:
        verdict = "inconclusive"
        text = f"Nothing failed, but {len(inconclusive)} runs were inconclusive."
        if not attacked and not searched:
            text += (f" No attack was tested: no attack on the bridge started in the"
                     f" {len(runs)} runs.")
    elif not attacked and not searched:
        # Honest traffic alone says nothing about what an attacker could do, nor does a
        # cost search cut short before the larger (likelier to break) sets were tried.
        verdict, text = "inconclusive", _no_attack_tested(len(runs), cost)
    elif untested := _untested(groups, searched):
        # Each configuration is a different bridge: attacks on one say nothing of another.
        verdict = "inconclusive"
        them = "it" if len(untested) == 1 else "them"
        text = (f"No attack was tested against {words.names(untested)}: no attack on the"
                f" bridge started in {'its' if them == 'it' else 'their'} runs, and"
                + (f" no complete cost-to-break search covered {them}." if cost else
                   " no cost-to-break search was run."))
    else:
        verdict = "safe"
        text = f"No tested attack broke safety or liveness in {len(runs)} runs."
        own = _own_properties(runs)
        if own:
            # Their code is the user's: the report does not run it to re-judge a history,
            # so what a run recorded for one is its word, and the reader should know.
            text += (f" None of the scenarios' own properties ({words.names(own)}) failed as"
                     " the runs recorded them; the report does not re-judge those.")
    return verdict, text


def _held(runs: list[RunRecord]) -> str:
    """"Safety held in every run", unless some runs were inconclusive (whatever their exit
    code): those vouch for nothing (an attack that put nothing to the bridge, a forgery
    still pending)."""
    inconclusive = [r for r in runs if r.inconclusive_on_safety]
    if not inconclusive:
        return "Safety held in every run"
    return (f"Safety held in every conclusive run ({len(inconclusive)} of {len(runs)} were"
            " inconclusive)")


def _own_properties(runs: list[RunRecord]) -> list[str]:
    """The properties the runs' scenarios define themselves (`[checks] properties`)."""
    from bridgelab.checker.properties import BY_ID

    return sorted({prop for run in runs for prop in run.verdicts if prop not in BY_ID})


def _untested(groups: list[ConfigGroup], searched: list[dict[str, Any]]) -> list[str]:
    """The configurations (by label) with no attacked run and no complete or breaking
    cost-to-break search."""
    covered = {entry.get("configuration") for entry in searched}
    return [group.label for group in groups
            if group.id not in covered and not any(r.attacked for r in group.records)]


def summary(groups: list[ConfigGroup], sentences: list[dict[str, Any]],
            runs: list[RunRecord], cost: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    attacked = [r for r in runs if r.attacked]
    verdict, text = _verdict(groups, runs, cost or [])
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
    configurations = [f"{g.label}: {describe(g)}" for g in groups]
    return {
        "verdict": verdict,
        "verdict_text": text,
        "configurations": configurations,
        "runs": len(runs),
        "attacked_runs": len(attacked),
        "seeds": len({r.seed for r in runs}),
        "campaigns": sorted({r.campaign for r in runs if r.campaign}),
        "top_risks": [s["text"] for s in top],
        "cost_to_break": cost_headline(groups, cost or []),
        "custody": custody_contrast(groups, cost or []),
    }


def with_defended_incidents(found: dict[str, Any],
                            incident_runs: list[RunRecord]) -> dict[str, Any]:
    """The summary, unable to read safe while an incident's `-defended` twin failed: the
    incident replays are left out of the headline because they are meant to break, their
    defended twins are meant to hold."""
    defended = [r for r in incident_runs if r.scenario.endswith("-defended")]
    failed = [r for r in defended if r.exit_code == 1]
    if not failed:
        unknown = [r for r in defended if r.exit_code == 2]
        if unknown and found["verdict"] == "safe":
            names = words.names(sorted({r.scenario for r in unknown}))
            return {**found, "verdict": "inconclusive",
                    "verdict_text": f"{found['verdict_text']} But the defended replay of"
                                    f" {names} was inconclusive: whether the defence holds is"
                                    " unknown."}
        return found
    names = sorted({r.scenario for r in failed})
    clause = (f"the defended replay{'s' if len(names) > 1 else ''} of"
              f" {words.names(names)} failed ({len(failed)} run{'s' if len(failed) > 1 else ''})")
    if found["verdict"] in ("unsafe", "at-risk"):
        return {**found, "verdict_text": f"{found['verdict_text']} Also, {clause}."}
    return {**found, "verdict": "unsafe",
            "verdict_text": f"Not safe: {clause}, so the defence did not hold."}


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
