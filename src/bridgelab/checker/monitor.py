"""The invariant monitor: a fold over the history, checking every safety property per event.

It reads only what the history records (never the model's objects), so the same code
checks a live run and a saved `history.jsonl`. Certificates are judged against the committee
policy the scenario configures (`checker/policy.py`), whatever verifier the modelled contract
deploys and whatever trust root it installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bridgelab.checker.agreement import PROPERTY as AGREEMENT
from bridgelab.checker.agreement import AgreementFold
from bridgelab.checker.api import UserProperty
from bridgelab.checker.frozen import (
    DEPOSIT_SIDE,
    PAUSE_EVENTS,
    WITHDRAWAL_SIDE,
    AdversaryTrail,
    TheftPauses,
    breakdown,
)
from bridgelab.checker.policy import (
    CommitteePolicy,
    GroupKeyRecord,
    Shortfall,
    certificate_shortfall,
    checker_ecrecover,
    root_shortfall,
)
from bridgelab.checker.properties import PROBES, PROPERTIES, Verdict
from bridgelab.consortium.byzantine import ORPHANED
from bridgelab.core.history import Event, History
from bridgelab.protocol.messages import (
    Certificate,
    TrustRoot,
    certificate_from_fields,
    trust_root_from_fields,
)
from bridgelab.protocol.rotation import RotationCertificate, check_rotation
from bridgelab.protocol.tables import add_to

SAFETY_EVENTS = frozenset({"lock", "mint", "burn", "release"})
# Who records the canonical contracts' events: the escrow on the consortium chain, the bridge
# contract on the settlement chain, and the rollup's inbox for burns on the L2. An event of
# these kinds recorded by anyone else is not the canonical contract's, and backs nothing.
ESCROW_ACTOR = "escrow"
BURN_ACTORS = frozenset({"bridge", "l2-bridge"})
# A burn whose record names no block can never be shown final.
UNKNOWN_BLOCK = 2**62
# Where wrapped tokens live: the settlement chain, or the L2 (records say `layer = "l2"`).
LANES = ("l1", "l2")


@dataclass(frozen=True, slots=True)
class Violation:
    property: str
    seq: int
    time: float
    kind: str
    actor: str
    detail: str
    # What the checker established beyond the sentence (a fork's culprits), when it has any.
    evidence: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "property": self.property,
            "event_seq": self.seq,
            "time": self.time,
            "event_kind": self.kind,
            "actor": self.actor,
            "detail": self.detail,
        }
        if self.evidence is not None:
            data["evidence"] = self.evidence
        return data


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the checker keeps of a lock or a burn: what its mint or release must match (and,
    for a burn, its settlement block). A fraction of the event's fields, kept per transfer."""

    asset: str
    amount: int
    recipient: str
    number: int = -1  # a burn's settlement block; -1 for a lock
    time: float = 0.0  # when it was locked or burned
    adversary: bool = False  # the adversary's own transfer: liveness does not judge it

    @classmethod
    def of(
        cls, fields: dict[str, Any], *, number: int = -1, time: float = 0.0,
        adversary: bool = False,
    ) -> Transfer:
        return cls(fields["asset"], fields["amount"], fields["recipient"], number, time,
                   adversary)


@dataclass(slots=True)
class LedgerView:
    """What the checker has learnt from the history so far."""

    locked: dict[str, int] = field(default_factory=dict)
    released: dict[str, int] = field(default_factory=dict)
    minted: dict[str, int] = field(default_factory=dict)
    burned: dict[str, int] = field(default_factory=dict)
    locks: dict[int, Transfer] = field(default_factory=dict)
    burns: dict[int, Transfer] = field(default_factory=dict)
    minted_nonces: dict[int, int] = field(default_factory=dict)
    honoured_locks: dict[int, int] = field(default_factory=dict)
    # Deposits users submitted that the escrow has neither locked nor refused yet.
    submitted_deposits: dict[str, float] = field(default_factory=dict)
    released_nonces: dict[int, int] = field(default_factory=dict)
    settlement_final: int = -1
    escrowed: dict[str, int] = field(default_factory=dict)
    # Wrapped tokens per (asset, lane): "l1" (the settlement chain) or "l2", from mints, burns
    # and escape-hatch moves. A lane can never have burnt more than it received.
    lane_supply: dict[tuple[str, str], int] = field(default_factory=dict)
    trust_roots: dict[int, TrustRoot] = field(default_factory=dict)
    # The version each chain's contract accepts now: rotations happen on the settlement
    # chain; the escrow keeps the root it was deployed with.
    current_root: dict[str, int] = field(default_factory=dict)
    # Liveness: whose transfers are the adversary's, and when a theft's pause held each side.
    adversary: AdversaryTrail = field(default_factory=AdversaryTrail)
    theft_pauses: TheftPauses = field(default_factory=TheftPauses)




class Monitor:
    """Observes events in order; records each property's violations and whether it was exercised."""

    def __init__(
        self,
        history: History | None = None,
        user_properties: tuple[UserProperty, ...] = (),
        expected_probes: tuple[str, ...] = (),
        signatures: str = "real",
        policy: CommitteePolicy | None = None,
    ) -> None:
        self.view = LedgerView()
        # The run's kind of signatures ("real" or "symbolic", see crypto/symbolic.py): the
        # history does not record it, so whoever replays a symbolic history must say so.
        self.signatures = signatures
        # The committee policy the scenario configures: every accepted certificate must meet
        # it. Without one, a certificate that meets its recorded trust root is not proof
        # enough, and certificate-quorum is unknown rather than pass.
        self.policy = policy
        # Per trust-root version: the policy in force under it, and whether a governed
        # rotation installed it (then its own policy and group key are the committee's word).
        self.root_policies: dict[int, tuple[CommitteePolicy, bool]] = {}
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
        self.end_time: float | None = None
        self.liveness_grace = 0.0
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
                detail = _user_verdict(prop.check(event, self.view))
                if detail is not None:
                    self._fail(prop.id, event, detail)
        probe = _PROBE_EVENTS.get(kind)
        if probe is not None and (kind != "tx.reverted" or event.fields["check"] == "rate_limited"):
            self.probes[probe] += 1
        handler = _HANDLERS.get(kind)
        if handler is None:
            return
        handler(self, event)
        if kind in SAFETY_EVENTS:
            self._check_conservation(event, event.fields["asset"])
            self._check_escrow_coverage(event, event.fields["asset"])

    def _on_fault_start(self, event: Event) -> None:
        fields = event.fields
        self.active_faults[(event.actor, fields["round"])] = {
            "attack": fields["attack"], "heals_at": fields.get("heals_at"),
        }

    def _on_fault_heal(self, event: Event) -> None:
        self.active_faults.pop((event.actor, event.fields["round"]), None)
        self.last_heal = event.time

    def _on_run_start(self, event: Event) -> None:
        self.liveness_grace = float(event.fields.get("liveness_grace", 0.0))

    def _on_run_end(self, event: Event) -> None:
        self.end_time = event.time
        for height, seq in self.agreement.unbacked_claims():
            self._fail(
                AGREEMENT, event,
                f"event #{seq} says it is on an orphaned branch at consortium height {height},"
                " but no second block was committed there: the ledger cannot leave it out",
            )
        for prop in self.user_properties:
            if prop.kind == "at_end":
                self.exercised[prop.id] += 1
                detail = _user_verdict(prop.check(self.view))
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

    def _on_trust_root(self, event: Event) -> None:
        root = trust_root_from_fields(event.fields)
        view = self.view
        if not view.trust_roots:
            view.current_root = {"settlement": root.version, "consortium": root.version}
            self.root_policies[root.version] = (self.policy or CommitteePolicy.of_root(root), False)
        else:
            self.exercised["safety.trust-root-governed"] += 1
            previous = view.trust_roots[view.current_root["settlement"]]
            signatures = tuple(
                bytes.fromhex(sig) for sig in event.fields.get("rotation_signatures", [])
            )
            check = check_rotation(
                previous, RotationCertificate(root, signatures), self.signatures,
                recover=checker_ecrecover(self.signatures),
            )
            if check != "ok":
                self._fail(
                    "safety.trust-root-governed", event,
                    f"trust root v{previous.version} replaced by v{root.version} via"
                    f" {event.fields.get('via', 'unknown')!r}, which fails the rotation check"
                    f" '{check}' (needs > 2/3 of the {len(previous.signers)} current members)",
                )
                # Not the committee's word: the policy in force before still binds.
                self.root_policies[root.version] = (self.root_policies[previous.version][0], False)
            else:
                self.root_policies[root.version] = (CommitteePolicy.of_root(root), True)
            view.current_root["settlement"] = root.version
        view.trust_roots[root.version] = root

    def _on_dkg(self, event: Event) -> None:
        fields = event.fields
        self.group_key = GroupKeyRecord(fields["group_key"], int(fields["threshold"]))

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

    def _escrow_holds(self, asset: str, change: int, reported: int) -> None:
        """The escrow's holdings after a lock or release: what the escrow reports, but never
        more than the recorded locks and releases can have left there (the report is the
        contract's own word, and a lock that moved no tokens must not count)."""
        view = self.view
        view.escrowed[asset] = min(reported, view.escrowed.get(asset, 0) + change)

    def _on_burn(self, event: Event) -> None:
        if event.actor not in BURN_ACTORS:
            return  # not the canonical contract's burn: it backs no release
        fields = event.fields
        self.view.burns[fields["nonce"]] = Transfer.of(
            fields, number=fields.get("number", UNKNOWN_BLOCK), time=event.time,
            adversary=self.view.adversary.owns_burn(fields),
        )
        add_to(self.view.burned, fields["asset"], fields["amount"])
        add_to(self.view.lane_supply, (fields["asset"], _lane(fields)), -fields["amount"])

    def _on_escape_paid(self, event: Event) -> None:
        """The escape hatch moves a finalised L2 balance to L1: neither minted nor burned."""
        fields = event.fields
        asset, amount = fields["asset"], fields["amount"]
        add_to(self.view.lane_supply, (asset, "l2"), -amount)
        add_to(self.view.lane_supply, (asset, "l1"), amount)
        self._check_conservation(event, asset)

    def _on_reorg(self, event: Event) -> None:
        """Orphaned blocks take their mints and burns with them."""
        view = self.view
        assets: list[str] = []
        for item in event.fields["reverted"]:
            if item["kind"] == "trust_root":
                view.current_root["settlement"] = item["restored_version"]
                continue
            if item["kind"] == "pause":
                view.theft_pauses.set_paused(DEPOSIT_SIDE, item["restored"], event.time)
                continue
            if item["kind"] not in ("mint", "burn"):
                continue
            nonce, asset, amount = item["nonce"], item["asset"], item["amount"]
            if asset not in assets:
                assets.append(asset)
            if item["kind"] == "mint":
                # Only a mint the history recorded can be undone: subtracting one it never
                # recorded would hide as much unbacked supply.
                if view.minted_nonces.pop(nonce, None) is not None:
                    view.honoured_locks.pop(nonce, None)
                    add_to(view.minted, asset, -amount)
                    add_to(view.lane_supply, (asset, "l1"), -amount)
                continue
            if view.burns.pop(nonce, None) is not None:
                add_to(view.burned, asset, -amount)
                add_to(view.lane_supply, (asset, "l1"), amount)
            if nonce in view.released_nonces:
                self._fail(
                    "safety.release-backed-by-final-burn", event,
                    f"burn #{nonce} of {amount} {asset} was released (event"
                    f" #{view.released_nonces[nonce]}) and then reverted by a reorg of depth"
                    f" {event.fields['depth']}: the release is no longer backed",
                )
        for asset in assets:
            self._check_conservation(event, asset)
            self._check_escrow_coverage(event, asset)

    def _on_attack(self, event: Event) -> None:
        self.view.adversary.note(event.kind, event.actor, event.fields)

    def _on_pause(self, event: Event) -> None:
        side, paused = PAUSE_EVENTS[event.kind]
        self.view.theft_pauses.set_paused(side, paused, event.time)

    def _on_settlement_final(self, event: Event) -> None:
        self.view.settlement_final = max(self.view.settlement_final, event.fields["number"])

    def _on_mint(self, event: Event) -> None:
        fields = event.fields
        if self.active_faults:
            self.probes["coverage.mint-during-fault"] += 1
            if any(f["attack"] == "network.partition" for f in self.active_faults.values()):
                self.probes["coverage.mint-during-partition"] += 1
        nonce = fields["nonce"]
        view = self.view
        add_to(view.minted, fields["asset"], fields["amount"])
        add_to(view.lane_supply, (fields["asset"], _lane(fields)), fields["amount"])
        self.exercised["safety.no-double-mint"] += 1
        if nonce in view.minted_nonces:
            self._fail(
                "safety.no-double-mint",
                event,
                f"lock #{nonce} minted again (first mint was event #{view.minted_nonces[nonce]})",
            )
        else:
            view.minted_nonces[nonce] = event.seq
        if fields.get("certificate") is not None or _lane(fields) != "l2":
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
        elif burn.number > view.settlement_final:
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

    def _check_certificate(self, event: Event) -> None:
        self.exercised["safety.certificate-quorum"] += 1
        if event.fields.get("certificate") is None:
            self._fail(
                "safety.certificate-quorum", event,
                f"{event.kind} #{event.fields['nonce']} records no certificate at all",
            )
            return
        cert = certificate_from_fields(event.fields["certificate"])
        root = self.view.trust_roots.get(cert.trust_root_version)
        chain = "consortium" if event.kind == "release" else "settlement"
        current = self.view.current_root.get(chain)
        if root is None or cert.trust_root_version != current:
            self._fail(
                "safety.certificate-quorum",
                event,
                f"certificate under trust root v{cert.trust_root_version}, current is v{current}",
            )
            return
        policy, governed = self.root_policies[root.version]
        shortfall = (
            _certifies_another_transfer(event, cert)
            or root_shortfall(root, policy, None if governed else self.group_key)
            or certificate_shortfall(root, policy, cert, self.signatures)
        )
        if shortfall is not None:
            self._fail(
                "safety.certificate-quorum",
                event,
                f"{event.kind} #{event.fields['nonce']} accepted a certificate that fails the"
                f" '{shortfall.check}' check: {shortfall.detail} ({len(cert.signatures)}"
                f" signatures; the policy: {policy.describe()})",
            )
        elif self.policy is None:
            self.unjudged_certificates += 1

    def _check_conservation(self, event: Event, asset: str) -> None:
        view = self.view
        self.exercised["safety.supply-conservation"] += 1
        circulating = view.minted.get(asset, 0) - view.burned.get(asset, 0)
        backing = view.locked.get(asset, 0) - view.released.get(asset, 0)
        if circulating > backing:
            self._fail(
                "safety.supply-conservation",
                event,
                f"{asset}: minted - burned = {circulating} exceeds locked - released = {backing}"
                f" by {circulating - backing}",
            )
        for lane in LANES:
            supply = view.lane_supply.get((asset, lane), 0)
            if supply < 0:
                # Tokens burnt that never existed there (say, spent on both lanes) would
                # otherwise offset as much unbacked supply in the totals above.
                self._fail(
                    "safety.supply-conservation",
                    event,
                    f"{asset} on {lane}: {-supply} more burnt or moved out than minted or"
                    " moved in there",
                )

    def _check_escrow_coverage(self, event: Event, asset: str) -> None:
        """What the escrow really holds (each lock and release event reports it) must cover the
        wrapped supply: a lock event with nothing behind it passes conservation, not this."""
        view = self.view
        self.exercised["safety.escrow-covers-supply"] += 1
        circulating = view.minted.get(asset, 0) - view.burned.get(asset, 0)
        escrowed = view.escrowed.get(asset, 0)
        if circulating > escrowed:
            self._fail(
                "safety.escrow-covers-supply",
                event,
                f"{asset}: the escrow holds {escrowed} but minted - burned = {circulating},"
                f" {circulating - escrowed} unbacked",
            )

    # -- verdicts ---------------------------------------------------------------------------

    def _stuck(self) -> dict[str, list[tuple[int | str, Transfer | None]]]:
        """Every transfer not delivered, honest or not (None: a deposit never locked)."""
        view = self.view
        # A lock counts as delivered only when minted as locked: same asset, amount, recipient.
        unminted: list[tuple[int | str, Transfer | None]] = [
            (nonce, lock) for nonce, lock in view.locks.items()
            if nonce not in view.honoured_locks
        ]
        # ... and a deposit that never even reached the escrow is not delivered either.
        unminted += [(tx, None) for tx in view.submitted_deposits]
        unreleased: list[tuple[int | str, Transfer | None]] = [
            (nonce, burn)
            for nonce, burn in view.burns.items()
            if burn.number <= view.settlement_final and nonce not in view.released_nonces
        ]
        return {
            "liveness.deposits-minted": unminted,
            "liveness.withdrawals-released": unreleased,
        }

    def liveness_gaps(self) -> dict[str, list[int | str]]:
        """The honest users' transfers each liveness property finds undelivered."""
        return {
            prop: [ident for ident, transfer in stuck if transfer is None or not transfer.adversary]
            for prop, stuck in self._stuck().items()
        }

    def liveness_breakdown(self) -> dict[str, Any]:
        """Why transfers are stuck (see checker/frozen.py): per liveness property, the honest
        failures, the honest transfers a theft froze, and the adversary's own."""
        view = self.view
        pauses = view.theft_pauses
        result: dict[str, Any] = {"theft_at": pauses.theft_at}
        for prop, stuck in self._stuck().items():
            deposit = prop == "liveness.deposits-minted"
            side = DEPOSIT_SIDE if deposit else WITHDRAWAL_SIDE
            honest: list[int | str] = []
            frozen = adversary = 0
            for ident, transfer in stuck:
                if transfer is not None and transfer.adversary:
                    adversary += 1
                elif transfer is not None and pauses.theft_at is not None and (
                    pauses.held(side, transfer.time)
                    or (not deposit and view.escrowed.get(transfer.asset, 0) < transfer.amount)
                ):
                    frozen += 1
                else:
                    honest.append(ident)
            result[prop] = breakdown(honest, frozen, adversary)
        return result

    def liveness_judgeable(self) -> str | None:
        """Why liveness cannot be judged yet, or None when it can."""
        pending = [f for f in self.active_faults.values() if f.get("heals_at") is not None]
        if pending:
            return f"{pending[0]['attack']} still active (its heal is scheduled)"
        if (
            self.last_heal is not None
            and self.end_time is not None
            and self.end_time - self.last_heal < self.liveness_grace
        ):
            return "the run ended within the grace period after the last heal"
        return None

    def verdicts(self) -> dict[str, Verdict]:
        failed = {violation.property for violation in self.violations}
        gaps = self.liveness_gaps()
        exercised = dict(self.exercised)
        exercised["liveness.deposits-minted"] = sum(
            1 for lock in self.view.locks.values() if not lock.adversary
        ) + len(self.view.submitted_deposits)
        exercised["liveness.withdrawals-released"] = sum(
            1 for burn in self.view.burns.values()
            if burn.number <= self.view.settlement_final and not burn.adversary
        )
        unjudgeable = self.liveness_judgeable()
        unknown = {prop.id for prop in PROPERTIES if prop.kind == "eventually" and unjudgeable}
        if self._quorum_unknown(failed):
            unknown.add("safety.certificate-quorum")
        result: dict[str, Verdict] = {}
        for prop in PROPERTIES:
            if prop.id in unknown - failed:
                result[prop.id] = "unknown"
            elif prop.id in failed or gaps.get(prop.id):
                result[prop.id] = "fail"
            elif exercised[prop.id] == 0:
                result[prop.id] = "not_exercised"
            else:
                result[prop.id] = "pass"
        for prop in self.user_properties:
            if prop.id in failed:
                result[prop.id] = "fail"
            else:
                result[prop.id] = "pass" if exercised[prop.id] else "not_exercised"
        for probe, hits in self.probes.items():
            result[probe] = "pass" if hits else "not_exercised"
        return result

    def inconclusive_reasons(self) -> list[str]:
        """Why the run cannot vouch for the bridge even though nothing failed."""
        verdicts = self.verdicts()
        reasons = [f"{prop} is unknown: {self._unknown_because(prop)}"
                   for prop, v in verdicts.items() if v == "unknown"]
        reasons += [f"expected probe {probe} was never hit" for probe in self.expected_probes
                    if verdicts.get(probe) != "pass"]
        if not any(v == "pass" for p, v in verdicts.items() if p.startswith("safety.")):
            reasons.append("no safety property was exercised")
        return reasons

    def _quorum_unknown(self, failed: set[str]) -> bool:
        """Certificates passed only against their recorded trust root: no configured policy
        was given to hold them to."""
        return "safety.certificate-quorum" not in failed and self.unjudged_certificates > 0

    def _unknown_because(self, prop: str) -> str | None:
        if prop == "safety.certificate-quorum":
            return (
                f"{self.unjudged_certificates} certificates were checked against their"
                " recorded trust root only: no configured committee policy was given"
            )
        return self.liveness_judgeable()


def _user_verdict(answer: object) -> str | None:
    """A user check's answer as a violation's detail, or None when the event is fine. Only
    None means fine: a check written as a predicate (`return amount <= cap`) answers False
    exactly when its property is false, and must not read as a pass."""
    if answer is None:
        return None
    if isinstance(answer, str) and answer:
        return answer
    return (
        f"the check returned {answer!r}; a check returns None when the event is fine, or a"
        " sentence saying what is wrong"
    )


def _lane(fields: dict[str, Any]) -> str:
    """Where a mint or burn happened: the L2 (its records say `layer = "l2"`) or L1."""
    return "l2" if fields.get("layer") == "l2" else "l1"


def _certifies_another_transfer(event: Event, cert: Certificate) -> Shortfall | None:
    """The certificate must certify the transfer the event pays out: a contract that paid
    one message on another's certificate paid it on no certificate at all."""
    fields = event.fields
    message = cert.message
    direction = "withdrawal" if event.kind == "release" else "deposit"
    certified = (message.direction, message.nonce, message.asset, message.amount,
                 message.recipient)
    paid = (direction, fields["nonce"], fields["asset"], fields["amount"], fields["recipient"])
    if certified == paid:
        return None
    return Shortfall(
        "certified_message",
        f"it certifies {message.direction} #{message.nonce} of {message.amount}"
        f" {message.asset} to {message.recipient}",
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
    "l2.escape.paid_on_l1": Monitor._on_escape_paid,
    "lock": Monitor._on_lock,
    "burn": Monitor._on_burn,
    "mint": Monitor._on_mint,
    "release": Monitor._on_release,
    "settlement.final": Monitor._on_settlement_final,
    "settlement.reorg": Monitor._on_reorg,
    "attack.submit": Monitor._on_attack,
    "attack.lock": Monitor._on_attack,
    "attack.extract": Monitor._on_attack,
    **{kind: Monitor._on_pause for kind in PAUSE_EVENTS},
}

# Every kind `observe` acts on without a property of the scenario's own; it passes the rest by.
OBSERVED_KINDS = frozenset(_HANDLERS) | frozenset(_PROBE_EVENTS)


def check_records(
    records: Iterable[dict[str, Any]],
    signatures: str = "real",
    policy: CommitteePolicy | None = None,
) -> Monitor:
    """Re-check a saved history (records as read from `history.jsonl`) of a run with real (or
    `signatures = "symbolic"`) signatures, against the committee `policy` its scenario
    configures (`CommitteePolicy.of_scenario`; without it certificate-quorum is unknown)."""
    monitor = Monitor(signatures=signatures, policy=policy)
    for record in records:
        fields = {
            key: value for key, value in record.items() if key not in {"seq", "t", "actor", "kind"}
        }
        monitor.observe(Event(record["seq"], record["t"], record["actor"], record["kind"], fields))
    return monitor
