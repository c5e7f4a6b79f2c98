"""`bridgelab check`, the CI gate: exit codes, one line per run, JUnit XML, JSON summary,
persisted failures replayed first, pinned seeds, --stop-on-fail."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bridgelab.cli import main
from bridgelab.gate import cli as gate_cli
from bridgelab.gate.check import GateReport, RunRecord
from bridgelab.gate.determinism import DeterminismResult, ProcessRun
from bridgelab.gate.plan import MAX_SEEDS, SeedsError, parse_seeds

SMALL = (Path(__file__).parents[1] / "data" / "small.toml").read_text()

FLAWED = """
[bridge.verifier]
threshold_override = 3

[[attacks]]
kind = "collusion.fabricated_lock"
targets = { members = [0, 1, 2] }
schedule = { at = 30.0 }
params = { amount = 5_000_000 }
"""

# The partition heals long after the run ends: liveness cannot be judged (inconclusive).
PARTITIONED = """
[[attacks]]
kind = "network.partition"
targets = { select = "majority" }
params = { role = "validator" }
schedule = { at = 5.0 }
heal = { after = 100000.0 }
"""


def scenario_file(path: Path, name: str, extra: str = "", seed: int | None = None,
                  duration: float = 3600.0) -> Path:
    """tests/data/small.toml with fewer transfers, renamed, optionally pinned and extended."""
    text = SMALL.replace('name = "small"', f'name = "{name}"' + (
        f"\nseed = {seed}" if seed is not None else ""
    ))
    text = text.replace("duration = 3600.0", f"duration = {duration}")
    text = text.replace("deposits = 30", "deposits = 8").replace("withdrawals = 30",
                                                                 "withdrawals = 8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + extra)
    return path


def check(tmp_path: Path, *args: str, determinism: str = "none") -> tuple[int, Path, Path]:
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.json"
    # Not the default (bridgelab-check/ in the working directory), and not inside tmp_path,
    # which some tests check as a directory of scenarios.
    out = [] if "--out" in args else ["--out", str(tmp_path.with_name(f"{tmp_path.name}-out"))]
    code = main([
        "check", *args, *out, "--junit", str(junit), "--json-out", str(summary),
        "--determinism", determinism, "--failures", str(tmp_path / "failures"),
    ])
    return code, junit, summary


def suite(junit: Path) -> ET.Element:
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0]


def test_passing_scenario_exits_0_with_determinism_checked(tmp_path, capsys):
    good = scenario_file(tmp_path / "scenarios" / "good.toml", "good")
    code, junit, summary = check(tmp_path, str(good), determinism="first")
    assert code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("PASS") and f"{good}  seed 1" in lines[0]
    assert lines[1].startswith("PASS") and "determinism" in lines[1]
    assert "deterministic: 3 runs" in lines[1]  # two fresh processes and the in-process run
    cases = suite(junit).findall("testcase")
    assert [case.get("name") for case in cases] == ["seed 1", "determinism seed 1"]
    assert all(case.find("failure") is None and case.find("skipped") is None for case in cases)
    assert cases[0].get("classname").endswith("scenarios.good")
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 0
    (run,) = data["runs"]
    assert run["exit_code"] == 0 and run["seed"] == 1 and run["kind"] == "scenario"
    assert run["verdicts"]["safety.supply-conservation"] == "pass"
    assert len(run["history_sha256"]) == 64
    assert data["determinism"][0]["deterministic"] is True
    assert data["determinism"][0]["in_process_sha256"] == run["history_sha256"]


def test_property_failure_exits_1_with_failure_elements(tmp_path, capsys):
    flawed = scenario_file(tmp_path / "flawed.toml", "flawed", FLAWED)
    code, junit, summary = check(tmp_path, str(flawed), "--seeds", "1,2")
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["FAIL", "FAIL"]
    assert "safety." in lines[0] and "#1000000001" in lines[0]
    cases = suite(junit).findall("testcase")
    assert [case.get("name") for case in cases] == ["seed 1", "seed 2"]
    for case in cases:
        failure = case.find("failure")
        assert failure is not None
        assert failure.get("type").startswith("safety.")
        assert "safety.mint-backed-by-final-lock" in failure.text
        assert "no lock #1000000001" in failure.text
    assert suite(junit).get("failures") == "2"
    runs = json.loads(summary.read_text())["runs"]
    assert [run["exit_code"] for run in runs] == [1, 1]
    assert all(run["violations"] for run in runs)
    assert runs[0]["verdicts"]["safety.mint-backed-by-final-lock"] == "fail"


def test_inconclusive_exits_2_and_is_reported_as_skipped(tmp_path, capsys):
    partitioned = scenario_file(tmp_path / "p.toml", "partitioned", PARTITIONED, duration=600.0)
    code, junit, summary = check(tmp_path, str(partitioned))
    assert code == 2
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("INCONCLUSIVE") and "network.partition still active" in line
    (case,) = suite(junit).findall("testcase")
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message").startswith("inconclusive: ")
    assert case.find("failure") is None
    (run,) = json.loads(summary.read_text())["runs"]
    assert run["exit_code"] == 2 and run["inconclusive"]
    before = junit.read_text()
    code, junit, summary = check(tmp_path, str(partitioned), "--allow-inconclusive")
    assert code == 0
    assert "inconclusive allowed: 2 -> 0" in capsys.readouterr().out
    (case,) = suite(junit).findall("testcase")
    assert case.find("skipped").get("message").startswith("inconclusive: ")
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 0 and data["allow_inconclusive"] is True
    assert data["runs"][0]["status"] == "inconclusive"
    assert before.count("<skipped") == junit.read_text().count("<skipped") == 1


def test_malformed_file_exits_3_with_one_line_and_runs_nothing(tmp_path, capsys):
    good = scenario_file(tmp_path / "s" / "a-good.toml", "good")
    bad = tmp_path / "s" / "b-bad.toml"
    bad.write_text('[scenario]\nname = "bad"\n\n[committee]\nmembers = 4\nthreshold = 7\n')
    code, junit, summary = check(tmp_path, str(good.parent))
    assert code == 3
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing ran
    assert captured.err.strip() == (
        f"error: {bad}: committee.threshold: expected at most members (4), found 7"
    )
    assert "Traceback" not in captured.err
    (case,) = suite(junit).findall("testcase")
    assert case.get("name") == "validate" and case.find("error").get("type") == "bad-input"
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 3 and data["runs"] == []
    assert data["bad_input"][0]["key"] == "committee.threshold"


def test_missing_path_and_bad_seeds_are_bad_input(tmp_path, capsys):
    code, _, _ = check(tmp_path, str(tmp_path / "nowhere.toml"))
    assert code == 3
    assert "nowhere.toml: expected a scenario file or directory" in capsys.readouterr().err
    good = scenario_file(tmp_path / "good.toml", "good")
    code, junit, _ = check(tmp_path, str(good), "--seeds", "1,x")
    assert code == 3
    assert "--seeds: expected comma-separated" in capsys.readouterr().err
    assert suite(junit).find("testcase/error").get("type") == "bad-input"


def test_directory_of_mixed_outcomes_fails_and_counts_every_case(tmp_path, capsys):
    root = tmp_path / "scenarios"
    scenario_file(root / "a-good.toml", "good")
    scenario_file(root / "nested" / "b-flawed.toml", "flawed", FLAWED)
    scenario_file(root / "c-partitioned.toml", "partitioned", PARTITIONED, duration=600.0)
    code, junit, summary = check(tmp_path, str(root), "--seeds", "1-2")
    assert code == 1  # a failure outranks the inconclusive runs
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:6]] == [
        "PASS", "PASS", "INCONCLUSIVE", "INCONCLUSIVE", "FAIL", "FAIL",
    ]
    element = suite(junit)
    assert element.get("tests") == "6"
    assert (element.get("failures"), element.get("skipped"), element.get("errors")) == (
        "2", "2", "0"
    )
    assert len(element.findall("testcase/failure")) == 2
    data = json.loads(summary.read_text())
    assert data["counts"] == {"pass": 2, "fail": 2, "inconclusive": 2, "error": 0, "not_run": 0}
    assert [(run["scenario"].split("/")[-1], run["seed"]) for run in data["runs"]] == [
        ("a-good.toml", 1), ("a-good.toml", 2), ("c-partitioned.toml", 1),
        ("c-partitioned.toml", 2), ("b-flawed.toml", 1), ("b-flawed.toml", 2),
    ]


def test_persisted_failures_are_replayed_first_at_their_pinned_seed(tmp_path, capsys):
    good = scenario_file(tmp_path / "good.toml", "good")
    failures = tmp_path / "failures"
    scenario_file(failures / "found.toml", "found-counterexample", FLAWED, seed=7)
    code, junit, summary = check(tmp_path, str(good), "--seeds", "1,2")
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL") and f"replay {failures / 'found.toml'}  seed 7" in lines[0]
    assert f"; 1 persisted failure(s) replayed from {failures};" in lines[-2]
    assert json.loads(summary.read_text())["failures_dir_found"] is True
    runs = json.loads(summary.read_text())["runs"]
    assert [(run["kind"], run["seed"]) for run in runs] == [
        ("replay", 7), ("scenario", 1), ("scenario", 2),
    ]
    assert runs[0]["name"] == "found-counterexample"
    assert runs[0]["fingerprint"]["seed"] == 7
    assert suite(junit).find("testcase").get("name") == "replay seed 7"
    # A failures directory inside a checked path is not run twice.
    capsys.readouterr()
    code, _, summary = check(tmp_path, str(tmp_path), "--no-replay")
    kinds = [run["kind"] for run in json.loads(summary.read_text())["runs"]]
    assert kinds.count("scenario") == 2
    code, _, summary = check(tmp_path, str(tmp_path))
    runs = json.loads(summary.read_text())["runs"]
    assert [run["kind"] for run in runs] == ["replay", "scenario"]


def test_a_failures_path_that_replays_nothing_is_said_or_refused(tmp_path, capsys):
    good = scenario_file(tmp_path / "good.toml", "good")
    # Missing (nothing persisted yet, or a typo): the run goes on, and the summary says so.
    code, _, summary = check(tmp_path, str(good))
    assert code == 0
    last = capsys.readouterr().out.splitlines()[-2]
    assert f"; no replays ({tmp_path / 'failures'} missing);" in last, last
    assert json.loads(summary.read_text())["failures_dir_found"] is False
    # A file: nothing could ever be replayed from it.
    (tmp_path / "failures").write_text("not a directory\n")
    code, _, _ = check(tmp_path, str(good))
    assert code == 3
    assert "error: --failures: expected a directory of persisted failures, found a file" in (
        capsys.readouterr().err)


def test_pinned_seed_is_used_unless_seeds_are_given(tmp_path):
    pinned = scenario_file(tmp_path / "pinned.toml", "pinned", seed=5)
    _, _, summary = check(tmp_path, str(pinned))
    assert [run["seed"] for run in json.loads(summary.read_text())["runs"]] == [5]
    _, _, summary = check(tmp_path, str(pinned), "--seeds", "2")
    assert [run["seed"] for run in json.loads(summary.read_text())["runs"]] == [2]


def test_stop_on_fail_reports_the_rest_as_not_run(tmp_path, capsys):
    flawed = scenario_file(tmp_path / "a-flawed.toml", "flawed", FLAWED)
    good = scenario_file(tmp_path / "b-good.toml", "good")
    code, junit, summary = check(tmp_path, str(flawed), str(good), "--stop-on-fail",
                                 determinism="first")
    assert code == 1
    statuses = [run["status"] for run in json.loads(summary.read_text())["runs"]]
    assert statuses == ["fail", "not_run"]
    assert json.loads(summary.read_text())["determinism"] == []
    cases = suite(junit).findall("testcase")
    assert cases[1].find("skipped").get("message") == "not run (--stop-on-fail)"
    assert "NOT RUN" in capsys.readouterr().out


def test_a_crashing_run_is_an_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    import tempfile

    import bridgelab.runner

    def boom(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(bridgelab.runner, "run", boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    good = scenario_file(tmp_path / "good.toml", "good")
    code, junit, summary = check(tmp_path, str(good))
    assert code == 4  # an internal error, not "a property failed"
    captured = capsys.readouterr()
    assert "ERROR" in captured.out
    [line] = captured.err.splitlines()
    assert line.startswith(f"internal error: {good} seed 1: RuntimeError: model exploded")
    saved = Path(line.rsplit("traceback saved to ", 1)[1].rstrip(")"))
    assert saved.parent == tmp_path and "model exploded" in saved.read_text()
    error = suite(junit).find("testcase/error")
    assert error is not None and error.get("type") == "RuntimeError"
    assert json.loads(summary.read_text())["runs"][0]["error"] == (
        "crashed: RuntimeError: model exploded"
    )


def test_differing_histories_fail_the_gate():
    a, b = "a" * 64, "b" * 64
    same = DeterminismResult("s.toml", 1, [ProcessRun("1", 0, a), ProcessRun("2", 0, a)])
    differ = DeterminismResult("s.toml", 1, [ProcessRun("1", 0, a), ProcessRun("2", 0, b)])
    leaked = DeterminismResult("s.toml", 1, list(same.processes), in_process_sha256="c" * 64)
    assert same.deterministic and not differ.deterministic and not leaked.deterministic
    assert "NOT deterministic" in differ.summary()
    broken = DeterminismResult("s.toml", 1, [ProcessRun("1", 3, None, "error: bad\n")])
    assert not broken.deterministic and "exited 3: error: bad" in broken.summary()
    passed = RunRecord("scenario", "s.toml", "s", 1, "pass", 0)
    assert GateReport(runs=[passed], determinism=[same]).exit_code == 0
    assert GateReport(runs=[passed], determinism=[differ]).exit_code == 1


def test_parse_seeds():
    assert parse_seeds("1,2,3") == [1, 2, 3]
    assert parse_seeds("1-3, 7, 2") == [1, 2, 3, 7]
    for bad in ("", "a", "3-1", "-1", "1,,2"):
        with pytest.raises(SeedsError):
            parse_seeds(bad)


def test_seeds_are_64_bit_and_bounded_in_number():
    top = 2**64 - 1
    assert parse_seeds(f"{top - 1}-{top}") == [top - 1, top]
    assert len(parse_seeds(f"1-{MAX_SEEDS}")) == MAX_SEEDS
    # Repeats do not count twice toward the bound.
    assert len(parse_seeds(f"1-{MAX_SEEDS},5,1-3")) == MAX_SEEDS
    # Each refused without expanding the range first (a range of 10**17 seeds returns at once).
    for bad in (str(top + 1), f"{top}-{top + 1}", f"1-{MAX_SEEDS + 1}",
                f"1-{MAX_SEEDS},{MAX_SEEDS + 1}", "0-99999999999999999"):
        with pytest.raises(SeedsError):
            parse_seeds(bad)


def test_an_exception_of_the_gate_itself_still_writes_the_reports(tmp_path, monkeypatch,
                                                                   capsys):
    import tempfile

    import bridgelab.gate.check

    def no_processes(*args, **kwargs):
        raise OSError("cannot fork")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(bridgelab.gate.check, "check_determinism", no_processes)
    good = scenario_file(tmp_path / "good.toml", "good")
    code, junit, summary = check(tmp_path, str(good), determinism="first")
    assert code == 4  # the run passed, but determinism could not be checked
    assert "ERROR         determinism" in capsys.readouterr().out
    error = suite(junit).find("testcase[@name='determinism seed 1']/error")
    assert error is not None and "cannot fork" in error.get("message")

    def gate_bug(*args, **kwargs):
        raise KeyError("gate bug")

    monkeypatch.setattr(gate_cli, "summary_line", gate_bug)
    code = main(["check", str(good), "--junit", str(junit), "--json-out", str(summary),
                 "--determinism", "none", "--no-replay", "--out", str(tmp_path / "out")])
    assert code == 4
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("internal error: KeyError: 'gate bug' (traceback saved to ")
    cases = suite(junit).findall("testcase")
    assert [case.get("name") for case in cases] == ["internal error", "seed 1"]
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 4 and data["internal_error"] == "KeyError: 'gate bug'"
    assert [run["status"] for run in data["runs"]] == ["pass"]


def test_out_holds_each_runs_evidence(tmp_path, capsys):
    from bridgelab.evidence import verify_run_dir
    from bridgelab.report.records import parse_reproduce

    good = scenario_file(tmp_path / "good.toml", "good")
    code, _, _ = check(tmp_path, str(good), "--out", str(tmp_path / "out"))
    assert code == 0
    (run_dir,) = (tmp_path / "out" / "runs").iterdir()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] is True
    assert parse_reproduce(results["reproduce"]) == (str(good), 1)
    assert verify_run_dir(run_dir, results).ok


def test_out_whose_history_does_not_match_the_run_is_inconclusive(tmp_path, capsys,
                                                                   monkeypatch):
    from bridgelab import evidence

    write_results = evidence.write_results

    def corrupt_then_write(out_dir, data):
        with (out_dir / "history.jsonl").open("a") as stream:
            stream.write('{"kind":"mint"}\n')  # the file no longer is what the run saw
        return write_results(out_dir, data)

    monkeypatch.setattr(evidence, "write_results", corrupt_then_write)
    good = scenario_file(tmp_path / "good.toml", "good")
    code, _, summary = check(tmp_path, str(good), "--out", str(tmp_path / "out"))
    assert code == 2
    (run,) = json.loads(summary.read_text())["runs"]
    assert run["status"] == "inconclusive"
    assert any("history hash mismatch" in reason for reason in run["inconclusive"])
    assert "history hash mismatch" in capsys.readouterr().out


@pytest.mark.parametrize("entry", ["dangling link", "upper-case suffix", "hidden folder"])
def test_no_persisted_failure_is_dropped_without_a_word(tmp_path, capsys, entry):
    """A failure the gate cannot read was skipped, and the gate passed: a dangling link, a
    `.TOML` file, a file in a hidden folder of the failures directory. Each is now read,
    or refused as bad input."""
    good = scenario_file(tmp_path / "good.toml", "good")
    failures = tmp_path / "failures"
    failures.mkdir()
    if entry == "dangling link":
        (failures / "saved.toml").symlink_to(tmp_path / "gone.toml")
    else:
        where = failures / ".kept" if entry == "hidden folder" else failures
        name = "saved.TOML" if entry == "upper-case suffix" else "saved.toml"
        scenario_file(where / name, "saved", seed=3)
    code, _, summary = check(tmp_path, str(good))
    if entry == "dangling link":
        assert code == 3
        assert "saved.toml: expected a readable scenario file, found a dangling link" in (
            capsys.readouterr().err)
    else:
        assert code == 0
        runs = json.loads(summary.read_text())["runs"]
        assert [(run["kind"], run["seed"]) for run in runs if run["kind"] == "replay"] == [
            ("replay", 3)]


def test_an_inconclusive_replay_of_a_persisted_failure_is_never_allowed(tmp_path, capsys):
    """A saved failure whose attack no longer starts neither fails nor vouches: the
    configuration it broke is not shown fixed, so `--allow-inconclusive` keeps its 2."""
    good = scenario_file(tmp_path / "good.toml", "good")
    late = ('\n[[attacks]]\nkind = "forge.empty_certificate"\nschedule = { at = 100000.0 }\n'
            '\n[bridge]\nflaws = ["skip_verification_if_empty"]\n')
    scenario_file(tmp_path / "failures" / "saved.toml", "saved", late, seed=7)
    code, _, summary = check(tmp_path, str(good), "--allow-inconclusive")
    assert code == 2
    assert capsys.readouterr().out.splitlines()[-2].endswith(
        "exit 2 (--allow-inconclusive covers only liveness not judged, not a persisted"
        " failure's replay)")
    runs = json.loads(summary.read_text())["runs"]
    assert [(run["kind"], run["status"]) for run in runs] == [
        ("replay", "inconclusive"), ("scenario", "pass")]
    # Run as a scenario of its own, its attack that never starts tested nothing either: the
    # flag covers liveness that could not be judged, not a run that cannot vouch for safety.
    code, _, _ = check(tmp_path, str(tmp_path / "failures" / "saved.toml"), "--no-replay",
                       "--allow-inconclusive")
    assert code == 2
    assert "which cannot vouch for safety" in capsys.readouterr().out


class _Killed(BaseException):
    """What the gate sees of SIGKILL: nothing; it stops where it is."""


def test_a_gate_killed_on_the_way_leaves_no_earlier_green_report(tmp_path, monkeypatch):
    from bridgelab.gate import cli as gate_cli

    good = scenario_file(tmp_path / "good.toml", "good")
    code, junit, summary = check(tmp_path, str(good))
    assert code == 0 and json.loads(summary.read_text())["exit_code"] == 0

    def killed(*args, **kwargs):
        raise _Killed

    monkeypatch.setattr(gate_cli, "_run_planned", killed)
    with pytest.raises(_Killed):
        check(tmp_path, str(good))
    data = json.loads(summary.read_text())
    assert data["exit_code"] == 4 and data["internal_error"] == gate_cli.UNFINISHED
    assert "<error" in junit.read_text()


ORDER_DEPENDENT = '''from bridgelab.checker.api import at_end


@at_end("mine.order-dependent", "Fails or not by the process's string hashing.")
def order_dependent(view):
    return "hash-dependent answer" if hash("bridgelab-gate") % 2 == 1 else None
'''


def test_runs_that_exit_differently_on_identical_histories_are_not_deterministic(tmp_path):
    """A property of the scenario's own that depends on string hashing judged identical
    histories differently in the gate's processes; the gate compared hashes only and said
    "determinism ok", its own verdict a coin flip of PYTHONHASHSEED."""
    (tmp_path / "orderprop.py").write_text(ORDER_DEPENDENT)
    scenario = scenario_file(tmp_path / "honest.toml", "honest",
                             '\n[checks]\nproperties = ["orderprop:order_dependent"]\n')
    code, _, summary = check(tmp_path, str(scenario), determinism="first")
    [result] = json.loads(summary.read_text())["determinism"]
    codes = {process["exit_code"] for process in result["processes"]}
    assert codes == {0, 1}, result  # PYTHONHASHSEED 1 and 2 hash the string apart
    assert result["deterministic"] is False and code == 1
