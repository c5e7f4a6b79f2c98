"""Your bridge's safety as pytest tests (the `bridgelab` pytest plugin gives the fixtures).

    python -m pytest tests/
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "attacks" / "baseline.toml"
# A short run of the baseline: a few transfers, quick finality.
SHORT = {"workload": {"deposits": 4, "withdrawals": 2}, "settlement": {"finality_slots": 4}}


def test_baseline_is_safe_with_my_property(bridgelab_run, bridgelab_assert_safe):
    # pytest puts this folder on sys.path, so the module next to this file is found.
    checks = {"properties": ["my_properties:no_large_mint"]}
    result = bridgelab_run(BASELINE, seed=1, overrides={**SHORT, "checks": checks})
    bridgelab_assert_safe(result)
    assert result.verdicts["mine.no-large-mint"] == "pass"


def test_threshold_minus_one_colluders_cannot_mint(bridgelab_run, bridgelab_assert_safe):
    attack = {"kind": "collusion.fabricated_lock", "targets": {"members": [1, 2, 3, 4]}}
    result = bridgelab_run(BASELINE, seed=1, overrides=SHORT, attacks=[attack])
    bridgelab_assert_safe(result)
