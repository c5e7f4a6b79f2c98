"""Run records -> the report, as one JSON-ready dict (`report.schema.json` describes it).

A pure function: the same records (and cost results and history series, computed before)
give the same report. Nothing here reads files, runs simulations or formats for a medium.
Each section is built by its own module: `grouping`, `sentences`, `summary`, `sections`,
`incidents`, `plot_data`, `cells` (the risk cells) and `maturity` (the checklist).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bridgelab import __version__
from bridgelab.report import cells
from bridgelab.report.grouping import group_attacks, group_configs
from bridgelab.report.incidents import incidents
from bridgelab.report.maturity import maturity
from bridgelab.report.plot_data import compromised_entities, plots
from bridgelab.report.records import KEY_FAMILY, RunRecord
from bridgelab.report.sections import (
    attack_matrix,
    configuration,
    cost_section,
    custody_comparison,
)
from bridgelab.report.sentences import risk_sentences
from bridgelab.report.summary import qualified, summary, with_defended_incidents

SCHEMA_VERSION = 1


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
        # Of those, the ones only a theft caused (its pause, or the escrow it drained).
        "liveness_by_theft": record.liveness_by_theft,
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
    incident_runs = paired_incidents(analysed)
    kept_apart = {id(r) for r in incident_runs}
    main = [r for r in analysed if id(r) not in kept_apart] or incident_runs
    series = series or {}
    groups = group_configs(main)
    for group in groups:
        group.compromised = {
            r.id: compromised_entities(r, series.get(r.id)) for r in group.records
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
        "summary": qualified(
            with_defended_incidents(summary(groups, sentences, main, cost_to_break),
                                    incident_runs if main is not incident_runs else []),
            records, main,
        ),
        "configurations": [configuration(g) for g in groups],
        "risk_cells": [{"configuration": g.id, "cells": cells.risk_cells(g)} for g in groups],
        "risk_sentences": sentences,
        "cost_to_break": cost_to_break,
        "attack_matrix": attack_matrix(groups, attacks),
        "custody_comparison": custody_comparison(groups, attacks),
        "incidents": incidents(incident_runs),
        "maturity": [{"configuration": g.id, "items": maturity(g)} for g in groups],
        "plots": plots(groups, attacks, series),
        "rules": dict(cells.RULES),
        "runs": [run_entry(r, group_of.get(r.id)) for r in records],
    }


def paired_incidents(records: list[RunRecord]) -> list[RunRecord]:
    """The incident replays kept out of the headline: marked `[scenario] incident` and read
    with both halves of their pair, the replay and its `-defended` twin. A marked run without
    its pair (a copied file, a twin named otherwise) stays in the headline, failures and all."""
    marked = [r for r in records if r.is_incident]
    names = {r.scenario for r in marked}
    return [r for r in marked
            if (base := r.scenario.removesuffix("-defended")) in names
            and f"{base}-defended" in names]
