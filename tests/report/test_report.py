"""`bridgelab report`: the report model, its rules, the JSON Schema, safe rendering, the store
loader, and replaying the run behind every risk cell."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridgelab.cli import main as cli_main
from bridgelab.report import render_html, render_md, schema
from bridgelab.report.cells import RULES, validated_by
from bridgelab.report.cli import VERDICT_CODES
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.incidents import config_changes
from bridgelab.report.loading import load_records
from bridgelab.report.model import build_report
from bridgelab.report.records import RunRecord, parse_reproduce
from tests.conftest import ROOT
from tests.report.report_fixtures import XSS_NAME, scenario_data, small_report, write_scenarios

DEMO_REPORT = ROOT / "reports" / "demo" / "report.json"
CELL_IDS = ["validated-by", "custody", "concentration", "upgradeability",
            "destination-token", "liveness-failure", "exit-window", "rate-limits"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return small_report(tmp_path_factory)


def cells_of(report: dict, label_part: str) -> dict[str, dict]:
    config = next(c for c in report["configurations"] if label_part in c["label"])
    block = next(b for b in report["risk_cells"] if b["configuration"] == config["id"])
    return {cell["id"]: cell for cell in block["cells"]}


# -- the run records -----------------------------------------------------------------------------


def test_run_writes_its_reproduce_command(small):
    data = json.loads((small.runs / "honest-multisig-s2" / "results.json").read_text())
    assert parse_reproduce(data["reproduce"]) == (
        str(small.scenarios / "honest-multisig.toml"), 2)


def test_directory_records_carry_scenario_command_and_history(small):
    records = load_records([small.runs])
    assert len(records) == 11
    for record in records:
        assert record.config is not None and record.reproducible
        assert record.history_path and Path(record.history_path).exists()
        assert record.campaign


# -- the report ----------------------------------------------------------------------------------


def test_report_json_validates_against_the_published_schema(small):
    assert schema.errors(small.report) == []
    published = ROOT / "src" / "bridgelab" / "report" / "report.schema.json"
    assert json.loads(published.read_text())["title"] == "bridgelab risk report"


def test_schema_rejects_a_cell_without_evidence(small):
    broken = json.loads(json.dumps(small.report))
    broken["risk_cells"][0]["cells"][0]["evidence"] = []
    broken["risk_cells"][0]["cells"][1]["sentiment"] = "fine"
    problems = schema.errors(broken)
    assert any("evidence" in p for p in problems)
    assert any("sentiment" in p for p in problems)


def test_summary_verdict_and_three_risks(small):
    summary = small.report["summary"]
    assert summary["verdict"] == "unsafe"
    assert 1 <= len(summary["top_risks"]) <= 3
    assert summary["top_risks"][0].startswith("Funds can be stolen if")
    kinds = {s["kind"] for s in small.report["risk_sentences"]}
    assert {"stolen", "delayed"} <= kinds
    censor = [s for s in small.report["risk_sentences"] if "relayer" in s["text"]]
    assert censor and censor[0]["text"].startswith("Deposits can be delayed if every relayer")


def test_every_cell_has_value_sentiment_description_and_reproducible_evidence(small):
    for block in small.report["risk_cells"]:
        assert [c["id"] for c in block["cells"]] == CELL_IDS
        for cell in block["cells"]:
            assert cell["value"] and cell["description"] and cell["rule"] == RULES[cell["id"]]
            assert cell["sentiment"] in ("good", "warning", "bad")
            assert cell["evidence"], cell["id"]
            assert all(e["reproduce"].startswith("bridgelab run ") for e in cell["evidence"])


def test_sentiment_rules_follow_the_evidence(small):
    multisig = cells_of(small.report, "multisig")
    operator = cells_of(small.report, "key holders")  # the one with declared entities
    # Colluding members reached the threshold: the committee validation is bad, with the
    # collusion run as its first piece of evidence.
    assert multisig["validated-by"]["sentiment"] == "bad"
    assert multisig["validated-by"]["evidence"][0]["scenario"] == "collusion-multisig"
    # One entity holds 4 of the 5 seats with threshold 4: bad custody, whatever the runs say.
    assert operator["custody"]["sentiment"] == "bad"
    assert "big-operator" in operator["custody"]["reason"]
    # No cap, no rate limit, no timelock in these scenarios.
    assert multisig["rate-limits"]["sentiment"] == "bad"
    assert multisig["exit-window"]["sentiment"] == "bad"
    assert multisig["upgradeability"]["sentiment"] == "warning"
    honest_bls = next(c for c in small.report["configurations"]
                      if c["custody"] == "threshold-bls" and not c["entities"])
    block = next(b for b in small.report["risk_cells"]
                 if b["configuration"] == honest_bls["id"])
    custody = next(c for c in block["cells"] if c["id"] == "custody")
    assert custody["sentiment"] == "good"


def test_attack_matrix_and_custody_comparison(small):
    matrix = small.report["attack_matrix"]
    labels = {a["label"] for a in matrix["attacks"]}
    assert {"none (honest traffic)", "collusion.fabricated_lock", "key.compromise",
            "relayer.censor"} <= labels
    for cell in matrix["cells"]:
        p = cell["p_loss"]
        assert 0.0 <= p["low"] <= (p["p"] or 0.0) <= p["high"] <= 1.0
    collusion = next(a["id"] for a in matrix["attacks"] if a["label"].startswith("collusion"))
    cell = next(c for c in matrix["cells"] if c["attack"] == collusion)
    assert cell["safety"]["verdict"] == "fail" and cell["safety"]["count"] == cell["runs"] == 2
    assert cell["loss"]["max"] > 0
    comparison = small.report["custody_comparison"]
    assert comparison["comparable"] and comparison["schemes"] == ["multisig", "threshold-bls"]


def test_plots_carry_their_data(small):
    plots = {p["id"]: p for p in small.report["plots"]}
    assert set(plots) == {"loss-vs-entities", "deposit-latency", "supply-gap"}
    points = plots["loss-vs-entities"]["data"]["points"]
    assert points and all(p["entities"] == 1 for p in points)  # one operator compromised
    assert plots["deposit-latency"]["data"]["groups"]
    gap = plots["supply-gap"]["data"]["runs"]
    assert gap and any(max(v for _, v in run["points"]) > 0 for run in gap)


def test_cost_to_break_names_the_cheapest_entities_and_a_replayable_witness(small):
    entries = {e["configuration"]: e for e in small.report["cost_to_break"]}
    operator = next(c for c in small.report["configurations"] if c["entities"])
    entry = entries[operator["id"]]
    assert entry["entities"] == ["big-operator"]
    assert entry["reproduce"].startswith("bridgelab run ")
    assert Path(shlex.split(entry["reproduce"])[2]).exists()


def test_incident_defence_changes_name_the_settings():
    before = scenario_data("operator-bls")
    after = json.loads(json.dumps(before))
    after["delegations"] = []
    after["entities"][0]["members"] = [0]
    after["entities"][1]["members"] = [1, 2, 3, 4]
    after["bridge"] = {"limits": {"per_transfer_cap": 5_000}}
    changes = {c["setting"]: (c["before"], c["after"]) for c in config_changes(before, after)}
    assert changes["entities.big-operator"][1].startswith("seats [0]")
    assert changes["bridge.limits.per_transfer_cap"] == ("—", "5000")


# -- safe rendering ------------------------------------------------------------------------------


def test_html_escapes_scenario_strings_and_is_self_contained(small):
    html = (small.out / "report.html").read_text()
    runs = (small.out / "runs.html").read_text()
    for page in (html, runs):
        assert XSS_NAME not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script" not in page.lower()
        assert "Content-Security-Policy" in page
        for forbidden in ("http://", "https://", "src=\"//", "@import"):
            assert forbidden not in page.replace("http://www.w3.org", ""), forbidden
    assert html.count('<img class="plot" src="data:image/svg+xml;base64,') == 3


def test_markdown_escapes_scenario_strings(small):
    for name in ("report.md", "runs.md"):
        md = (small.out / name).read_text()
        assert XSS_NAME not in md
        assert r"\<script\>alert(1)\</script\>" in md
    assert render_md.text("[x](http://e) *b* | c") == r"\[x\](http://e) \*b\* \| c"
    assert render_md.code("a`b") == "`` a`b ``"


def test_rendering_a_hostile_report_by_hand():
    report = {"title": "<b>t</b>"}
    assert "<b>" not in render_md.text(report["title"])
    env = render_html.environment()
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"


# -- campaign store --------------------------------------------------------------------------------


def test_report_from_a_campaign_store(tmp_path):
    from bridgelab.campaign.spec import load_campaign
    from bridgelab.campaign.store import Store
    from bridgelab.campaign.worker import execute_run

    base = write_scenarios(tmp_path / "scenarios")["honest-multisig"]
    campaign_file = tmp_path / "tiny.toml"
    campaign_file.write_text(
        f'[campaign]\nname = "tiny"\nbase = "{base.name}"\nseeds = 1\n'
        '[sweep.grid]\n"committee.custody" = ["multisig", "threshold-bls"]\n'
        '[[attacks]]\nname = "none"\n'
        '[[attacks]]\nname = "collusion"\nkind = "collusion.fabricated_lock"\n'
        'targets = { select = "threshold" }\nschedule = { at = 30.0 }\n'
    )
    (tmp_path / base.name).write_text(base.read_text())
    campaign = load_campaign(campaign_file)
    store_path = tmp_path / "tiny.sqlite"
    with Store(store_path) as store:
        store.register(campaign.hash, campaign.name, str(campaign_file), campaign.total_runs(),
                       campaign.registration)
        for spec in campaign.specs(tmp_path / "histories"):
            store.add(execute_run(spec))
    out = tmp_path / "out"
    code = cli_main(["report", str(store_path), "--out", str(out), "--quiet", "--no-cost"])
    report = json.loads((out / "report.json").read_text())
    assert code == VERDICT_CODES[report["summary"]["verdict"]]
    assert schema.errors(report) == []
    assert report["summary"]["campaigns"] == ["tiny"]
    assert {c["custody"] for c in report["configurations"]} == {"multisig", "threshold-bls"}
    assert {a["label"] for a in report["attack_matrix"]["attacks"]} == {"none", "collusion"}
    # Store rows name no command: the report writes each scenario out and cites it.
    for run in report["runs"]:
        path, seed = parse_reproduce(run["reproduce"])
        assert Path(path).parent == out / "scenarios" and seed == 1
    replay(report["runs"][-1], tmp_path / "replay")


def test_bad_input_exits_3(tmp_path, capsys):
    assert cli_main(["report", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 3
    assert "expected a campaign store" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli_main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 3


# -- replaying the evidence ------------------------------------------------------------------------


def _bridgelab() -> list[str]:
    script = Path(sys.executable).with_name("bridgelab")
    if script.exists():
        return [str(script)]
    found = shutil.which("bridgelab")
    return [found] if found else [sys.executable, "-m", "bridgelab"]


def replay(evidence: dict, out: Path) -> None:
    """Run the evidence's command exactly as shown (from the repository root) and compare."""
    argv = shlex.split(evidence["reproduce"])
    assert argv[:2] == ["bridgelab", "run"], evidence["reproduce"]
    completed = subprocess.run(
        [*_bridgelab(), *argv[1:], "--quiet", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONHASHSEED": "0"}, check=False,
    )
    assert completed.returncode in (0, 1, 2), completed.stderr
    replayed = json.loads((out / "results.json").read_text())
    expected = {0: "pass", 1: "fail", 2: "inconclusive"}[completed.returncode]
    assert expected == evidence["verdict"], evidence["reproduce"]
    if "verdicts" in evidence:
        assert replayed["verdicts"] == evidence["verdicts"], evidence["reproduce"]


def one_run_per_cell(report: dict) -> list[dict]:
    """The first cited run of every risk cell, each distinct run once, with its verdicts."""
    runs = {run["id"]: run for run in report["runs"]}
    chosen: dict[str, dict] = {}
    for block in report["risk_cells"]:
        for cell in block["cells"]:
            assert cell["evidence"], f"{block['configuration']} {cell['id']} cites no run"
            first = cell["evidence"][0]
            assert first["reproduce"], f"{block['configuration']} {cell['id']}: no command"
            chosen.setdefault(first["run"], {**first, "verdicts": runs[first["run"]]["verdicts"]})
    return list(chosen.values())


def test_every_cell_replays_to_the_same_verdict(small, tmp_path):
    for index, evidence in enumerate(one_run_per_cell(small.report)):
        replay(evidence, tmp_path / f"replay-{index}")


@pytest.mark.skipif(not DEMO_REPORT.exists(), reason="no committed demo report (make demo)")
def test_every_cell_of_the_demo_report_replays_to_the_same_verdict(tmp_path):
    report = json.loads(DEMO_REPORT.read_text())
    assert schema.errors(report) == []
    evidence = one_run_per_cell(report)
    assert evidence
    for index, item in enumerate(evidence):
        replay(item, tmp_path / f"demo-{index}")


def test_build_report_is_a_pure_function_of_the_records(small):
    records = load_records([small.runs])
    first = build_report(records, title="t")
    second = build_report(load_records([small.runs]), title="t")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_a_report_without_histories_still_draws_every_plot(small):
    records = load_records([small.runs])
    for record in records:
        record.history_path = None
    report = build_report(records, title="no histories")
    assert schema.errors(report) == []
    html = render_html.render(report)
    assert html.count('<img class="plot" src="data:image/svg+xml;base64,') == 3


@pytest.mark.parametrize("scheme", ["multisig", "threshold-bls"])
def test_required_members_are_described_as_enforced_only_when_they_are(scheme):
    def cell(flaws: list[str]) -> dict:
        config = {"committee": {"custody": scheme, "members": 9, "threshold": 6,
                                "required": [0]},
                  "bridge": {"flaws": flaws}}
        return validated_by(ConfigGroup("k", "cfg-1", "label",
                                        [RunRecord("r", "s", 1, {}, {}, config=config)]))

    enforced, unchecked = cell([]), cell(["required_members_unchecked"])
    assert enforced["value"] == "6-of-9 committee, member 0 required"
    assert "including member 0" in enforced["description"]
    assert "never checks" not in enforced["description"]
    assert ("checks both" in enforced["description"]) == (scheme == "threshold-bls")
    assert unchecked["value"].endswith("member 0 required (not checked by the destination)")
    assert "never checks that the required members signed" in unchecked["description"]
    assert unchecked["sentiment"] == "bad"


def test_a_negative_cost_search_limit_is_bad_input_before_reading_runs(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli_main(["report", str(tmp_path / "no-runs-read"), "--out", str(out),
                     "--cost-evaluations", "-1"]) == 3
    assert capsys.readouterr().err == (
        "error: --cost-evaluations: expected 0 or more sets, found -1\n")
    assert not out.exists()
