"""The gate's machine-readable reports: JUnit XML for CI test views, and a JSON summary.

JUnit mapping (one `<testsuite>`; one `<testcase>` per scenario x seed, one per determinism
check; `classname` is the scenario path with dots, `name` is `seed N`, `replay seed N` or
`determinism seed N`, `file` is the scenario path):

- pass (exit 0): a plain testcase;
- property failed (exit 1): `<failure type="PROPERTY" message="first violation">` with every
  failing property and violation in its text;
- inconclusive (exit 2): `<skipped message="inconclusive: REASON">` with every reason —
  CI views show it as neither passed nor failed, while the gate's exit code 2 still stops
  the pipeline unless `--allow-inconclusive` turns it into 0 (the testcase unchanged);
- crashed run (exit 4): `<error type="ExceptionName">` with the traceback;
- not run (after --stop-on-fail): `<skipped message="not run (--stop-on-fail)">`;
- bad scenario file (exit 3): a testcase named `validate` with `<error type="bad-input">`;
- non-deterministic history: `<failure type="determinism">` with both hashes; a determinism
  check that could not compare (a process crashed): `<error type="determinism">`;
- an exception of the gate itself (exit 4): a testcase named `internal error` with
  `<error type="ExceptionName">`.

The file is valid against the common JUnit schema (Jenkins' junit-10.xsd, which the strictest
CI importers apply): a testcase has only `name`, `classname`, `time` and `group` attributes and
no `<properties>`, and `<testsuites>` has no `skipped` count (its `<testsuite>` has one).

The reports are written whatever the exit code (0, 1, 2, 3 or 4), except on a usage error
argparse rejects before the gate starts.

Every testcase's `<system-out>` starts with its scenario file, bridgelab status, exit code and
history hash, then its verdicts; the suite's `<properties>` carry the gate's own facts.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bridgelab import __version__
from bridgelab.evidence import atomic_write_text
from bridgelab.gate.check import GateReport, RunRecord
from bridgelab.gate.determinism import DeterminismResult
from bridgelab.textsafe import printable

SUITE = "bridgelab check"
# Violations listed in a <failure> (the JSON summary has them all).
MAX_VIOLATIONS = 50


def classname(path: str) -> str:
    """`attacks/incidents/ronin-2022.toml` -> `attacks.incidents.ronin-2022`."""
    parts = [part.lstrip(".").replace(".", "_") for part in Path(path).with_suffix("").parts]
    return ".".join(part for part in parts if part and part != "_") or "scenario"


def _properties(parent: ET.Element, values: dict[str, Any]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value is not None:
            ET.SubElement(properties, "property", name=name, value=str(value))


def _facts(values: dict[str, Any]) -> list[str]:
    return [f"{name}: {value}" for name, value in values.items() if value is not None]


def _verdict_text(record: RunRecord) -> str:
    lines = _facts({"scenario": record.scenario, "bridgelab.status": record.status,
                    "bridgelab.exit_code": record.exit_code,
                    "bridgelab.out_dir": record.out_dir})
    lines += [f"{prop}: {verdict}" for prop, verdict in record.verdicts.items()
              if not (prop.startswith("coverage.") and verdict == "not_exercised")]
    if record.history_sha256:
        lines.append(f"history sha256: {record.history_sha256}")
    return "\n".join(lines)


def _violation_text(record: RunRecord) -> str:
    lines = [f"failing properties: {', '.join(record.failing) or '-'}"]
    for violation in record.violations[:MAX_VIOLATIONS]:
        lines.append(
            f"{violation['property']} at t={violation['time']:.3f}s, event"
            f" #{violation['event_seq']} ({violation['event_kind']}, {violation['actor']}):"
            f" {violation['detail']}"
        )
    if len(record.violations) > MAX_VIOLATIONS:
        lines.append(
            f"... and {len(record.violations) - MAX_VIOLATIONS} more violations in the JSON"
            " summary"
        )
    return "\n".join(lines)


def _first_failing(record: RunRecord) -> str:
    if record.violations:
        return str(record.violations[0]["property"])
    return record.failing[0] if record.failing else "property"


def _run_case(suite: ET.Element, record: RunRecord) -> None:
    name = f"{'replay ' if record.kind == 'replay' else ''}seed {record.seed}"
    case = ET.SubElement(
        suite, "testcase", classname=classname(record.scenario), name=name,
        time=f"{record.wall_time_s:.3f}",
    )
    if record.status == "fail":
        failure = ET.SubElement(
            case, "failure", message=record.detail,
            type=_first_failing(record),
        )
        failure.text = _violation_text(record)
    elif record.status == "inconclusive":
        skipped = ET.SubElement(case, "skipped", message=f"inconclusive: {record.detail}")
        skipped.text = "\n".join(record.inconclusive)
    elif record.status == "error":
        error_type = (record.error or "crashed").removeprefix("crashed: ").split(":")[0]
        error = ET.SubElement(case, "error", message=record.detail, type=error_type)
        error.text = record.traceback or record.detail
    elif record.status == "not_run":
        ET.SubElement(case, "skipped", message=record.detail)
    ET.SubElement(case, "system-out").text = _verdict_text(record)


def _determinism_case(suite: ET.Element, result: DeterminismResult) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=classname(result.scenario),
        name=f"determinism seed {result.seed}", time=f"{result.wall_time_s:.3f}",
    )
    status = ("pass" if result.deterministic
              else "error" if result.error is not None else "fail")
    if not result.deterministic:
        element = "error" if result.error is not None else "failure"
        failure = ET.SubElement(case, element, message=result.summary(), type="determinism")
        failure.text = json.dumps(result.to_json(), indent=2)
    facts = _facts({"scenario": result.scenario, "bridgelab.status": status,
                    "history sha256": result.hashes[0] if result.hashes else None})
    ET.SubElement(case, "system-out").text = "\n".join([*facts, result.summary()])


def junit_xml(report: GateReport) -> ET.ElementTree:
    counts = report.counts()
    uncompared = sum(1 for check in report.determinism if check.error is not None)
    nondeterministic = sum(
        1 for check in report.determinism if not check.deterministic and check.error is None
    )
    internal = 1 if report.internal_error is not None else 0
    totals = {
        "tests": str(
            len(report.runs) + len(report.determinism) + len(report.bad_input) + internal
        ),
        "failures": str(counts["fail"] + nondeterministic),
        "errors": str(counts["error"] + len(report.bad_input) + uncompared + internal),
        "skipped": str(counts["inconclusive"] + counts["not_run"]),
        "time": f"{report.wall_time_s:.3f}",
    }
    root = ET.Element("testsuites", name=SUITE,
                      **{key: value for key, value in totals.items() if key != "skipped"})
    suite = ET.SubElement(root, "testsuite", name=SUITE, **totals)
    _properties(suite, {
        "bridgelab.version": __version__,
        "bridgelab.exit_code": report.exit_code,
        "bridgelab.interrupted": None if report.interrupted is None else report.interrupted.name,
        "bridgelab.allow_inconclusive": report.allow_inconclusive or None,
        "bridgelab.seeds": ",".join(map(str, report.seeds)) if report.seeds else "pinned/default",
        "bridgelab.failures_dir": report.failures_dir,
    })
    for bad in report.bad_input:
        case = ET.SubElement(
            suite, "testcase", classname=classname(bad.file), name="validate", time="0.000",
        )
        error = ET.SubElement(case, "error", message=bad.message, type="bad-input")
        error.text = bad.message
        ET.SubElement(case, "system-out").text = f"scenario: {bad.file}"
    if report.internal_error is not None:
        case = ET.SubElement(
            suite, "testcase", classname="bridgelab.check", name="internal error",
            time="0.000",
        )
        kind = report.internal_error.split(":")[0]
        error = ET.SubElement(case, "error", message=report.internal_error, type=kind)
        error.text = report.internal_error
    for record in report.runs:
        _run_case(suite, record)
    for result in report.determinism:
        _determinism_case(suite, result)
    _printable(root)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def _printable(root: ET.Element) -> None:
    """Escape what scenario files and run results bring into the XML (textsafe.printable):
    a control character would make the file invalid XML, a bidi override would disguise a
    name in the CI view. Text keeps its line breaks; attributes are one line."""
    for element in root.iter():
        if element.text:
            element.text = "\n".join(printable(line) for line in element.text.split("\n"))
        for name, value in element.attrib.items():
            element.attrib[name] = printable(value)


def write_junit(report: GateReport, path: Path) -> None:
    """Written whole or not at all (a temporary file renamed), so that an interrupted gate
    never leaves half a report for CI to read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ET.tostring(junit_xml(report).getroot(), encoding="unicode", xml_declaration=False)
    atomic_write_text(path, "<?xml version='1.0' encoding='utf-8'?>\n" + text, durable=False)


def summary_json(report: GateReport) -> dict[str, Any]:
    return {
        "tool": "bridgelab check",
        "version": __version__,
        "exit_code": report.exit_code,
        "allow_inconclusive": report.allow_inconclusive,
        "internal_error": report.internal_error,
        "interrupted": None if report.interrupted is None else report.interrupted.name,
        "seeds": report.seeds,
        "failures_dir": report.failures_dir,
        "failures_dir_found": report.failures_found,
        "stopped_early": report.stopped,
        "wall_time_s": round(report.wall_time_s, 3),
        "counts": report.counts(),
        "bad_input": [
            {"file": bad.file, "key": bad.key, "message": bad.message}
            for bad in report.bad_input
        ],
        "runs": [record.to_json() for record in report.runs],
        "determinism": [result.to_json() for result in report.determinism],
    }


def write_json(report: GateReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(summary_json(report), indent=2) + "\n", durable=False)
