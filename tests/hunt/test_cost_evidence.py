"""The cost-to-break search never reads missing evidence as "no set breaks it".

Each test reproduces an audit finding (scratch inputs in /tmp/audit-hunt/): a probe that
proved nothing counted as "held" and the search as complete; the probe never forged
withdrawals, into an empty escrow; consortium validators and the L2 inbox were never probed
yet the search called itself complete; a delay the probe could not dodge was cut off its
horizon. Real probes, real runs: nothing under test is replaced.
"""

from __future__ import annotations

import copy
from typing import Any

from bridgelab.hunt.cost import Evaluator, cheapest_break
from bridgelab.hunt.probe import search_gaps
from bridgelab.nemesis.bound import loss_bound
from bridgelab.scenario import parse_scenario
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.reader import read_toml
from tests.conftest import ATTACKS


def _entities(*seats: list[int], **extra: Any) -> list[dict[str, Any]]:
    return [{"name": "abcdefgh"[index], "members": members, "cost": 1.0, **extra}
            for index, members in enumerate(seats)]


# A 3-of-4 multisig with no defences (/tmp/audit-hunt/nospike.toml).
MULTISIG: dict[str, Any] = {
    "scenario": {"name": "multisig", "duration": 3600.0},
    "committee": {"members": 4, "threshold": 3, "required": [], "custody": "multisig"},
    "settlement": {"finality_slots": 4},
    "workload": {"users": 4, "deposits": 10, "withdrawals": 0, "deposit_interval": 5.0},
}
# ... plus a demand spike that prices every bridge transaction out for ten minutes.
SPIKE = {**MULTISIG, "settlement": {"finality_slots": 4, "demand": {"spikes": [
    {"start": 0.0, "end": 600.0, "factor": 4.0, "priority_factor": 100.0}]}}}
# Only user-000 (the probe's honest depositor) may lock or be paid by the escrow: a forged
# release to the attacker is refused, so only forged mints can break the bridge.
RELEASES_REFUSED = {"kyc": ["user-000"]}
THREE = ("operator-0", "operator-1", "operator-2")
# A bridge no set of keys breaks: every mint waits out a challenge window in which a watcher
# cancels one with no lock, and the escrow pays only user-000.
GUARDED: dict[str, Any] = {
    **MULTISIG,
    "defences": {"challenge_window": 600.0, "watcher": {
        "enabled": True, "pause": False, "detection_delay": {"dist": "fixed", "value": 60.0}}},
    "consortium": RELEASES_REFUSED,
}


def _scenario(base: dict[str, Any], **sections: Any) -> Scenario:
    data = copy.deepcopy(base)
    data.update(copy.deepcopy(sections))
    return parse_scenario(data, data["scenario"]["name"])


class CutShort(Evaluator):
    """Probes cut to the four slots the audit saw (49 s), as a congested chain leaves them:
    the forged mint still in the mempool when the run ends."""

    def probe_scenario(self, entities: tuple[str, ...]) -> Scenario:
        probe = super().probe_scenario(entities)
        meta = probe.scenario.model_copy(update={"duration": 49.0})
        return probe.model_copy(update={"scenario": meta})


# -- (1) a probe that proved nothing is unknown, never "held" ------------------------------


def test_a_probe_whose_forged_mint_is_still_in_the_mempool_proves_nothing():
    """/tmp/audit-hunt/spike.toml, the probe ending during the spike: the forged mint never
    left the mempool, yet 'no set breaks it' was called complete and the report read SAFE."""
    scenario = _scenario(SPIKE, consortium=RELEASES_REFUSED)
    evaluator = CutShort(scenario, 1)
    found = cheapest_break(scenario, 1, evaluator=evaluator)
    assert found.entities is None
    assert not found.complete, "a search whose probes proved nothing is not complete"
    unknown = dict(found.unknown)
    assert set(unknown) == set(evaluator.outcomes) and len(unknown) == found.evaluations == 15
    # The checker's own reason, read from the history: the forgery never left the mempool.
    assert any("still pending when the run ended" in reason for reason in unknown[THREE])
    assert evaluator.outcome(THREE).verdict == "unknown"


def test_the_probe_outlasts_a_demand_spike_and_finds_the_break_it_hid():
    """The same spike, probes left to their own horizon: it covers the spike, so the forged
    mint lands; the three operators break it and every cheaper set provably holds."""
    scenario = _scenario(SPIKE, consortium=RELEASES_REFUSED)
    evaluator = Evaluator(scenario, 1)
    found = cheapest_break(scenario, 1, evaluator=evaluator)
    assert found.entities == THREE and found.cost == 3.0
    assert found.loss is not None and found.loss["forged_mints"] >= 1
    assert found.loss["first_at"] >= 600.0  # after the spike
    assert found.unknown == () and found.unsettled == ()
    assert {o.verdict for k, o in evaluator.outcomes.items() if k != THREE} == {"held"}


def test_a_delay_the_adversary_cannot_dodge_is_inside_the_probe_when_the_bucket_never_refills():
    """A bucket of 5M that never refills and a one-hour delay on every mint: the probe ran
    four slots (the delay dropped from its horizon), the forged mint still queued at its end."""
    limits = {"rate_capacity": 5_000_000, "rate_per_second": 0.0, "delay_threshold": 1,
              "delay": 3_600.0}
    scenario = _scenario(MULTISIG, bridge={"limits": limits}, consortium=RELEASES_REFUSED)
    found = cheapest_break(scenario, 1)
    assert found.entities == THREE, (found.entities, found.unsettled, found.unknown)
    assert found.loss is not None and found.loss["forged_mints"] >= 1
    assert found.witness_scenario is not None
    assert found.witness_scenario.scenario.duration > 3_600.0


# -- (3) forged withdrawals, from an escrow that holds something -------------------------


def test_forged_releases_break_a_bridge_whose_accountant_guards_only_mints():
    """/tmp/audit-hunt/acct.toml: an accountant refuses unbacked mints, but three keys sign a
    release no burn backs. The search said 'no set breaks it (15 sets checked)'."""
    scenario = _scenario(MULTISIG, defences={"accountant": True},
                         entities=_entities([0], [1], [2], [3]))
    found = cheapest_break(scenario, 1)
    assert found.entities == ("a", "b", "c") and found.cost == 3.0
    assert found.witness is not None and found.loss is not None
    assert found.witness.verdicts["safety.release-backed-by-final-burn"] == "fail"
    assert found.loss["forged_releases"] >= 1 and found.loss["released"] > 0
    # Deterministic: the same seed gives the same search.
    again = cheapest_break(scenario, 1)
    assert (again.entities, again.evaluations, again.loss) == (
        found.entities, found.evaluations, found.loss)


def test_a_weak_escrow_falls_to_the_one_entity_that_meets_its_threshold():
    """/tmp/audit-hunt/escrow-weak.toml: a 4-of-5 committee whose escrow accepts 2
    signatures. `big` holds two seats and drains the escrow alone (cost 1); the search said
    big, e2 and e3 (cost 3)."""
    scenario = _scenario(
        {**MULTISIG, "committee": {"members": 5, "threshold": 4, "required": [],
                                   "custody": "multisig"}},
        bridge={"verifier": {"escrow_threshold_override": 2}},
        entities=[{"name": "big", "members": [0, 1], "cost": 1.0},
                  *({"name": f"e{m}", "members": [m], "cost": 1.0} for m in (2, 3, 4))],
    )
    found = cheapest_break(scenario, 1)
    assert found.entities == ("big",) and found.cost == 1.0
    assert found.witness is not None
    assert found.witness.verdicts["safety.release-backed-by-final-burn"] == "fail"


def test_entities_running_consortium_validators_leave_the_search_incomplete():
    """No set of committee keys breaks the guarded bridge, but the entities also run
    consortium validators, which no probe takes: 'no set breaks it' is not complete."""
    guarded = cheapest_break(_scenario(GUARDED, entities=_entities([0, 1], [2, 3])), 1)
    # The control: without validators the same search vouches for every set.
    assert guarded.entities is None and guarded.complete and guarded.gaps == ()
    scenario = _scenario(GUARDED, entities=[
        {"name": "a", "members": [0, 1], "validators": [0], "cost": 1.0},
        {"name": "b", "members": [2, 3], "validators": [1], "cost": 1.0}])
    found = cheapest_break(scenario, 1)
    assert found.entities is None and found.unknown == ()
    assert not found.complete
    assert any("consortium validators" in gap for gap in found.gaps)


def test_a_flaw_that_needs_no_key_leaves_the_search_incomplete():
    """The probes forge with committee keys: a switched-on flaw a forgery exploits with no
    key (an empty certificate passing) is a way to break it that none of them tries."""
    scenario = _scenario(GUARDED, entities=_entities([0, 1], [2, 3]),
                         bridge={"flaws": ["skip_verification_if_empty"]})
    found = cheapest_break(scenario, 1)
    assert found.entities is None and not found.complete
    assert any("skip_verification_if_empty switched on need no key" in gap
               for gap in found.gaps)
    # A flaw only key holders can exploit is one the probes do try.
    keyed = _scenario(GUARDED, entities=_entities([0, 1], [2, 3]),
                      bridge={"flaws": ["duplicate_signers_counted"]})
    assert search_gaps(keyed) == ()


def test_a_users_own_contract_is_a_gap_until_its_keyless_probe_settles():
    """Key probes send no keyless forgery: the user's contract is a gap unless the keyless
    probe (hunt/keyless.py) broke it or vouched that it withstands them."""
    scenario = parse_scenario(read_toml(ATTACKS / "byo-contract" / "scenario.toml"), "s.toml")
    gaps = search_gaps(scenario)
    assert len(gaps) == 1 and "forge.unbound_digest" in gaps[0]
    assert search_gaps(scenario, keyless_settled=True) == ()


# -- (4) the L2 inbox: not probed, so never complete; its lane unbounded -----------------------

L2 = {"enabled": True, "destination": "l2", "batch_interval": 60.0}


def test_a_bridge_delivering_to_its_l2_is_never_searched_complete():
    """/tmp/audit-hunt/acct-l2.toml: the L2 inbox ignores the cap, rate limit and
    accountant, and no probe forges through it: 'nothing broke' vouches for nothing there."""
    scenario = _scenario(GUARDED, l2=L2, entities=_entities([0, 1], [2, 3]))
    found = cheapest_break(scenario, 1)
    assert found.entities is None and not found.complete
    assert any("L2 inbox was not probed" in gap for gap in found.gaps)


def test_the_loss_bound_is_unbounded_on_the_l2_lane():
    """A cap, a bucket and a pausing watcher bound the L1 lane; the L2 inbox checks none of
    them, so the bound the search reports is none."""
    sections = {
        "bridge": {"limits": {"per_transfer_cap": 100_000, "rate_capacity": 200_000,
                              "rate_per_second": 10.0}},
        "defences": {"watcher": {"enabled": True,
                                 "detection_delay": {"dist": "fixed", "value": 60.0}}},
    }
    l1 = _scenario(MULTISIG, **sections)
    l2 = _scenario(MULTISIG, l2=L2, **sections)
    assert loss_bound(l1)["bounded"]
    bound = loss_bound(l2)
    assert bound["bounded"] is False and "l2" in bound["unbounded_lanes"]
    assert all(point["bound"] is None for point in bound["at"].values())
    assert bound["l1_only"]["bounded"], "the L1 limits alone bound the L1 lane"


def test_the_report_says_why_the_l2_lane_has_no_loss_bound():
    from bridgelab.report import words

    sections = {
        "bridge": {"limits": {"per_transfer_cap": 100_000, "rate_capacity": 200_000,
                              "rate_per_second": 10.0}},
        "defences": {"watcher": {"enabled": True,
                                 "detection_delay": {"dist": "fixed", "value": 60.0}}},
    }
    text = words.loss_bound(loss_bound(_scenario(MULTISIG, l2=L2, **sections)))
    assert text.startswith("Loss bound: none. On the L2 lane, deposits are delivered")
    assert "with no cap or rate limit" not in text
