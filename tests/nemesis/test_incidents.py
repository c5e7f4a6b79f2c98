"""Real incidents reproduced (attacks/incidents/): each `<name>.toml` breaks the property the
incident broke, and each `<name>-defended.toml` holds, or bounds the loss.

The figures asserted here are the ones attacks/incidents/README.md reports. Every run uses one
fixed seed and is cached, so a scenario shared by several tests runs once.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from bridgelab.checker.properties import PROPERTIES
from bridgelab.core.history import Event
from bridgelab.nemesis.registry import RUNTIME
from bridgelab.runner import RunResult, run
from bridgelab.scenario import load_scenario, parse_scenario
from tests.conftest import ATTACKS, deep_merge

INCIDENTS = ATTACKS / "incidents"
SEED = 1
FORGERY = ("safety.mint-backed-by-final-lock", "safety.supply-conservation")
REGISTERED = frozenset(prop.id for prop in PROPERTIES)


@dataclass(frozen=True, slots=True)
class Incident:
    name: str
    kind: str
    violated: tuple[str, ...]


CASES = (
    Incident("ronin-2022", "key.compromise", FORGERY),
    # Harmony's keys signed withdrawals from the lock-box: releases no burn backs.
    Incident("harmony-2022", "key.compromise",
             ("safety.release-backed-by-final-burn", "safety.supply-conservation")),
    Incident("multichain-2023", "key.compromise", FORGERY),
    Incident("wormhole-2022", "forge.empty_certificate", ("safety.certificate-quorum", *FORGERY)),
    Incident("nomad-2022", "forge.zero_root", ("safety.certificate-quorum", *FORGERY)),
    Incident("poly-network-2021", "message.replace_committee", ("safety.trust-root-governed",)),
    Incident("qubit-2022", "forge.lock_without_deposit", ("safety.escrow-covers-supply",)),
)
BY_NAME = {case.name: case for case in CASES}


def _blocked(case: Incident) -> str | None:
    """Why this incident cannot be checked yet: its attack or its property does not exist."""
    if case.kind not in RUNTIME:
        return f"attack kind {case.kind!r} has no runtime yet"
    missing = [prop for prop in case.violated if prop not in REGISTERED]
    if missing:
        return f"property {missing[0]!r} is not registered in bridgelab.checker.properties"
    return None


def needs(name: str) -> pytest.MarkDecorator:
    reason = _blocked(BY_NAME[name])
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def incident_params(defended: bool = False) -> list[Any]:
    return [
        pytest.param(case, id=case.name + ("-defended" if defended else ""),
                     marks=needs(case.name))
        for case in CASES
    ]


# -- running, once per scenario ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    result: RunResult
    events: tuple[Event, ...]

    @property
    def outcome(self) -> dict[str, Any]:
        return self.result.metrics["outcome"]

    def failed(self) -> set[str]:
        return {prop for prop, verdict in self.result.verdicts.items() if verdict == "fail"}

    def safe(self) -> bool:
        return not any(prop.startswith("safety.") for prop in self.failed())

    def of_kind(self, kind: str) -> list[Event]:
        return [event for event in self.events if event.kind == kind]

    def reverted(self, check: str) -> int:
        return sum(1 for event in self.of_kind("tx.reverted") if event.fields["check"] == check)

    def paid_to(self, account: str) -> int:
        """What the escrow released to `account` (from the history, whatever the metrics)."""
        return sum(
            event.fields["amount"] for event in self.of_kind("release")
            if event.fields["recipient"] == account
        )


def _data(filename: str) -> dict[str, Any]:
    with (INCIDENTS / filename).open("rb") as handle:
        return tomllib.load(handle)


@cache
def _run_cached(filename: str, overrides_json: str) -> Outcome:
    data = deep_merge(_data(filename), json.loads(overrides_json))
    histories: list[Any] = []
    result = run(parse_scenario(data, filename), SEED, keep_history=True,
                 setup=lambda bridge: histories.append(bridge.world.history))
    return Outcome(result, tuple(histories[0].events))


def outcome_of(name: str, defended: bool = False, **overrides: Any) -> Outcome:
    filename = f"{name}-defended.toml" if defended else f"{name}.toml"
    return _run_cached(filename, json.dumps(overrides, sort_keys=True))


def scenario_value(name: str, *path: str, defended: bool = False) -> Any:
    value: Any = _data(f"{name}-defended.toml" if defended else f"{name}.toml")
    for key in path:
        value = value[key]
    return value


# -- the files -----------------------------------------------------------------------------------


def test_every_incident_file_validates():
    files = sorted(path.name for path in INCIDENTS.glob("*.toml"))
    expected = sorted(
        name for case in CASES for name in (f"{case.name}.toml", f"{case.name}-defended.toml")
    )
    assert files == expected
    for filename in files:
        scenario = load_scenario(INCIDENTS / filename)
        assert scenario.attacks, filename
        case = BY_NAME[filename.removesuffix(".toml").removesuffix("-defended")]
        assert [attack.kind for attack in scenario.attacks] == [case.kind], filename


def test_defended_files_change_only_the_defences():
    """Same committee size, workload and attack: what differs is the defence."""
    for case in CASES:
        plain, defended = _data(f"{case.name}.toml"), _data(f"{case.name}-defended.toml")
        for section in ("workload", "attacks", "adversary", "settlement"):
            assert plain[section] == defended[section], (case.name, section)
        assert plain["committee"]["members"] == defended["committee"]["members"], case.name


# -- each incident breaks the property it broke ----------------------------------------------------


@pytest.mark.parametrize("case", incident_params())
def test_incident_breaks_the_property_it_broke(case: Incident):
    run_ = outcome_of(case.name)
    assert set(case.violated) <= run_.failed(), (case.name, run_.result.verdicts)
    assert run_.outcome["unbacked_minted_peak"] > 0


@pytest.mark.parametrize("case", incident_params(defended=True))
def test_defended_variant_holds(case: Incident):
    run_ = outcome_of(case.name, defended=True)
    assert run_.safe(), (case.name, run_.result.violations[:3])
    for prop in case.violated:
        assert run_.result.verdicts[prop] in ("pass", "not_exercised"), (case.name, prop)
    assert run_.outcome["unbacked_minted_peak"] == 0
    assert run_.outcome["value_extracted"] == 0
    assert run_.of_kind("attack.submit") or run_.of_kind("attack.lock") or run_.of_kind(
        "attack.failed"
    ), "the attack must have been attempted"


# -- Ronin 2022 ---------------------------------------------------------------------------------


@needs("ronin-2022")
def test_ronin_drains_the_bridge_and_goes_unnoticed_for_six_days():
    run_ = outcome_of("ronin-2022")
    outcome = run_.outcome
    compromise = run_.of_kind("attack.compromise")[0].fields
    # Sky Mavis's four seats plus the Axie DAO seat through the stale delegation: five.
    assert compromise["seats"] == [0, 1, 2, 3, 4]
    amount = scenario_value("ronin-2022", "attacks")[0]["params"]["amount"]
    assert outcome["unbacked_minted_peak"] == amount == 625_000
    assert outcome["value_extracted"] == amount
    assert outcome["time_to_detect_s"] == pytest.approx(518_400.0)  # six days
    assert outcome["time_to_pause_s"] == pytest.approx(518_400.0)


@needs("ronin-2022")
def test_ronin_defended_revoked_delegation_leaves_sky_mavis_one_key_short():
    run_ = outcome_of("ronin-2022", defended=True)
    assert run_.of_kind("attack.compromise")[0].fields["seats"] == [0, 1, 2, 3]
    assert run_.reverted("certificate_below_threshold") >= 1


@needs("ronin-2022")
def test_ronin_defended_limits_bound_the_loss_even_with_the_delegation_live():
    # The root cause left in place, and an adversary that mints just under the cap, repeatedly.
    live = [{"grantor": "axie-dao", "grantee": "sky-mavis", "revoked": False}]
    cap = scenario_value("ronin-2022", "bridge", "limits", "per_transfer_cap", defended=True)
    attack = {**scenario_value("ronin-2022", "attacks", defended=True)[0],
              "params": {"amount": cap, "attempts": 20, "retry_every": 60.0,
                         "recipient": "ronin-exploiter", "pacing": "single"}}
    run_ = outcome_of("ronin-2022", defended=True, delegations=live, attacks=[attack])
    outcome = run_.outcome
    assert set(FORGERY) <= run_.failed()
    limits = scenario_value("ronin-2022", "bridge", "limits", defended=True)
    workload = scenario_value("ronin-2022", "workload", defended=True)
    honest = workload["deposits"] * workload["amount_max"]
    pause_at = outcome["times"]["pause"]
    bound = limits["rate_capacity"] + limits["rate_per_second"] * pause_at - honest
    assert outcome["time_to_pause_s"] == pytest.approx(300.0)
    assert 0 < outcome["value_extracted"] <= outcome["unbacked_minted_peak"] <= bound
    assert outcome["value_extracted"] == 200_000  # four mints of 50,000 fit the bucket
    assert outcome["value_extracted"] < outcome_of("ronin-2022").outcome["value_extracted"] / 3
    assert run_.reverted("rate_limited") >= 1


@needs("ronin-2022")
def test_ronin_defended_cap_stops_the_single_large_forgery_with_the_delegation_live():
    live = [{"grantor": "axie-dao", "grantee": "sky-mavis", "revoked": False}]
    attack = scenario_value("ronin-2022", "attacks", defended=True)[0]
    single = {**attack, "params": {**attack["params"], "pacing": "single"}}
    run_ = outcome_of("ronin-2022", defended=True, delegations=live, attacks=[single])
    assert run_.of_kind("attack.compromise")[0].fields["seats"] == [0, 1, 2, 3, 4]
    assert run_.safe()
    assert run_.reverted("per_transfer_cap") == 1


@needs("ronin-2022")
def test_ronin_defended_limits_bound_an_adaptive_adversary_with_the_delegation_live():
    # The same keys and target, forged by an adversary that reads the contract: under the
    # cap, within the bucket, waiting for its refill — never reverted, stopped by the pause.
    live = [{"grantor": "axie-dao", "grantee": "sky-mavis", "revoked": False}]
    run_ = outcome_of("ronin-2022", defended=True, delegations=live)
    outcome = run_.outcome
    limits = scenario_value("ronin-2022", "bridge", "limits", defended=True)
    forged = [e.fields["amount"] for e in run_.of_kind("mint") if e.fields["nonce"] >= 10**9]
    assert set(FORGERY) <= run_.failed()
    assert forged and max(forged) <= limits["per_transfer_cap"]
    assert run_.reverted("per_transfer_cap") == run_.reverted("rate_limited") == 0
    pause_at = outcome["times"]["pause"]
    assert sum(forged) <= limits["rate_capacity"] + limits["rate_per_second"] * pause_at
    assert 0 < outcome["value_extracted"] < outcome_of("ronin-2022").outcome["value_extracted"]


# -- Harmony 2022 -------------------------------------------------------------------------------


@needs("harmony-2022")
def test_harmony_two_of_five_keys_at_one_operator_give_eleven_withdrawals():
    run_ = outcome_of("harmony-2022")
    params = scenario_value("harmony-2022", "attacks")[0]["params"]
    submits = run_.of_kind("attack.submit")
    assert len(submits) == params["attempts"] == 11
    assert {e.fields.get("direction") for e in submits} == {"withdrawal"}
    assert not [e for e in run_.of_kind("mint") if e.fields["nonce"] >= 10**9]
    # Paid out of the escrow: the honest wrapped tokens it backed are unbacked by as much.
    assert run_.paid_to("horizon-exploiter") == 11 * params["amount"] == 100_001
    assert run_.outcome["unbacked_minted_peak"] == 100_001
    assert run_.outcome["value_extracted"] == 100_001


@needs("harmony-2022")
def test_harmony_defended_four_of_five_independent_keys_reject_every_forgery():
    run_ = outcome_of("harmony-2022", defended=True)
    assert run_.of_kind("attack.compromise")[0].fields["seats"] == [0]
    assert run_.reverted("certificate_below_threshold") == 11


# -- Multichain 2023 ----------------------------------------------------------------------------


@needs("multichain-2023")
def test_multichain_one_cloud_account_signs_after_a_46_day_dwell():
    run_ = outcome_of("multichain-2023")
    outcome = run_.outcome
    assert run_.result.metrics["custody"]["scheme"] == "threshold-bls"
    assert run_.of_kind("attack.compromise")[0].fields["seats"] == [0, 1, 2, 3, 4]
    assert outcome["dwell_s"] == pytest.approx(3_974_400.0)  # 46 days
    assert outcome["unbacked_minted_peak"] == outcome["value_extracted"] == 126_000


@needs("multichain-2023")
def test_multichain_defended_one_share_cannot_sign():
    """One share of three: the adversary submits what it makes of it, and the settlement
    contract's pairing check refuses it (the run tests the defence, not just its absence)."""
    run_ = outcome_of("multichain-2023", defended=True)
    (short,) = run_.of_kind("attack.short_forgery")
    assert short.fields["shares"] == 1 < short.fields["threshold"] == 3
    (submitted,) = run_.of_kind("attack.submit")
    reverted = [e for e in run_.of_kind("tx.reverted") if e.fields["tx"] == submitted.fields["tx"]]
    assert [e.fields["check"] for e in reverted] == ["certificate_group_signature"]
    assert run_.result.inconclusive == []


# -- Wormhole 2022 ------------------------------------------------------------------------------


@needs("wormhole-2022")
def test_wormhole_empty_certificate_mints_120k_and_the_lock_box_bounds_what_leaves():
    run_ = outcome_of("wormhole-2022")
    outcome = run_.outcome
    submitted = run_.of_kind("attack.submit")[0].fields
    assert submitted["signatures"] == 0
    assert outcome["unbacked_minted_peak"] == 120_000
    workload = scenario_value("wormhole-2022", "workload")
    lock_box = (workload["deposits"] - workload["withdrawals"]) * workload["amount_max"]
    # Minted is not extracted: the lock-box (93,760) is all that can leave, and it does.
    assert outcome["value_extracted"] == lock_box == 93_760 < outcome["unbacked_minted_peak"]


@needs("wormhole-2022")
def test_wormhole_defended_correct_verifier_rejects_the_empty_certificate():
    run_ = outcome_of("wormhole-2022", defended=True)
    assert run_.reverted("certificate_below_threshold") == 1


@needs("wormhole-2022")
def test_wormhole_accountant_alone_stops_the_forgery_with_the_flaw_still_deployed():
    run_ = outcome_of("wormhole-2022", defended=True,
                      bridge={"flaws": ["skip_verification_if_empty"]})
    assert run_.safe()
    assert run_.reverted("accountant") >= 1
    assert run_.outcome["unbacked_minted_peak"] == 0


# -- Nomad 2022 ---------------------------------------------------------------------------------


@needs("nomad-2022")
def test_nomad_copycats_drain_the_bridge():
    run_ = outcome_of("nomad-2022")
    schedule = scenario_value("nomad-2022", "attacks")[0]["schedule"]
    assert len(run_.of_kind("attack.submit")) == schedule["count"] == 960
    workload = scenario_value("nomad-2022", "workload")
    tvl = (workload["deposits"] - workload["withdrawals"]) * workload["amount_max"]
    assert tvl == 190_740
    assert run_.outcome["unbacked_minted_peak"] == 960 * 202 == 193_920
    # The lock-box is emptied: everything the honest users left behind is gone.
    assert run_.outcome["value_extracted"] == tvl


@needs("nomad-2022")
def test_nomad_defended_rejects_every_copycat_at_the_zero_root():
    run_ = outcome_of("nomad-2022", defended=True)
    assert run_.reverted("root_not_accepted") == 960


@needs("nomad-2022")
def test_nomad_challenge_window_on_mints_stops_it_even_with_the_zero_root_trusted():
    run_ = outcome_of("nomad-2022", defended=True, bridge={"flaws": ["zero_root_trusted"]})
    assert run_.safe()
    assert run_.outcome["unbacked_minted_peak"] == 0
    assert run_.of_kind("mint.challenged")


@needs("nomad-2022")
def test_nomad_rate_limit_and_watcher_bound_it_without_the_challenge_window():
    # Nomad's real fraud window never saw this path: take it away and keep the zero root.
    run_ = outcome_of("nomad-2022", defended=True, bridge={"flaws": ["zero_root_trusted"]},
                      defences={"challenge_window": 0.0})
    outcome = run_.outcome
    assert set(FORGERY) <= run_.failed()
    limits = scenario_value("nomad-2022", "bridge", "limits", defended=True)
    workload = scenario_value("nomad-2022", "workload", defended=True)
    honest = workload["deposits"] * workload["amount_max"]
    bound = limits["rate_capacity"] + limits["rate_per_second"] * outcome["times"]["pause"] - honest
    assert outcome["time_to_pause_s"] == pytest.approx(300.0)
    assert 0 < outcome["value_extracted"] <= outcome["unbacked_minted_peak"] <= bound
    assert (outcome["unbacked_minted_peak"], outcome["value_extracted"]) == (6_262, 5_050)
    assert outcome["value_extracted"] < outcome_of("nomad-2022").outcome["value_extracted"] / 10


# -- Poly Network 2021 --------------------------------------------------------------------------


@needs("poly-network-2021")
def test_poly_message_replaces_the_keepers_then_mints_at_will():
    run_ = outcome_of("poly-network-2021")
    violation = next(v for v in run_.result.violations
                     if v["property"] == "safety.trust-root-governed")
    assert violation["event_kind"] == "trust_root"
    assert run_.of_kind("attack.root_replaced")
    assert run_.outcome["unbacked_minted_peak"] == 611_000
    assert run_.outcome["value_extracted"] == 611_000


@needs("poly-network-2021")
def test_poly_defended_allow_list_leaves_the_keepers_in_place():
    run_ = outcome_of("poly-network-2021", defended=True)
    failed = run_.of_kind("attack.failed")
    assert failed and failed[0].fields["reason"] == "trust_root_unchanged"


@needs("poly-network-2021")
def test_poly_timelock_and_watcher_veto_the_change_with_the_flaw_still_deployed():
    run_ = outcome_of("poly-network-2021", defended=True,
                      bridge={"flaws": ["arbitrary_message_calls"]})
    assert run_.safe()
    assert run_.outcome["unbacked_minted_peak"] == 0
    assert not run_.of_kind("attack.root_replaced")
    assert run_.outcome["times"]["pause"] == pytest.approx(912.0)


# -- Qubit 2022 ---------------------------------------------------------------------------------


@needs("qubit-2022")
def test_qubit_lock_event_with_nothing_locked_is_minted_and_drains_the_escrow():
    run_ = outcome_of("qubit-2022")
    # The escrow booked the lock, so the books balance: only the escrow's holdings show it.
    assert run_.failed() & {p for p in REGISTERED if p.startswith("safety.")} == {
        "safety.escrow-covers-supply"
    }
    assert run_.outcome["unbacked_minted_peak"] == 77_162
    workload = scenario_value("qubit-2022", "workload")
    escrow = (workload["deposits"] - workload["withdrawals"]) * workload["amount_max"]
    # The honest escrow (33,360) is all that can leave of the 77,162 minted, and it does.
    assert run_.paid_to("qubit-exploiter") == escrow == 33_360


@needs("qubit-2022")
def test_qubit_defended_correct_escrow_refuses_the_zero_address_deposit():
    run_ = outcome_of("qubit-2022", defended=True)
    failed = run_.of_kind("attack.failed")
    assert failed and failed[0].fields["check"] == "sender_balance"


@needs("qubit-2022")
def test_qubit_mint_cap_alone_stops_it_with_the_flaw_still_deployed():
    run_ = outcome_of("qubit-2022", defended=True,
                      bridge={"flaws": ["lock_event_without_transfer"]})
    assert run_.safe()
    assert run_.reverted("per_transfer_cap") >= 1
    assert run_.outcome["unbacked_minted_peak"] == 0


@needs("qubit-2022")
def test_qubit_accountant_reading_the_books_is_fooled_by_the_flawed_lock():
    # Documents a limit: the accountant compares with locked - released, which the flaw inflates.
    run_ = outcome_of("qubit-2022", defended=True,
                      bridge={"flaws": ["lock_event_without_transfer"],
                              "limits": {"per_transfer_cap": None}},
                      defences={"accountant": True})
    assert "safety.escrow-covers-supply" in run_.failed()
    assert run_.outcome["unbacked_minted_peak"] == 77_162
    assert run_.reverted("accountant") == 0
