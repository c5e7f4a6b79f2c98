"""The gate's JUnit XML is valid against the common JUnit schema, for every kind of outcome."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bridgelab.gate.check import GateReport, RunRecord
from bridgelab.gate.determinism import DeterminismResult, ProcessRun
from bridgelab.gate.plan import BadInput
from bridgelab.gate.report import junit_xml, write_junit
from tests.gate.junit_xsd import problems

VIOLATION = {"property": "safety.supply-conservation", "time": 12.5, "event_seq": 40,
             "event_kind": "mint", "actor": "bridge", "detail": "minted 5 over locked"}


def every_outcome() -> GateReport:
    sha = "a" * 64
    return GateReport(
        runs=[
            RunRecord("scenario", "attacks/a.toml", "a", 1, "pass", 0,
                      verdicts={"safety.x": "pass"}, history_sha256=sha),
            RunRecord("scenario", "attacks/b.toml", "b", 1, "fail", 1,
                      verdicts={"safety.supply-conservation": "fail"}, violations=[VIOLATION]),
            RunRecord("scenario", "attacks/c.toml", "c", 2, "inconclusive", 2,
                      inconclusive=["the run did not settle"]),
            RunRecord("replay", ".bridgelab/failures/x.toml", "x", 3, "error", 4,
                      error="crashed: RuntimeError: boom", traceback="Traceback ..."),
            RunRecord("scenario", "attacks/d.toml", "d", 1, "not_run", None),
        ],
        determinism=[
            DeterminismResult("attacks/a.toml", 1, [ProcessRun("1", 0, sha),
                                                    ProcessRun("2", 0, sha)]),
            DeterminismResult("attacks/b.toml", 1, [ProcessRun("1", 0, sha),
                                                    ProcessRun("2", 0, "b" * 64)]),
        ],
        bad_input=[BadInput("attacks/e.toml", "workload.deposit", "attacks/e.toml: bad")],
        seeds=[1, 2], internal_error="RuntimeError: gate broke",
    )


def test_every_outcome_is_valid_against_the_common_junit_schema(tmp_path):
    path = tmp_path / "junit.xml"
    write_junit(every_outcome(), path)
    root = ET.parse(path).getroot()
    assert problems(root) == []
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 5 + 2 + 1 + 1
    failed = next(case for case in cases if case.find("failure") is not None)
    out = failed.find("system-out").text
    assert "scenario: attacks/b.toml" in out and "bridgelab.status: fail" in out
    assert root.find("testsuite").get("skipped") == "2"


@pytest.mark.parametrize(("mutate", "said"), [
    (lambda root: root.find("testsuite/testcase").set("file", "x"), "attribute file"),
    (lambda root: root.set("skipped", "1"), "attribute skipped"),
    (lambda root: ET.SubElement(root.find("testsuite/testcase"), "properties"),
     "out of order"),
    (lambda root: root.find("testsuite").set("tests", "two"), "not a count"),
    (lambda root: root.find("testsuite").attrib.pop("name"), "name: required"),
])
def test_the_encoded_schema_catches_what_strict_servers_reject(mutate, said):
    root = junit_xml(every_outcome()).getroot()
    mutate(root)
    assert any(said in problem for problem in problems(root)), problems(root)
