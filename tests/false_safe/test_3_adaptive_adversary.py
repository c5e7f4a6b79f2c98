"""False "safe" from an adversary that never adapts (issue 17, item 3).

A 3-of-5 multisig with `per_transfer_cap = 1_000_000` was reported unbreakable: `hunt` and
the report's cost to break forged one fixed 10,000,000 transfer, which the cap reverts,
while the same three entities minting under the cap take millions. These tests fail on the
code before the adaptive adversary and pass after it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.hunt.cost import cheapest_break
from bridgelab.runner import run
from bridgelab.scenario import parse_scenario

CAP = 1_000_000
CAPPED: dict[str, Any] = {
    "scenario": {"name": "capped-3of5", "duration": 3_600.0},
    "committee": {"members": 5, "threshold": 3, "required": [], "custody": "multisig"},
    "settlement": {"finality_slots": 4},
    "workload": {"deposits": 3, "withdrawals": 0, "deposit_interval": 5.0},
    "bridge": {"limits": {"per_transfer_cap": CAP}},
}
# No cap: a token bucket of 1,000,000 refilled at 2,000 per second.
RATED: dict[str, Any] = {
    **CAPPED,
    "scenario": {"name": "rated-3of5", "duration": 3_600.0},
    "bridge": {"limits": {"rate_capacity": 1_000_000, "rate_per_second": 2_000.0}},
}
THREE = ["operator-0", "operator-1", "operator-2"]


def _scenario(data: dict[str, Any], attacks: list[dict[str, Any]] | None = None):
    data = copy.deepcopy(data)
    data["attacks"] = attacks or []
    return parse_scenario(data, data["scenario"]["name"])


def _write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(scenario_toml(_scenario(data).model_dump(mode="json", exclude_none=True),
                                  "false-safe regression"))
    return path


def test_cost_to_break_finds_the_capped_bridge_breakable_with_a_bounded_take():
    found = cheapest_break(_scenario(CAPPED), 1)
    assert found.entities is not None, "a capped 3-of-5 bridge falls to three entities"
    assert sorted(found.entities) == THREE
    loss = found.loss
    assert loss["forged_mints"] >= 2 and loss["largest"] <= CAP
    assert 0 < loss["minted"] <= CAP * loss["forged_mints"]


def test_hunt_cost_exits_1_on_the_capped_bridge(tmp_path):
    config = _write(CAPPED, tmp_path / "capped.toml")
    code = cli_main(["hunt", str(config), "--objective", "cost", "--out", str(tmp_path / "out")])
    assert code == 1
    written = json.loads((tmp_path / "out" / "cost.json").read_text())
    assert sorted(written["entities"]) == THREE
    assert written["loss"]["largest"] <= CAP


def test_report_on_the_capped_bridge_is_not_safe_and_states_the_loss(tmp_path):
    config = _write(CAPPED, tmp_path / "capped.toml")
    assert cli_main(["run", str(config), "--seed", "1", "--quiet",
                     "--out", str(tmp_path / "runs" / "s1")]) == 0
    out = tmp_path / "report"
    code = cli_main(["report", str(tmp_path / "runs"), "--out", str(out), "--quiet"])
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["verdict"] == "at-risk" and code == 1
    (entry,) = report["cost_to_break"]
    assert sorted(entry["entities"]) == THREE
    assert entry["loss"]["largest"] <= CAP < entry["loss"]["minted"]
    assert "forged transfers of at most 1M" in entry["loss_text"]
    # Without a pausing watcher nothing ends the incident: the report says so.
    assert entry["loss_bound"]["bounded"] is False
    assert "Loss bound: none" in entry["loss_text"]
    markdown = (out / "report.md").read_text()
    assert "Verdict: safe" not in markdown and entry["loss_text"].split(".")[0] in markdown


def _forged(events: list[Any]) -> list[Any]:
    return [e for e in events if e.kind == "mint" and e.fields["nonce"] >= 1_000_000_000]


def _theft(pacing: str | None) -> tuple[Any, list[Any]]:
    params: dict[str, Any] = {"amount": 3_000_000}
    if pacing is not None:
        params["pacing"] = pacing
    attack = {"kind": "key.compromise", "targets": {"entities": THREE},
              "schedule": {"at": 60.0}, "params": params}
    captured: dict[str, Any] = {}
    result = run(_scenario(RATED, [attack]), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("history", b.world.history))
    return result, captured["history"].events


def test_a_rate_limit_refuses_one_huge_forgery_but_not_paced_ones():
    # The default adversary paces its forgeries to the bucket.
    paced, events = _theft(None)
    forged = _forged(events)
    assert paced.verdicts["safety.supply-conservation"] == "fail"
    assert len(forged) >= 2 and sum(e.fields["amount"] for e in forged) == 3_000_000
    # Each waited for the refill instead of being reverted.
    assert not [e for e in events
                if e.kind == "tx.reverted" and e.fields["tx"].startswith("attack-0:")]

    single, events = _theft("single")
    assert all(v != "fail" for p, v in single.verdicts.items() if p.startswith("safety."))
    assert any(e.kind == "tx.reverted" and e.fields["check"] == "rate_limited" for e in events)
    assert not _forged(events)


def test_cost_to_break_finds_the_rate_limited_bridge_breakable():
    found = cheapest_break(_scenario(RATED), 1)
    assert found.entities is not None and sorted(found.entities) == THREE
    # The bucket admits 1,000,000 at once and 2,000 a second after: the probe runs long
    # enough for the refill to matter.
    assert found.loss["forged_mints"] >= 2 and found.loss["minted"] > 1_000_000
