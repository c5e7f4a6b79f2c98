"""The monitor's verdicts once the history is read: liveness (what is left undelivered, and
why), each property's verdict, and why a run that failed nothing cannot vouch for the bridge."""

from __future__ import annotations

from typing import Any

from bridgelab.checker.api import UserProperty
from bridgelab.checker.attack_rounds import AttackRounds
from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.frozen import DEPOSIT_SIDE, WITHDRAWAL_SIDE, breakdown
from bridgelab.checker.ledger_view import LedgerView, Violation
from bridgelab.checker.pending import Unsettled
from bridgelab.checker.properties import PROPERTIES, Verdict
from bridgelab.checker.transfer_table import Transfer

# Safety properties of the consortium chain itself, exercised by any committed block: they
# say nothing about the bridge's transfers.
CHAIN_ONLY = frozenset({"safety.consortium-agreement"})


class Verdicts:
    """Mixed into the monitor: reads the state the fold built, changes nothing."""

    view: LedgerView
    violations: list[Violation]
    exercised: dict[str, int]
    probes: dict[str, int]
    user_properties: tuple[UserProperty, ...]
    expected_probes: tuple[str, ...]
    unjudged_certificates: int
    active_faults: dict[tuple[str, int], dict[str, Any]]
    last_heal: float | None
    end_time: float | None
    liveness_grace: float
    finality_breaks: list[str]
    finality: SettlementFinality | None
    grace_from_record: bool
    attacks: tuple[tuple[str, str], ...]
    attacks_given: bool
    attack_rounds: AttackRounds
    unsettled: Unsettled

    def _stuck(self) -> dict[str, list[tuple[int | str, Transfer | None]]]:
        """Every transfer not delivered, honest or not (None: a deposit never locked)."""
        view = self.view
        # A lock counts as delivered only when minted as locked: same asset, amount, recipient.
        unminted: list[tuple[int | str, Transfer | None]] = [
            (nonce, view.locks[nonce]) for nonce in view.locks
            if nonce not in view.honoured_locks
        ]
        # ... and a deposit that never even reached the escrow is not delivered either.
        unminted += [(tx, None) for tx in view.submitted_deposits]
        # (A burn is read whole only when it is not released: most are.)
        unreleased: list[tuple[int | str, Transfer | None]] = [
            (nonce, burn)
            for nonce in view.burns if nonce not in view.released_nonces
            for burn in (view.burns[nonce],) if burn.number <= view.settlement_final
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
        exercised["liveness.deposits-minted"] = self.view.locks.counted(
            honest_only=True) + len(self.view.submitted_deposits)
        exercised["liveness.withdrawals-released"] = self.view.burns.counted(
            honest_only=True, number_at_most=self.view.settlement_final)
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
        elif not self.attacks and not any(
                v == "pass" for p, v in verdicts.items()
                if p.startswith("safety.") and p not in CHAIN_ONLY):
            # Blocks were committed (agreement holds over them), but no lock, mint, burn or
            # release: with no attack either, the run put nothing to the bridge.
            reasons.append("no transfer reached the bridge and no attack was configured:"
                           " only the consortium chain's own properties were exercised")
        reasons += self._untested_attacks()
        # Queued mints and forged transactions whose outcome was still to come.
        reasons += self.unsettled.reasons()
        reasons += [f"a final settlement block was taken back: {why}"
                    for why in self.finality_breaks]
        # A monitor fed by hand, without what `judge.monitor_for` takes from the scenario.
        if self.finality is None:
            reasons.append("settlement finality was taken from the chain's own claims:"
                           " no finality rule was given")
        if not self.attacks_given:
            reasons.append("the scenario's attacks were not given: whether the run tested"
                           " them is not known")
        if self.grace_from_record:
            reasons.append("the liveness grace was taken from the run's own record:"
                           " none was given")
        return reasons

    def _untested_attacks(self) -> list[str]:
        """The scenario's attacks that never started, whose every round found nothing to
        attack, that forge with keys and never submitted a forgery, or that need a record
        of a strike (`NEEDS_STRIKE`) and have none, as reasons: an attack that started does
        not stand for another that did not (a scenario's attack names are unique, so each
        attack's records are its own)."""
        configured = dict.fromkeys(self.attacks)
        rounds = self.attack_rounds
        unstarted = [actor for actor, kind in configured if not rounds.started(actor, kind)]
        untested = [(actor, kind) for actor, kind in configured
                    if rounds.started(actor, kind) and not rounds.tested(actor, kind)]
        cut = [actor for actor, _kind in untested if actor in rounds.unfinished]
        unsent = [actor for actor, kind in untested
                  if rounds.never_forged(actor, kind) and actor not in cut]
        unstruck = [actor for actor, kind in untested if rounds.never_struck(actor, kind)]
        idle = [actor for actor, _kind in untested
                if actor not in unsent and actor not in cut and actor not in unstruck]
        reasons = []
        if unstarted and len(unstarted) == len(configured):
            reasons.append(f"none of the scenario's {len(self.attacks)} attack(s) started: the"
                           " run tested none of them")
        elif unstarted:
            reasons.append(f"{len(unstarted)} of the scenario's {len(self.attacks)} attacks"
                           f" never started ({', '.join(unstarted)}): the run tested none of"
                           " those")
        if idle:
            reasons.append(f"{len(idle)} of the scenario's {len(self.attacks)} attacks found"
                           f" nothing to attack in any round ({', '.join(idle)}): the run"
                           " tested none of those")
        if cut:
            reasons.append(f"{len(cut)} of the scenario's {len(self.attacks)} attacks were"
                           f" still at it when the run ended ({', '.join(cut)}): the run is"
                           " shorter than they are, so it tested only part of each")
        if unsent:
            reasons.append(f"{len(unsent)} of the scenario's {len(self.attacks)} attacks never"
                           f" submitted a forgery ({', '.join(unsent)}): the keys they held"
                           " were never put to the bridge (too few keys to sign, none"
                           " held, or every one turned away by a mempool)")
        if unstruck:
            reasons.append(f"{len(unstruck)} of the scenario's {len(self.attacks)} attacks"
                           f" struck nothing the bridge needed ({', '.join(unstruck)}): no"
                           " message they applied to passed the relayers they held, no copy"
                           " of theirs reached the destination, their reorg undid no"
                           " bridge transaction, or no proposer of theirs had a"
                           " transaction to leave out")
        overdrawn = [actor for actor, _kind in configured if actor in rounds.overdrawn]
        if overdrawn:
            reasons.append(f"{len(overdrawn)} of the scenario's {len(self.attacks)} attacks"
                           f" had a forged release accepted ({', '.join(overdrawn)}): it"
                           " passed the escrow's certificate check and was refused only"
                           " because the escrow held less than it asked")
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
