"""The invariant monitor: a fold over the history, checking every safety property per event.

It reads only what the history records (never the model's objects), so the same code
checks a live run and a saved `history.jsonl`. Certificates are judged against the committee
policy the scenario configures (`checker/policy.py`), whatever verifier the modelled contract
deploys and whatever trust root it installed.
"""

from __future__ import annotations

from typing import Any

from bridgelab.checker.agreement import PROPERTY as AGREEMENT
from bridgelab.checker.agreement import AgreementFold
from bridgelab.checker.api import UserProperty, user_verdict
from bridgelab.checker.attack_rounds import ROUND_EVENTS, AttackRounds
from bridgelab.checker.certificates import CertificateChecks
from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.frozen import PAUSE_EVENTS
from bridgelab.checker.ledger_view import (
    BURN_ACTORS,
    ESCROW_ACTOR,
    SAFETY_EVENTS,
    UNKNOWN_BLOCK,
    LedgerView,
    Violation,
)
from bridgelab.checker.pending import PENDING_KINDS, Unsettled
from bridgelab.checker.policy import CommitteePolicy, GroupKeyRecord, RootBinding
from bridgelab.checker.properties import PROBES, PROPERTIES
from bridgelab.checker.settlement_checks import SettlementChecks
from bridgelab.checker.supply import SupplyChecks, lane
from bridgelab.checker.transfer_table import Transfer
from bridgelab.checker.verdicts import Verdicts
from bridgelab.consortium.byzantine import ORPHANED
from bridgelab.core.history import Event, History
from bridgelab.protocol.tables import add_to


class Monitor(CertificateChecks, SettlementChecks, SupplyChecks, Verdicts):
    """Observes events in order; records each property's violations and whether it was exercised."""

    def __init__(
        self,
        history: History | None = None,
        user_properties: tuple[UserProperty, ...] = (),
        expected_probes: tuple[str, ...] = (),
        signatures: str = "real",
        policy: CommitteePolicy | None = None,
        finality: SettlementFinality | None = None,
        honest: frozenset[str] = frozenset(),
        liveness_grace: float | None = None,
        attacks: tuple[tuple[str, str], ...] = (),
        key_grants: frozenset[str] = frozenset(),
    ) -> None:
        self.view = LedgerView()
        # The scenario's attacks as (actor, kind): one that never starts was not tested,
        # whatever the run's properties say.
        self.attacks = attacks
        # False for a saved history re-checked without its scenario's attacks (`check_records`).
        self.attacks_given = True
        # `key_grants`: those of them that only hand their keys on (`forge = false`).
        self.attack_rounds = AttackRounds(grants=key_grants)
        # Queued mints and forged transactions whose outcome was still to come (pending.py).
        self.unsettled = Unsettled()
        # The honest users' accounts by the scenario: never the adversary's (frozen.py).
        self.view.adversary.honest = honest
        # The scenario's grace after the last heal; without one (a history fed by hand),
        # the run's `run.start` record stands in.
        self.grace_from_record = liveness_grace is None
        # The run's kind of signatures ("real" or "symbolic", see crypto/symbolic.py): the
        # history does not record it, so whoever replays a symbolic history must say so.
        self.signatures = signatures
        # The committee policy the scenario configures: every accepted certificate must meet
        # it. Without one, a certificate that meets its recorded trust root is not proof
        # enough, and certificate-quorum is unknown rather than pass.
        self.policy = policy
        # The settlement chain's finality by the scenario's rule. Without one (a history fed
        # by hand), the chain's own `settlement.final` claims stand in.
        self.finality = finality
        self.unfinal_mints: dict[object, tuple[int, str, int]] = {}  # (settlement_checks)
        self.finality_breaks: list[str] = []  # (settlement_checks)
        # Per trust-root version: what binds the certificates under it (`RootBinding`).
        self.root_policies: dict[int, RootBinding] = {}
        self.group_key: GroupKeyRecord | None = None
        self.unjudged_certificates = 0
        self.agreement = AgreementFold(signatures)
        self.violations: list[Violation] = []
        self.exercised: dict[str, int] = {prop.id: 0 for prop in PROPERTIES}
        self.probes: dict[str, int] = {probe.id: 0 for probe in PROBES}
        self.user_properties = user_properties
        self.expected_probes = expected_probes
        for prop in user_properties:
            self.exercised[prop.id] = 0
        # Fault windows, so liveness is judged only once every fault has healed.
        self.active_faults: dict[tuple[str, int], dict[str, Any]] = {}
        self.last_heal: float | None = None
        # Attack rounds that started: a run whose attacks never started tested nothing.
        self.fault_starts = 0
        self.end_time: float | None = None
        self.liveness_grace = 0.0 if liveness_grace is None else liveness_grace
        if history is not None:
            # Without a property that reads every event, the monitor takes only the kinds it
            # handles or counts: a third of the events of a standard run (one deposit every 2 s).
            reads_all = any(prop.kind == "always" for prop in user_properties)
            history.subscribe(self.observe, kinds=None if reads_all else OBSERVED_KINDS)

    # -- the fold ---------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        kind = event.kind
        if kind == "violation":
            # Histories written before violations left the history held the checker's own
            # findings: not events of the bridge, so not judged again.
            return
        for prop in self.user_properties:
            if prop.kind == "always":
                self.exercised[prop.id] += 1
                detail = user_verdict(prop.check(event, self.view))
                if detail is not None:
                    self._fail(prop.id, event, detail)
        probe = _PROBE_EVENTS.get(kind)
        if probe is not None and (kind != "tx.reverted" or event.fields["check"] == "rate_limited"):
            self.probes[probe] += 1
        if kind in PENDING_KINDS:
            self.unsettled.observe(event)
        attack_rounds = ROUND_EVENTS.get(kind)
        if attack_rounds is not None:
            attack_rounds(self.attack_rounds, event.actor, event.fields)
        handler = _HANDLERS.get(kind)
        if handler is None:
            return
        handler(self, event)
        if kind in SAFETY_EVENTS:
            self._check_conservation(event, event.fields["asset"])
            self._check_escrow_coverage(event, event.fields["asset"])

    def _on_fault_start(self, event: Event) -> None:
        self.fault_starts += 1
        fields = event.fields
        self.active_faults[(event.actor, fields["round"])] = {
            "attack": fields["attack"], "heals_at": fields.get("heals_at"),
        }

    def _on_fault_heal(self, event: Event) -> None:
        self.active_faults.pop((event.actor, event.fields["round"]), None)
        self.last_heal = event.time

    def _on_run_start(self, event: Event) -> None:
        if self.grace_from_record:
            self.liveness_grace = float(event.fields.get("liveness_grace", 0.0))

    def _on_run_end(self, event: Event) -> None:
        self.end_time = event.time
        self._final_now(event)  # the withdrawals liveness waits for: those final by now
        for height, seq in self.agreement.unbacked_claims():
            self._fail(
                AGREEMENT, event,
                f"event #{seq} says it is on an orphaned branch at consortium height {height},"
                " but no second block was committed there: the ledger cannot leave it out",
            )
        for prop in self.user_properties:
            if prop.kind == "at_end":
                self.exercised[prop.id] += 1
                detail = user_verdict(prop.check(self.view))
                if detail is not None:
                    self._fail(prop.id, event, detail)

    def _fail(
        self, prop: str, event: Event, detail: str, evidence: dict[str, Any] | None = None
    ) -> None:
        violation = Violation(
            prop, event.seq, event.time, event.kind, event.actor, detail, evidence
        )
        self.violations.append(violation)
        if prop.startswith("safety."):
            self.view.theft_pauses.theft(event.time)

    def _on_validators(self, event: Event) -> None:
        self.agreement.on_validators(event.fields)

    def _on_block(self, event: Event) -> None:
        self.exercised[AGREEMENT] += 1
        finding = self.agreement.on_block(event.seq, event.fields)
        if finding is not None:
            self._fail(AGREEMENT, event, finding.detail, finding.evidence)

    def _orphaned(self, event: Event) -> bool:
        """Whether an escrow event says it is on an orphaned branch. Leaving it out of the
        ledger is sound only at a height that forked: `run.end` fails agreement for any
        such claim the history does not back with a second commit."""
        fields = event.fields
        if fields.get("fork") != ORPHANED:
            return False
        self.agreement.claim_orphaned(event.seq, int(fields.get("height", -1)))
        return True

    def _on_user_lock(self, event: Event) -> None:
        self.view.submitted_deposits[event.fields["tx"]] = event.time

    def _on_tx_reverted(self, event: Event) -> None:
        if event.actor == "escrow":  # a refused deposit is settled: nothing to mint
            self.view.submitted_deposits.pop(event.fields["tx"], None)

    def _on_lock(self, event: Event) -> None:
        fields = event.fields
        if event.actor != ESCROW_ACTOR:
            return  # not the canonical escrow's lock: it backs no mint
        if self._orphaned(event):
            return  # on a fork's branch the chain did not go on with: it backs no mint
        self.view.submitted_deposits.pop(fields.get("tx", ""), None)
        self.view.locks[fields["nonce"]] = Transfer.of(
            fields, time=event.time, adversary=self.view.adversary.owns_lock(fields)
        )
        add_to(self.view.locked, fields["asset"], fields["amount"])
        self._escrow_holds(fields["asset"], fields["amount"], fields["escrowed"])

    def _on_burn(self, event: Event) -> None:
        if event.actor not in BURN_ACTORS:
            return  # not the canonical contract's burn: it backs no release
        fields = event.fields
        self.view.burns[fields["nonce"]] = Transfer.of(
            fields, number=fields.get("number", UNKNOWN_BLOCK), time=event.time,
            adversary=self.view.adversary.owns_burn(fields),
        )
        add_to(self.view.burned, fields["asset"], fields["amount"])
        add_to(self.view.lane_supply, (fields["asset"], lane(fields)), -fields["amount"])

    def _on_attack(self, event: Event) -> None:
        self.view.adversary.note(event.kind, event.actor, event.fields)

    def _on_pause(self, event: Event) -> None:
        side, paused = PAUSE_EVENTS[event.kind]
        self.view.theft_pauses.set_paused(side, paused, event.time)

    def _on_mint(self, event: Event) -> None:
        fields = event.fields
        if self.active_faults:
            self.probes["coverage.mint-during-fault"] += 1
            if any(f["attack"] == "network.partition" for f in self.active_faults.values()):
                self.probes["coverage.mint-during-partition"] += 1
        nonce = fields["nonce"]
        view = self.view
        add_to(view.minted, fields["asset"], fields["amount"])
        add_to(view.lane_supply, (fields["asset"], lane(fields)), fields["amount"])
        number = fields.get("number")
        if self.finality is not None and lane(fields) == "l1" and type(number) is int:
            # Until its block is final, a reorg may take it back (`_on_reorg`); a mint that
            # names no block stays counted whatever a reorg says.
            self.unfinal_mints[nonce] = (number, fields["asset"], fields["amount"])
        self.exercised["safety.no-double-mint"] += 1
        if nonce in view.minted_nonces:
            self._fail(
                "safety.no-double-mint",
                event,
                f"lock #{nonce} minted again (first mint was event #{view.minted_nonces[nonce]})",
            )
        else:
            view.minted_nonces[nonce] = event.seq
        if fields.get("certificate") is not None or lane(fields) != "l2":
            # An L2 credit its oracle approved without any certificate carries none; it is
            # still counted, and the lock check below judges it. A mint on L1 without one
            # was accepted on no certificate at all.
            self._check_certificate(event)
        self.exercised["safety.mint-backed-by-final-lock"] += 1
        lock = view.locks.get(nonce)
        if lock is None:
            self._fail(
                "safety.mint-backed-by-final-lock",
                event,
                f"mint of {fields['amount']} {fields['asset']} to {fields['recipient']} for lock"
                f" #{nonce}, but no lock #{nonce} was ever committed on the consortium chain",
            )
        elif (lock.asset, lock.amount, lock.recipient) != (
            fields["asset"],
            fields["amount"],
            fields["recipient"],
        ):
            self._fail(
                "safety.mint-backed-by-final-lock",
                event,
                f"mint for lock #{nonce} pays {fields['amount']} {fields['asset']} to"
                f" {fields['recipient']}, but the lock was {lock.amount} {lock.asset}"
                f" for {lock.recipient}",
            )
        else:
            view.honoured_locks[nonce] = event.seq

    def _on_release(self, event: Event) -> None:
        fields = event.fields
        if self._orphaned(event):
            return  # paid on a branch the chain did not go on with: the escrow kept it
        nonce = fields["nonce"]
        view = self.view
        self._escrow_holds(fields["asset"], -fields["amount"], fields["escrowed"])
        add_to(view.released, fields["asset"], fields["amount"])
        self.exercised["safety.no-double-release"] += 1
        if nonce in view.released_nonces:
            self._fail(
                "safety.no-double-release",
                event,
                f"burn #{nonce} released again (first release was event"
                f" #{view.released_nonces[nonce]})",
            )
        else:
            view.released_nonces[nonce] = event.seq
        self._check_certificate(event)
        self.exercised["safety.release-backed-by-final-burn"] += 1
        burn = view.burns.get(nonce)
        if burn is None:
            self._fail(
                "safety.release-backed-by-final-burn",
                event,
                f"release of {fields['amount']} {fields['asset']} for burn #{nonce}, but no"
                f" burn #{nonce} exists on the settlement chain",
            )
        elif burn.number > self._final_now(event):
            self._fail(
                "safety.release-backed-by-final-burn",
                event,
                f"release for burn #{nonce} while its block {burn.number} is not final"
                f" (final through {view.settlement_final})",
            )
        elif (burn.asset, burn.amount, burn.recipient) != (
            fields["asset"],
            fields["amount"],
            fields["recipient"],
        ):
            self._fail(
                "safety.release-backed-by-final-burn",
                event,
                f"release for burn #{nonce} pays {fields['amount']} to {fields['recipient']},"
                f" but the burn was {burn.amount} for {burn.recipient}",
            )


_PROBE_EVENTS = {
    "tx.reverted": "coverage.rate-limit-triggered",
    "custody.refresh": "coverage.share-refresh",
    "settlement.reorg": "coverage.reorg",
    "view.change": "coverage.view-change",
    "bridge.paused": "coverage.bridge-paused",
    "escrow.frozen": "coverage.bridge-paused",
    "attack.submit": "coverage.forgery-attempted",
}

_HANDLERS = {
    "user.lock": Monitor._on_user_lock,
    "block.committed": Monitor._on_block,
    "consortium.validators": Monitor._on_validators,
    "tx.reverted": Monitor._on_tx_reverted,
    "fault.start": Monitor._on_fault_start,
    "fault.heal": Monitor._on_fault_heal,
    "run.start": Monitor._on_run_start,
    "run.end": Monitor._on_run_end,
    "trust_root": Monitor._on_trust_root,
    "custody.dkg": Monitor._on_dkg,
    "custody.refresh": Monitor._on_refresh,
    "l2.escape.paid_on_l1": Monitor._on_escape_paid,
    "lock": Monitor._on_lock,
    "burn": Monitor._on_burn,
    "mint": Monitor._on_mint,
    "release": Monitor._on_release,
    "settlement.block": Monitor._on_settlement_block,
    "settlement.final": Monitor._on_settlement_final,
    "settlement.reorg": Monitor._on_reorg,
    "attack.submit": Monitor._on_attack,
    "attack.lock": Monitor._on_attack,
    "attack.extract": Monitor._on_attack,
    **{kind: Monitor._on_pause for kind in PAUSE_EVENTS},
}

# Every kind `observe` acts on without a property of the scenario's own; it passes the rest by.
OBSERVED_KINDS = (frozenset(_HANDLERS) | frozenset(_PROBE_EVENTS) | PENDING_KINDS
                  | frozenset(ROUND_EVENTS))
