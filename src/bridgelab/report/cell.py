"""One risk cell: the record every cell has, with its rule's text and label, and the helpers
that choose the runs a cell cites."""

from __future__ import annotations

from typing import Any

from bridgelab.report.groups import evidence
from bridgelab.report.records import RunRecord
from bridgelab.report.rules import LABELS, RULES


def make_cell(cell_id: str, value: str, sentiment: str, description: str, reason: str,
          runs: list[RunRecord]) -> dict[str, Any]:
    return {
        "id": cell_id,
        "label": LABELS[cell_id],
        "value": value,
        "sentiment": sentiment,
        "description": description,
        "rule": RULES[cell_id],
        "reason": reason,
        "evidence": evidence(runs),
    }


def first_runs(*candidates: list[RunRecord]) -> list[RunRecord]:
    """The first non-empty list of runs (the most specific evidence that exists)."""
    for runs in candidates:
        if runs:
            return runs
    return []


def safety_broken(runs: list[RunRecord]) -> list[RunRecord]:
    return [r for r in runs if r.safety_failed]
