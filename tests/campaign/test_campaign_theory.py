"""Validation against theory (2): the relayer's work queue under Poisson arrivals is an
M/M/1 queue, and the campaign's mean wait agrees with W_q = λ / (μ (μ − λ)).

(The binomial validation runs with the 1,000-run campaign in test_campaign_scale.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgelab.campaign.execute import run_campaign
from bridgelab.campaign.spec import load_campaign
from bridgelab.campaign.stats import report
from bridgelab.campaign.store import Store
from bridgelab.campaign.theory import _binomial, all_inside, binomial_tail
from bridgelab.cli import main
from bridgelab.testing import scenario_from

MM1 = Path(__file__).resolve().parents[2] / "campaigns" / "theory-mm1.toml"


def test_mm1_relayer_queue_agrees_with_theory(tmp_path):
    campaign = load_campaign(MM1)
    store_path = tmp_path / "mm1.sqlite"
    with Store(store_path) as store:
        tally = run_campaign(campaign, store, jobs=2, history_root=tmp_path / "histories")
        rows = store.rows(campaign.hash)
    assert tally.errors == 0 and len(rows) == campaign.total_runs() == 120
    theory = report(campaign, rows)["theory"]
    assert [round(entry["rho"], 3) for entry in theory] == [0.3, 0.5]
    for entry in theory:
        assert entry["applicable"] and entry["replications"] == 60
        assert entry["customers"] == 60 * 200
        assert entry["low"] <= entry["expected"] <= entry["high"], entry
        print(f"\nrho={entry['rho']:.2f}: W_q={entry['expected']:.4f} s, estimate"
              f" {entry['estimate']:.4f} [{entry['low']:.4f}, {entry['high']:.4f}]")
    assert all_inside(theory)
    assert main(["campaign-stats", str(MM1), "--store", str(store_path)]) == 0


def test_the_binomial_formula_applies_to_threshold_bls_with_required_members():
    # Required members bind under threshold BLS too (their co-signatures), so P(break) is
    # p^r * P(Binomial(n - r, p) >= k - r) for both schemes.
    scenario = scenario_from(None, {
        "committee": {"custody": "threshold-bls", "required": [0]},
        "attacks": [{"kind": "key.bernoulli", "schedule": {"at": 30.0}, "params": {"p": 0.5}}],
    })
    rows = [{"safety_violation": broken} for broken in (True, False, False, False)]
    entry = _binomial(scenario, rows, 0.95)
    assert entry["applicable"] and entry["required"] == 1
    assert entry["expected"] == pytest.approx(0.5 * binomial_tail(8, 5, 0.5))
    assert entry["estimate"] == 0.25
