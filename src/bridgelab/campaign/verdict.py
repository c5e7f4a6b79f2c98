"""A campaign's verdict from its stored rows: which rows are evidence (`verified_rows`) and
the exit code they add up to (`store_code`, by the contract of `bridgelab.exitcodes`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridgelab.campaign.runkeys import RunKeys
from bridgelab.exitcodes import EXIT_INCONCLUSIVE, EXIT_INTERNAL_ERROR, combine

NOT_OURS = ("not a run of this campaign (its configuration, arm or seed is not the"
            " campaign's): it cannot stand in for one")
NOT_ITS_SCENARIO = ("not of the scenario the campaign gives this run (its configuration, arm"
                    " and seed): it cannot stand in for it")


def store_code(rows: list[dict[str, Any]], total: int) -> int:
    """The stored runs' exit code: a broken property, a crash, a gap or doubt, else 0. A row
    that could not be read vouches for nothing: it counts as inconclusive."""
    codes = {
        EXIT_INCONCLUSIVE if row.get("problem")
        else EXIT_INTERNAL_ERROR if row["status"] != "ok" else int(row["exit_code"])
        for row in rows
    }
    if len(rows) < total:
        codes.add(EXIT_INCONCLUSIVE)
    return combine(codes)


def campaign_problem(row: dict[str, Any], campaign: Any, keys: RunKeys) -> str | None:
    """Why a stored row is no run of `campaign` (whose `run_keys()` are `keys`), if it is not:
    a key the campaign does not expand to, or a completed run of another scenario than the
    one the campaign gives that key. Either, however real its run, would fill a gap."""
    key = row.get("run_key")
    if key not in keys:
        return NOT_OURS
    if (row.get("status") == "ok" and not row.get("problem")
            and row.get("scenario_hash") != campaign.scenario_hash_of(key)):
        return NOT_ITS_SCENARIO
    return None


def verified_rows(stored: list[dict[str, Any]], store_path: Path, campaign: Any,
                  trusted: set[str] = frozenset()
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows usable as evidence, the others with their problems). A row must be one of the
    campaign's runs (`campaign_problem`; not asked when `campaign` is None, a store whose
    registration does not check). A completed row's history must be there and still
    verify (`evidence.row_problems`); a row the store could not decode is left out too.
    Errored rows are kept: they count as errors. Rows in `trusted` (run keys stored by this
    very process, from the campaign's own specs) are not checked again."""
    from bridgelab.evidence import row_problems

    keys = None if campaign is None else campaign.run_keys()
    rows, excluded = [], []
    for row in stored:
        problems = []
        if row.get("run_key") in trusted and not row.get("problem"):
            pass
        elif keys is not None and (problem := campaign_problem(row, campaign, keys)) is not None:
            problems = [problem]
        elif row.get("problem") or row["status"] == "ok":
            # Read back, a row without a history is its own word: nothing to re-judge.
            problems = row_problems(row, store_path, require_history=True)
        if problems:
            excluded.append({"run_key": str(row["run_key"]), "problems": problems})
        else:
            rows.append(row)
    return rows, excluded
