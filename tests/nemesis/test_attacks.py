"""The attack library against the bridge: thresholds hold exactly at k, entities matter,
refresh defeats a mobile adversary, censorship costs liveness not safety, heals restore."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.runner import run
from tests.conftest import small_scenario

QUIET = {"workload": {"deposits": 4, "withdrawals": 0, "deposit_interval": 5.0}}
FORGERY_PROPERTIES = ("safety.mint-backed-by-final-lock", "safety.supply-conservation")


def _compromise(custody: str, n: int, t: int, seats: list[int], extra=None):
    overrides = {
        **QUIET,
        "committee": {"members": n, "threshold": t, "required": [], "custody": custody},
        "attacks": [{
            "kind": "key.compromise",
            "targets": {"members": seats},
            "schedule": {"at": 30.0},
            "params": {"amount": 1_000_000},
        }],
        "adversary": {"extract": False},
    }
    if extra:
        overrides.update(extra)
    return small_scenario(overrides)


def _broken(result) -> bool:
    return all(result.verdicts[prop] == "fail" for prop in FORGERY_PROPERTIES)


def _safe(result) -> bool:
    return all(v != "fail" for p, v in result.verdicts.items() if p.startswith("safety."))


@st.composite
def committee_and_seats(draw, at_threshold: bool):
    n = draw(st.integers(3, 9))
    t = draw(st.integers(2, n))
    k = t if at_threshold else t - 1
    seats = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
    return n, t, sorted(seats)


SLOW_SIM = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
@SLOW_SIM
@given(case=committee_and_seats(at_threshold=False))
def test_threshold_minus_one_keys_never_break_safety(custody, case):
    n, t, seats = case
    result = run(_compromise(custody, n, t, seats), 1)
    assert _safe(result), (n, t, seats, result.violations)


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
@SLOW_SIM
@given(case=committee_and_seats(at_threshold=True))
def test_threshold_keys_always_break_safety(custody, case):
    n, t, seats = case
    result = run(_compromise(custody, n, t, seats), 1)
    assert _broken(result), (n, t, seats, result.verdicts)


def _entities_scenario(custody: str):
    # One operator holds k = 5 of 9 seats; the other four are independent.
    entities = [{"name": "big-operator", "members": [0, 1, 2, 3, 4], "storage": "hot-server"}]
    entities += [{"name": f"independent-{m}", "members": [m]} for m in range(5, 9)]
    return small_scenario({
        **QUIET,
        "committee": {"members": 9, "threshold": 5, "required": [], "custody": custody},
        "entities": entities,
        "attacks": [{"kind": "key.compromise", "targets": {"entities": ["big-operator"]},
                     "schedule": {"at": 30.0}, "params": {"amount": 1_000_000}}],
        "adversary": {"extract": False},
    })


@pytest.mark.parametrize("custody", ["multisig", "threshold-bls"])
def test_one_entity_holding_k_keys_is_enough(custody):
    result = run(_entities_scenario(custody), 2)
    assert _broken(result)
    assert result.metrics["custody"]["largest_holding"] == {"entity": "big-operator", "seats": 5}


def _mobile(custody: str, refresh: float, seed: int):
    return small_scenario({
        "scenario": {"duration": 4_000.0},
        "workload": {"deposits": 4, "withdrawals": 0, "deposit_interval": 5.0},
        "committee": {"members": 5, "threshold": 3, "required": [], "custody": custody,
                      "refresh_interval": refresh},
        # One share per epoch, taken mid-epoch; six epochs.
        "attacks": [{"kind": "key.mobile", "schedule": {"at": 250.0},
                     "params": {"period": 500.0, "seats_per_period": 1, "periods": 6,
                                "amount": 1_000_000}}],
        "adversary": {"extract": False},
    })


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_mobile_adversary_breaks_bls_without_refresh_but_never_with_it(seed):
    without = run(_mobile("threshold-bls", 0.0, seed), seed)
    assert _broken(without)
    with_refresh = run(_mobile("threshold-bls", 500.0, seed), seed)
    assert _safe(with_refresh), with_refresh.violations
    # Six shares taken, one in each of epochs 0..5: never t = 3 from the same epoch.
    assert with_refresh.metrics["custody"]["epoch"] >= 5


def test_mobile_adversary_breaks_multisig_even_with_refresh_configured():
    # Multisig keys never expire: a refresh interval does nothing for them.
    assert _broken(run(_mobile("multisig", 500.0, 1), 1))


def _censor(relayers, heal=None):
    attack = {"kind": "relayer.censor", "targets": {"relayers": relayers},
              "schedule": {"at": 0.0}}
    if heal is not None:
        attack["heal"] = {"after": heal}
    return small_scenario({"scenario": {"duration": 1_500.0}, "attacks": [attack]})


def test_censoring_all_relayers_stops_liveness_but_not_safety():
    result = run(_censor("all"), 1)
    assert _safe(result)
    assert result.verdicts["liveness.deposits-minted"] == "fail"
    assert result.metrics["transfers"]["mints"] == 0


def test_censoring_some_relayers_breaks_neither():
    # Back-ups carry the censored primary's messages: the proofs they carry must pass the
    # committee's light-client checks like a primary's.
    bridges = []
    result = run(_censor([0]), 1, setup=bridges.append)
    assert result.exit_code == 0
    assert result.verdicts["liveness.deposits-minted"] == "pass"
    assert result.verdicts["liveness.withdrawals-released"] == "pass"
    assert sum(relayer.stats.backups for relayer in bridges[0].relayers) > 0
    assert result.metrics["transfers"]["mints"] == 20
    assert result.metrics["transfers"]["releases"] == 20


HEALED = {
    "relayer.censor": {"targets": {"relayers": "all"}},
    "relayer.delay": {"targets": {"relayers": "all"}, "params": {"delay": 200.0}},
    "relayer.reorder": {"targets": {"relayers": "all"}, "params": {"max_jitter": 60.0}},
    "relayer.replay": {"targets": {"relayers": "all"}, "params": {"copies": 2}},
    "relayer.double_submit": {"targets": {"relayers": "all"}},
    "node.crash": {"targets": {"select": "f+1"}, "params": {"role": "validator"}},
    "network.partition": {"targets": {"select": "majority"}, "params": {"role": "validator"}},
    "network.loss": {"params": {"probability": 0.9, "between": ["relayer", "member"]}},
    "network.duplicate": {"params": {"probability": 0.5, "between": ["relayer", "validator"]}},
    "settlement.reorg": {"params": {"depth": 3}},
    "settlement.congestion": {"params": {"factor": 6.0, "duration": 300.0}},
}


@pytest.mark.parametrize("kind", sorted(HEALED))
def test_every_fault_heals_and_the_bridge_is_live_again(kind):
    attack = {"kind": kind, "schedule": {"at": 20.0}, "heal": {"after": 300.0}, **HEALED[kind]}
    result = run(small_scenario({"scenario": {"duration": 3_000.0}, "attacks": [attack]}), 3)
    assert result.verdicts["liveness.deposits-minted"] == "pass", result.metrics["transfers"]
    assert result.verdicts["liveness.withdrawals-released"] == "pass"
    assert _safe(result), result.violations
    faults = result.metrics["outcome"]["faults"]
    assert faults and all(window["heal"] is not None for window in faults)


def test_crashing_too_many_validators_stalls_until_the_heal():
    attack = {"kind": "node.crash", "targets": {"select": "f+1"}, "params": {"role": "validator"},
              "schedule": {"at": 10.0}, "heal": {"after": 200.0}}
    captured = {}
    result = run(small_scenario({"attacks": [attack]}), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    committed = [e.time for e in captured["h"].events if e.kind == "block.committed"]
    assert not [t for t in committed if 12.0 < t < 209.0], "no quorum while f+1 are down"
    assert result.verdicts["liveness.deposits-minted"] == "pass"


def test_replays_are_rejected_by_the_nonce_check():
    attack = {"kind": "relayer.replay", "targets": {"relayers": "all"}, "params": {"copies": 2}}
    captured = {}
    result = run(small_scenario({"attacks": [attack]}), 1, keep_history=True,
                 setup=lambda b: captured.setdefault("h", b.world.history))
    checks = [e.fields["check"] for e in captured["h"].events if e.kind == "tx.reverted"]
    assert checks.count("nonce_unused") >= 20
    assert _safe(result)


def test_equivocation_with_a_quorum_mints_the_wrong_recipient():
    attack = {"kind": "collusion.equivocate", "targets": {"select": "threshold"},
              "schedule": {"at": 0.0}, "params": {"amount_factor": 50.0}}
    result = run(small_scenario({"committee": {"required": []}, "attacks": [attack],
                                 "adversary": {"extract": False}}), 1)
    assert result.verdicts["safety.mint-backed-by-final-lock"] == "fail"
    # The genuine transfer for that nonce can no longer be minted.
    assert result.verdicts["liveness.deposits-minted"] == "fail"
