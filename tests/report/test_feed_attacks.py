"""An attack on the NAV feed acts on no part of the bridge: a configuration attacked only
that way has had none of its safety or liveness tested, and the report does not read safe."""

from __future__ import annotations

import json

from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from tests.conftest import baseline_data, deep_merge

SMALL = {
    "scenario": {"name": "feed", "duration": 7_200.0},
    "settlement": {"finality_slots": 4},
    "committee": {"members": 5, "threshold": 4, "required": []},
    "workload": {"deposits": 4, "withdrawals": 2, "deposit_interval": 5.0,
                 "withdraw_delay": 10.0},
    "oracle": {"enabled": True},
}
DEFAULT = {"kind": "oracle.default", "schedule": {"at": 60.0}, "heal": {"after": 600.0},
           "params": {"write_down": 0.7, "report_delay": 300.0}}
CENSOR = {"kind": "relayer.censor", "targets": {"relayers": "all"},
          "schedule": {"at": 0.0}, "heal": {"after": 60.0}}


def _verdict(tmp_path, monkeypatch, capsys, attacks: list[dict]) -> dict:
    monkeypatch.chdir(tmp_path)
    data = deep_merge(baseline_data(), SMALL)
    data["attacks"] = attacks
    (tmp_path / "feed.toml").write_text(scenario_toml(data, "feed"))
    assert cli_main(["run", "feed.toml", "--seed", "1", "--out", "runs/r1", "-q"]) in (0, 1)
    capsys.readouterr()
    code = cli_main(["report", "runs", "--out", "rep", "--no-cost", "-q"])
    summary = json.loads((tmp_path / "rep" / "report.json").read_text())["summary"]
    return {"code": code, **summary}


def test_a_configuration_attacked_only_on_its_nav_feed_is_not_read_safe(
        tmp_path, monkeypatch, capsys):
    summary = _verdict(tmp_path, monkeypatch, capsys, [DEFAULT])
    assert summary["verdict"] == "inconclusive" and summary["code"] == 2, summary
    assert "no attack on the bridge started" in summary["verdict_text"]


def test_an_attack_on_the_bridge_beside_it_is_tested(tmp_path, monkeypatch, capsys):
    summary = _verdict(tmp_path, monkeypatch, capsys, [DEFAULT, CENSOR])
    assert summary["verdict"] in ("safe", "at-risk"), summary
