"""What a run's results must hold before anything reads them: results.json, or a store's row.

A saved results.json (or a campaign store's row) may have been truncated, edited or written
by something else. Every reader (`report`, `check --out`, `campaign-stats`, `campaign`)
checks it here first, so that a field of the wrong type is a named reason to set the run
aside, never an exception deep inside a table, and never a missing field read as "nothing
failed". The checks are of shape only: that the verdicts agree with the history is the
evidence module's business (`bridgelab.evidence.judgement_problems`).

Each check raises `Malformed(key, expected, found)`; the public functions turn the first one
into the line `KEY: expected ..., found ...` (found values are escaped and cut short).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any

from bridgelab.campaign.runspec import run_key
from bridgelab.textsafe import printable

VERDICTS = ("pass", "fail", "unknown", "not_exercised")
# Deeper than anything a run writes (metrics nest four levels); deeper input is refused
# before any reader recurses into it.
MAX_DEPTH = 32
# Counts, amounts, seeds and times of this model fit in 64 bits; a larger integer is not a
# run's (and `float()` of a 400-digit integer raises).
MAX_INT = 2**64
MAX_REPRODUCE = 4096
SHA256 = re.compile(r"[0-9a-f]{64}")


class Malformed(ValueError):
    def __init__(self, key: str, expected: str, found: Any, said: str | None = None) -> None:
        """`found` is described (`describe`); `said` replaces that description."""
        self.key = printable(key, 120)
        self.expected = expected
        self.found = said if said is not None else describe(found)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.key}: expected {self.expected}, found {self.found}"


def describe(value: Any) -> str:
    """A short, printable description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a huge integer" if abs(value) >= MAX_INT else f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return "the string " + printable(repr(value), 40)
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"a table of {len(value)}"
    return type(value).__name__


# -- parsing -----------------------------------------------------------------------------------

# How deep the JSON decoder may recurse below its caller: far beyond MAX_DEPTH, far below
# what the C stack holds. (The decoder counts against the interpreter's recursion limit,
# which a host process may have raised: with a high limit, 100,000 nested brackets would
# exhaust the C stack and crash the process instead of raising RecursionError.)
DECODE_RECURSION = 200


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


@contextlib.contextmanager
def bounded_recursion() -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(min(previous, _stack_depth() + DECODE_RECURSION))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes) -> Any:
    """`json.loads` for untrusted text: NaN and Infinity refused (ValueError), deep nesting
    refused (RecursionError) without ever recursing deep enough to crash the process."""
    with bounded_recursion():
        return json.loads(text, parse_constant=_refuse_constant)


# -- the pieces --------------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(key, "a table", value)
    return value


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(key, "a list", value)
    return value


def _string(value: Any, key: str, optional: bool = False, limit: int | None = None) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise Malformed(key, "a string" + (" or null" if optional else ""), value)
    if limit is not None and len(value) > limit:
        raise Malformed(key, f"at most {limit} characters", value,
                        f"{len(value)} characters")


def _integer(value: Any, key: str, optional: bool = False, minimum: int | None = None) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(key, "an integer" + (" or null" if optional else ""), value)
    if minimum is not None and value < minimum:
        raise Malformed(key, f"an integer >= {minimum}", value)


def _real(value: Any, key: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not _number(value):
        raise Malformed(key, "a number" + (" or null" if optional else ""), value)


def _sha256(value: Any, key: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or SHA256.fullmatch(value) is None:
        raise Malformed(key, "a SHA-256 in hex", value)


def check_values(value: Any, key: str = "") -> None:
    """Every number finite and within 64 bits, nesting at most MAX_DEPTH deep (iteratively:
    the check must not be what recurses too deep)."""
    stack: list[tuple[Any, str, int]] = [(value, key, 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Malformed(where or "(top)", f"at most {MAX_DEPTH} levels of nesting", node,
                            "deeper nesting")
        if isinstance(node, dict):
            stack.extend((item, f"{where}.{name}" if where else str(name), depth + 1)
                         for name, item in node.items())
        elif isinstance(node, list):
            stack.extend((item, f"{where}.{index}", depth + 1) for index, item in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise Malformed(where, "a finite number", node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= MAX_INT:
            raise Malformed(where, "an integer within 64 bits", node)


# -- the parts of a run's results ---------------------------------------------------------------


def check_fingerprint(value: Any, key: str = "fingerprint") -> None:
    fingerprint = _table(value, key)
    _string(fingerprint.get("scenario"), f"{key}.scenario", limit=1000)
    _integer(fingerprint.get("seed"), f"{key}.seed", minimum=0)
    _sha256(fingerprint.get("scenario_hash"), f"{key}.scenario_hash")
    _string(fingerprint.get("version"), f"{key}.version", optional=True, limit=100)
    _string(fingerprint.get("commit"), f"{key}.commit", optional=True, limit=100)
    if fingerprint.get("crypto", "real") not in ("real", "symbolic"):
        raise Malformed(f"{key}.crypto", "'real' or 'symbolic'", fingerprint.get("crypto"))


def check_verdicts(value: Any, key: str = "verdicts") -> None:
    """A verdict for every built-in property and probe (a missing one is not a pass), each
    one of VERDICTS."""
    from bridgelab.checker.properties import PROBES, PROPERTIES

    verdicts = _table(value, key)
    for name, verdict in verdicts.items():
        if verdict not in VERDICTS:
            raise Malformed(f"{key}.{name}", f"one of {list(VERDICTS)}", verdict)
    for prop in (*PROPERTIES, *PROBES):
        if prop.id not in verdicts:
            raise Malformed(f"{key}.{prop.id}", "a verdict (every property has one)", None,
                            "nothing")


def check_violations(value: Any, key: str = "violations") -> None:
    for index, item in enumerate(_list(value, key)):
        where = f"{key}.{index}"
        violation = _table(item, where)
        for name in ("property", "event_kind", "actor", "detail"):
            _string(violation.get(name), f"{where}.{name}")
        _integer(violation.get("event_seq"), f"{where}.event_seq", minimum=0)
        _real(violation.get("time"), f"{where}.time", optional=False)


def check_strings(value: Any, key: str) -> None:
    for index, item in enumerate(_list(value, key)):
        _string(item, f"{key}.{index}")


# Metric paths the report and the tables read, with the type each must have when present.
_METRIC_TABLES = ("outcome", "custody", "liveness", "deposit_latency_s", "withdrawal_latency_s",
                  "verification_gas_per_certificate", "mint_gas", "transfers", "volume",
                  "performance", "oracle", "l2", "network")
_OUTCOME_INTEGERS = ("value_extracted", "unbacked_minted_peak", "unbacked_minted_final")
_OUTCOME_NUMBERS = ("time_to_detect_s", "time_to_pause_s", "dwell_s")
_LATENCY_NUMBERS = ("count", "min", "max", "mean", "p50", "p95", "p99")


# Tables every run writes (oracle and L2 ones only when those are enabled).
_REQUIRED_METRICS = ("outcome", "custody", "liveness", "transfers", "volume",
                     "deposit_latency_s", "withdrawal_latency_s")


def check_metrics(value: Any, key: str = "metrics") -> None:
    metrics = _table(value, key)
    for name in _METRIC_TABLES:
        if name in metrics or name in _REQUIRED_METRICS:
            _table(metrics.get(name), f"{key}.{name}")
    _real(metrics.get("last_event_time_s"), f"{key}.last_event_time_s")
    outcome = metrics.get("outcome") or {}
    for name in _OUTCOME_INTEGERS:
        _integer(outcome.get(name), f"{key}.outcome.{name}", optional=True)
    for name in _OUTCOME_NUMBERS:
        _real(outcome.get(name), f"{key}.outcome.{name}")
    times = _table(outcome.get("times") or {}, f"{key}.outcome.times")
    for name, moment in times.items():
        _real(moment, f"{key}.outcome.times.{name}")
    for index, fault in enumerate(_list(outcome.get("faults") or [], f"{key}.outcome.faults")):
        _table(fault, f"{key}.outcome.faults.{index}")
    for name in ("deposit_latency_s", "withdrawal_latency_s", "verification_gas_per_certificate",
                 "mint_gas"):
        stats = metrics.get(name) or {}
        for statistic in _LATENCY_NUMBERS:
            _real(stats.get(statistic), f"{key}.{name}.{statistic}")
    custody = metrics.get("custody") or {}
    _string(custody.get("scheme"), f"{key}.custody.scheme", optional=True, limit=100)
    for prop, breakdown in (metrics.get("liveness") or {}).items():
        if prop.startswith("liveness."):
            counts = _table(breakdown, f"{key}.liveness.{prop}")
            for name in ("honest_failures", "frozen_by_theft", "adversary"):
                _integer(counts.get(name), f"{key}.liveness.{prop}.{name}", optional=True)


def check_history_record(value: Any, key: str = "history") -> None:
    history = _table(value, key)
    _sha256(history.get("sha256"), f"{key}.sha256")
    _integer(history.get("events"), f"{key}.events", minimum=0)


def check_run(value: Any, key: str = "run") -> None:
    run = _table(value, key)
    if not isinstance(run.get("settled"), bool):
        raise Malformed(f"{key}.settled", "a boolean", run.get("settled"))
    _real(run.get("simulated_seconds"), f"{key}.simulated_seconds", optional=False)
    _integer(run.get("sim_steps"), f"{key}.sim_steps", minimum=0)


def _check_results(data: Any) -> None:
    results = _table(data, "(top)")
    check_values(results)
    check_fingerprint(results.get("fingerprint"))
    check_verdicts(results.get("verdicts"))
    check_violations(results.get("violations"))
    check_strings(results.get("inconclusive"), "inconclusive")
    check_metrics(results.get("metrics"))
    check_history_record(results.get("history"))
    check_run(results.get("run"))
    _string(results.get("reproduce"), "reproduce", optional=True, limit=MAX_REPRODUCE)
    campaign = results.get("campaign")
    if campaign is not None and not isinstance(campaign, str):
        _string(_table(campaign, "campaign").get("name"), "campaign.name", optional=True)
    if results.get("parameters") is not None:
        _table(results["parameters"], "parameters")


def results_problem(data: Any) -> str | None:
    """None if `data` (a parsed results.json of a completed run) has the shape a run writes;
    otherwise `KEY: expected ..., found ...` for the first part that does not."""
    try:
        _check_results(data)
    except Malformed as malformed:
        return malformed.message
    return None


# -- a campaign store's row --------------------------------------------------------------------


def _check_row(row: dict[str, Any]) -> None:
    check_values(row)
    if row.get("status") not in ("ok", "error"):
        raise Malformed("status", "'ok' or 'error'", row.get("status"))
    _string(row.get("run_key"), "run_key")
    _string(row.get("arm"), "arm")
    _integer(row.get("config"), "config", minimum=0)
    _integer(row.get("seed"), "seed", minimum=0)
    # The key names the run its columns describe: a row copied under another run's key
    # (a passing run standing in for a failing one it replaced) is no evidence for that run.
    named = run_key(row["config"], row["arm"], row["seed"])
    if row["run_key"] != named:
        raise Malformed("run_key", f"'{named}', the run its configuration, arm and seed name",
                        row["run_key"])
    _table(row.get("params"), "params")
    if row.get("profile") is not None:
        profile = _table(row["profile"], "profile")
        _table(profile.get("draw"), "profile.draw")
        check_strings(profile.get("faults"), "profile.faults")
    if row["status"] != "ok":
        _string(row.get("error"), "error", optional=True)
        return
    if row.get("exit_code") not in (0, 1, 2):
        raise Malformed("exit_code", "0, 1 or 2 for a run that completed", row.get("exit_code"))
    check_strings(row.get("failed"), "failed")
    check_verdicts(row.get("verdicts"))
    check_metrics(row.get("metrics"))
    check_fingerprint(row.get("fingerprint"))
    _table(row.get("probes"), "probes")
    _sha256(row.get("scenario_hash"), "scenario_hash")
    _sha256(row.get("history_sha256"), "history_sha256", optional=True)
    _integer(row.get("history_events"), "history_events", optional=True, minimum=0)
    _string(row.get("history_path"), "history_path", optional=True, limit=4096)
    _string(row.get("reproduce"), "reproduce", optional=True, limit=MAX_REPRODUCE)


def row_problem(row: dict[str, Any]) -> str | None:
    """None if a decoded store row has the shape the campaign's worker writes; otherwise
    `COLUMN: expected ..., found ...`."""
    try:
        _check_row(row)
    except Malformed as malformed:
        return malformed.message
    return None
