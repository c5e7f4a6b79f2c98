"""A run directory as evidence (`bridgelab.evidence`): the atomic results.json, the effective
scenario written in canonical TOML and read back to the same hash, the order of the writes,
and the checks `report`, `check` and `campaign-stats` make before using a run."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab import evidence
from bridgelab.runner import run
from bridgelab.scenario import parse_scenario
from bridgelab.scenario.load import scenario_hash
from bridgelab.strategies import scenario_data
from tests.report.report_fixtures import scenario_data as tiny_data


def tiny(name: str = "honest-multisig"):
    return parse_scenario(tiny_data(name), name)


# -- atomic write ------------------------------------------------------------------------------


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    evidence.atomic_write_text(target, "new content\n")
    assert target.read_text() == "new content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_an_atomic_write_that_fails_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("old")

    def refuse(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        evidence.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_an_atomic_write_creates_files_as_open_does(tmp_path):
    target = tmp_path / "results.json"
    evidence.atomic_write_text(target, "x")
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert target.stat().st_mode == plain.stat().st_mode


def test_begin_removes_an_old_results_file_first(tmp_path):
    (tmp_path / "results.json").write_text("{}")
    (tmp_path / "history.jsonl").write_text("")
    evidence.begin(tmp_path)
    assert not (tmp_path / "results.json").exists()
    assert (tmp_path / "history.jsonl").exists()


# -- scenario.toml -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=scenario_data(attacks=True), name=st.text(min_size=1, max_size=30),
       description=st.text(max_size=30))
def test_scenario_toml_reads_back_to_the_same_hash(tmp_path_factory, data, name, description):
    data["scenario"]["name"] = name
    data["scenario"]["description"] = description
    scenario = parse_scenario(data, "<drawn>")
    directory = tmp_path_factory.mktemp("scenario")
    path = evidence.write_scenario(directory, scenario, seed=3)
    text = path.read_text(encoding="utf-8")
    assert text.isascii()
    reloaded = evidence.scenario_from_text(text, str(path))
    assert scenario_hash(reloaded) == scenario_hash(scenario)
    assert reloaded.committee.signatures == scenario.committee.signatures


def test_a_scenario_that_does_not_read_back_is_never_written(tmp_path, monkeypatch):
    scenario = tiny()
    honest = evidence.scenario_text(scenario)
    monkeypatch.setattr(evidence, "scenario_text",
                        lambda s, seed=None: honest.replace("threshold = 4", "threshold = 3"))
    with pytest.raises(evidence.EvidenceError, match="read back to hash"):
        evidence.write_scenario(tmp_path, scenario)
    assert not (tmp_path / "scenario.toml").exists()


# -- what a run leaves -------------------------------------------------------------------------


def test_a_run_leaves_verifiable_evidence(tmp_path):
    scenario = tiny()
    result = run(scenario, 2, tmp_path, reproduce="bridgelab run x.toml --seed 2")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["complete"] is True and results["reproduce"] == "bridgelab run x.toml --seed 2"
    digest, lines = evidence.file_digest(tmp_path / "history.jsonl")
    assert results["history"] == {"sha256": digest, "events": lines}
    assert digest == result.history_sha256 and lines == result.history_events
    verified = evidence.verify_run_dir(tmp_path, results)
    assert verified.ok, verified.problems
    assert verified.config == scenario.model_dump(mode="json", exclude_none=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.jsonl", "results.json", "scenario.toml"]


def test_a_run_that_raises_leaves_an_incomplete_mark_not_the_old_results(tmp_path):
    run(tiny(), 1, tmp_path)

    def explode(bridge):
        raise ValueError("injected")

    with pytest.raises(ValueError):
        run(tiny("collusion-multisig"), 1, tmp_path, setup=explode)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["complete"] is False and results["error"] == "ValueError: injected"
    assert results["fingerprint"]["scenario"] == "collusion-multisig"
    problems = evidence.verify_run_dir(tmp_path, results).problems
    assert problems[0] == "incomplete run (ValueError: injected)"


@pytest.mark.parametrize("change, reason", [
    ("edit-scenario", "scenario changed"),
    ("remove-scenario", "scenario missing"),
    ("remove-history", "history missing"),
    ("append-history", "history hash mismatch"),
    ("not-complete", "incomplete run"),
])
def test_verification_names_what_is_wrong(tmp_path, change, reason):
    run(tiny(), 1, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    scenario, history = tmp_path / "scenario.toml", tmp_path / "history.jsonl"
    if change == "edit-scenario":
        scenario.write_text(scenario.read_text().replace("threshold = 4", "threshold = 3"))
    elif change == "remove-scenario":
        scenario.unlink()
    elif change == "remove-history":
        history.unlink()
    elif change == "append-history":
        with history.open("a") as stream:
            stream.write('{"kind":"mint"}\n')
    else:
        del results["complete"]
    verified = evidence.verify_run_dir(tmp_path, results)
    assert not verified.ok
    assert [p for p in verified.problems if p.startswith(reason)], verified.problems


def test_first_record_names_an_interrupted_run(tmp_path):
    run(tiny("operator-bls"), 4, tmp_path)  # threshold BLS records its DKG before run.start
    start = evidence.first_record(tmp_path / "history.jsonl")
    assert start["kind"] == "run.start" and start["seed"] == 4
    assert start["scenario"] == "operator-bls"


# -- campaign rows -----------------------------------------------------------------------------


def test_row_problems(tmp_path):
    run(tiny(), 1, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    row = {"status": "ok", "history_path": str(tmp_path / "history.jsonl"),
           "history_sha256": results["history"]["sha256"],
           "history_events": results["history"]["events"]}
    assert evidence.row_problems(row) == []
    assert evidence.row_problems({**row, "history_sha256": "0" * 64})[0].startswith(
        "history hash mismatch")
    assert evidence.row_problems({**row, "history_path": None}, require_history=False) == []
    assert evidence.row_problems({**row, "history_path": None})[0].startswith(
        "no history recorded")
    assert evidence.row_problems({"status": "error", "error": "Boom: x\ntrace"}) == [
        "run errored (Boom: x)"]
    # With its verdicts, a row is bound to its history by judging it again.
    fingerprint = results["fingerprint"]
    judged = {**row, "verdicts": results["verdicts"], "fingerprint": fingerprint,
              "seed": fingerprint["seed"], "scenario_hash": fingerprint["scenario_hash"]}
    assert evidence.row_problems(judged) == []
    # The row's own seed must name the run its history is of.
    assert evidence.row_problems({**judged, "seed": fingerprint["seed"] + 1}) == [
        "the row names another run than its history (seed or scenario hash differ from the"
        " fingerprint's)"]
    flipped = {**results["verdicts"], "safety.no-double-mint": "fail"}
    assert evidence.row_problems({**judged, "verdicts": flipped}) == [
        "safety.no-double-mint is recorded as fail but its history gives pass"]
    results["complete"] = False
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert evidence.row_problems(row)[0].startswith("incomplete run")


def test_store_keeps_each_scenario_once_by_hash(tmp_path):
    from bridgelab.campaign.store import Store

    scenario = tiny()
    digest = scenario_hash(scenario)
    data = json.dumps(scenario.model_dump(mode="json", exclude_none=True))
    with Store(tmp_path / "s.sqlite") as store:
        for key in ("a", "b"):
            store.add({"campaign_hash": "c", "run_key": key, "ordinal": 0, "config": 0,
                       "arm": "x", "seed": 1, "params": "{}", "status": "ok",
                       "scenario_hash": digest, "scenario_data": data})
        assert store.scenario(digest) == json.loads(data)
        assert store.db.execute("SELECT COUNT(*) FROM scenarios").fetchone()[0] == 1
        assert store.scenario("0" * 64) is None

