"""`bridgelab check` as CI uses it: everything under --out, JUnit valid against the common
schema, --jobs giving the same report as one process, GitHub annotations on failures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from bridgelab.cli import main
from bridgelab.gate.annotations import annotation
from bridgelab.gate.check import RunRecord
from tests.gate.junit_xsd import problems
from tests.gate.test_check import FLAWED, PARTITIONED, scenario_file


def test_outputs_go_under_out_and_junit_follows_the_schema(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    good = scenario_file(tmp_path / "s" / "good.toml", "good")
    bad = scenario_file(tmp_path / "s" / "flawed.toml", "flawed", FLAWED)
    stuck = scenario_file(tmp_path / "s" / "stuck.toml", "stuck", PARTITIONED, duration=600.0)
    code = main(["check", str(good), str(bad), str(stuck), "--seeds", "1,2",
                 "--determinism", "first", "--no-replay", "--annotations", "none"])
    assert code == 1
    out = tmp_path / "bridgelab-check"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bridgelab-check", "s"]
    root = ET.parse(out / "junit.xml").getroot()
    assert problems(root) == []
    statuses = [case.find("system-out").text.splitlines()[1] for case in root.iter("testcase")]
    assert "bridgelab.status: fail" in statuses and "bridgelab.status: inconclusive" in statuses
    summary = json.loads((out / "summary.json").read_text())
    runs = sorted((out / "runs").iterdir())
    assert len(runs) == 6 and all((run / "results.json").is_file() for run in runs)
    written = {str(run.relative_to(tmp_path)) for run in runs}
    assert {run["out_dir"] for run in summary["runs"]} == written
    assert "junit: bridgelab-check/junit.xml" in capsys.readouterr().out


def test_a_bad_file_and_a_crash_still_give_schema_valid_junit(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\n")
    assert main(["check", str(broken), "--out", str(tmp_path / "o"), "--no-replay"]) == 3
    assert problems(ET.parse(tmp_path / "o" / "junit.xml").getroot()) == []


def test_jobs_give_the_same_report_in_the_same_order(tmp_path):
    scenarios = [str(scenario_file(tmp_path / "s" / f"{name}.toml", name, extra))
                 for name, extra in (("good", ""), ("flawed", FLAWED))]
    summaries = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        code = main(["check", *scenarios, "--seeds", "1-3", "--jobs", jobs, "--out", str(out),
                     "--determinism", "none", "--no-replay", "--annotations", "none"])
        assert code == 1
        summary = json.loads((out / "summary.json").read_text())
        summaries.append([(run["scenario"], run["seed"], run["status"], run["history_sha256"])
                          for run in summary["runs"]])
    assert summaries[0] == summaries[1] and len(summaries[0]) == 6


def test_jobs_must_be_positive(tmp_path, capsys):
    good = scenario_file(tmp_path / "good.toml", "good")
    assert main(["check", str(good), "--jobs", "0", "--out", str(tmp_path / "o")]) == 3
    assert "--jobs: expected a positive number" in capsys.readouterr().err


def test_failures_become_github_annotations_under_actions(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    bad = scenario_file(tmp_path / "s" / "flawed.toml", "flawed", FLAWED)
    assert main(["check", str(bad), "--out", str(tmp_path / "o"), "--determinism", "none",
                 "--no-replay"]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert line.startswith(f"::error file={bad},title=bridgelab%3A safety.")
    assert "seed 1: " in line and "%0A" not in line.split("::", 2)[2].rstrip()


@pytest.mark.parametrize("status, level", [("fail", "error"), ("error", "error"),
                                           ("inconclusive", "warning"), ("pass", None)])
def test_annotation_levels_and_escapes(status, level):
    record = RunRecord("scenario", "dir,with:odd/s.toml", "s", 4, status, None)
    record.inconclusive = ["50% of the\nrun"]
    line = annotation(record)
    if level is None:
        assert line is None
        return
    assert line.startswith(f"::{level} file=dir%2Cwith%3Aodd/s.toml,title=bridgelab%3A ")
