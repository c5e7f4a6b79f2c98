"""The monitor can fail: a flawed verifier lets a colluding minority mint against no lock."""

from __future__ import annotations

import pytest

from bridgelab.checker.api import UserProperty
from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.monitor import Monitor
from bridgelab.checker.policy import CommitteePolicy
from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.core.history import Event
from bridgelab.core.rng import Streams
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.protocol import rotation
from bridgelab.protocol.messages import (
    BridgeMessage,
    certificate_fields,
    certificate_from_fields,
    trust_root_fields,
)
from bridgelab.protocol.rotation import rotation_digest
from bridgelab.protocol.verifier import (
    Verdict,
    VerifierConfig,
    verify_certificate,
    verify_multisig_signatures,
)
from bridgelab.runner import run
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT
from tests.conftest import small_scenario

ATTACK = {
    "kind": "collusion.fabricated_lock",
    "targets": {"members": [0, 1, 2]},
    "schedule": {"at": 30.0},
    "params": {"amount": 5_000_000},
}


def test_flawed_verifier_unbacked_mint_is_caught_and_names_the_event():
    scenario = small_scenario(
        {"bridge": {"verifier": {"threshold_override": 3}}, "attacks": [ATTACK]}
    )
    result = run(scenario, 1)
    assert result.exit_code == 1
    failed = {prop for prop, verdict in result.verdicts.items() if verdict == "fail"}
    assert {
        "safety.supply-conservation",
        "safety.mint-backed-by-final-lock",
        "safety.certificate-quorum",
    } <= failed
    unbacked = [v for v in result.violations if v["property"] == "safety.mint-backed-by-final-lock"]
    assert len(unbacked) == 1
    assert unbacked[0]["event_kind"] == "mint"
    assert "no lock #1000000001" in unbacked[0]["detail"]
    assert unbacked[0]["time"] >= ATTACK["schedule"]["at"]
    conservation = [v for v in result.violations if v["property"] == "safety.supply-conservation"]
    assert conservation and "exceeds locked - released" in conservation[0]["detail"]


def test_correct_verifier_rejects_the_minority_certificate():
    scenario = small_scenario({"attacks": [ATTACK], "adversary": {"extract": False}})
    result = run(scenario, 1)
    assert result.exit_code == 0
    assert result.violations == []
    assert result.metrics["settlement"]["reverted_txs"] >= 1


# Who records each kind in a run: the canonical contracts.
ACTORS = {"lock": "escrow", "release": "escrow", "mint": "bridge", "burn": "bridge",
          "trust_root": "bridge", "settlement.final": "settlement"}


def _event(seq: int, kind: str, **fields) -> Event:
    return Event(seq, float(seq), ACTORS.get(kind, "test"), kind, fields)


def test_conservation_is_checked_on_the_event_that_breaks_it():
    monitor = Monitor()
    monitor.observe(_event(0, "lock", nonce=0, asset="A", amount=10, recipient="u", escrowed=10))
    monitor.observe(_event(1, "lock", nonce=1, asset="A", amount=5, recipient="u", escrowed=15))
    assert monitor.violations == []
    assert monitor.verdicts()["safety.supply-conservation"] == "pass"
    assert monitor.verdicts()["safety.no-double-mint"] == "not_exercised"
    # Minting 30 against 15 locked leaves minted - burned (30) above locked - released (15).
    monitor.observe(_event(2, "mint", nonce=1, asset="A", amount=30, recipient="u",
                           certificate=None))
    broken = [v for v in monitor.violations if v.property == "safety.supply-conservation"]
    assert broken and broken[0].seq == 2


def test_liveness_is_not_judged_while_a_healing_partition_is_active():
    # The partition heals long after the run's end: liveness cannot be judged, not "fail".
    attack = {"kind": "network.partition", "targets": {"select": "majority"},
              "params": {"role": "validator"}, "schedule": {"at": 5.0},
              "heal": {"after": 100_000.0}}
    result = run(small_scenario({"scenario": {"duration": 600.0}, "attacks": [attack]}), 1)
    assert result.verdicts["liveness.deposits-minted"] == "unknown"
    assert result.exit_code == 2
    assert any("network.partition still active" in reason for reason in result.inconclusive)


def test_a_permanent_fault_is_judged_and_fails_liveness():
    attack = {"kind": "network.partition", "targets": {"select": "majority"},
              "params": {"role": "validator"}, "schedule": {"at": 5.0}}
    result = run(small_scenario({"scenario": {"duration": 600.0}, "attacks": [attack]}), 1)
    assert result.verdicts["liveness.deposits-minted"] == "fail"
    assert result.exit_code == 1


def test_probes_report_what_was_exercised_and_expected_probes_gate():
    scenario = small_scenario({"checks": {"expect": ["coverage.reorg"]}})
    result = run(scenario, 1)
    assert result.verdicts["coverage.reorg"] == "not_exercised"
    assert result.exit_code == 2
    assert result.inconclusive == ["expected probe coverage.reorg was never hit"]
    attack = {"kind": "settlement.reorg", "schedule": {"at": 30.0}, "params": {"depth": 2}}
    scenario = small_scenario({"checks": {"expect": ["coverage.reorg"]}, "attacks": [attack]})
    assert run(scenario, 1).verdicts["coverage.reorg"] == "pass"


def test_user_property_from_a_module_next_to_the_scenario(tmp_path):
    (tmp_path / "my_props.py").write_text(
        "from bridgelab.checker.api import always\n"
        "@always('mine.small-mints', 'No mint above 500,000.')\n"
        "def small(event, view):\n"
        "    if event.kind == 'mint' and event.fields['amount'] > 500_000:\n"
        "        return f\"mint #{event.fields['nonce']} of {event.fields['amount']}\"\n"
        "    return None\n"
    )
    scenario = small_scenario({"checks": {"properties": ["my_props:small"]}})
    result = run(scenario, 1, base_dir=tmp_path)
    assert result.verdicts["mine.small-mints"] == "fail"
    assert any(v["property"] == "mine.small-mints" for v in result.violations)


def _theft_then(*after: Event) -> Monitor:
    """An honest deposit minted and burned, a thief's forged mint (a safety violation at t=4)
    and the thief's own burn, then `after`; the run ends at t=100 with every burn final."""
    monitor = Monitor(policy=POLICY)
    for event in (
        _event(0, "trust_root", **trust_root_fields(ROOT)),
        _event(1, "lock", nonce=0, asset="A", amount=10, sender="u", recipient="u", tx="u/l0",
               escrowed=10),
        _event(2, "mint", nonce=0, asset="A", amount=10, recipient="u",
               certificate=_certificate(_message(0, 10))),
        _event(3, "attack.submit", nonce=9, amount=50, recipient="thief"),
        _event(4, "mint", nonce=9, asset="A", amount=50, recipient="thief"),
        _event(5, "burn", nonce=0, asset="A", amount=10, sender="u", recipient="u", number=0),
        Event(6, 6.0, "thief", "attack.extract", {"amount": 50, "round": 0}),
        _event(7, "burn", nonce=1, asset="A", amount=50, sender="thief", recipient="thief",
               number=0),
        *after,
        _event(99, "settlement.final", number=5),
        _event(100, "run.end", settled=True),
    ):
        monitor.observe(event)
    return monitor


def test_the_thiefs_burn_is_not_judged_and_a_pause_after_the_theft_explains_the_rest():
    monitor = _theft_then(_event(8, "escrow.frozen", tx="g/f", height=3))
    assert monitor.verdicts()["safety.mint-backed-by-final-lock"] == "fail"
    assert monitor.liveness_gaps()["liveness.withdrawals-released"] == [0]
    breakdown = monitor.liveness_breakdown()
    assert breakdown["theft_at"] == 4.0
    assert breakdown["liveness.withdrawals-released"] == {
        "honest_failures": 0, "frozen_by_theft": 1, "adversary": 1, "examples": []}
    # Honest funds are stuck all the same: the property fails, its cause is recorded.
    assert monitor.verdicts()["liveness.withdrawals-released"] == "fail"


def test_a_transfer_after_the_pause_was_lifted_is_an_honest_failure():
    monitor = _theft_then(
        _event(8, "escrow.frozen", tx="g/f", height=3),
        _event(9, "escrow.unfrozen", tx="g/u", height=4),
        _event(10, "lock", nonce=1, asset="A", amount=10, sender="v", recipient="v", tx="v/l1",
               escrowed=20),
        _event(11, "mint", nonce=1, asset="A", amount=10, recipient="v"),
        _event(12, "burn", nonce=2, asset="A", amount=10, sender="v", recipient="v", number=1),
    )
    stuck = monitor.liveness_breakdown()["liveness.withdrawals-released"]
    assert stuck == {"honest_failures": 1, "frozen_by_theft": 1, "adversary": 1,
                     "examples": [2]}


def test_a_pause_before_any_theft_and_a_destination_pause_do_not_explain_a_stuck_release():
    monitor = Monitor()
    monitor.observe(_event(0, "escrow.frozen", tx="g/f", height=1))
    monitor.observe(_event(1, "bridge.paused", tx="g/p", by="guardian"))
    monitor.observe(_event(2, "lock", nonce=0, asset="A", amount=10, sender="u", recipient="u",
                           tx="u/l0", escrowed=10))
    monitor.observe(_event(3, "mint", nonce=5, asset="A", amount=50, recipient="thief"))
    monitor.observe(_event(4, "burn", nonce=0, asset="A", amount=10, sender="u", recipient="u",
                           number=0))
    monitor.observe(_event(5, "settlement.final", number=1))
    monitor.observe(_event(6, "run.end", settled=False))
    breakdown = monitor.liveness_breakdown()
    assert breakdown["theft_at"] == 3.0
    assert breakdown["liveness.withdrawals-released"]["honest_failures"] == 1
    assert breakdown["liveness.deposits-minted"]["honest_failures"] == 1


def test_a_theft_explains_a_stuck_release_only_by_a_pause_or_a_drained_escrow():
    unexplained = _theft_then().liveness_breakdown()["liveness.withdrawals-released"]
    assert (unexplained["honest_failures"], unexplained["frozen_by_theft"]) == (1, 0)
    # The escrow reports holding less than the honest burn pays: the theft drained it.
    drained = _theft_then(_event(8, "lock", nonce=1, asset="A", amount=1, sender="v",
                                 recipient="v", tx="v/l1", escrowed=3))
    stuck = drained.liveness_breakdown()["liveness.withdrawals-released"]
    assert (stuck["honest_failures"], stuck["frozen_by_theft"]) == (0, 1)


# -- the audit: each property fails when its statement is false (docs/properties.md) --------

POLICY = CommitteePolicy("multisig", 9, 6, (0,))
CUSTODY = MultisigCustody(Streams(21), 9, 6, (0,))
ROOT = CUSTODY.trust_root(1)


def _message(nonce: int, amount: int, direction: str = "deposit") -> BridgeMessage:
    source = ESCROW_CONTRACT if direction == "deposit" else BRIDGE_CONTRACT
    return BridgeMessage(direction, nonce, "A", amount, "u", "u", source, 1, bytes(32))


def _certificate(message: BridgeMessage, members=range(6)) -> dict:
    digest = message.digest(1)
    return certificate_fields(
        CUSTODY.assemble(message, 1, {m: CUSTODY.endorse(m, digest) for m in members})
    )


class _Feed:
    """Hands a monitor events in order, as recorded by `actor` (the canonical one by default)."""

    def __init__(self, policy: CommitteePolicy | None = POLICY, **options) -> None:
        self.monitor = Monitor(policy=policy, **options)
        self.seq = 0
        self("trust_root", **trust_root_fields(ROOT))

    def __call__(self, kind: str, actor: str | None = None, **fields) -> None:
        actor = actor or ACTORS.get(kind, "test")
        self.monitor.observe(Event(self.seq, float(self.seq), actor, kind, fields))
        self.seq += 1

    def lock(self, nonce: int, amount: int, escrowed: int, actor: str = "escrow") -> None:
        self("lock", actor, nonce=nonce, asset="A", amount=amount, recipient="u",
             escrowed=escrowed)

    def mint(self, nonce: int, amount: int, certificate: dict | None = None, **fields) -> None:
        if certificate is None and fields.get("layer") != "l2":
            certificate = _certificate(_message(nonce, amount))
        self("mint", nonce=nonce, asset="A", amount=amount, recipient="u",
             certificate=certificate, **fields)

    def mint_signed(self, custody, version: int, members) -> None:
        """Mint #0 of 10 on a certificate `members` of `custody` signed under root `version`."""
        message = _message(0, 10)
        endorsements = {m: custody.endorse(m, message.digest(version)) for m in members}
        self.mint(0, 10, certificate=certificate_fields(
            custody.assemble(message, version, endorsements)))

    def release(self, nonce: int, amount: int, escrowed: int) -> None:
        self("release", nonce=nonce, asset="A", amount=amount, recipient="u",
             escrowed=escrowed, certificate=_certificate(_message(nonce, amount, "withdrawal")))

    def failed(self, prop: str) -> list[str]:
        return [v.detail for v in self.monitor.violations if v.property == prop]


def test_an_honest_feed_passes_every_safety_property():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10)
    feed("burn", nonce=0, asset="A", amount=10, recipient="u", number=3)
    feed("settlement.final", number=3)
    feed.release(0, 10, escrowed=0)
    assert feed.monitor.violations == []
    verdicts = feed.monitor.verdicts()
    assert verdicts["safety.certificate-quorum"] == verdicts["safety.supply-conservation"] == (
        "pass")


def test_a_certificate_for_another_transfer_does_not_certify_a_mint():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10, certificate=_certificate(_message(5, 10)))
    [detail] = feed.failed("safety.certificate-quorum")
    assert "'certified_message'" in detail and "deposit #5" in detail


def test_a_settlement_mint_without_any_certificate_fails_the_quorum():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed("mint", nonce=0, asset="A", amount=10, recipient="u", certificate=None)
    assert feed.failed("safety.certificate-quorum") == ["mint #0 records no certificate at all"]


def test_the_checker_never_reads_the_verifiers_shared_verdict_memo():
    # Below the threshold (5 of the 6 needed): whatever the memo says, the checker says no.
    certificate = certificate_from_fields(_certificate(_message(0, 10), members=range(5)))
    assert not verify_certificate(ROOT, VerifierConfig(), certificate)
    poisoned = Verdict(True, "ok")
    # A wrong answer planted where the model's memo keeps it (no caller can store one: this
    # stands for a bug that would).
    memo = verify_multisig_signatures.memo
    memo.cache._recent[(ROOT, VerifierConfig(), certificate.digest, certificate.signatures)] = (
        poisoned
    )
    assert verify_certificate(ROOT, VerifierConfig(), certificate) is poisoned
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10, certificate=certificate_fields(certificate))
    assert "'below_threshold'" in feed.failed("safety.certificate-quorum")[0]


def test_a_lock_not_recorded_by_the_canonical_escrow_backs_no_mint():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10, actor="copycat")
    feed.mint(0, 10)
    assert "no lock #0" in feed.failed("safety.mint-backed-by-final-lock")[0]
    assert feed.failed("safety.supply-conservation")


def test_a_burn_record_without_its_block_is_never_final():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10)
    feed("burn", nonce=0, asset="A", amount=10, recipient="u")  # no `number`
    feed("settlement.final", number=1_000)
    feed.release(0, 10, escrowed=0)
    assert "is not final" in feed.failed("safety.release-backed-by-final-burn")[0]


def test_the_escrows_report_never_covers_more_than_the_recorded_flows_left_there():
    feed = _Feed()
    feed.lock(0, 100, escrowed=100)
    feed.mint(0, 100)
    feed("burn", nonce=0, asset="A", amount=100, recipient="u", number=1)
    feed("settlement.final", number=1)
    feed.release(0, 100, escrowed=100)  # the escrow paid out 100 but reports it still holds it
    assert feed.failed("safety.escrow-covers-supply") == []
    feed.mint(1, 60)  # nothing backs it
    [detail] = feed.failed("safety.escrow-covers-supply")
    assert "the escrow holds 0" in detail


def test_a_reorg_cannot_undo_a_mint_the_history_never_recorded():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10)
    feed("settlement.reorg", depth=1,
         reverted=[{"kind": "mint", "nonce": 99, "asset": "A", "amount": 50}])
    feed.mint(1, 50)
    assert "exceeds locked - released" in feed.failed("safety.supply-conservation")[0]


def test_tokens_spent_on_both_lanes_break_conservation_on_the_lane_that_overspent():
    feed = _Feed()
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10, layer="l2")  # an L2 credit its oracle approved
    feed("l2.escape.paid_on_l1", actor="l2-bridge", account="u", asset="A", amount=10)
    feed("burn", nonce=0, asset="A", amount=10, recipient="u", number=1)
    assert feed.failed("safety.supply-conservation") == []
    # The same balance withdrawn on the L2 as well: the totals alone still balance.
    feed("burn", "l2-bridge", nonce=1 << 40, asset="A", amount=10, recipient="u", number=2,
         layer="l2")
    [detail] = feed.failed("safety.supply-conservation")
    assert detail.startswith("A on l2: 10 more burnt")


@pytest.mark.parametrize("answer", [False, 0, "", True])
def test_a_user_check_answering_anything_but_none_or_a_sentence_fails(answer):
    prop = UserProperty("mine.predicate", "always", "A predicate.", lambda event, view: answer)
    feed = _Feed(user_properties=(prop,))
    feed.lock(0, 10, escrowed=10)
    assert feed.monitor.verdicts()["mine.predicate"] == "fail"
    assert f"returned {answer!r}" in feed.failed("mine.predicate")[0]


@pytest.mark.parametrize("governed", [True, False])
def test_a_rotated_root_binds_by_its_own_policy_only_when_governed(governed):
    # The next committee: 4 of 5, nobody required (weaker than the configured 6 of 9).
    successor = MultisigCustody(Streams(22), 5, 4, ())
    new_root = successor.trust_root(2)
    digest = rotation_digest(1, new_root)
    rotators = range(7) if governed else range(3)  # more than 2/3 of 9, or not
    feed = _Feed()
    feed("trust_root", **trust_root_fields(new_root), via="rotation",
         rotation_signatures=[CUSTODY.governance_sign(m, digest).hex() for m in rotators])
    feed.lock(0, 10, escrowed=10)
    feed.mint_signed(successor, 2, range(4))
    quorum = feed.failed("safety.certificate-quorum")
    if governed:
        assert quorum == [] and feed.failed("safety.trust-root-governed") == []
    else:
        assert feed.failed("safety.trust-root-governed")
        assert "'trust_root_signers'" in quorum[0] and "6-of-9" in quorum[0]


@pytest.mark.parametrize("same_keys", [True, False])
def test_an_ungoverned_root_of_the_same_shape_keeps_the_signers_before_it(same_keys):
    # Nine signers, six needed, as configured: only the keys can differ.
    custody = CUSTODY if same_keys else MultisigCustody(Streams(23), 9, 6, (0,))
    new_root = custody.trust_root(2)
    feed = _Feed()
    feed("trust_root", **trust_root_fields(new_root), via="keeper", rotation_signatures=[])
    assert feed.failed("safety.trust-root-governed")
    feed.lock(0, 10, escrowed=10)
    feed.mint_signed(custody, 2, range(6))
    quorum = feed.failed("safety.certificate-quorum")
    if same_keys:
        assert quorum == []
    else:
        [detail] = quorum
        assert "'trust_root_signers'" in detail and "those of v1" in detail


@pytest.mark.parametrize(
    ("first_orphaned", "finality_slots", "number", "restored"),
    [(5, 100, 5, True), (6, 100, 5, False), (5, 0, 5, False),
     (0, 100, None, False)],  # a rotation recorded with no block is never taken back
)
def test_a_reorg_takes_back_a_rotation_only_if_it_orphaned_its_block(
    first_orphaned, finality_slots, number, restored
):
    """A governed rotation to v2 in block 5, then a reorg record restoring v1: applied only
    if block 5 was orphaned and not final, or the committee rotated out would be current."""
    successor = MultisigCustody(Streams(22), 9, 6, (0,))
    new_root = successor.trust_root(2)
    digest = rotation_digest(1, new_root)
    feed = _Feed(finality=SettlementFinality(slot_time=1.0, finality_slots=finality_slots))
    for height in range(1, 6):
        feed("settlement.block", "settlement", number=height, slot=height)
    block = {} if number is None else {"number": number}
    feed("trust_root", **trust_root_fields(new_root), via="rotation", **block,
         rotation_signatures=[CUSTODY.governance_sign(m, digest).hex() for m in range(7)])
    feed("settlement.reorg", "settlement", depth=1, first_orphaned=first_orphaned,
         reverted=[{"kind": "trust_root", "restored_version": 1}])
    feed.lock(0, 10, escrowed=10)
    feed.mint(0, 10)  # certified by the first committee, under v1
    quorum = feed.failed("safety.certificate-quorum")
    if restored:
        assert quorum == []
    else:
        assert quorum == ["certificate under trust root v1, current is v2"]


def test_a_contract_that_miscounts_a_rotation_cannot_make_the_checker_call_it_governed(
    monkeypatch,
):
    # The contract's rule, broken: one signature counts as a supermajority.
    monkeypatch.setattr(rotation, "supermajority", lambda members: 1)
    successor = MultisigCustody(Streams(22), 5, 4, ())
    new_root = successor.trust_root(2)
    digest = rotation_digest(1, new_root)
    signatures = [CUSTODY.governance_sign(m, digest) for m in range(3)]
    assert rotation.check_rotation(ROOT, rotation.RotationCertificate(new_root, tuple(
        signatures))) == "ok"
    feed = _Feed()
    feed("trust_root", **trust_root_fields(new_root), via="rotation",
         rotation_signatures=[signature.hex() for signature in signatures])
    [governed] = feed.failed("safety.trust-root-governed")
    assert "'supermajority'" in governed
    feed.lock(0, 10, escrowed=10)
    feed.mint_signed(successor, 2, range(4))
    assert "6-of-9" in feed.failed("safety.certificate-quorum")[0]


def _paid_user_burns(honest: frozenset[str]) -> Monitor:
    """An attack names the honest user `user-001` as its recipient; that user's own burn
    then waits for a release that never comes."""
    monitor = Monitor(honest=honest)
    for event in (
        _event(0, "attack.submit", nonce=9, amount=50, recipient="user-001"),
        _event(1, "burn", nonce=0, asset="A", amount=10, sender="user-001",
               recipient="user-001", number=0),
        _event(99, "settlement.final", number=5),
        _event(100, "run.end", settled=False),
    ):
        monitor.observe(event)
    return monitor


def test_an_attack_record_naming_an_honest_user_does_not_excuse_that_user():
    """Any attack may set `recipient` to an honest user's account: the user's own stuck
    withdrawal was then counted as the adversary's, and liveness read pass."""
    from bridgelab.checker.frozen import honest_accounts

    excused = _paid_user_burns(frozenset())  # a monitor told of no honest users
    assert excused.liveness_breakdown()["liveness.withdrawals-released"]["adversary"] == 1
    assert excused.verdicts()["liveness.withdrawals-released"] != "fail"
    judged = _paid_user_burns(honest_accounts(20))
    stuck = judged.liveness_breakdown()["liveness.withdrawals-released"]
    # (The burn backs no mint: a theft, whose drained escrow explains the stuck release.)
    assert (stuck["adversary"], stuck["honest_failures"] + stuck["frozen_by_theft"]) == (0, 1)
    assert judged.verdicts()["liveness.withdrawals-released"] == "fail"


def test_the_configured_monitor_knows_the_scenario_s_honest_users():
    from bridgelab.checker.frozen import honest_accounts
    from bridgelab.checker.judge import monitor_for

    scenario = small_scenario({"workload": {"users": 7}})
    assert monitor_for(scenario).view.adversary.honest == honest_accounts(7)


def test_the_liveness_grace_is_the_scenario_s_not_the_run_s_record():
    """The run records its grace in `run.start`; a run that recorded none (or a wrong one)
    must not decide when liveness is judged."""
    def judged(monitor: Monitor) -> str | None:
        for event in (
            _event(0, "run.start", scenario="s", seed=1, liveness_grace=0.0),
            Event(1, 10.0, "nemesis", "fault.heal", {"round": 0}),
            _event(100, "run.end", settled=True),
        ):
            monitor.observe(event)
        return monitor.liveness_judgeable()

    assert judged(Monitor()) is None  # by hand, the record stands in
    assert judged(Monitor(liveness_grace=500.0)) == (
        "the run ended within the grace period after the last heal")
