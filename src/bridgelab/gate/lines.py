"""What `bridgelab check` prints: one line per run and per determinism check, the summary
line, and the runs a stopped gate did not make, marked as not run."""

from __future__ import annotations

from bridgelab.gate.check import GateReport, RunRecord
from bridgelab.gate.determinism import DeterminismResult
from bridgelab.textsafe import printable

STATUS_LABEL = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "error": "ERROR",
    "not_run": "NOT RUN",
}


def run_line(record: RunRecord) -> str:
    """One line per run; what comes from files (paths, violation details) is escaped."""
    scenario = printable(record.scenario, 300)
    label = f"replay {scenario}" if record.kind == "replay" else scenario
    line = f"{STATUS_LABEL[record.status]:<12}  {label}  seed {record.seed}"
    line += f"  {record.wall_time_s:.2f}s"
    detail = printable(record.detail, 500)
    return f"{line}  {detail}" if detail else line


def mark_not_run(report: GateReport, reason: str) -> None:
    """Every planned (target, seed) in plan order, the runs made as they were and the others
    as not run for `reason`."""
    made = {(run.kind, run.scenario, run.seed): run for run in report.runs}
    runs = []
    for target in report.planned:
        for seed in target.seeds:
            runs.append(made.pop((target.kind, target.display, seed), None) or RunRecord(
                target.kind, target.display, target.scenario.scenario.name, seed,
                "not_run", None, error=f"not run ({reason})",
            ))
    report.runs = runs + list(made.values())


def determinism_line(result: DeterminismResult) -> str:
    status = "PASS" if result.deterministic else "ERROR" if result.error else "FAIL"
    return (
        f"{status:<12}  determinism {result.scenario}  seed {result.seed}"
        f"  {result.wall_time_s:.2f}s  {result.summary()}"
    )


def summary_line(report: GateReport) -> str:
    counts = report.counts()
    parts = [f"{counts['pass']} passed", f"{counts['fail']} failed"]
    for status, word in (
        ("inconclusive", "inconclusive"), ("error", "crashed"), ("not_run", "not run")
    ):
        if counts[status]:
            parts.append(f"{counts[status]} {word}")
    runs = len(report.runs)
    text = f"{runs} run{'s' if runs != 1 else ''}: " + ", ".join(parts)
    if report.failures_dir is not None:
        # Said every time: a gate that replayed nothing because its directory is missing
        # (a typo) must not read like one that replayed everything.
        replayed = sum(1 for run in report.runs if run.kind == "replay")
        where = printable(report.failures_dir, 200)
        text += (f"; {replayed} persisted failure(s) replayed from {where}"
                 if report.failures_found else f"; no replays ({where} missing)")
    if report.determinism:
        bad = sum(1 for check in report.determinism if not check.deterministic)
        text += "; determinism " + ("ok" if not bad else f"FAILED ({bad})")
    if report.internal_error is not None:
        text += f"; internal error: {report.internal_error}"
    if report.interrupted is not None:
        text += f"; interrupted by {report.interrupted.name}"
    allowed = report.exit_code != report.verdict_code
    note = f" (inconclusive allowed: {report.verdict_code} -> 0)" if allowed else ""
    if report.allow_inconclusive and report.exit_code == 2 and report.not_allowed:
        first = report.not_allowed[0]
        why = ("a persisted failure's replay" if first.kind == "replay"
               else f"{first.name} seed {first.seed}, which cannot vouch for safety")
        note = f" (--allow-inconclusive covers only liveness not judged, not {why})"
    return f"{text}; {report.wall_time_s:.1f}s; exit {report.exit_code}{note}"
