"""False-safe regressions, evidence (issue 17, item 1 and "Evidence or no verdict").

`bridgelab report` once said SAFE on zero runs: run from another directory, or after the
base scenario was edited, every run was silently "left out"; an interrupted re-run left an
old results.json beside a new partial history and the pair passed for one complete, safe
run; a tampered history was never checked. Each test here shows that verdict is gone: the
runs are seen, or named as unusable with the reason, and the report is never "safe" on
fewer runs than it read.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bridgelab.campaign.spec import load_campaign
from bridgelab.campaign.store import Store
from bridgelab.campaign.worker import execute_run
from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.report.grouping import group_configs
from bridgelab.report.model import build_report
from bridgelab.report.records import RunRecord
from bridgelab.report.summary import summary, with_defended_incidents
from tests.report.report_fixtures import write_scenarios


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, Path]:
    return write_scenarios(tmp_path_factory.mktemp("scenarios"))


def run_cli(cwd: Path, monkeypatch, scenario: str, seed: int, out: str) -> int:
    monkeypatch.chdir(cwd)
    return cli_main(["run", scenario, "--seed", str(seed), "--quiet", "--out", out])


def report(cwd: Path, monkeypatch, capsys, *sources: Path) -> tuple[int, dict, str]:
    """`bridgelab report` run from `cwd`: exit code, report.json and the terminal output."""
    cwd.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    out = cwd / "report"
    code = cli_main(["report", *map(str, sources), "--out", str(out), "--no-cost"])
    terminal = capsys.readouterr().err
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return code, data, terminal


def assert_not_safe_on_fewer_runs(data: dict) -> None:
    summary = data["summary"]
    if summary["verdict"] == "safe":
        assert summary["unverified_runs"] == 0 and summary["runs"] > 0, summary


# -- run from another directory ----------------------------------------------------------------


def test_report_from_another_directory_sees_the_runs_that_broke_safety(
        scenarios, tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    source = scenarios["collusion-multisig"]
    (project / "scenarios" / source.name).write_text(source.read_text())
    for seed in (1, 2):  # relative paths, as a user types them
        assert run_cli(project, monkeypatch, f"scenarios/{source.name}", seed,
                       f"runs/c{seed}") == 1
    code, data, terminal = report(tmp_path / "elsewhere", monkeypatch, capsys, project / "runs")
    summary = data["summary"]
    assert summary["verdict"] == "unsafe", summary
    assert summary["runs"] == 2 and summary["unverified_runs"] == 0
    assert terminal.startswith("UNSAFE")
    assert code == 1
    # Every cited run replays from where the report was made.
    for run in data["runs"]:
        assert run["reproducible"] and run["verdict"] == "fail"


# -- a campaign whose inputs changed afterwards ------------------------------------------------


TINY = (
    '[campaign]\nname = "tiny"\nbase = "base.toml"\nseeds = 1\n'
    '[[attacks]]\nname = "none"\n'
    '[[attacks]]\nname = "collusion"\nkind = "collusion.fabricated_lock"\n'
    'targets = { select = "threshold" }\nschedule = { at = 30.0 }\n'
)


def run_campaign(scenarios: dict[str, Path], directory: Path, text: str = TINY,
                 stored: int | None = None) -> tuple[Path, Path, Path]:
    """A campaign (by default two runs: honest and colluding arms) into a store, histories
    kept; only its first `stored` runs when given, as a campaign stopped early."""
    directory.mkdir(parents=True)
    base = directory / "base.toml"
    base.write_text(scenarios["honest-multisig"].read_text())
    campaign_file = directory / "tiny.toml"
    campaign_file.write_text(text)
    campaign = load_campaign(campaign_file)
    store_path = directory / "tiny.sqlite"
    with Store(store_path) as store:
        store.register(campaign.hash, campaign.name, str(campaign_file), campaign.total_runs(),
                       campaign.registration)
        for spec in itertools.islice(campaign.specs(directory / "histories"), stored):
            store.add(execute_run(spec))
    return store_path, campaign_file, base


@pytest.mark.parametrize("edited", ["base scenario", "campaign file"])
def test_editing_a_campaign_input_afterwards_loses_no_run(
        edited, scenarios, tmp_path, monkeypatch, capsys):
    store_path, campaign_file, base = run_campaign(scenarios, tmp_path / "campaign")
    if edited == "base scenario":
        base.write_text(base.read_text().replace("deposits = 4", "deposits = 5"))
    else:
        campaign_file.write_text(campaign_file.read_text().replace("seeds = 1", "seeds = 2"))
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    summary = data["summary"]
    assert summary["verdict"] == "unsafe", summary
    assert summary["runs_read"] == 2 and summary["unverified_runs"] == 0, summary
    assert {run["attack"] for run in data["runs"]} == {"none", "collusion"}
    assert code in (0, 1)


# -- an interrupted re-run into the same directory ---------------------------------------------

KILL_MID_RUN = """
import os, sys
from pathlib import Path
from bridgelab.runner import run
from bridgelab.scenario import load_scenario

def progress(now, total):
    if now >= 200.0:
        os._exit(9)  # as SIGKILL: no clean-up, whatever is buffered is lost

run(load_scenario(sys.argv[1]), 1, Path(sys.argv[2]), progress=progress)
"""


def interrupt(scenario: Path, out: Path, how: str) -> None:
    """Start `scenario` into `out` and stop it mid-run."""
    if how == "killed":
        completed = subprocess.run(
            [sys.executable, "-c", KILL_MID_RUN, str(scenario), str(out)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert completed.returncode == 9, completed.stderr
        return
    from bridgelab.runner import run
    from bridgelab.scenario import load_scenario

    def progress(now: float, total: float) -> None:
        if now >= 200.0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(load_scenario(scenario), 1, out, progress=progress)


@pytest.mark.parametrize("how", ["interrupted", "killed"])
def test_an_interrupted_rerun_never_passes_for_the_old_complete_run(
        how, scenarios, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs"
    assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), 1,
                   str(runs / "r")) == 0
    interrupt(scenarios["collusion-multisig"], runs / "r", how)
    code, data, terminal = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    summary = data["summary"]
    assert summary["verdict"] == "inconclusive", summary
    assert summary["runs_read"] == 1 and summary["unverified_runs"] == 1
    [unusable] = summary["unusable"]
    assert unusable["reasons"][0].startswith("incomplete run"), unusable
    assert "incomplete run" in terminal
    assert code == 2


# -- a tampered history ------------------------------------------------------------------------


def tamper(history: Path) -> None:
    """Change one recorded amount (the file stays well-formed JSON lines)."""
    lines = history.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if '"kind":"lock"' in line)
    record = json.loads(lines[index])
    record["amount"] += 1
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    history.write_text("".join(lines))


def test_a_tampered_history_is_refused_and_the_report_says_so(
        scenarios, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs"
    for seed in (1, 2):
        assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), seed,
                       str(runs / f"h{seed}")) == 0
    tamper(runs / "h2" / "history.jsonl")
    code, data, terminal = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    summary = data["summary"]
    assert code == 2
    assert summary["verdict"] == "inconclusive", summary  # one good run is not both runs
    assert_not_safe_on_fewer_runs(data)
    [unusable] = summary["unusable"]
    assert unusable["seed"] == 2 and unusable["reasons"][0].startswith("history hash mismatch")
    tampered = next(run for run in data["runs"] if run["seed"] == 2)
    assert tampered["verdict"] == "unverified" and not tampered["reproducible"]
    out = tmp_path / "elsewhere" / "report"
    for rendered in (terminal, (out / "report.md").read_text(), (out / "report.html").read_text()):
        assert "history hash mismatch" in rendered
        assert "1 of the 2 runs read could not be used" in rendered


def test_a_tampered_campaign_history_is_refused_by_stats_and_report(
        scenarios, tmp_path, monkeypatch, capsys):
    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign")
    with Store(store_path) as store:
        [row] = [r for r in store.rows(load_campaign(campaign_file).hash) if r["arm"] == "none"]
    tamper(Path(row["history_path"]))
    capsys.readouterr()
    # Never 0: the exclusion alone makes it inconclusive (2), and the attacked arm's broken
    # safety, a finding the exclusion cannot undo, outranks that (1).
    assert cli_main(["campaign-stats", str(campaign_file), "--store", str(store_path)]) == 1
    terminal = capsys.readouterr().err
    assert f"excluded {row['run_key']}: history hash mismatch" in terminal
    code, data, terminal = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    # As for the stats: the other runs' broken safety (1) outranks the exclusion (2).
    assert data["summary"]["verdict"] == "unsafe" and code == 1
    assert "history hash mismatch" in terminal
    assert [u["reasons"][0][:21] for u in data["summary"]["unusable"]] == [
        "history hash mismatch"]


# -- no usable run -----------------------------------------------------------------------------


def test_zero_runs_is_never_safe():
    summary = build_report([], title="nothing")["summary"]
    assert summary["verdict"] == "inconclusive" and summary["runs"] == 0


def test_zero_usable_runs_is_inconclusive_and_exits_2(scenarios, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs"
    for seed in (1, 2):
        assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), seed,
                       str(runs / f"h{seed}")) == 0
        (runs / f"h{seed}" / "history.jsonl").unlink()
    code, data, terminal = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    summary = data["summary"]
    assert summary["verdict"] == "inconclusive" and summary["runs"] == 0, summary
    assert summary["runs_read"] == 2 and summary["unverified_runs"] == 2
    assert all(u["reasons"] == ["history missing"] for u in summary["unusable"])
    assert terminal.startswith("INCONCLUSIVE: No verdict: none of the 2 runs read")
    assert code == 2


# -- no attack at all --------------------------------------------------------------------------


def test_honest_runs_alone_with_no_cost_search_are_not_safe(scenarios, tmp_path, monkeypatch,
                                                             capsys):
    runs = tmp_path / "runs"
    for seed in (1, 2):
        assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), seed,
                       str(runs / f"h{seed}")) == 0
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    summary = data["summary"]
    assert summary["verdict"] == "inconclusive" and code == 2
    assert "No attack was tested" in summary["verdict_text"]


# -- verdicts the evidence does not back ---------------------------------------------------------


def _attacked(run_id: str, verdicts: dict[str, str], scenario: str = "s",
              path: str | None = None, incident: bool = False) -> RunRecord:
    config: dict = {"attacks": [{"kind": "key.compromise"}]}
    if incident:
        config["scenario"] = {"name": scenario, "incident": True}
    return RunRecord(run_id, scenario, 1, verdicts, {"events_by_kind": {"fault.start": 1}},
                     scenario_path=path, config=config)


def test_a_run_stopped_before_its_history_opened_is_never_left_out(
        scenarios, tmp_path, monkeypatch, capsys):
    """A run writes scenario.toml first: killed before it opened its history, it leaves a
    directory holding only that, which the report did not look at. A scenario file of the
    user's, named scenario.toml, is no run."""
    import shutil

    runs = tmp_path / "runs"
    assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), 1,
                   str(runs / "done")) == 0
    (runs / "stopped").mkdir()
    shutil.copy(runs / "done" / "scenario.toml", runs / "stopped" / "scenario.toml")
    (runs / "mine").mkdir()
    (runs / "mine" / "scenario.toml").write_text(scenarios["honest-multisig"].read_text())
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    summary_ = data["summary"]
    assert summary_["verdict"] == "inconclusive" and code == 2, summary_
    assert summary_["runs_read"] == 2
    [stopped] = summary_["unusable"]
    assert stopped["reasons"] == ["incomplete run (no results.json: the run did not finish)"]


def test_a_report_that_does_not_finish_leaves_no_earlier_verdict(
        scenarios, tmp_path, monkeypatch, capsys):
    """A report over an empty directory (bad input) or one stopped on the way kept the
    previous report's files in OUT: its "safe" read as the new report's."""
    runs = tmp_path / "runs"
    assert run_cli(tmp_path, monkeypatch, str(scenarios["honest-multisig"]), 1,
                   str(runs / "done")) == 0
    out = tmp_path / "out"
    assert cli_main(["report", str(runs), "--out", str(out), "--no-cost", "-q"]) == 2
    assert (out / "report.json").is_file()
    (tmp_path / "empty").mkdir()
    assert cli_main(["report", str(tmp_path / "empty"), "--out", str(out), "-q"]) == 3
    assert not any((out / name).exists() for name in
                   ("report.json", "report.md", "runs.md", "report.html", "runs.html"))


def test_two_runs_that_share_an_id_are_both_judged():
    """One campaign run into two stores (a second run after a regression) gives rows with one
    id each; so may two run directories whose short id tags agree. The report kept the first
    and dropped the other, however it had ended: "safe" over a run that failed."""
    from bridgelab.report.loading import distinct

    passing = _attacked("dup", {"safety.supply-conservation": "pass"})
    failing = _attacked("dup", {"safety.supply-conservation": "fail"})
    passing.results_path, failing.results_path = "good.sqlite#c0000/a/s1", "bad.sqlite#c0000/a/s1"
    kept = distinct([passing, failing])
    assert kept == [passing, failing] and [run.id for run in kept] == ["dup", "dup-2"]
    assert summary([], [], kept)["verdict"] == "unsafe"
    # The same run read twice (a source given twice, directories that overlap) counts once.
    again = _attacked("dup", {"safety.supply-conservation": "pass"})
    again.results_path = passing.results_path
    assert distinct([passing, again]) == [passing]


def test_a_campaign_in_two_stores_is_read_from_both(scenarios, tmp_path, monkeypatch, capsys):
    import shutil

    store_path, _, _ = run_campaign(scenarios, tmp_path / "campaign")
    copy = tmp_path / "campaign" / "again.sqlite"
    shutil.copy(store_path, copy)
    _, one, _ = report(tmp_path / "one", monkeypatch, capsys, store_path)
    _, both, _ = report(tmp_path / "both", monkeypatch, capsys, store_path, copy)
    _, twice, _ = report(tmp_path / "twice", monkeypatch, capsys, store_path, store_path)
    assert len(both["runs"]) == 2 * len(one["runs"]) == 4
    assert len({run["id"] for run in both["runs"]}) == 4
    assert len(twice["runs"]) == 2


def test_a_failed_property_of_the_scenario_s_own_is_never_safe():
    """A run that failed only a user-defined property exits 1; the headline said SAFE."""
    runs = [_attacked("a", {"safety.supply-conservation": "pass", "mine.no-big-mint": "fail"}),
            _attacked("b", {"safety.supply-conservation": "pass", "mine.no-big-mint": "pass"})]
    found = summary([], [], runs)
    assert found["verdict"] == "unsafe"
    assert "mine.no-big-mint" in found["verdict_text"] and "1 of 2 runs" in found["verdict_text"]


@pytest.mark.parametrize("searched_all, verdict", [(False, "inconclusive"), (True, "safe")])
def test_a_cost_search_cut_short_is_no_tested_attack(searched_all, verdict):
    honest = [RunRecord("h", "s", 1, {"safety.supply-conservation": "pass"}, {}, config={})]
    groups = group_configs(honest)
    cost = [{"configuration": groups[0].id, "entities": None, "evaluations": 600,
             "searched_all": searched_all}]
    found = summary(groups, [], honest, cost)
    assert found["verdict"] == verdict
    if not searched_all:
        assert "stopped at its limit" in found["verdict_text"]
    # A report written before the field existed reads as cut short.
    legacy = [{key: value for key, value in cost[0].items() if key != "searched_all"}]
    assert summary(groups, [], honest, legacy)["verdict"] == "inconclusive"


def test_a_defended_incident_replay_that_fails_is_never_left_out_of_the_headline():
    main = [_attacked("m", {"safety.supply-conservation": "pass"})]
    defended = _attacked("d", {"safety.supply-conservation": "fail"}, "ronin-2022-defended",
                         incident=True)
    replay = _attacked("r", {"safety.supply-conservation": "fail"}, "ronin-2022",
                       incident=True)
    assert replay.is_incident and defended.is_incident
    found = summary([], [], main)
    assert found["verdict"] == "safe"
    assert with_defended_incidents(found, [replay])["verdict"] == "safe"  # meant to break
    held = with_defended_incidents(found, [replay, defended])
    assert held["verdict"] == "unsafe" and "ronin-2022-defended" in held["verdict_text"]
    holding = _attacked("h", {"safety.supply-conservation": "pass"}, "ronin-2022-defended",
                        incident=True)
    assert build_report([*main, replay, holding])["summary"]["verdict"] == "safe"
    report = build_report([*main, replay, defended])
    assert report["summary"]["verdict"] == "unsafe"


def test_an_incident_mark_without_its_pair_keeps_a_failing_run_in_the_headline():
    """Only a replay read with its `-defended` twin stays out of the headline: a copied
    incident file, or a twin named otherwise, that fails makes the report unsafe."""
    main = [_attacked("m", {"safety.supply-conservation": "pass"})]
    copied = _attacked("c", {"safety.supply-conservation": "fail"}, "my-bridge",
                       incident=True)
    assert build_report([*main, copied])["summary"]["verdict"] == "unsafe"
    patched = _attacked("p", {"safety.supply-conservation": "fail"}, "ronin-2022-patched",
                        incident=True)
    replay = _attacked("r", {"safety.supply-conservation": "fail"}, "ronin-2022",
                       incident=True)
    assert build_report([*main, replay, patched])["summary"]["verdict"] == "unsafe"


def test_a_campaign_store_missing_runs_is_never_safe(scenarios, tmp_path, monkeypatch, capsys):
    """A campaign stopped early (interrupted, or `--max-runs`): the runs it holds may all
    pass, but the ones never made are unknown."""
    store_path, _, _ = run_campaign(scenarios, tmp_path / "campaign", THREE_SEEDS, stored=1)
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    summary_ = data["summary"]
    assert summary_["verdict"] == "inconclusive" and code == 2, summary_
    [missing] = summary_["unusable"]
    assert missing["reasons"][0].startswith("campaign incomplete (2 of its 3 runs")


@pytest.mark.parametrize("renamed", ["key", "key and seed"])
def test_a_passing_row_copied_over_a_failing_run_is_never_safe(
        scenarios, tmp_path, monkeypatch, capsys, renamed):
    """The failing run's row deleted and a passing row copied in under a key of its own: the
    count of rows is whole again and every stored verdict passes. The copy is no evidence
    for the run it names (its key, then its seed, disagree with the history it points to)."""
    import sqlite3

    from bridgelab.campaign.verdict import store_code, verified_rows

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign")
    campaign = load_campaign(campaign_file)
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    failing = next(row for row in rows if row["exit_code"] == 1)
    passing = next(row for row in rows if row["exit_code"] == 0)
    with sqlite3.connect(store_path) as db:
        columns = [info[1] for info in db.execute("PRAGMA table_info(runs)")]
        copy = list(db.execute("SELECT * FROM runs WHERE run_key = ?",
                               (passing["run_key"],)).fetchone())
        copy[columns.index("run_key")] = f"c0000/{passing['arm']}/s99"
        if renamed == "key and seed":
            copy[columns.index("seed")] = 99
        db.execute("DELETE FROM runs WHERE run_key = ?", (failing["run_key"],))
        db.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(copy))})", copy)
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    usable, excluded = verified_rows(rows, store_path, campaign)
    assert [entry["run_key"] for entry in excluded] == [f"c0000/{passing['arm']}/s99"]
    assert store_code(usable, campaign.total_runs()) == 2
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "inconclusive" and code == 2, data["summary"]


THREE_SEEDS = (
    '[campaign]\nname = "part"\nbase = "base.toml"\nseeds = 3\n'
    '[[attacks]]\nname = "bernoulli"\nkind = "key.bernoulli"\nschedule = { at = 20.0 }\n'
    'params = { p = 0.01 }\n'
)


def test_a_real_run_of_a_seed_outside_the_campaign_fills_no_gap(
        scenarios, tmp_path, monkeypatch, capsys):
    """A campaign stopped one run short, and a real, passing run of a seed the campaign does
    not have stored under its own truthful key: the row count is whole and every row verifies
    against its history, but the campaign's third seed was never run."""
    import dataclasses

    from bridgelab.campaign.runspec import run_key
    from bridgelab.campaign.verdict import NOT_OURS, store_code, verified_rows

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign", THREE_SEEDS,
                                                stored=2)
    campaign = load_campaign(campaign_file)
    last = list(campaign.specs(tmp_path / "campaign" / "histories"))[-1]
    stranger = run_key(0, "bernoulli", 99)
    with Store(store_path) as store:
        assert store.add(execute_run(dataclasses.replace(
            last, seed=99, run_key=stranger,
            history_dir=str(Path(last.history_dir).parent / "s99"))))
        rows = store.rows(campaign.hash)
    assert len(rows) == campaign.total_runs()
    assert all(row["status"] == "ok" and row["exit_code"] == 0 for row in rows)
    usable, excluded = verified_rows(rows, store_path, campaign)
    assert excluded == [{"run_key": stranger, "problems": [NOT_OURS]}]
    assert store_code(usable, campaign.total_runs()) == 2
    capsys.readouterr()
    assert cli_main(["campaign-stats", str(campaign_file), "--store", str(store_path)]) == 2
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    summary_ = data["summary"]
    assert summary_["verdict"] == "inconclusive" and code == 2, summary_
    reasons = [reason for entry in summary_["unusable"] for reason in entry["reasons"]]
    assert NOT_OURS in reasons
    assert any(reason.startswith("campaign incomplete (1 of its 3 runs") for reason in reasons)


TWO_ARMS = (
    '[campaign]\nname = "arms"\nbase = "base.toml"\nseeds = 1\n'
    '[[attacks]]\nname = "bernoulli"\nkind = "key.bernoulli"\nschedule = { at = 20.0 }\n'
    'params = { p = 0.01 }\n'
    '[[attacks]]\nname = "collusion"\nkind = "collusion.fabricated_lock"\n'
    'targets = { select = "threshold" }\nschedule = { at = 30.0 }\n'
)


def test_a_run_of_another_arm_relabelled_is_never_safe(scenarios, tmp_path, monkeypatch, capsys):
    """The failing arm's row deleted, and the passing arm's run stored again under the failing
    arm's name and key: key, seed, history and fingerprint all agree, but the run is of
    another scenario than the one the campaign gives that key."""
    import sqlite3

    from bridgelab.campaign.verdict import NOT_ITS_SCENARIO, store_code, verified_rows

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign", TWO_ARMS)
    campaign = load_campaign(campaign_file)
    with sqlite3.connect(store_path) as db:
        columns = [info[1] for info in db.execute("PRAGMA table_info(runs)")]
        rows = {row[columns.index("arm")]: list(row) for row in db.execute("SELECT * FROM runs")}
        assert rows["collusion"][columns.index("exit_code")] == 1
        assert rows["bernoulli"][columns.index("exit_code")] == 0
        copy = rows["bernoulli"]
        for column in ("arm", "run_key", "ordinal"):
            copy[columns.index(column)] = rows["collusion"][columns.index(column)]
        db.execute("DELETE FROM runs WHERE arm = 'collusion'")
        db.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(copy))})", copy)
    with Store(store_path) as store:
        stored = store.rows(campaign.hash)
    usable, excluded = verified_rows(stored, store_path, campaign)
    assert excluded == [{"run_key": "c0000/collusion/s1", "problems": [NOT_ITS_SCENARIO]}]
    assert store_code(usable, campaign.total_runs()) == 2
    capsys.readouterr()
    assert cli_main(["campaign-stats", str(campaign_file), "--store", str(store_path)]) == 2
    code, data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "inconclusive" and code == 2, data["summary"]


@pytest.mark.parametrize("edit, why", [
    ("seeds widened", "does not hash to the campaign's hash"),
    ("old format", "predates run-key checks"),
    ("not JSON", "is not JSON"),
    ("total a word", "expands to 3 runs, not the many the store records"),
])
def test_a_campaign_whose_registration_does_not_check_is_never_safe(
        scenarios, tmp_path, monkeypatch, capsys, edit, why):
    """The report counts a campaign's runs against the registration the store keeps. One
    that no longer hashes to the campaign (edited to admit another seed), one written before
    registrations were hashed, or one that is not JSON, counts nothing: inconclusive."""
    import sqlite3

    store_path, _, _ = run_campaign(scenarios, tmp_path / "campaign", THREE_SEEDS)
    code, data, _ = report(tmp_path / "untouched", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "safe" and code == 0, data["summary"]
    with sqlite3.connect(store_path) as db:
        [(text,)] = db.execute("SELECT spec FROM campaigns").fetchall()
        registration = json.loads(text)
        if edit == "seeds widened":
            registration["campaign"]["campaign"]["seeds"] = [1, 2, 99]
        elif edit == "old format":
            registration = registration["campaign"]
        db.execute("UPDATE campaigns SET spec = ?",
                   ("{" if edit == "not JSON" else json.dumps(registration),))
        if edit == "total a word":
            db.execute("UPDATE campaigns SET total_runs = 'many'")
    code, data, _ = report(tmp_path / "edited", monkeypatch, capsys, store_path)
    summary_ = data["summary"]
    assert summary_["verdict"] == "inconclusive" and code == 2, summary_
    [uncounted] = [entry for entry in summary_["unusable"]
                   if entry["reasons"][0].startswith("campaign not counted")]
    assert why in uncounted["reasons"][0], uncounted


def test_runs_of_a_campaign_the_store_does_not_register_are_never_left_out(
        scenarios, tmp_path, monkeypatch, capsys):
    """The report read a store campaign by campaign: deleting a campaign's registration hid
    its runs, the failing ones too, and the rest of the store read safe."""
    import sqlite3

    store_path, _, _ = run_campaign(scenarios, tmp_path / "campaign")
    code, data, _ = report(tmp_path / "whole", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "unsafe" and code == 1, data["summary"]
    with sqlite3.connect(store_path) as db:
        db.execute("DELETE FROM campaigns")
    code, data, _ = report(tmp_path / "edited", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "inconclusive" and code == 2, data["summary"]
    [entry] = data["summary"]["unusable"]
    assert entry["reasons"] == ["2 stored runs of a campaign the store does not register: they"
                                " cannot be checked against any campaign"]


def test_running_a_campaign_again_registers_it_again(scenarios, tmp_path, monkeypatch, capsys):
    """A store written before registrations were hashed (or whose registration was edited)
    reads inconclusive; `campaign --resume` writes the registration again, and the report of
    the untouched runs reads as before."""
    import sqlite3

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign", THREE_SEEDS)
    with sqlite3.connect(store_path) as db:
        [(text,)] = db.execute("SELECT spec FROM campaigns").fetchall()
        db.execute("UPDATE campaigns SET spec = ?", (json.dumps(json.loads(text)["campaign"]),))
    code, data, _ = report(tmp_path / "old", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "inconclusive" and code == 2, data["summary"]
    assert cli_main(["campaign", str(campaign_file), "--store", str(store_path), "--resume",
                     "--quiet", "--histories", str(tmp_path / "campaign" / "histories")]) == 0
    with sqlite3.connect(store_path) as db:
        assert db.execute("SELECT spec FROM campaigns").fetchall() == [(text,)]
    code, data, _ = report(tmp_path / "again", monkeypatch, capsys, store_path)
    assert data["summary"]["verdict"] == "safe" and code == 0, data["summary"]


@pytest.mark.parametrize("started, verdict", [(0, "inconclusive"), (1, "safe")])
def test_an_attack_that_never_started_is_no_tested_attack(started, verdict):
    counts = {"lock": 3, **({"fault.start": started} if started else {})}
    record = RunRecord("late", "s", 1, {"safety.supply-conservation": "pass"},
                       {"events_by_kind": counts},
                       config={"attacks": [{"kind": "key.compromise"}]})
    assert record.attacked == bool(started)
    assert summary([], [], [record])["verdict"] == verdict


def test_a_safe_verdict_says_the_scenario_s_own_properties_are_the_runs_word():
    """The report cannot re-judge a property whose code is the user's: a SAFE that rests on
    their recorded "pass" says so."""
    built_in = {"safety.supply-conservation": "pass", "coverage.bridge-paused": "pass"}
    runs = [_attacked("a", {**built_in, "mine.no-big-mint": "pass"})]
    found = summary([], [], runs)
    assert found["verdict"] == "safe"
    assert found["verdict_text"].endswith(
        " None of the scenarios' own properties (mine.no-big-mint) failed as the runs recorded"
        " them; the report does not re-judge those.")
    # The checker's own properties and probes are re-judged: nothing to say of them.
    plain = summary([], [], [_attacked("b", built_in)])
    assert plain["verdict"] == "safe" and "own properties" not in plain["verdict_text"]


def test_safety_broken_by_honest_traffic_is_counted_among_all_runs():
    broken = RunRecord("h", "s", 1, {"safety.supply-conservation": "fail"}, {}, config={})
    found = summary([], [], [broken])
    assert found["verdict"] == "unsafe"
    assert found["verdict_text"] == ("Not safe: safety failed in 1 of 1 runs, 1 of them with"
                                     " no attack round started.")


def test_results_without_event_counts_cannot_show_an_attack_ran():
    record = RunRecord("old", "s", 1, {"safety.supply-conservation": "pass"}, {},
                       config={"attacks": [{"kind": "key.compromise"}]})
    assert not record.attacked
    assert summary([], [], [record])["verdict"] == "inconclusive"


def test_attacks_on_one_configuration_do_not_vouch_for_another():
    """Each configuration is its own bridge: one attacked, one with honest traffic only."""
    attacked = RunRecord("a", "s", 1, {"safety.supply-conservation": "pass"},
                         {"events_by_kind": {"fault.start": 1}},
                         config={"committee": {"threshold": 4},
                                 "attacks": [{"kind": "key.compromise"}]})
    honest = RunRecord("h", "s", 1, {"safety.supply-conservation": "pass"}, {},
                       config={"committee": {"threshold": 3}})
    groups = group_configs([attacked, honest])
    assert len(groups) == 2
    [untested] = [group for group in groups if honest in group.records]
    found = summary(groups, [], [attacked, honest])
    assert found["verdict"] == "inconclusive", found
    assert f"No attack was tested against {untested.label}" in found["verdict_text"]
    # A complete cost search over the honest configuration tests it.
    cost = [{"configuration": untested.id, "entities": None, "evaluations": 7,
             "searched_all": True}]
    assert summary(groups, [], [attacked, honest], cost)["verdict"] == "safe"
    [tested] = [group for group in groups if attacked in group.records]
    assert summary([tested], [], [attacked])["verdict"] == "safe"


def test_a_metrics_count_of_started_attacks_is_held_to_the_history(
        scenarios, tmp_path, monkeypatch, capsys):
    """Editing results.json to count a `fault.start` that never happened made an untested
    run count as attacked, and the report said SAFE."""
    runs = _run_a_late_attack(scenarios, tmp_path, monkeypatch)
    results = runs / "late" / "results.json"
    saved = json.loads(results.read_text())
    assert "fault.start" not in saved["metrics"]["events_by_kind"]
    saved["metrics"]["events_by_kind"]["fault.start"] = 1
    results.write_text(json.dumps(saved))
    code, report_data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    assert report_data["summary"]["verdict"] == "inconclusive" and code == 2
    [unusable] = report_data["summary"]["unusable"]
    assert unusable["reasons"] == ["metrics count 1 fault.start events, the history holds 0"]


def _run_a_late_attack(scenarios, tmp_path: Path, monkeypatch) -> Path:
    """Runs (under the returned folder, as `late`) honest traffic with an attack scheduled
    after the run ends: it never starts."""
    data = tomllib.loads(scenarios["honest-multisig"].read_text())
    late = data["scenario"]["duration"] + 400.0
    data["attacks"] = [{"kind": "collusion.fabricated_lock", "targets": {"select": "threshold"},
                        "schedule": {"at": late}}]
    path = tmp_path / "late.toml"
    path.write_text(scenario_toml(data, "an attack scheduled after the run ends"))
    runs = tmp_path / "runs"
    # Inconclusive: it tested no attack (`test_a_run_whose_attacks_never_started_is_...`).
    assert run_cli(tmp_path, monkeypatch, str(path), 1, str(runs / "late")) == 2
    return runs


def test_a_run_whose_attack_is_scheduled_past_its_end_reads_untested(
        scenarios, tmp_path, monkeypatch, capsys):
    runs = _run_a_late_attack(scenarios, tmp_path, monkeypatch)
    code, report_data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    assert report_data["summary"]["verdict"] == "inconclusive" and code == 2
    # The run itself says so now, and the report reads it as not attacked either way.
    assert report_data["summary"]["attacked_runs"] == 0
    assert report_data["summary"]["verdict_text"] == (
        "Nothing failed, but 1 runs were inconclusive. No attack was tested: no attack on the"
        " bridge started in the 1 runs.")


# -- recorded outcomes that claim more than the history gives ------------------------------------


def test_a_results_json_that_drops_its_inconclusive_reason_is_refused(
        scenarios, tmp_path, monkeypatch, capsys):
    data = tomllib.loads(scenarios["honest-multisig"].read_text())
    data["checks"] = {**data.get("checks", {}), "expect": ["coverage.reorg"]}  # never hit
    path = tmp_path / "expects.toml"
    path.write_text(scenario_toml(data, "expects a probe the run never hits"))
    runs = tmp_path / "runs"
    assert run_cli(tmp_path, monkeypatch, str(path), 1, str(runs / "r")) == 2
    results = runs / "r" / "results.json"
    saved = json.loads(results.read_text())
    assert saved["inconclusive"]
    saved["inconclusive"] = []  # as if the run had vouched for the bridge
    results.write_text(json.dumps(saved))
    code, report_data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    assert report_data["summary"]["verdict"] == "inconclusive" and code == 2
    [unusable] = report_data["summary"]["unusable"]
    assert unusable["reasons"][0].startswith("results.json leaves out why the run is"
                                             " inconclusive (expected probe coverage.reorg")


def test_a_store_row_whose_exit_code_was_lowered_is_excluded(scenarios, tmp_path):
    import sqlite3

    from bridgelab.campaign.verdict import verified_rows

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign")
    campaign = load_campaign(campaign_file)
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    broken = next(row for row in rows if row["exit_code"] == 1)
    assert verified_rows(rows, store_path, campaign)[1] == []
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE runs SET exit_code = 0 WHERE run_key = ?", (broken["run_key"],))
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    _usable, excluded = verified_rows(rows, store_path, campaign)
    assert [entry["run_key"] for entry in excluded] == [broken["run_key"]]
    assert "exit code is 0, but its history gives 1" in excluded[0]["problems"][0]



def test_a_store_row_whose_fault_start_count_was_raised_is_excluded(scenarios, tmp_path):
    """The campaign store keeps each run's metrics too: a row that counts an attack round
    its history does not hold is no evidence."""
    import sqlite3

    from bridgelab.campaign.verdict import verified_rows

    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign")
    campaign = load_campaign(campaign_file)
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    honest = next(row for row in rows if row["arm"] == "none")
    metrics = honest["metrics"]
    assert "fault.start" not in metrics["events_by_kind"]
    metrics["events_by_kind"]["fault.start"] = 1
    with sqlite3.connect(store_path) as db:
        db.execute("UPDATE runs SET metrics = ? WHERE run_key = ?",
                   (json.dumps(metrics), honest["run_key"]))
    with Store(store_path) as store:
        rows = store.rows(campaign.hash)
    _usable, excluded = verified_rows(rows, store_path, campaign)
    assert [entry["run_key"] for entry in excluded] == [honest["run_key"]]
    assert excluded[0]["problems"] == ["metrics count 1 fault.start events, the history"
                                       " holds 0"]


@pytest.mark.parametrize("recorded, code, flagged", [
    ({"safety.supply-conservation": "pass"}, 1, True),  # exit 1 with no failure recorded
    ({"safety.supply-conservation": "pass"}, 0, True),
    ({"safety.supply-conservation": "pass", "mine.own": "fail"}, 1, False),  # its own property
    ({"safety.supply-conservation": "pass"}, 2, False),
])
def test_a_row_exit_code_may_be_worse_than_its_history_only_on_its_own_failure(
        recorded, code, flagged):
    from bridgelab.checker.judge import Judgement
    from bridgelab.rundir.history import HistoryFacts
    from bridgelab.rundir.verify import judgement_problems

    facts = HistoryFacts(start={"seed": 1, "scenario_hash": "h"}, ended=True)
    judged = Judgement({"safety.supply-conservation": "pass"}, [],
                       ("expected probe coverage.reorg was never hit",))
    problems = judgement_problems(facts, recorded, None, None, judged, exit_code=code)
    assert any("exit code" in problem for problem in problems) == flagged


@pytest.mark.parametrize("defended_code, verdict", [(0, "safe"), (2, "inconclusive"),
                                                     (1, "unsafe")])
def test_a_defended_replay_that_was_not_judged_leaves_the_verdict_open(defended_code, verdict):
    main = [_attacked("m", {"safety.supply-conservation": "pass"})]
    outcome = {0: {"safety.supply-conservation": "pass"},
               1: {"safety.supply-conservation": "fail"},
               2: {"safety.supply-conservation": "pass", "liveness.deposits-minted": "unknown"}}
    defended = _attacked("d", outcome[defended_code], "ronin-2022-defended", incident=True)
    if defended_code == 2:
        defended.inconclusive = ["liveness.deposits-minted is unknown"]
    assert defended.exit_code == defended_code
    found = with_defended_incidents(summary([], [], main), [defended])
    assert found["verdict"] == verdict


def test_a_campaign_run_whose_results_json_drops_its_inconclusive_reason_is_excluded(
        scenarios, tmp_path):
    from bridgelab.campaign.verdict import verified_rows

    expecting = ('[campaign]\nname = "expects"\nbase = "base.toml"\nseeds = 1\n'
                 '[base.checks]\nexpect = ["coverage.reorg"]\n[[attacks]]\nname = "none"\n')
    store_path, campaign_file, _ = run_campaign(scenarios, tmp_path / "campaign", expecting)
    campaign = load_campaign(campaign_file)
    with Store(store_path) as store:
        [row] = store.rows(campaign.hash)
    assert row["exit_code"] == 2 and verified_rows([row], store_path, campaign)[1] == []
    results = Path(row["history_path"]).parent / "results.json"
    saved = json.loads(results.read_text())
    saved["inconclusive"] = []
    results.write_text(json.dumps(saved))
    [excluded] = verified_rows([row], store_path, campaign)[1]
    assert "leaves out why the run is inconclusive" in excluded["problems"][0]


NOT_SHOWN = "not shown: 1 of the 1 defended runs tested nothing"
QUEUED = "a forged mint still queued"


@pytest.mark.parametrize("started, configured, inconclusive, effect", [
    (0, True, [], NOT_SHOWN),
    (0, False, [], NOT_SHOWN),  # a twin with no attack at all defended against nothing
    # One attack round started, but the replay ended inconclusive: it shows nothing either.
    (1, True, [QUEUED], NOT_SHOWN),
    (1, True, [], "prevents: safety held with the defence"),
])
def test_a_defence_holds_only_against_an_attack_that_ran(started, configured, inconclusive,
                                                         effect):
    """A defended replay whose attack never started, or that ended inconclusive, was
    reported as a defence that held."""
    from bridgelab.report.incidents import incidents

    attack = {"attacks": [{"kind": "key.compromise"}]}
    replay = RunRecord("r", "ronin-2022", 1, {"safety.supply-conservation": "fail"},
                       {"events_by_kind": {"fault.start": 1}}, config=attack)
    counts = {"fault.start": started} if started else {}
    defended = RunRecord("d", "ronin-2022-defended", 1, {"safety.supply-conservation": "pass"},
                         {"events_by_kind": counts}, inconclusive=inconclusive,
                         config=attack if configured else {"attacks": []})
    [entry] = incidents([replay, defended])
    assert entry["effect"].startswith(effect), entry["effect"]
    if inconclusive:  # the replay's own reason is named
        assert QUEUED in entry["effect"], entry["effect"]


def test_only_the_run_s_own_scenario_places_it_among_incident_replays():
    """A failing run whose reproduce command named an `incidents` folder (an edited
    results.json, or a user's own folder of that name) left the headline, which read SAFE."""
    main = [_attacked("m", {"safety.supply-conservation": "pass"})]
    moved = _attacked("x", {"safety.supply-conservation": "fail"}, "collusion",
                      "attacks/incidents/collusion.toml")
    assert not moved.is_incident
    assert build_report([*main, moved])["summary"]["verdict"] == "unsafe"
    replay = _attacked("r", {"safety.supply-conservation": "fail"}, "ronin-2022",
                       incident=True)
    twin = _attacked("t", {"safety.supply-conservation": "pass"}, "ronin-2022-defended",
                     incident=True)
    assert build_report([*main, replay, twin])["summary"]["verdict"] == "safe"


INCIDENT = (Path(__file__).resolve().parents[2] / "attacks" / "incidents"
            / "ronin-2022-defended.toml")


def test_a_hunt_s_counterexample_of_an_incident_is_no_incident_replay(tmp_path):
    """A hunt against a defended incident that finds a new break writes a scenario of its
    own: it must stay in a report's headline, not pass for the replay it came from."""
    from bridgelab.hunt.artefacts import write
    from bridgelab.scenario import load_scenario

    scenario = load_scenario(INCIDENT)
    assert scenario.scenario.incident
    violation = {"property": "safety.supply-conservation", "time": 1.0, "event_kind": "mint",
                 "event_seq": 9, "detail": "minted more than locked"}
    artefacts = write(scenario, INCIDENT, 1, [], violation, tmp_path, persist=False)
    assert not load_scenario(artefacts.scenario).scenario.incident


@pytest.mark.parametrize("own, incident", [("", False),
                                           ("[base.scenario]\nincident = true\n", True)])
def test_a_campaign_on_an_incident_is_no_incident_replay_unless_it_says_so(
        tmp_path, own, incident):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[campaign]\nname = "sweep"\nbase = "{INCIDENT}"\nseeds = 1\n{own}')
    campaign = load_campaign(path)
    assert campaign.scenario(0, campaign.arms[0]).scenario.incident is incident


def test_results_that_rename_their_scenario_are_refused(scenarios, tmp_path, monkeypatch,
                                                        capsys):
    """Incident replays and their `-defended` twins are paired by name: a results.json that
    renamed a failing defended replay after the incident took it out of the headline."""
    runs = tmp_path / "runs"
    assert run_cli(tmp_path, monkeypatch, str(scenarios["collusion-multisig"]), 1,
                   str(runs / "c")) == 1
    results = runs / "c" / "results.json"
    saved = json.loads(results.read_text())
    saved["fingerprint"]["scenario"] = "ronin-2022"
    results.write_text(json.dumps(saved))
    code, report_data, _ = report(tmp_path / "elsewhere", monkeypatch, capsys, runs)
    [unusable] = report_data["summary"]["unusable"]
    assert unusable["reasons"] == ["the results name scenario ronin-2022, the run's scenario is"
                                   " collusion-multisig"]
    assert report_data["summary"]["verdict"] == "inconclusive" and code == 2


def test_a_cost_hunt_s_witness_of_an_incident_is_no_incident_replay(tmp_path, monkeypatch):
    """`hunt --objective cost` on an incident file writes its cheapest break as a scenario of
    its own: without the incident mark, so a report keeps it in the headline."""
    from types import SimpleNamespace

    import bridgelab.hunt.cost
    from bridgelab.cli import main
    from bridgelab.scenario import load_scenario

    scenario = load_scenario(INCIDENT)
    assert scenario.scenario.incident
    found = bridgelab.hunt.cost.CostResult(
        entities=("entity-0",), cost=1.0, evaluations=1, loss={},
        witness=SimpleNamespace(violations=[]), witness_scenario=scenario)
    monkeypatch.setattr(bridgelab.hunt.cost, "cheapest_break", lambda *a, **k: found)
    assert main(["hunt", str(INCIDENT), "--objective", "cost", "--out", str(tmp_path)]) == 1
    assert not load_scenario(tmp_path / "cheapest-attack.toml").scenario.incident
