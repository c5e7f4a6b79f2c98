"""A single run's result in a notebook: `RunResult.__repr__` and `_repr_html_`."""

from __future__ import annotations

import html
from pathlib import Path

from bridgelab import testing
from bridgelab.runner import RunResult, run
from bridgelab.runview import first_violation
from bridgelab.scenario import load_scenario

SMALL = Path(__file__).parents[1] / "data" / "small.toml"
HOSTILE = "<script>alert(1)</script>\u202e"


def _result(**changes) -> RunResult:
    fields = dict(
        fingerprint={"scenario": "demo", "seed": 7, "crypto": "real"},
        verdicts={"safety.supply-conservation": "fail", "safety.no-double-mint": "pass",
                  "liveness.deposits-minted": "unknown",
                  "coverage.mint-during-fault": "not_exercised"},
        metrics={}, history_sha256="ab" * 32, settled=True, sim_time=10.0,
        wall_time_s=0.1, history_events=42, sim_steps=1,
        violations=[
            {"property": "safety.supply-conservation", "time": 9.0, "event_seq": 40,
             "event_kind": "mint", "detail": "later"},
            {"property": "safety.supply-conservation", "time": 3.5, "event_seq": 12,
             "event_kind": "mint", "detail": "minted 5 > locked 0"},
        ],
        out_dir=Path("runs/demo-seed7"),
    )
    fields.update(changes)
    return RunResult(**fields)


def test_the_html_names_verdict_properties_first_violation_hash_and_directory():
    page = _result()._repr_html_()
    assert "FAIL: a property failed" in page
    assert "<code>safety.supply-conservation</code></td><td style=\"color:#cf222e\"><b>fail" \
        in page
    assert "safety.no-double-mint" in page and ">unknown<" in page
    assert "coverage.mint-during-fault" not in page  # a probe that never fired is noise
    assert "t=3.5 s, event #12 (mint): minted 5 &gt; locked 0" in page  # the earliest one
    assert "ab" * 32 in page and "runs/demo-seed7" in page


def test_the_first_violation_is_the_earliest_in_simulated_time():
    assert first_violation(_result())["event_seq"] == 12
    assert first_violation(_result(violations=[])) is None


def test_every_string_from_the_scenario_is_escaped():
    result = _result(fingerprint={"scenario": HOSTILE, "seed": 1},
                     verdicts={f"user.{HOSTILE}": "fail"},
                     violations=[{"property": HOSTILE, "time": 1.0, "event_seq": 1,
                                  "event_kind": HOSTILE, "detail": HOSTILE}],
                     inconclusive=[HOSTILE], out_dir=Path(HOSTILE))
    page = result._repr_html_()
    assert "<script>" not in page and "\u202e" not in page
    assert html.escape("<script>alert(1)</script>") in page
    # The plain repr is text (a notebook escapes it): controls are made visible, not run.
    assert "\u202e" not in repr(result) and "\\u202e" in repr(result)


def test_the_short_repr_is_one_line():
    text = repr(_result())
    assert "\n" not in text and len(text) < 300
    assert text.startswith("RunResult(scenario='demo', seed=7, verdict='fail',")
    assert "failed=['safety.supply-conservation']" in text and "run_dir='runs/demo-seed7'" in text


def test_a_real_run_knows_its_directory_and_says_it_held(tmp_path):
    result = run(load_scenario(SMALL), 1, tmp_path / "out")
    assert result.out_dir == tmp_path / "out"
    assert "pass: every property held" in result._repr_html_()
    assert f"history_sha256='{result.history_sha256[:16]}'" in repr(result)
    assert run(load_scenario(SMALL), 1).out_dir is None  # nothing written, nothing named


def test_testing_run_takes_a_file_and_names_its_directory(tmp_path):
    result = testing.run(SMALL, out=tmp_path / "nb")
    assert isinstance(result, RunResult) and result.fingerprint["seed"] == 1
    assert result.out_dir == tmp_path / "nb" and (tmp_path / "nb" / "results.json").is_file()
    assert f"bridgelab run {SMALL} --seed 1" in (tmp_path / "nb" / "results.json").read_text()
    assert "run directory <code>" in result._repr_html_()
