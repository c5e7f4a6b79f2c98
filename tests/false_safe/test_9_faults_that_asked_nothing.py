"""False-safe regressions, faults that asked the bridge nothing: Byzantine validators with no
consensus round to misbehave in read "consortium agreement held", a reorg that undid no bridge
transaction read "reorgs handled", a duplication or loss window, a crash or a censoring
proposer with no traffic read withstood, and a forged release the escrow refused only for
want of funds read "refused", though it had passed the certificate check. Each control shows
the same attack strikes when it can.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bridgelab.runner import run
from tests.conftest import small_scenario

# The small scenario's transfers are all delivered by about 380 s: nothing happens after.
LATE = {"at": 400.0}
HEAL = {"after": 60.0}


def _run(attacks: list[dict[str, Any]], **extra: Any):
    return run(small_scenario({**extra, "attacks": attacks}), 1)


def _failed(result) -> list[str]:
    return [prop for prop, verdict in result.verdicts.items() if verdict == "fail"]


def _byzantine(kind: str, **schedule: Any) -> dict[str, Any]:
    return {"kind": kind, "targets": {"select": "f+1"}, "schedule": schedule or {"at": 30.0}}


IDLE = {
    "equivocation with no round": {**_byzantine("consortium.equivocate", **LATE), "heal": HEAL},
    "twins with no round": {**_byzantine("consortium.twins", **LATE), "heal": HEAL},
    "a split proposal with no round": {**_byzantine("consortium.split-proposal", **LATE),
                                       "heal": HEAL},
    "conflicting votes with no round": {**_byzantine("consortium.conflicting-votes", **LATE),
                                        "heal": HEAL},
    "withheld votes with no round": {**_byzantine("consortium.withhold-votes", **LATE),
                                     "heal": HEAL},
    "a reorg that undid no bridge transaction": {
        "kind": "settlement.reorg", "schedule": LATE, "params": {"depth": 2}},
    "duplication with no traffic": {
        "kind": "network.duplicate", "schedule": LATE, "heal": HEAL,
        "params": {"between": ["relayer", "member"], "probability": 0.5}},
    "a censoring proposer with nothing to leave out": {
        "kind": "settlement.censor", "schedule": LATE, "heal": HEAL,
        "params": {"fraction": 1.0}},
    "a crashed member nobody asks": {
        "kind": "node.crash", "targets": {"select": "all"}, "schedule": LATE, "heal": HEAL,
        "params": {"role": "member"}},
    "crashed relayers with nothing to carry": {
        "kind": "node.crash", "targets": {"relayers": "all"}, "schedule": LATE, "heal": HEAL,
        "params": {"role": "relayer"}},
    "a demand spike with no bridge transaction": {
        "kind": "settlement.congestion", "schedule": LATE, "params": {"duration": 60.0}},
    "loss with no traffic": {
        "kind": "network.loss", "schedule": LATE, "heal": HEAL,
        "params": {"between": ["relayer", "member"], "probability": 0.5}},
}
STRIKES = {
    "equivocation in traffic": _byzantine("consortium.equivocate"),
    "withheld votes in traffic": {**_byzantine("consortium.withhold-votes"), "heal": HEAL},
    "a reorg of bridge transactions": {
        "kind": "settlement.reorg", "schedule": {"at": 60.0}, "params": {"depth": 3}},
    "duplication in traffic": {**IDLE["duplication with no traffic"], "schedule": {"at": 30.0}},
    "loss in traffic": {**IDLE["loss with no traffic"], "schedule": {"at": 30.0}},
    "a demand spike in traffic": {**IDLE["a demand spike with no bridge transaction"],
                                  "schedule": {"at": 30.0}},
    "crashed members in traffic": {**IDLE["a crashed member nobody asks"],
                                   "schedule": {"at": 30.0}},
    "crashed relayers in traffic": {**IDLE["crashed relayers with nothing to carry"],
                                    "schedule": {"at": 30.0}},
    "a censoring proposer in traffic": {
        **IDLE["a censoring proposer with nothing to leave out"], "schedule": {"at": 30.0}},
}


@pytest.mark.parametrize("case", sorted(IDLE))
def test_a_fault_that_asked_the_bridge_nothing_is_inconclusive(case):
    result = _run([{**IDLE[case], "name": "idle"}])
    assert not _failed(result), result.verdicts
    assert any("idle" in reason for reason in result.inconclusive), result.inconclusive


@pytest.mark.parametrize("case", sorted(STRIKES))
def test_the_same_fault_strikes_when_it_can(case):
    result = _run([{**STRIKES[case], "name": "striking"}])
    assert not any("striking" in reason for reason in result.inconclusive), result.inconclusive


def test_a_commit_too_short_to_stand_is_pushed_and_refused():
    """Fewer Byzantine validators than the quorum still push their conflicting commit; the
    members refuse every proof built on it, and that refusal is the test."""
    attack = {**_byzantine("consortium.conflicting-votes"), "targets": {"select": "f"}}
    captured: dict[str, Any] = {}
    result = run(small_scenario({"attacks": [attack]}), 1, keep_history=True,
                 setup=lambda bridge: captured.update(bridge=bridge))
    assert result.inconclusive == [] and not _failed(result)
    events = captured["bridge"].world.history.events
    assert [e.kind for e in events].count("commit.short") == 1
    assert {e.fields["check"] for e in events if e.kind == "endorse.refused"} == {
        "header_commit"}


def test_a_forged_release_refused_only_for_want_of_funds_was_accepted():
    flawed = {"bridge": {"flaws": ["foreign_burn_events"]}}
    forged = {"kind": "forge.foreign_burn", "name": "overdraw", "schedule": {"at": 100.0}}
    result = _run([forged], **flawed)  # 10,000,000 asked of an escrow holding far less
    assert not _failed(result)
    assert any("overdraw" in reason and "forged release accepted" in reason
               for reason in result.inconclusive), result.inconclusive
    within = _run([{**forged, "params": {"amount": 1_000}}], **flawed)
    assert "safety.release-backed-by-final-burn" in _failed(within)


def test_a_run_with_no_transfer_and_no_attack_vouches_for_nothing():
    """Every lock reverted (no user is allowed on the chain): blocks were committed, so the
    chain's agreement held, but nothing reached the bridge."""
    result = run(small_scenario({"consortium": {"kyc": ["nobody"]}}), 1)
    assert result.exit_code == 2
    assert any("no transfer reached the bridge" in reason for reason in result.inconclusive)
    assert run(small_scenario(), 1).inconclusive == []


@pytest.mark.parametrize("name", ["l2-sequencer-halt", "l2-sequencer-censor",
                                  "l2-oracle-offline"])
def test_an_l2_fault_with_no_l2_transaction_to_hold_is_inconclusive(name):
    """The shipped L2 scenarios, their fault moved to after the last transfer: no
    transaction for the sequencer to hold up, no deposit for the oracle to miss."""
    import tomllib
    from pathlib import Path

    from bridgelab.scenario import parse_scenario

    path = Path(__file__).parents[2] / "attacks" / f"{name}.toml"
    data = tomllib.loads(path.read_text())
    data["attacks"][0] |= {"name": "sequencer", "schedule": {"at": 5_000.0},
                           "heal": {"after": 60.0}}
    late = run(parse_scenario(data, str(path)), 1)
    assert not _failed(late)
    assert any("sequencer" in reason for reason in late.inconclusive), late.inconclusive
    data["attacks"][0]["schedule"] = {"at": 300.0}
    data["attacks"][0]["heal"] = {"after": 1_200.0}
    assert run(parse_scenario(data, str(path)), 1).inconclusive == []


# -- a third review's findings -------------------------------------------------------------------

def _named_reason(result, name: str) -> bool:
    """Whether an inconclusive reason lists the attack `name` (reasons list names as
    "(a, b)")."""
    return any(re.search(rf"[(, ]{re.escape(name)}[,)]", reason)
               for reason in result.inconclusive)


def test_a_censor_that_left_nothing_out_is_not_credited_with_anothers_exclusions():
    nobody = {"kind": "settlement.censor", "name": "nobody", "schedule": {"at": 30.0},
              "heal": HEAL, "params": {"fraction": 1.0, "addresses": ["nobody-at-all"]}}
    bridge = {**nobody, "name": "bridge", "params": {"fraction": 1.0}}
    result = _run([nobody, bridge])
    assert _named_reason(result, "nobody") and not _named_reason(result, "bridge")


def test_a_short_commit_nobody_carried_is_not_tested_by_anothers_refusals():
    unseen = {"kind": "consortium.conflicting-votes", "name": "unseen",
              "targets": {"nodes": ["validator-5", "validator-6"]}, "schedule": {"at": 30.0},
              "heal": {"after": 100.0}}
    seen = {**unseen, "name": "seen", "schedule": {"at": 45.0}, "heal": {"after": 20.0},
            "targets": {"nodes": ["validator-0", "validator-1", "validator-2"]}}
    result = _run([unseen, seen])
    assert _named_reason(result, "unseen") and not _named_reason(result, "seen")


def test_a_split_no_honest_validator_received_asked_nobody():
    byzantine = ["validator-0", "validator-1"]
    split = {"kind": "consortium.equivocate", "name": "split", "targets": {"nodes": byzantine},
             "schedule": {"at": 30.0}, "heal": HEAL}
    cut = {"kind": "network.partition", "name": "cut", "schedule": {"at": 20.0},
           "heal": {"after": 80.0}, "params": {
               "side_a": byzantine, "side_b": [f"validator-{i}" for i in range(2, 7)]}}
    assert _named_reason(_run([cut, split]), "split")
    assert not _named_reason(_run([split]), "split")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_short_commit_does_not_hide_the_block_at_its_height(seed):
    """Relayers carry a Byzantine minority's short commit for the members to refuse, and
    still carry the chain's own block at that height: every honest deposit is minted."""
    attack = {"kind": "consortium.conflicting-votes", "schedule": {"at": 60.0},
              "targets": {"nodes": ["validator-2", "validator-5", "validator-6"]}}
    result = run(small_scenario({"attacks": [attack]}), seed)
    assert not _failed(result) and result.inconclusive == [], (result.verdicts,
                                                               result.inconclusive)


def test_overlapping_link_faults_each_take_off_only_their_own_setting():
    """Loss A (0.9) then loss B (0.5) on the same links; A heals first. B's heal used to put
    A's 0.9 back, under A's name, for the rest of the run."""
    first = {"kind": "network.loss", "name": "first", "schedule": {"at": 30.0},
             "heal": {"after": 60.0},
             "params": {"between": ["relayer", "member"], "probability": 0.9}}
    second = {**first, "name": "second", "schedule": {"at": 40.0}, "heal": {"after": 100.0},
              "params": {"between": ["relayer", "member"], "probability": 0.5}}
    captured: dict[str, Any] = {}
    result = run(small_scenario({"attacks": [first, second]}), 1,
                 setup=lambda bridge: captured.update(bridge=bridge))
    network = captured["bridge"].world.network
    links = [edge for edge in network._links.values() if "loss" in edge]
    assert links and all(edge["loss"] == 0.0 and "loss_by" not in edge for edge in links)
    assert not _failed(result), result.verdicts


@pytest.mark.parametrize("kind", ["network.partition", "node.crash"])
def test_a_fault_healing_first_does_not_end_anothers_on_the_same_target(kind):
    """Two faults on one relayer's links (or the relayer itself); the first heals at 90 s.
    The second still holds until its own heal at 140 s."""
    params = ({"side_a": ["relayer-0"], "side_b": ["settlement", "validator", "member"]}
              if kind == "network.partition" else {"role": "relayer"})
    targets = {} if kind == "network.partition" else {"targets": {"nodes": ["relayer-0"]}}
    first = {"kind": kind, "name": "first", "schedule": {"at": 30.0}, "heal": {"after": 60.0},
             "params": params, **targets}
    second = {**first, "name": "second", "schedule": {"at": 40.0}, "heal": {"after": 100.0}}
    captured: dict[str, Any] = {}

    def probe(bridge) -> None:
        captured["bridge"] = bridge
        env, network = bridge.world.env, bridge.world.network

        def at_100():
            yield env.timeout(100.0)
            captured["cut"] = network.is_cut("relayer-0", "settlement")
            captured["up"] = network.nodes["relayer-0"].up

        env.process(at_100())

    run(small_scenario({"attacks": [first, second]}), 1, setup=probe)
    if kind == "network.partition":
        assert captured["cut"] is True
    else:
        assert captured["up"] is False


# -- a fourth review's findings ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["l2.sequencer_halt", "l2.sequencer_censor"])
def test_a_sequencer_fault_between_two_soft_block_ticks_held_nothing_up(kind):
    """A window that opens and heals between two ticks (0.25 s apart) delays no transaction,
    though one may be queued or submitted during it."""
    import tomllib
    from pathlib import Path

    from bridgelab.scenario import parse_scenario

    path = Path(__file__).parents[2] / "attacks" / "l2-sequencer-halt.toml"
    data = tomllib.loads(path.read_text())
    data["attacks"] = [{"kind": kind, "name": "brief", "schedule": {"at": 85.751808},
                        "heal": {"after": 0.124096}}]
    result = run(parse_scenario(data, str(path)), 1)
    assert _named_reason(result, "brief"), result.inconclusive


def test_a_split_whose_lock_block_no_honest_validator_received_asked_nothing():
    """Side A (which receives the block carrying the adversary's lock) names no validator:
    honest validators signed only the ordinary block B."""
    import tomllib
    from pathlib import Path

    from bridgelab.scenario import parse_scenario

    path = Path(__file__).parents[2] / "attacks" / "consortium-equivocate.toml"
    data = tomllib.loads(path.read_text())
    data["attacks"][0] |= {"name": "split"}
    data["attacks"][0].setdefault("params", {})["side_a"] = ["relayer-0"]
    result = run(parse_scenario(data, str(path)), 1)
    assert _named_reason(result, "split"), result.inconclusive


@pytest.mark.parametrize("name", ["oracle-manipulate", "oracle-stale", "oracle-default-late"])
def test_an_oracle_attack_nobody_read_the_feed_during_is_inconclusive(name):
    """The shipped oracle scenarios with the lending market off: nothing reads the feed, so
    a lying, silent or late reporter misleads nobody."""
    import tomllib
    from pathlib import Path

    from bridgelab.scenario import parse_scenario

    path = Path(__file__).parents[2] / "attacks" / f"{name}.toml"
    data = tomllib.loads(path.read_text())
    data["attacks"][0]["name"] = "oracle"
    assert run(parse_scenario(data, str(path)), 1).inconclusive == []
    data["oracle"].setdefault("lending", {})["enabled"] = False
    unread = run(parse_scenario(data, str(path)), 1)
    assert not _failed(unread)
    assert _named_reason(unread, "oracle"), unread.inconclusive


# -- a fifth review's findings -------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"factor": 1_000.0, "priority_factor": 1_000.0, "duration": 5.0},  # between two slots
    {"factor": 1.0, "priority_factor": 1.0, "duration": 600.0},  # raises nothing
])
def test_a_demand_spike_no_block_felt_tested_nothing(params):
    spike = {"kind": "settlement.congestion", "name": "spike", "schedule": {"at": 50.0},
             "params": params}
    result = _run([spike])
    assert _named_reason(result, "spike"), result.inconclusive


def _shipped(name: str) -> tuple[dict[str, Any], str]:
    import tomllib
    from pathlib import Path

    path = Path(__file__).parents[2] / "attacks" / f"{name}.toml"
    return tomllib.loads(path.read_text()), str(path)


def test_an_oracle_attack_read_only_in_its_first_instant_changed_nothing():
    """A one-second window opening on the lending keeper's read: no report was withheld in
    it, and the read came before anything could change."""
    from bridgelab.scenario import parse_scenario

    data, path = _shipped("oracle-stale")
    data["attacks"][0] |= {"name": "brief", "schedule": {"at": 600.0}, "heal": {"after": 1.0}}
    result = run(parse_scenario(data, path), 1)
    assert _named_reason(result, "brief"), result.inconclusive


def test_offline_oracle_members_that_missed_no_approval_tested_nothing():
    """Half a second offline while a deposit waited: every approval came due after the heal,
    so nothing was missed."""
    data, _path = _shipped("baseline-l2")
    offline = {"kind": "l2.oracle_offline", "name": "offline", "targets": {"select": "all"},
               "schedule": {"at": 21.0}, "heal": {"after": 0.5}}
    result = _run([offline], l2=data["l2"])
    assert _named_reason(result, "offline"), result.inconclusive
