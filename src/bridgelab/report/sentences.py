"""Risk sentences: what the runs show, one plain sentence per configuration, attack and kind
of harm (funds stolen, frozen or delayed), each with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgelab.report import words
from bridgelab.report.attack_words import attacks_clause
from bridgelab.report.grouping import attack_key
from bridgelab.report.groups import ConfigGroup, delays, evidence, quantiles, rate, unjudged
from bridgelab.report.records import RunRecord

SENTENCE_ORDER = {"stolen": 0, "frozen": 1, "delayed": 2}


def _clause(runs: list[RunRecord]) -> str:
    record = runs[0]
    return attacks_clause(record.attacks, record.config or {})


def _stuck_words(props: list[str]) -> str:
    return words.names([
        "deposits were never minted" if prop == "liveness.deposits-minted"
        else "final withdrawals were never released"
        if prop == "liveness.withdrawals-released" else prop
        for prop in props
    ])


def risk_sentences(groups: list[ConfigGroup]) -> list[dict[str, Any]]:
    """Every sentence, the most likely harm first: stolen, then frozen, then delayed."""
    sentences = []
    # Sentences whose delay was not measured: after every measured one of their kind.
    unmeasured: set[int] = set()
    for group in groups:
        by_attack: dict[str, list[RunRecord]] = {}
        for record in group.attacked:
            by_attack.setdefault(attack_key(record), []).append(record)
        delayed = delays(group)
        unknown = unjudged(group)
        for runs in by_attack.values():
            clause = _clause(runs)
            sentences += _stolen(group, runs, clause)
            sentences += _frozen(group, runs, clause)
            sentences += _delayed(group, runs, clause, [d for d in delayed if d["run"] in runs])
            found = _unjudged(group, runs, clause, [d for d in unknown if d["run"] in runs])
            unmeasured |= {id(sentence) for sentence in found}
            sentences += found
    sentences.sort(key=lambda s: (SENTENCE_ORDER[s["kind"]], id(s) in unmeasured,
                                  -(s["probability"]["p"] or 0), -s["median_loss"]))
    return sentences


def _stolen(group: ConfigGroup, runs: list[RunRecord], clause: str) -> list[dict[str, Any]]:
    stolen = [r for r in runs if r.safety_failed]
    if not stolen:
        return []
    # Honest transfers only a theft froze are the theft's consequence, told with it.
    by_theft = [r for r in runs if r.liveness_failed and not r.honest_liveness_failed]
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
    return [{
        "kind": "stolen", "configuration": group.id,
        "attack": attack_key(runs[0]),
        "text": f"Funds can be stolen if {clause}: on {group.label}, safety failed"
                f" in {p['count']} of {p['runs']} runs"
                f" ({words.interval(p['p'], p['low'], p['high'])}) and {outcome}.",
        "probability": p, "median_loss": losses["p50"] or 0,
        "evidence": evidence(sorted(stolen, key=lambda r: -r.loss)),
    }]


def _frozen(group: ConfigGroup, runs: list[RunRecord], clause: str) -> list[dict[str, Any]]:
    frozen = [r for r in runs if r.honest_liveness_failed]
    if not frozen:
        return []
    p = rate(runs, lambda r: bool(r.honest_liveness_failed))
    what = _stuck_words(sorted({q for r in frozen for q in r.honest_liveness_failed}))
    # Results that do not classify their stuck transfers (older ones) can only say
    # what else happened in those runs.
    if all(r.safety_failed and r.loss > 0 and "liveness" not in r.metrics for r in frozen):
        what += " (the adversary had drained the escrow)"
    return [{
        "kind": "frozen", "configuration": group.id,
        "attack": attack_key(runs[0]),
        "text": f"Funds can be frozen if {clause}: on {group.label}, {what} in"
                f" {p['count']} of {p['runs']} runs"
                f" ({words.interval(p['p'], p['low'], p['high'])}).",
        "probability": p, "median_loss": 0, "evidence": evidence(frozen),
    }]


def _delayed(group: ConfigGroup, runs: list[RunRecord], clause: str,
             slow: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slow transfers in runs where nothing got stuck (a stuck run is told as frozen)."""
    def text(worst: dict[str, Any], count: str) -> str:
        return (f"the slowest took {words.duration(worst['worst'])} against"
                f" {words.duration(worst['reference'])} without the attack, in {count}.")

    def told(hits: list[dict[str, Any]]) -> bool:
        return not any(d["run"].liveness_failed for d in hits)

    return _delay_sentences(group, runs, clause, slow, told, text)


def _unjudged(group: ConfigGroup, runs: list[RunRecord], clause: str,
              unknown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Transfers in attacked runs with no honest run in their environment to measure them
    against: whether the attack delayed them is unknown, and the report says so rather than
    calling them on time. Runs with a theft or a stuck transfer are told as such instead."""
    def text(worst: dict[str, Any], count: str) -> str:
        return ("delay not measured: no honest reference run in the same environment, so"
                f" whether the slowest, {words.duration(worst['worst'])}, is a delay is"
                f" unknown ({count}).")

    quiet = [d for d in unknown if not d["run"].safety_failed and not d["run"].liveness_failed]
    return _delay_sentences(group, runs, clause, quiet, lambda hits: True, text)


def _delay_sentences(group: ConfigGroup, runs: list[RunRecord], clause: str,
                     found: list[dict[str, Any]], told: Callable[[list], bool],
                     text: Callable[[dict[str, Any], str], str]) -> list[dict[str, Any]]:
    """One "can be delayed" sentence per direction whose hits `told` accepts; `text` says
    what the slowest of them shows, given "n of N runs"."""
    sentences = []
    for direction in ("withdrawal", "deposit"):
        hits = [d for d in found if d["direction"] == direction]
        if not hits or not told(hits):
            continue
        worst = max(hits, key=lambda d: d["worst"])
        hit_runs = list(dict.fromkeys(d["run"] for d in hits))
        p = rate(runs, lambda r, hit_runs=hit_runs: r in hit_runs)
        noun = "Withdrawals" if direction == "withdrawal" else "Deposits"
        count = f"{p['count']} of {p['runs']} runs"
        sentences.append({
            "kind": "delayed", "configuration": group.id,
            "attack": attack_key(runs[0]),
            "text": f"{noun} can be delayed if {clause}: on {group.label},"
                    f" {text(worst, count)}",
            "probability": p, "median_loss": 0,
            "evidence": evidence(hit_runs),
        })
    return sentences
