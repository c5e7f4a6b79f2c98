"""The shipped fuzz harness: a few hundred loader inputs and a handful of runs in CI (`make
fuzz` does 10,000 and 200), and checks that the harness itself sees what it must."""

from __future__ import annotations

import typing

import pytest

from bridgelab.fuzz import loader as fuzz_loader_module
from bridgelab.fuzz.corpus import shipped
from bridgelab.fuzz.extremes import KNOBS
from bridgelab.fuzz.loader import classify, fuzz_loader
from bridgelab.fuzz.outcome import Tally, message_problem
from bridgelab.fuzz.runs import Limits, prepare, run_one, sample_runs, short_horizon
from bridgelab.fuzz.toml_text import document
from bridgelab.scenario import ScenarioError
from bridgelab.scenario.model import Scenario
from tests.conftest import BASELINE, baseline_data

SEEDS = shipped()


@pytest.fixture(scope="module")
def loader_pass() -> tuple[Tally, list[bytes]]:
    tally, valid = Tally(), []
    fuzz_loader(SEEDS, 300, 20, tally, valid=valid)
    return tally, valid


def test_the_loader_survives_a_few_hundred_hostile_inputs(loader_pass):
    tally, valid = loader_pass
    assert tally.total == 300
    assert not tally.failed, [(f.outcome, f.detail, f.data[:300]) for f in tally.findings]
    # Both sides of the loader are exercised: inputs refused, and inputs accepted.
    assert tally.counts["bad-input"] > 50 and tally.counts["ok"] > 10
    assert 0 < len(valid) <= tally.counts["ok"]  # the scenarios among them


def test_a_handful_of_validated_inputs_run_cleanly(loader_pass):
    _, valid = loader_pass
    tally = Tally()
    sample_runs(valid, 3, 20, tally, jobs=2)
    assert tally.total == 3
    assert not tally.failed, [(f.outcome, f.detail) for f in tally.findings]


def test_every_shipped_file_is_a_seed():
    kinds = {seed.kind for seed in SEEDS}
    assert kinds == {"scenario", "campaign"} and len(SEEDS) > 45


# -- the harness sees what it must ------------------------------------------------------------


def test_the_loader_harness_classifies_an_escaping_exception_and_a_hang(monkeypatch, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("")

    def recurse(path):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(fuzz_loader_module, "load_scenario", recurse)
    assert classify("scenario", path, 5)[0] == "traceback"

    def spin(path):
        while True:  # computing, not waiting: the limit is on CPU time
            pass

    monkeypatch.setattr(fuzz_loader_module, "load_scenario", spin)
    assert classify("scenario", path, 0.2) == ("hang", "over 0.2 s of CPU time")


def test_a_message_of_two_lines_or_raw_control_characters_is_a_bad_message():
    assert message_problem("error: f: k: expected x, found y\n") is None
    assert message_problem("error: f: k\nb: expected x, found y\n") == "2 lines"
    assert message_problem("error: f: expected x, found \u202eevil\n").startswith("an unescaped")
    assert message_problem("error: " + "x" * 2_000 + "\n") == "2,007 characters"
    assert message_problem("Traceback (most recent call last):\n") is not None
    # ScenarioError escapes whatever it is given, so it never makes one.
    error = ScenarioError("f\n.toml", "a\x00b", "x", "y\u202ez")
    assert message_problem(f"error: {error.message}\n") is None


def test_the_short_horizon_caps_time_and_transfers():
    data = short_horizon(baseline_data())
    assert data["scenario"]["duration"] == 600.0
    assert data["workload"]["deposits"] == data["workload"]["withdrawals"] == 10
    assert prepare(BASELINE.read_bytes()) is not None


def test_a_run_that_is_slow_is_a_hang_and_one_refused_is_bad_input():
    slow = short_horizon(baseline_data())
    slow["scenario"]["duration"] = 31_536_000.0
    slow["workload"].update(deposits=100_000, withdrawals=0)
    assert run_one(document(slow), 1, Limits(seconds=1)) == ("hang", "over 1 s of CPU time")
    refused = short_horizon(baseline_data())
    refused["committee"]["threshold"] = 99
    outcome, detail = run_one(document(refused), 1, Limits())
    assert outcome == "bad-input" and "committee.threshold" in detail


def test_a_run_that_would_go_on_for_a_year_is_ended_by_the_stall_guard_not_the_hang_check():
    """Every relayer censors for good and nothing settles: without the engine's stall guard
    the run goes on for a simulated year (far over 10 s); with the guard's budget the run
    ends by itself, inconclusive, and the hang check sees a verdict."""
    endless = short_horizon(baseline_data())
    endless["scenario"]["duration"] = 31_536_000.0
    endless["attacks"] = [{"kind": "relayer.censor", "targets": {"relayers": [0, 1, 2]},
                           "schedule": {"at": 0.0}}]
    assert run_one(document(endless), 1, Limits(max_events=200_000)) == ("ok", "")


def test_a_run_out_of_memory_is_classified_so():
    text = prepare(BASELINE.read_bytes())
    outcome, detail = run_one(text, 1, Limits(memory_mb=60))
    assert outcome == "out-of-memory", detail


def test_a_write_outside_the_output_directory_is_seen(tmp_path, monkeypatch):
    # A property module (on PYTHONPATH, so the scenario's directory stays untouched) that
    # writes into the run's working directory when imported.
    (tmp_path / "fuzz_writes_outside.py").write_text(
        "from pathlib import Path\nPath('stray.txt').write_text('x')\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    tiny = short_horizon(baseline_data())
    tiny["scenario"]["duration"] = 60.0
    tiny["workload"].update(deposits=1, withdrawals=0)
    tiny["checks"] = {"properties": ["fuzz_writes_outside:p"]}
    outcome, detail = run_one(document(tiny), 1, Limits())
    assert outcome == "outside-write" and "stray.txt" in detail


def test_the_run_sampler_draws_every_backend_but_the_slow_reference():
    # py-ecc runs for minutes by design; drawing it made a valid run look like a hang.
    [backend] = [knob for knob in KNOBS if knob.path == ("committee", "bls_backend")]
    allowed = typing.get_args(Scenario.model_fields["committee"].annotation
                              .model_fields["bls_backend"].annotation)
    assert "py-ecc" in allowed and "py-ecc" not in backend.values
    assert set(backend.values) == set(allowed) - {"py-ecc"}
