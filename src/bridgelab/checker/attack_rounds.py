"""Which of a scenario's attacks its history shows tested, read from the attacks' own records.

A round starts with `fault.start`. A round that ends in an `attack.failed` record marked
`tested: false` found nothing to attack (no honest certificate to copy, say): an attack whose
every round ended so tested nothing, however safe the run looks. Rounds are counted per
attack name and kind (the record names its kind); a scenario's attack names are unique,
and a record that names no kind counts against every attack of its name.

An attack that forges with committee keys (`FORGES_WITH_KEYS`) is tested only by evidence
that a forgery reached the bridge: an `attack.submit` of its own whose transaction no
mempool turned away (`tx.dropped`). Keys taken and never used, a round still waiting when the
run ended, too few shares to sign: none is the bridge holding. An attack that only hands its
keys to others (`key.compromise` with `forge = false`) is tested by a forgery signed, after
it, with a seat it took and still held. Each round of `key.bernoulli` is a trial: one that
drew no seat counts as the binomial model counts it, one that drew seats must have put them
to the bridge.

A relayer attack (`NEEDS_STRIKE`) is tested only by a relayer's record, naming the attack,
of a message it struck: held, censored, replayed or submitted twice. A window in which the
relayers passed no message the attack applies to (no traffic, a censored user who never
sends) tested nothing. A replay is tested only once a copy it names reached the
destination's replay check (both copies, for a double submission): its transaction's outcome
is recorded (`COPY_OUTCOMES`), or, for a copy handed to the L2's gateway, the gateway's
delivery by that relayer for that nonce, refused on no check made before that one
(`reached_replay_check`). A `settlement.reorg` attack is tested only by a reorg of its own
that undid a bridge effect; a `settlement.censor`, by a block it left a transaction out of.
A forgery the escrow refused for want of funds (`OVERDRAWN`) had passed verification: the
bridge accepted it, and the run cannot call that a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Refused endorsements remembered (they are rare: a forgery or a replay each). Past this, a
# forgery refused for too few endorsements reads untested: inconclusive, never safe.
MAX_REFUSED_ENDORSEMENTS = 100_000
# Forged transactions remembered (a campaign sends at most 10,000 and a run has few
# attacks). Past this, later forgeries are not counted: untested, never safe.
MAX_FORGERIES = 1_000_000

# Attacks whose test is a forged certificate the adversary submits with the keys it holds.
FORGES_WITH_KEYS = frozenset({
    "key.compromise", "key.mobile", "key.bernoulli", "adversary.forge",
    "collusion.fabricated_lock", "collusion.equivocate", "ecdsa.nonce_reuse",
})

# Attacks tested only by a record of something they struck, which names them: a relayer's
# `relay.censored` / `relay.held` / `relay.replay` / `relay.double_submit` (the copies must
# then arrive), a `settlement.reorg` of their own cause that reverted a bridge effect, a
# `settlement.censored` whose `by` lists them. `ROUND_EVENTS` reads those records.
NEEDS_STRIKE = frozenset({
    "relayer.censor", "relayer.replay", "relayer.double_submit", "relayer.delay",
    "relayer.reorder", "settlement.reorg", "settlement.censor",
})
# The escrow's refusal of a release for want of funds: a check made after the certificate
# was accepted, so a forgery refused on it passed the bridge's verification.
OVERDRAWN = "escrow_balance"
# Records of a transaction's outcome at the destination: a replayed copy named in one reached it.
COPY_OUTCOMES = ("tx.reverted", "mint", "mint.queued", "release")
# Copies remembered until their outcome; past this, later ones are not: untested, never safe.
MAX_COPIES = 1_000_000
# Outcomes of a copy at or past the destination's replay check (the escrow, the bridge
# contract and the L2 gateway ask first whether they are paused or frozen, the direction and
# the source contract, then whether the nonce was used): the nonce check itself, the checks
# after it, and success. Any other refusal, an unknown one included, never reached it.
PAST_REPLAY_CHECK = frozenset({
    "nonce_unused", "root_not_accepted", "proof_root", "leaf_matches_message",
    "merkle_inclusion", "per_transfer_cap", "accountant", "rate_limited", "recipient_kyc",
    "escrow_balance", "ok", "oracle_refused",
})


def reached_replay_check(fields: dict[str, Any]) -> bool:
    """Whether an outcome record (a mint or release, a revert, an L2 delivery) shows its
    transaction got as far as the replay check."""
    check = fields.get("check")
    return check is None or (isinstance(check, str) and (
        check in PAST_REPLAY_CHECK or check.startswith("certificate_")))


@dataclass(slots=True)
class Forgery:
    """One `attack.submit`: whose, in which of its rounds, which key grants it used."""

    actor: str
    round: int
    grants: frozenset[str]


@dataclass
class AttackRounds:
    """Rounds started and rounds that found nothing to attack, per attack name and kind;
    forgeries submitted (less those a mempool turned away) and empty draws, per attack name."""

    rounds: dict[tuple[str, str], int] = field(default_factory=dict)
    idle: dict[tuple[str, str | None], int] = field(default_factory=dict)
    forgeries: dict[str, Forgery] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    # Rounds of each attack name that drew no seat (key.bernoulli).
    empty_draws: dict[str, set[int]] = field(default_factory=dict)
    # Attack names that only hand their keys to other attacks (`forge = false`), and the
    # seats each took: a forgery signed by one of them used that grant.
    grants: frozenset[str] = frozenset()
    granted: dict[str, frozenset[int]] = field(default_factory=dict)
    # Messages some committee member refused to endorse, as (direction, nonce).
    refusals: set[tuple[object, object]] = field(default_factory=set)
    # Attack names with a round still inside the attack when the run ended.
    unfinished: set[str] = field(default_factory=set)
    # Relayer attacks with evidence of a message struck; replayed copies still on their way,
    # by transaction, and those handed to the L2's gateway, by (relayer, nonce).
    struck: set[str] = field(default_factory=set)
    # Attack names whose forged release passed verification and was refused for want of funds.
    overdrawn: set[str] = field(default_factory=set)
    copies: dict[str, list[int]] = field(default_factory=dict)
    # Per group of copies that must all arrive (a record's copies of a double submission;
    # each replayed copy alone): the attack, and how many have not arrived yet.
    groups: dict[int, list[Any]] = field(default_factory=dict)
    l2_copies: dict[tuple[str, object], list[str]] = field(default_factory=dict)
    _started: dict[str, int] = field(default_factory=dict)

    def start(self, actor: str, kind: str) -> None:
        self.rounds[(actor, kind)] = self.rounds.get((actor, kind), 0) + 1
        self._started[actor] = self._started.get(actor, 0) + 1

    def held(self, actor: str, fields: dict[str, Any]) -> None:
        """`relay.held`, `relay.censored` or `settlement.censored`: the attacks named struck
        a message or a transaction."""
        named = fields.get("attacks", fields.get("by", [fields.get("attack")]))
        for attack in named if isinstance(named, list) else ():
            if isinstance(attack, str) and attack:
                self.struck.add(attack)

    def replayed(self, relayer: str, fields: dict[str, Any]) -> None:
        """`relay.replay`: each copy tests the bridge once it arrives (it repeats a
        certificate already delivered)."""
        txs = fields.get("txs")
        if isinstance(txs, list):
            self._await(relayer, fields, [[tx] for tx in txs])

    def doubled(self, relayer: str, fields: dict[str, Any]) -> None:
        """`relay.double_submit`: the copies test the bridge once all have arrived (one
        alone is no duplicate)."""
        txs = fields.get("txs")
        if isinstance(txs, list):
            self._await(relayer, fields, [txs])

    def _await(self, relayer: str, fields: dict[str, Any], groups: list[list[object]]) -> None:
        attack = fields.get("attack")
        if not isinstance(attack, str):
            return
        for group in groups:
            if "l2" in group:  # handed to the L2's gateway, every copy in one step
                self.l2_copies.setdefault((relayer, fields.get("nonce")), []).append(attack)
                continue
            if not group or len(self.copies) >= MAX_COPIES:
                continue
            number = len(self.groups)
            self.groups[number] = [attack, len(group)]
            for tx in group:
                if isinstance(tx, str):
                    self.copies.setdefault(tx, []).append(number)

    def arrived(self, actor: str, fields: dict[str, Any]) -> None:
        """A transaction's outcome at the destination: the last of a group makes its attack
        tested; a forgery the escrow could not pay was accepted, not refused."""
        if fields.get("check") == OVERDRAWN:
            forgery = self.forgeries.get(fields.get("tx"))  # type: ignore[arg-type]
            if forgery is not None:
                self.overdrawn.add(forgery.actor)
        if not self.copies or not reached_replay_check(fields):
            return
        for group in self.copies.pop(fields.get("tx"), ()):  # type: ignore[arg-type]
            waiting = self.groups[group]
            waiting[1] -= 1
            if waiting[1] == 0:
                self.struck.add(waiting[0])

    def reorged(self, actor: str, fields: dict[str, Any]) -> None:
        """`settlement.reorg`: one caused by an attack that undid a bridge effect struck."""
        cause = fields.get("cause")
        if fields.get("reverted") and isinstance(cause, str):
            self.struck.add(cause)

    def l2_delivered(self, actor: str, fields: dict[str, Any]) -> None:
        """The L2 gateway took a certificate from a relayer: copies it had just handed over
        (in the same step, so before any other delivery of theirs) arrived."""
        if self.l2_copies:
            waiting = self.l2_copies.pop((fields.get("relayer"), fields.get("nonce")), ())
            if reached_replay_check(fields):
                self.struck.update(waiting)

    def started(self, actor: str, kind: str) -> bool:
        return (actor, kind) in self.rounds

    def found_nothing(self, actor: str, kind: str | None, unfinished: bool = False) -> None:
        self.idle[(actor, kind)] = self.idle.get((actor, kind), 0) + 1
        if unfinished:
            self.unfinished.add(actor)

    def failed(self, actor: str, fields: dict[str, Any]) -> None:
        """An `attack.failed` record: a round that tested nothing (`tested: false`, or too few
        endorsements with no refusal), or a Bernoulli draw of no seat."""
        reason, kind = fields.get("reason"), fields.get("attack")
        if fields.get("tested") is False:
            self.found_nothing(actor, kind if isinstance(kind, str) else None,
                               reason == "unfinished")
        elif reason == "endorsements_refused":
            self.short_of_endorsements(actor, fields)
        elif reason == "no_seats_compromised":
            self.drew_nothing(actor)

    def refused(self, direction: object, nonce: object) -> None:
        if len(self.refusals) < MAX_REFUSED_ENDORSEMENTS:
            self.refusals.add((direction, nonce))

    def short_of_endorsements(self, actor: str, fields: dict[str, object]) -> None:
        """A forgery given up for too few endorsements tested the bridge only if a member
        refused it; with no refusal the members were silent (crashed, cut off)."""
        nonce, kind = fields.get("nonce"), fields.get("attack")
        if not any((side, nonce) in self.refusals for side in ("deposit", "withdrawal")):
            self.found_nothing(actor, kind if isinstance(kind, str) else None)

    def compromised(self, actor: str, seats: object) -> None:
        if actor in self.grants and isinstance(seats, list):
            self.granted[actor] = self.granted.get(actor, frozenset()) | frozenset(
                seat for seat in seats if isinstance(seat, int))

    def evicted(self, actor: str, seats: object) -> None:
        """A grant that gave up seats no longer stands behind forgeries signed with them."""
        if actor in self.granted and isinstance(seats, list):
            self.granted[actor] = self.granted[actor] - frozenset(seats)

    def submit(self, actor: str, tx: object, signers: object) -> None:
        if not isinstance(tx, str) or len(self.forgeries) >= MAX_FORGERIES:
            return
        signed = frozenset(signers) if isinstance(signers, list) else frozenset()
        used = frozenset(grant for grant, seats in self.granted.items() if seats & signed)
        self.forgeries[tx] = Forgery(actor, self._started.get(actor, 0) - 1, used)

    def drop(self, tx: object) -> None:
        """A mempool turned the transaction away: it never reached a contract."""
        if isinstance(tx, str) and tx in self.forgeries:
            self.dropped.add(tx)

    def drew_nothing(self, actor: str) -> None:
        self.empty_draws.setdefault(actor, set()).add(self._started.get(actor, 0) - 1)

    def _delivered(self) -> list[Forgery]:
        return [forgery for tx, forgery in self.forgeries.items() if tx not in self.dropped]

    def _acted(self, actor: str, kind: str) -> bool:
        """Started, and at least one round did not end finding nothing to attack."""
        idle = self.idle.get((actor, kind), 0) + self.idle.get((actor, None), 0)
        return self.rounds.get((actor, kind), 0) > idle

    def tested(self, actor: str, kind: str) -> bool:
        """At least one round acted (`_acted`); for an attack that forges with keys, a
        forgery of its own delivered too (`FORGES_WITH_KEYS`)."""
        if not self._acted(actor, kind):
            return False
        if kind in NEEDS_STRIKE:
            return actor in self.struck
        if kind not in FORGES_WITH_KEYS:
            return True
        delivered = self._delivered()
        if actor in self.grants:
            return any(actor in forgery.grants for forgery in delivered)
        if kind == "key.bernoulli":
            # Every draw is a trial: each round drew nothing or put its keys to the bridge.
            tried = self.empty_draws.get(actor, set()) | {
                forgery.round for forgery in delivered if forgery.actor == actor}
            return all(round_ in tried for round_ in range(self.rounds[(actor, kind)]))
        return any(forgery.actor == actor for forgery in delivered)

    def never_forged(self, actor: str, kind: str) -> bool:
        """Started and found something, but (an attack that forges with keys) sent the
        bridge no forgery: for the reason the checker gives."""
        return (kind in FORGES_WITH_KEYS and self._acted(actor, kind)
                and not self.tested(actor, kind))

    def never_struck(self, actor: str, kind: str) -> bool:
        """A relayer attack or reorg that started and acted, but struck nothing."""
        return (kind in NEEDS_STRIKE and self._acted(actor, kind)
                and actor not in self.struck)


# The records this fold reads, each with what it does with (actor, fields).
ROUND_EVENTS: dict[str, Callable[[AttackRounds, str, dict[str, Any]], None]] = {
    "fault.start": lambda rounds, actor, fields: rounds.start(actor, fields["attack"]),
    "attack.failed": AttackRounds.failed,
    "attack.submit": lambda rounds, actor, fields: rounds.submit(
        actor, fields.get("tx"), fields.get("signers")),
    "endorse.refused": lambda rounds, actor, fields: rounds.refused(
        fields.get("direction"), fields.get("nonce")),
    "attack.compromise": lambda rounds, actor, fields: rounds.compromised(
        actor, fields.get("seats")),
    "attack.evicted": lambda rounds, actor, fields: rounds.evicted(actor, fields.get("seats")),
    "tx.dropped": lambda rounds, actor, fields: rounds.drop(fields.get("tx")),
    "relay.censored": AttackRounds.held,
    "relay.held": AttackRounds.held,
    "settlement.censored": AttackRounds.held,
    "relay.replay": AttackRounds.replayed,
    "relay.double_submit": AttackRounds.doubled,
    "l2.bridge.deliver": AttackRounds.l2_delivered,
    "settlement.reorg": AttackRounds.reorged,
    **dict.fromkeys(COPY_OUTCOMES, AttackRounds.arrived),
}
