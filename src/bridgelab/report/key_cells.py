"""The risk cells about who can sign: whom the destination trusts (validated by), who holds
the keys (custody), and where they are (jurisdiction and provider concentration)."""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.cell import first_runs, make_cell, safety_broken
from bridgelab.report.grouping import untested
from bridgelab.report.groups import ONLINE_STORAGE, VERIFIER_FAMILIES, ConfigGroup
from bridgelab.report.records import RunRecord


def validated_by(group: ConfigGroup) -> dict[str, Any]:
    n, t = group.members, group.threshold
    value = f"{t}-of-{n} committee"
    # Required members are enforced under both schemes (under threshold BLS each one's own
    # signature travels beside the group signature), unless a flaw switches the check off.
    unchecked = "required_members_unchecked" in group.flaws
    if group.required:
        value += f", member{'s' if len(group.required) > 1 else ''}"
        value += f" {words.names(group.required)} required"
        value += " (not checked by the destination)" if unchecked else ""
    # Runs count for a family only if they tested something: an attack that never started
    # (or a run that ended inconclusive) shows no collusion failing.
    configured = group.family(*VERIFIER_FAMILIES)
    idle = untested(configured)
    relevant = [r for r in configured if r not in idle]
    broke = [r for r in safety_broken(relevant)
             if {"safety.certificate-quorum", "safety.mint-backed-by-final-lock"}
             & set(r.safety_failed)]
    if broke:
        sentiment = "bad"
        reason = f"{len(broke)} of {len(relevant)} collusion or verifier-flaw runs broke safety"
    elif group.flaws:
        sentiment, reason = "bad", f"verifier flaw switched on: {words.names(group.flaws)}"
    elif 2 * t <= n:
        sentiment, reason = "bad", f"the threshold {t} is at most half of {n} members"
    elif 3 * t <= 2 * n:
        sentiment, reason = "warning", f"the threshold {t} is not more than two thirds of {n}"
    else:
        sentiment = "good"
        reason = f"{t} of {n} is more than two thirds" + (
            f"; no collusion or forgery succeeded in {len(relevant)} runs" if relevant else ""
        )
    description = (
        f"Each transfer needs endorsements from {t} of the {n} committee members"
        + (f" (including member{'s' if len(group.required) > 1 else ''}"
           f" {words.names(group.required)})" if group.required else "")
        + ". Each member is a light client: it checks the consortium's BFT commit and the"
        " lock's Merkle proof before it signs, and the destination contract checks the"
        " certificate."
        + _required_sentence(group, unchecked)
    )
    if relevant:
        description += (
            " Under collusion and forgery attacks safety failed in"
            f" {len(safety_broken(relevant))} of {len(relevant)} runs."
        )
    description += _idle_sentence(idle, "collusion or forgery")
    return make_cell("validated-by", value, sentiment, description, reason,
                 first_runs(broke, relevant, group.records))


def _idle_sentence(idle: list[RunRecord], family: str) -> str:
    """The runs of a family that tested nothing, said beside the counts that leave them out."""
    if not idle:
        return ""
    return (f" {len(idle)} {family} run{'s' if len(idle) != 1 else ''} tested nothing (the"
            " attack never started, or the run ended inconclusive) and count for neither.")


def _required_sentence(group: ConfigGroup, unchecked: bool) -> str:
    """How the destination knows the required members signed, if it does."""
    if not group.required:
        return ""
    if unchecked:
        return (" The deployed verifier never checks that the required members signed"
                " (flaw required_members_unchecked): any threshold of members suffices.")
    if group.scheme == "threshold-bls":
        return (" A group signature cannot show who signed, so each required member's own"
                " signature travels beside it and the destination checks both.")
    return ""


def custody(group: ConfigGroup) -> dict[str, Any]:
    n, t = group.members, group.threshold
    holder, seats = group.largest
    holdings = group.holdings
    value = (
        f"{words.scheme_name(group.scheme)} {t}-of-{n}; {len(holdings) or n} key holders;"
        f" largest controls {seats}"
    )
    idle = untested(group.key_runs)
    key_runs = [r for r in group.key_runs if r not in idle]
    broke = safety_broken(key_runs)
    cheap = [r for r in broke if (group.compromised.get(r.id) or t) < t]
    online = sum(len(h["seats"]) for h in holdings.values() if h["storage"] in ONLINE_STORAGE)
    if seats >= t:
        sentiment = "bad"
        reason = f"{holder} alone controls {seats} seats, at least the threshold {t}"
    elif cheap:
        fewest = min(group.compromised[r.id] or 0 for r in cheap)
        sentiment = "bad"
        reason = (
            f"{len(cheap)} key-compromise runs broke safety with as few as {fewest} of the {t}"
            " key holders compromised"
        )
    elif seats >= t - 1:
        sentiment = "warning"
        reason = f"{holder} controls {seats} seats: one more compromised key reaches {t}"
    elif group.declared_entities and online >= t:
        sentiment = "warning"
        reason = f"{online} seats, at least the threshold, sit on online servers"
    else:
        sentiment = "good"
        reason = f"no entity controls more than {seats} of the {t} seats needed"
    scheme = (
        f"{t} separate ECDSA signatures, each checked on the destination"
        if group.scheme == "multisig"
        else f"one group key from a DKG; any {t} shares combine into one BLS signature"
    )
    description = (
        f"Keys: {scheme}. "
        + (f"They are held by {len(holdings)} entities; " if group.declared_entities
           else f"Each of the {n} seats is its own operator (no entities declared); ")
        + f"the largest, {holder}, controls {seats} (delegations included)."
    )
    if key_runs:
        counts = [group.compromised.get(r.id) for r in broke]
        known = [c for c in counts if c is not None]
        description += (
            f" Key-compromise attacks broke safety in {len(broke)} of {len(key_runs)} runs"
            + (f", each time with at least {min(known)} key holders compromised." if known
               else ".")
        )
    description += _idle_sentence(idle, "key-compromise")
    return make_cell("custody", value, sentiment, description, reason,
                 first_runs(cheap, broke, key_runs, group.records))


def concentration(group: ConfigGroup) -> dict[str, Any]:
    n, t = group.members, group.threshold
    largest = {key: words.largest_share(group.config, key) for key in ("jurisdiction",
                                                                        "provider")}
    value = "; ".join(
        f"largest {key} {name or 'none'}: {seats} of {n} seats" for key, (name, seats)
        in largest.items()
    ) + f" (threshold {t})"
    undeclared = [key for key in largest if words.undeclared_seats(group.config, key)]
    targeted = [r for r in group.records if r.config is not None and _targets_attribute(r)]
    broke = safety_broken(targeted)
    over = [(key, name, seats) for key, (name, seats) in largest.items()
            if name is not None and seats >= t]
    near = [(key, name, seats) for key, (name, seats) in largest.items()
            if name is not None and seats >= t - 1]
    if over:
        key, name, seats = over[0]
        sentiment, reason = "bad", f"{key} {name} holds {seats} seats, at least the threshold {t}"
    elif broke:
        sentiment, reason = "bad", f"{len(broke)} attribute-targeted runs broke safety"
    elif near:
        key, name, seats = near[0]
        sentiment = "warning"
        reason = f"{key} {name} holds {seats} seats: one more key reaches {t}"
    elif undeclared:
        sentiment = "warning"
        reason = f"some seats' {' and '.join(undeclared)} are not declared"
    else:
        sentiment = "good"
        reason = f"no jurisdiction or provider holds more than {t - 2} of the {t} seats needed"
    description = (
        f"Seats grouped by where their entities are and what they run on: {value}. A state"
        " that coerces one jurisdiction, or an attacker in one cloud account, takes every"
        " seat there at once, however many companies hold them."
    )
    return make_cell("concentration", value, sentiment, description, reason,
                 first_runs(broke, targeted, group.records))


def _targets_attribute(record: RunRecord) -> bool:
    attacks = (record.config or {}).get("attacks") or []
    return any(
        any((attack.get("targets") or {}).get(key) for key in ("jurisdiction", "provider",
                                                              "organisation", "storage"))
        for attack in attacks
    )
