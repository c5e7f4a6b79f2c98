"""Verifying a run directory or a campaign store's row as evidence: the history is the one
recorded, the checker run again over it gives the recorded verdicts, and the run's own
scenario is the one it ran.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.exitcodes import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS
from bridgelab.resultcheck import describe
from bridgelab.rundir.files import (
    HISTORY,
    RESULTS,
    SCENARIO,
    read_results,
    read_scenario_text,
    results_problems,
    scenario_from_text,
)
from bridgelab.rundir.history import HistoryFacts, check_history
from bridgelab.textsafe import printable

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.checker.judge import Judgement
    from bridgelab.scenario.model import Scenario


def judge(path: Path, facts: HistoryFacts, scenario: Scenario | None,
          why_no_scenario: str | None = None) -> Judgement | str:
    """The checker's judgement of the history at `path` (hashed and scanned into `facts`), or
    why there is none: without its scenario, or unreadable, a history is not re-judged."""
    # The checker (and the crypto it verifies with) is imported only when a run is read.
    from bridgelab.checker.judge import judge_saved

    if scenario is None:
        return f"verdicts cannot be re-judged ({why_no_scenario or 'no scenario'})"
    if facts.unreadable:
        return "verdicts cannot be re-judged (the history holds lines that are not events)"
    judgement, problem = judge_saved(path, scenario)
    return problem if judgement is None else judgement


def judgement_problems(facts: HistoryFacts, verdicts: dict[str, Any] | None,
                       fingerprint: dict[str, Any] | None,
                       violations: list[dict[str, Any]] | None = None,
                       judgement: Judgement | str | None = None,
                       inconclusive: Any = None,
                       exit_code: Any = None,
                       metrics: Any = None) -> list[str]:
    """Why the recorded verdicts (and violations) are not those of this history.

    The history is the evidence and its hash is checked; these checks bind the summary to it.
    A run's history starts with `run.start` naming its seed and scenario hash and ends with
    `run.end`; the checker, run again over it (`judgement`, see `judge`), gives every
    built-in property the recorded verdict and finds the recorded violations. The
    scenario's own properties are the user's code and are not re-judged. The recorded
    `inconclusive` list, and a store's `exit_code`, may not claim more than the history
    gives: every reason the checker finds must be listed, and the code is no better than
    the checker's (a run may exit worse, on a property of its own). Every figure of
    `metrics` the run derives from its history (`metric_problems`) is the history's."""
    problems = [f"history line {line} is not an event" for line in facts.unreadable[:3]]
    start = facts.start
    if start is None:
        problems.append("history has no run.start event")
    elif fingerprint is not None and (start.get("seed"), start.get("scenario_hash")) != (
            fingerprint.get("seed"), fingerprint.get("scenario_hash")):
        problems.append("history is of another run (its run.start names another seed or"
                        " scenario hash than the fingerprint)")
    if not facts.ended:
        problems.append("history does not end with run.end (the run did not finish)")
    if isinstance(judgement, str):
        return [*problems, judgement]
    if judgement is None:
        return problems
    if verdicts is not None:
        for prop, verdict in judgement.verdicts.items():
            recorded = verdicts.get(prop)
            if recorded == verdict:
                continue
            because = (" but the history holds its violation" if verdict == "fail"
                       else f" but its history gives {verdict}")
            problems.append(f"{printable(prop, 80)} is recorded as"
                            f" {printable(recorded, 20)}{because}")
    if inconclusive is not None:
        problems += inconclusive_problems(judgement, inconclusive)
    if exit_code is not None:
        judged = (EXIT_FAIL if "fail" in judgement.verdicts.values()
                  else EXIT_INCONCLUSIVE if judgement.inconclusive else EXIT_PASS)
        # Worse than the history's only on a failed property of the run's own, recorded.
        own_failure = exit_code == EXIT_FAIL and "fail" in (verdicts or {}).values()
        if judged != EXIT_PASS and exit_code != judged and not own_failure:
            problems.append(f"the row's exit code is {printable(exit_code, 20)}, but its history"
                            f" gives {judged}")
    if metrics is not None:
        problems += attack_count_problems(judgement, metrics)
        problems += metric_problems(judgement, metrics)
    if violations is not None:
        listed = sorted((v.get("property"), v.get("event_seq")) for v in violations
                        if isinstance(v, dict) and v.get("property") in judgement.verdicts)
        if listed != sorted(judgement.violations):
            problems.append(f"results.json lists {len(listed)} violations, the history holds"
                            f" {len(judgement.violations)} (or others)")
    return problems


def attack_count_problems(judgement: Judgement, metrics: Any) -> list[str]:
    """Why the results' count of started attack rounds is not the history's (results
    without the count are read as not attacked: `RunRecord.attacked`)."""
    counts = metrics.get("events_by_kind") if isinstance(metrics, dict) else None
    if not isinstance(counts, dict):
        return []
    recorded = counts.get("fault.start", 0)
    if recorded == judgement.fault_starts:
        return []
    return [f"metrics count {printable(recorded, 20)} fault.start events, the history holds"
            f" {judgement.fault_starts}"]


# Named by `attack_count_problems`, which reads a missing count as none started.
_COUNTED_ELSEWHERE = "metrics.events_by_kind.fault.start"
# Metric differences named one by one; the rest are counted.
_NAMED_DIFFERENCES = 5
# The run's own timing of itself, which no history holds.
_NOT_IN_HISTORY = "performance"
_ABSENT = object()


def metric_problems(judgement: Judgement, metrics: Any) -> list[str]:
    """Why the recorded `metrics` are not what the history gives: every figure the run
    derives from its history (outcome, liveness breakdown, latencies, volumes, custody,
    counts) must be the one the checker's folds give it again (`Judgement.metrics`), or a
    report would rest on an edited figure (the value extracted, who holds most seats, why
    transfers are stuck). The run's own performance figures are not in the history. (A
    failed property of the scenario's own named `safety.*` moves the run's exploit time,
    and is not re-judged: such a run is left out, never read as safer.)"""
    derived = judgement.metrics
    if derived is None or not isinstance(metrics, dict):
        return []  # a judgement made without folding the history; a malformed table
    # Every table on either side: one the history does not give (an `evm` table added to
    # an honest run) is read by the report all the same.
    recorded = {name: value for name, value in metrics.items() if name != _NOT_IN_HISTORY}
    differences = [difference for difference in _differences(recorded, derived, "metrics")
                   if difference[0] != _COUNTED_ELSEWHERE]
    problems = [f"{printable(path, 120)} is recorded as {_shown(recorded)}, the history gives"
                f" {_shown(value)}" for path, recorded, value in differences[:_NAMED_DIFFERENCES]]
    if len(differences) > _NAMED_DIFFERENCES:
        problems.append(f"and {len(differences) - _NAMED_DIFFERENCES} more metrics differ from"
                        " the history's")
    return problems


def _differences(recorded: Any, derived: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(path, recorded, derived) of each leaf where the two differ: tables key by key (a key
    on either side only is a difference), lists item by item, values exactly (both are
    the run's own rounding, through JSON; NaN equals NaN)."""
    if isinstance(recorded, dict) and isinstance(derived, dict):
        return [difference for key in sorted({*recorded, *derived}, key=str)
                for difference in _differences(recorded.get(key, _ABSENT),
                                               derived.get(key, _ABSENT), f"{path}.{key}")]
    if isinstance(recorded, list) and isinstance(derived, list) \
            and len(recorded) == len(derived):
        pairs = enumerate(zip(recorded, derived, strict=True))
        return [difference for index, (item, value) in pairs
                for difference in _differences(item, value, f"{path}.{index}")]
    if _same(recorded, derived):
        return []
    return [(path, recorded, derived)]


def _same(recorded: Any, derived: Any) -> bool:
    """Equal as JSON values of one type (JSON keeps 1, 1.0 and true apart); NaN is itself."""
    if type(recorded) is not type(derived):
        return False
    # NaN is the only value unequal to itself.
    return recorded == derived or (recorded != recorded and derived != derived)


def _shown(value: Any) -> str:
    """A metric's value as its JSON, cut short (a hostile one may be anything)."""
    return "nothing" if value is _ABSENT else printable(json.dumps(value), 60)


def inconclusive_problems(judgement: Judgement, listed: Any) -> list[str]:
    """Why a results.json `inconclusive` list claims more than the history gives: each
    reason the checker finds must be listed (the run may list more, e.g. a stop)."""
    listed = listed if isinstance(listed, list) else []
    missing = [reason for reason in judgement.inconclusive if reason not in listed]
    return ([f"results.json leaves out why the run is inconclusive"
             f" ({printable(missing[0], 200)})"] if missing else [])


def scenario_data(text: str, file: str, expected_hash: str | None
                  ) -> tuple[dict[str, Any] | None, str | None]:
    """(the scenario as data, None) if `text` validates and hashes to `expected_hash`;
    otherwise (None, why not)."""
    scenario, problem = run_scenario(text, file, expected_hash)
    if scenario is None:
        return None, problem
    return scenario.model_dump(mode="json", exclude_none=True), None


def run_scenario(text: str, file: str, expected_hash: str | None
                 ) -> tuple[Scenario | None, str | None]:
    """(the scenario, None) if `text` validates and hashes to `expected_hash`; otherwise
    (None, why not)."""
    from bridgelab.scenario.load import scenario_hash

    if not expected_hash:
        return None, "no scenario hash recorded"
    try:
        scenario = scenario_from_text(text, file)
    except Exception as error:  # any refusal of the reader: TOML syntax, schema, nesting
        message = str(getattr(error, "message", error)).splitlines() or [type(error).__name__]
        return None, f"scenario invalid ({printable(message[0], 200)})"
    if scenario_hash(scenario) != expected_hash:
        return None, "scenario changed (its hash differs from the run's fingerprint)"
    return scenario, None


@dataclass(slots=True)
class Verified:
    """What reading a run directory established: its scenario, or why it cannot be used."""

    problems: list[str] = field(default_factory=list)
    config: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.config is not None


def verify_run_dir(directory: Path, results: dict[str, Any]) -> Verified:
    """Check a run directory against its parsed results.json: complete and well-formed, its
    history the one recorded and agreeing with its verdicts, its own scenario the one run."""
    verified = Verified()
    if not isinstance(results, dict):
        verified.problems.append(f"results.json malformed (expected a table, found"
                                 f" {describe(results)})")
        return verified
    verified.problems = results_problems(results)
    if verified.problems:
        return verified  # nothing else it holds can be relied on
    history, fingerprint = results["history"], results["fingerprint"]
    scenario, scenario_problem = _run_dir_scenario(directory, fingerprint["scenario_hash"])
    path = directory / HISTORY
    problem, facts = check_history(path, history["sha256"], history["events"])
    if problem is not None:
        verified.problems.append(problem)
    elif facts is not None:
        verified.problems += judgement_problems(
            facts, results["verdicts"], fingerprint, results["violations"],
            judge(path, facts, scenario, scenario_problem), results.get("inconclusive") or [],
            metrics=results.get("metrics"))
    if scenario_problem is not None:
        verified.problems.append(scenario_problem)
    elif scenario is not None:
        verified.problems += name_problems(scenario, fingerprint)
        verified.config = scenario.model_dump(mode="json", exclude_none=True)
    return verified


def name_problems(scenario: Scenario, fingerprint: dict[str, Any] | None) -> list[str]:
    """Why the results name another scenario than the one run: a report pairs incident
    replays with their `-defended` twins by name, so the name must be the scenario's."""
    named = (fingerprint or {}).get("scenario")
    if named == scenario.scenario.name:
        return []
    return [f"the results name scenario {printable(named, 80)!s}, the run's scenario is"
            f" {printable(scenario.scenario.name, 80)}"]


def _run_dir_scenario(directory: Path, expected_hash: str | None
                      ) -> tuple[Scenario | None, str | None]:
    """(the run directory's own scenario, None), or (None, why it cannot be used)."""
    text, problem = read_scenario_text(directory)
    if text is None:
        return None, problem
    return run_scenario(text, str(directory / SCENARIO), expected_hash)


# -- campaign store rows -----------------------------------------------------------------------


def row_history(row: dict[str, Any], store_path: Path | None = None) -> Path | None:
    """Where a stored run's history is (a relative path is tried beside the store too)."""
    recorded = row.get("history_path")
    if not recorded or not isinstance(recorded, str):
        return None
    path = Path(recorded)
    if not path.is_absolute() and not path.exists() and store_path is not None:
        beside = store_path.parent / path
        if beside.exists():
            return beside
    return path


def row_problems(row: dict[str, Any], store_path: Path | None = None,
                 require_history: bool = True) -> list[str]:
    """Why a campaign store's row cannot be used as evidence (empty when it can).

    A row the store could not decode is named by `row["problem"]` (`Store.rows`). A
    completed row is the store's completion mark; its history must still be there, hash to
    the row's `history_sha256` and agree with its verdicts, and a results.json beside it must
    agree and be complete. A row stored without a history (the campaign asked for none) has
    nothing to re-judge: a problem when `require_history`, accepted otherwise."""
    if row.get("problem"):
        return [f"row unreadable ({row['problem']})"]
    if row.get("status") != "ok":
        error = (str(row.get("error") or "no detail").splitlines() or ["no detail"])[0]
        return [f"run errored ({printable(error, 200)})"]
    path = row_history(row, store_path)
    if path is None:
        return ["no history recorded (the campaign ran without histories)"] \
            if require_history else []
    problem, facts = check_history(path, row.get("history_sha256"), row.get("history_events"))
    if problem is not None:
        return [problem]
    assert facts is not None
    verdicts, fingerprint = row.get("verdicts"), row.get("fingerprint")
    fingerprint = fingerprint if isinstance(fingerprint, dict) else None
    verdicts = verdicts if isinstance(verdicts, dict) else None
    judgement: Judgement | str | None = None
    scenario = None
    if verdicts is not None:
        # The run's scenario.toml lies beside its history (a campaign writes both).
        scenario, why = _run_dir_scenario(
            path.parent, (fingerprint or {}).get("scenario_hash") or row.get("scenario_hash"))
        judgement = judge(path, facts, scenario, why)
    problems = judgement_problems(facts, verdicts, fingerprint, None, judgement,
                                  exit_code=row.get("exit_code"), metrics=row.get("metrics"))
    # The history names its run by the fingerprint's seed and scenario hash (checked above);
    # the row's own columns must name the same run, or a history could vouch for another.
    if fingerprint is not None and (row.get("seed"), row.get("scenario_hash")) != (
            fingerprint.get("seed"), fingerprint.get("scenario_hash")):
        problems.append("the row names another run than its history (seed or scenario hash"
                        " differ from the fingerprint's)")
    if verdicts is not None and scenario is not None:
        problems += name_problems(scenario, fingerprint)
    results = path.parent / RESULTS
    if not results.exists():
        return problems
    saved, problem = read_results(results)
    if saved is None:
        return [*problems, "results.json beside the history unreadable"]
    if saved.get("complete") is False:
        problems.append("incomplete run (results.json beside the history says so)")
    if judgement is not None and not isinstance(judgement, str):
        # The report reads this list for the run's outcome: it must hold every reason.
        problems += inconclusive_problems(judgement, saved.get("inconclusive"))
    recorded = saved.get("history")
    if isinstance(recorded, dict) and recorded.get("sha256") not in (None,
                                                                     row.get("history_sha256")):
        problems.append("results.json beside the history records another history")
    return problems
