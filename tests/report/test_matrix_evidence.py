"""The attack matrix, the custody comparison and the key cells count only runs that tested
something: an attack that never started, or a run that ended inconclusive, neither breaks
nor vouches for a configuration, and detection times say how many exploits went unseen."""

from __future__ import annotations

import json

from bridgelab.cli import main as cli_main
from bridgelab.report import words
from bridgelab.report.grouping import group_configs, group_stats
from bridgelab.report.headline import cost_headline
from bridgelab.report.key_cells import custody, validated_by
from bridgelab.report.records import RunRecord
from bridgelab.report.render_md import render as render_md

LATE = """
[scenario]
name = "late"
duration = 3600.0

[committee]
members = 9
threshold = 7
required = []
custody = "multisig"

[settlement]
finality_slots = 4

[workload]
deposits = 4
withdrawals = 2
deposit_interval = 5.0
withdraw_delay = 10.0

[[attacks]]
kind = "key.compromise"
targets = { members = [0, 1, 2, 3, 4, 5, 6] }
schedule = { at = 2_000_000.0 }

[[attacks]]
kind = "collusion.fabricated_lock"
targets = { members = [0, 1, 2, 3, 4, 5, 6] }
schedule = { at = 1_000_000.0 }
"""


def _late_report(tmp_path, monkeypatch, capsys) -> tuple[int, dict, str]:
    """Two real runs whose every attack is scheduled after the run ends, reported."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "late.toml").write_text(LATE)
    for seed in (1, 2):
        assert cli_main(["run", "late.toml", "--seed", str(seed), "--out",
                         f"runs/s{seed}", "-q"]) == 2
    capsys.readouterr()
    code = cli_main(["report", "runs", "--out", "rep", "--no-cost", "-q"])
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    return code, data, (tmp_path / "rep" / "report.md").read_text()


def test_runs_whose_attacks_never_started_read_inconclusive_in_the_matrix(
        tmp_path, monkeypatch, capsys):
    code, data, markdown = _late_report(tmp_path, monkeypatch, capsys)
    assert code == 2 and data["summary"]["verdict"] == "inconclusive"
    [cell] = data["attack_matrix"]["cells"]
    assert cell["safety"]["verdict"] == "inconclusive" and cell["untested"] == 2
    assert cell["p_loss"]["runs"] == 0 and cell["p_loss"]["p"] is None
    [config] = data["configurations"]
    assert config["verdict"] == "inconclusive"
    assert "safety inconclusive (0/2; 2 of 2 runs tested nothing)" in markdown
    # The key cells and the cost headline do not count them as attacks that failed.
    cells = {c["id"]: c for group in data["risk_cells"] for c in group["cells"]}
    assert "no collusion or forgery succeeded" not in cells["validated-by"]["reason"]
    # Their family is their first attack's: key compromise.
    assert "broke safety in 0 of" not in cells["custody"]["description"]
    assert "2 key-compromise runs tested nothing" in cells["custody"]["description"]
    assert "No key-compromise run broke safety" not in data["summary"]["cost_to_break"]["text"]
    assert "No key-compromise run tested anything" in data["summary"]["cost_to_break"]["text"]


def _run(run_id: str, verdicts: dict[str, str], *, started: bool = True,
         inconclusive: list[str] | None = None, loss: int = 0,
         detect: float | None = None, exploit: float | None = None) -> RunRecord:
    outcome = {"value_extracted": loss, "time_to_detect_s": detect,
               "times": {"exploit": exploit}}
    return RunRecord(run_id, "s", int(run_id[1:]), verdicts,
                     {"events_by_kind": {"fault.start": 1} if started else {},
                      "outcome": outcome},
                     inconclusive=inconclusive or [],
                     config={"attacks": [{"kind": "key.compromise"}],
                             "committee": {"members": 5, "threshold": 4}})


HELD = {"safety.supply-conservation": "pass"}
BROKE = {"safety.supply-conservation": "fail"}


def test_p_loss_rests_only_on_runs_that_could_show_a_loss():
    runs = [_run("r1", HELD), _run("r2", BROKE, loss=5), _run("r3", HELD, started=False),
            _run("r4", HELD, inconclusive=["a forged mint still queued"])]
    stats = group_stats(runs)
    assert stats["untested"] == 2 and stats["safety"]["verdict"] == "fail"
    assert (stats["p_loss"]["count"], stats["p_loss"]["runs"]) == (1, 2)
    held = group_stats([runs[0], runs[2]])
    assert held["safety"]["verdict"] == "inconclusive"
    assert group_stats([runs[0]])["safety"]["verdict"] == "pass"


def test_the_time_to_detect_says_how_many_exploits_were_never_detected():
    runs = [_run(f"r{i}", BROKE, loss=5, exploit=10.0, detect=1_962.0 if i < 2 else None)
            for i in range(1, 7)]
    stats = group_stats(runs)
    assert stats["exploited_runs"] == 6 and stats["time_to_detect_s"]["count"] == 1
    assert words.detection(stats) == ("32.7 min (median of the 1 detected; never detected"
                                      " in 5 of 6 exploited runs)")
    none_seen = group_stats(runs[1:])
    assert words.detection(none_seen) == "never detected (5 exploited runs)"
    assert words.detection(group_stats([runs[0]])) == "32.7 min (median)"


def test_key_cells_count_only_key_runs_that_tested_something():
    runs = [_run("r1", HELD, started=False), _run("r2", HELD)]
    [group] = group_configs(runs)
    text = custody(group)["description"]
    assert "broke safety in 0 of 1 runs" in text
    assert "1 key-compromise run tested nothing" in text
    [idle_group] = group_configs([runs[0]])
    assert "No key-compromise run tested anything" in cost_headline([idle_group], [])["text"]
    assert "broke safety in 0 of" not in custody(idle_group)["description"]
    assert "succeeded" not in validated_by(idle_group)["reason"]


def test_the_markdown_matrix_shows_the_detection_caveat(tmp_path):
    runs = [_run(f"r{i}", BROKE, loss=5, exploit=10.0, detect=60.0 if i == 1 else None)
            for i in range(1, 4)]
    from bridgelab.report.model import build_report

    markdown = render_md(build_report(runs))
    assert "never detected in 2 of 3 exploited runs" in markdown


def _forged(run_id: str, verdicts: dict[str, str], kind: str) -> RunRecord:
    record = _run(run_id, verdicts)
    assert record.config is not None
    record.config["attacks"] = [{"kind": kind}]
    return record


def test_a_break_needing_no_key_comes_first_in_what_it_takes():
    """The cost search prices key holders only: a verifier-flaw forgery that broke safety
    in a run costs no key at all, and the headline says so before the search's figure."""
    search = [{"configuration": "c0", "entities": ["operator-0"] * 4, "cost": 4.0,
               "evaluations": 26}]
    broke = [_forged("r1", HELD, "forge.unbound_digest"),
             _forged("r2", BROKE, "forge.unbound_digest"), _run("r3", HELD)]
    [group] = group_configs(broke)
    search[0]["configuration"] = group.id
    headline = cost_headline([group], search)
    assert headline["text"].startswith(
        "No committee key at all: in the runs, a forgery (forge.unbound_digest) broke")
    assert headline["keyless_in_runs"]["seed"] == 2
    assert "breaks" in headline["text"] and "(at most" not in headline["text"]
    # A search that left a way to break it untried gives an upper bound, and says so.
    search[0]["incomplete_reasons"] = ["the user's own contract was not probed"]
    assert "(at most: not every way to break it was probed)" in cost_headline(
        [group], search)["text"]
    # A forgery that held, a key compromise that broke, or a forgery beside a key taken in
    # the same run, is no keyless break.
    beside = _forged("r3", BROKE, "forge.unbound_digest")
    assert beside.config is not None
    beside.config["attacks"].append({"kind": "key.compromise"})
    [mixed] = group_configs([beside])
    assert cost_headline([mixed], [])["keyless_in_runs"] is None
    [held] = group_configs([_forged("r1", HELD, "forge.unbound_digest"), _run("r2", BROKE)])
    assert cost_headline([held], [])["keyless_in_runs"] is None
