"""Risk cells in the L2BEAT manner, and the maturity checklist — each decided by an explicit
rule over the configuration and the runs, and each citing the runs it rests on.

A cell is `{id, label, value, sentiment, description, rule, reason, evidence}`: `rule` states
the whole rule (the same text for every report), `reason` the clause that decided this one.
Sentiments: "bad" (funds at risk now), "warning" (one step from bad, or unproven), "good".
"""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import (
    DELAY_FACTOR,
    DELAY_MARGIN_S,
    ONLINE_STORAGE,
    SEVEN_DAYS,
    VERIFIER_FAMILIES,
    ConfigGroup,
    bounded,
    delays,
    evidence,
)
from bridgelab.report.records import BYZANTINE_FAMILY, RunRecord

AGREEMENT = "safety.consortium-agreement"

RULES = {
    "validated-by": (
        "bad if a collusion or verifier-flaw run broke safety, a verifier flaw is switched on,"
        " or the threshold is at most half the committee; warning if the threshold is not more"
        " than two thirds of the committee; good otherwise"
    ),
    "custody": (
        "bad if one entity controls at least the threshold of seats (delegations included), or"
        " a key-compromise run broke safety with fewer entities compromised than the"
        " threshold; warning if one entity controls threshold − 1 seats or at least a"
        " threshold of seats sit on online servers; good otherwise (compromising a threshold"
        " of independent key holders breaks any threshold scheme, so that alone is not bad)"
    ),
    "concentration": (
        "bad if the seats held in one jurisdiction or on one hosting provider reach the"
        " threshold (coercing that jurisdiction or taking that provider's account breaks"
        " the bridge), or a run that targeted an attribute broke safety; warning if one of"
        " them holds threshold − 1 seats, or some seats' jurisdiction or provider is not"
        " declared (unknown is not independent); good otherwise"
    ),
    "upgradeability": (
        "bad if a run replaced the committee without > 2/3 of it (safety.trust-root-governed"
        " failed) or cross-chain messages may call admin functions; warning if committee"
        " changes take effect without a timelock; good otherwise"
    ),
    "destination-token": (
        "bad if a run ended with wrapped tokens the escrow does not back; warning if tokens"
        " were unbacked at any moment of a run, or no global accountant caps minting at what"
        " is escrowed; good otherwise"
    ),
    "liveness-failure": (
        "bad if a run failed a liveness property after every fault healed with honest users'"
        " transfers stuck that no theft explains; warning if the only stuck transfers were"
        " frozen as a consequence of a theft (held by the pause that followed it, or unpaid"
        " from the escrow it drained; the adversary's own transfers are not judged), a run's"
        " liveness stayed unknown, transfers were delayed (slowest more than"
        f" {DELAY_FACTOR:g}× the honest slowest and {DELAY_MARGIN_S:g} s longer), or there is a"
        " single relayer; good otherwise"
    ),
    "exit-window": (
        "exit window = the timelock on committee changes minus the slowest withdrawal; bad if"
        " it is zero or negative (no time to exit before a change); warning if it is shorter"
        " than 7 days; good otherwise"
    ),
    "rate-limits": (
        "bad if there is no per-transfer cap, rate limit, or delay or challenge window with an"
        " enabled watcher to act in it (a wait nobody watches stops nothing); warning if there"
        " is no pausing watcher behind them, or a run lost more than the rate limit admits"
        " before the pause; good otherwise"
    ),
}

LABELS = {
    "validated-by": "Validated by",
    "custody": "Custody and key holders",
    "concentration": "Jurisdiction and provider concentration",
    "upgradeability": "Upgradeability",
    "destination-token": "Destination token",
    "liveness-failure": "Liveness failure",
    "exit-window": "Exit window",
    "rate-limits": "Rate limits",
}


def _cell(cell_id: str, value: str, sentiment: str, description: str, reason: str,
          runs: list[RunRecord]) -> dict[str, Any]:
    return {
        "id": cell_id,
        "label": LABELS[cell_id],
        "value": value,
        "sentiment": sentiment,
        "description": description,
        "rule": RULES[cell_id],
        "reason": reason,
        "evidence": evidence(runs),
    }


def _first(*candidates: list[RunRecord]) -> list[RunRecord]:
    """The first non-empty list of runs (the most specific evidence that exists)."""
    for runs in candidates:
        if runs:
            return runs
    return []


def _broke(runs: list[RunRecord]) -> list[RunRecord]:
    return [r for r in runs if r.safety_failed]


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
    relevant = group.family(*VERIFIER_FAMILIES)
    broke = [r for r in _broke(relevant)
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
            f" Under collusion and forgery attacks safety failed in {len(_broke(relevant))} of"
            f" {len(relevant)} runs."
        )
    return _cell("validated-by", value, sentiment, description, reason,
                 _first(broke, relevant, group.records))


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
    key_runs = group.key_runs
    broke = _broke(key_runs)
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
    return _cell("custody", value, sentiment, description, reason,
                 _first(cheap, broke, key_runs, group.records))


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
    broke = _broke(targeted)
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
    return _cell("concentration", value, sentiment, description, reason,
                 _first(broke, targeted, group.records))


def _targets_attribute(record: RunRecord) -> bool:
    attacks = (record.config or {}).get("attacks") or []
    return any(
        any((attack.get("targets") or {}).get(key) for key in ("jurisdiction", "provider",
                                                              "organisation", "storage"))
        for attack in attacks
    )


def upgradeability(group: ConfigGroup) -> dict[str, Any]:
    timelock = group.timelock
    value = "committee changes need > 2/3 of the committee"
    value += f"; {words.duration(timelock)} timelock" if timelock else "; no timelock"
    governed = [r for r in group.records
                if r.verdicts.get("safety.trust-root-governed") == "fail"]
    rotation = [r for r in group.records
                if any(k == "message.replace_committee" for k in r.attack_kinds)]
    if governed:
        sentiment = "bad"
        reason = f"{len(governed)} runs replaced the committee without > 2/3 of it"
    elif "arbitrary_message_calls" in group.flaws:
        sentiment, reason = "bad", "cross-chain messages may call admin functions"
    elif timelock <= 0:
        sentiment, reason = "warning", "a committee change takes effect at once"
    else:
        sentiment, reason = "good", f"changes wait {words.duration(timelock)} under a watcher"
    description = (
        "The destination accepts certificates under a versioned trust root; a new root needs"
        " the signatures of more than two thirds of the current committee"
        + (f" and waits {words.duration(timelock)}, during which the watcher can veto it."
           if timelock else ", and takes effect as soon as it is accepted.")
    )
    return _cell("upgradeability", value, sentiment, description, reason,
                 _first(governed, rotation, group.records))


def destination_token(group: ConfigGroup) -> dict[str, Any]:
    config = group.config
    asset = (config.get("workload") or {}).get("asset", "the asset")
    l2 = config.get("l2") or {}
    where = "the L2" if l2.get("enabled") and l2.get("destination") == "l2" else \
        "the settlement chain"
    accountant = bool(group.defences.get("accountant"))
    value = f"wrapped {asset} minted on {where}"
    value += "; accountant caps supply" if accountant else "; no accountant"
    ended = [r for r in group.records
             if r.unbacked_final > 0 or r.verdicts.get("safety.escrow-covers-supply") == "fail"]
    transient = [r for r in group.records if r.unbacked_peak > 0]
    if ended:
        sentiment = "bad"
        reason = f"{len(ended)} runs ended with unbacked wrapped tokens in circulation"
    elif transient:
        sentiment, reason = "warning", f"{len(transient)} runs had unbacked tokens for a while"
    elif not accountant:
        sentiment, reason = "warning", "no global accountant caps minting at what is escrowed"
    else:
        sentiment, reason = "good", "supply stayed backed in every run, under an accountant"
    peak = max((r.unbacked_peak for r in group.records), default=0)
    description = (
        f"Depositors lock {asset} in the consortium escrow and receive a wrapped token on"
        f" {where}; the token is worth what the escrow holds. "
        + (f"The largest unbacked supply seen in a run was {words.amount(peak)}."
           if peak else "No run minted an unbacked token.")
    )
    return _cell("destination-token", value, sentiment, description, reason,
                 _first(ended, transient, group.records))


def liveness_failure(group: ConfigGroup) -> dict[str, Any]:
    stuck = [r for r in group.records if r.liveness_failed]
    # A run without the classification (older results) counts as an honest failure.
    frozen = [r for r in stuck if r.honest_liveness_failed]
    by_theft = [r for r in stuck if not r.honest_liveness_failed]
    unknown = [r for r in group.records if r.liveness_unknown and not r.liveness_failed]
    delayed = delays(group)
    delayed_runs = list(dict.fromkeys(d["run"] for d in delayed))
    relayers = group.relayers
    value = f"{relayers} relayer{'s' if relayers != 1 else ''}; {group.threshold} of" \
        f" {group.members} members must be online"
    if frozen:
        sentiment = "bad"
        reason = (
            f"honest transfers never completed in {len(frozen)} of {len(group.records)} runs,"
            " with no theft to explain it"
        )
    elif by_theft:
        sentiment = "warning"
        reason = (
            f"transfers got stuck only as a consequence of a theft, in {len(by_theft)} runs"
            " (frozen by the pause that followed it, or unpaid from the escrow it drained)"
        )
    elif unknown:
        sentiment, reason = "warning", f"liveness stayed unknown in {len(unknown)} runs"
    elif delayed_runs:
        worst = max(delayed, key=lambda d: d["worst"] / d["reference"])
        sentiment = "warning"
        reason = (
            f"transfers were delayed in {len(delayed_runs)} runs (slowest"
            f" {words.duration(worst['worst'])} against {words.duration(worst['reference'])})"
        )
    elif relayers == 1:
        sentiment, reason = "warning", "a single relayer can stall every transfer"
    else:
        sentiment, reason = "good", "every transfer completed in every run, without delay"
    description = (
        "Relayers are trusted for liveness only: any one of them can carry a message, and a"
        " backup takes over after a delay. "
        f"Transfers completed after every fault healed in {len(group.records) - len(stuck)} of"
        f" {len(group.records)} runs"
        + (f"; in {len(by_theft)} more, the only transfers stuck were frozen as a consequence"
           " of a theft." if by_theft else ".")
    )
    if delayed_runs:
        worst = max(delayed, key=lambda d: d["worst"] / d["reference"])
        description += (
            f" The slowest {worst['direction']} under attack took"
            f" {words.duration(worst['worst'])}, against {words.duration(worst['reference'])}"
            " without one."
        )
    return _cell("liveness-failure", value, sentiment, description, reason,
                 _first(frozen, by_theft, unknown, delayed_runs,
                        [r for r in group.records if r.family in ("relayers", "L2")],
                        group.records))


def exit_window(group: ConfigGroup) -> dict[str, Any]:
    timelock = group.timelock
    slowest = [
        (r, (r.metrics.get("withdrawal_latency_s") or {}).get("p99")) for r in group.records
    ]
    slowest = [(r, v) for r, v in slowest if v is not None]
    withdrawal = max((v for _, v in slowest), default=0.0)
    window = timelock - withdrawal
    l2 = group.config.get("l2") or {}
    value = f"{words.duration(max(window, 0.0)) if window > 0 else 'none'}"
    value += f" (timelock {words.duration(timelock)}, withdrawal p99 {words.duration(withdrawal)})"
    if window <= 0:
        sentiment = "bad"
        reason = (
            "no timelock on committee changes" if timelock <= 0
            else "the timelock is shorter than a withdrawal"
        )
    elif window < SEVEN_DAYS:
        sentiment, reason = "warning", f"users have {words.duration(window)} to exit"
    else:
        sentiment, reason = "good", f"users have {words.duration(window)} to exit"
    description = (
        "How long users have to withdraw between a committee change being accepted and it"
        " taking effect, after the slowest measured withdrawal."
    )
    if l2.get("enabled"):
        description += (
            f" On the L2, an escape hatch opens after {words.duration(l2.get('escape_timeout'))}"
            " without a finalised batch."
        )
    ranked = [r for r, _ in sorted(slowest, key=lambda item: -item[1])]
    return _cell("exit-window", value, sentiment, description, reason,
                 _first(ranked, group.records))


def rate_limits(group: ConfigGroup) -> dict[str, Any]:
    limits = group.limits
    parts = []
    if limits.get("per_transfer_cap"):
        parts.append(f"cap {words.amount(limits['per_transfer_cap'])} per transfer")
    if limits.get("rate_capacity"):
        per_day = float(limits.get("rate_per_second") or 0.0) * 86_400
        parts.append(
            f"{words.amount(limits['rate_capacity'])} burst, {words.amount(per_day)}/day"
        )
    # A delay or a challenge window only gives someone time to act: with no watcher enabled
    # the queued mint simply executes when the wait ends, so it is shown but not credited.
    waits = []
    if limits.get("delay_threshold") and limits.get("delay"):
        waits.append(
            f"{words.duration(limits['delay'])} delay above"
            f" {words.amount(limits['delay_threshold'])}"
        )
    if group.defences.get("challenge_window"):
        waits.append(f"{words.duration(group.defences['challenge_window'])} challenge window")
    watched = bool(group.watcher.get("enabled"))
    if watched:
        parts += waits
    value = "; ".join(parts) or "none"
    if waits and not watched:
        value += f" ({'; '.join(waits)}, with no watcher: not a defence)"
    losing = [r for r in group.attacked if r.loss > 0]
    unbounded = [r for r in losing if not bounded(group, r)]
    bound = group.loss_bound
    if not parts:
        sentiment, reason = "bad", "no cap, rate limit or delay: one incident can drain the escrow"
        if waits:
            reason = (
                "no cap or rate limit, and no watcher acts during the delay or challenge"
                " window: one incident can drain the escrow"
            )
    elif unbounded:
        sentiment = "warning"
        reason = f"{len(unbounded)} runs lost more than the rate limit admits before the pause"
    elif not group.pausing_watcher:
        sentiment, reason = "warning", (
            "no watcher pauses the bridge behind the limits: an adversary that splits its"
            " forgeries under the cap and waits for the refill is slowed, not stopped"
        )
    else:
        sentiment, reason = "good", "limits and a pausing watcher bounded every loss"
        worst_case = ((bound or {}).get("at") or {}).get("max") or {}
        if worst_case.get("bound") is not None:
            reason += (
                f"; one incident moves at most {words.amount(worst_case['bound'])} per"
                " direction before the pause, at the longest detection delay"
            )
    worst = max((r.loss for r in group.attacked), default=0)
    description = (
        "Caps and a token-bucket rate limit bound what one incident can move before someone"
        " notices; a watcher that pauses the bridge ends it. "
        + (f"{words.loss_bound(bound)} " if bound is not None and parts else "")
        + f"The largest loss in a run was {words.amount(worst)}."
    )
    ranked = sorted(group.attacked, key=lambda r: -r.loss)
    return _cell("rate-limits", value, sentiment, description, reason,
                 _first(unbounded, [r for r in ranked if r.loss > 0], ranked, group.records))


CELLS = (validated_by, custody, concentration, upgradeability, destination_token, liveness_failure,
         exit_window, rate_limits)


def risk_cells(group: ConfigGroup) -> list[dict[str, Any]]:
    return [make(group) for make in CELLS]


# -- the maturity checklist -------------------------------------------------------------------


def _item(item_id: str, label: str, status: str, detail: str,
          runs: list[RunRecord]) -> dict[str, Any]:
    return {"id": item_id, "label": label, "status": status, "detail": detail,
            "evidence": evidence(runs, 2)}


def maturity(group: ConfigGroup) -> list[dict[str, Any]]:
    items = []
    records = group.records
    paused = [r for r in records if (r.outcome.get("times") or {}).get("pause") is not None]
    if not group.pausing_watcher:
        items.append(_item("watcher-can-pause", "An independent watcher can pause the bridge",
                           "fail", "no pausing watcher is configured", records))
    elif paused:
        items.append(_item("watcher-can-pause", "An independent watcher can pause the bridge",
                           "pass", f"the watcher paused the bridge in {len(paused)} runs",
                           paused))
    else:
        items.append(_item("watcher-can-pause", "An independent watcher can pause the bridge",
                           "unknown", "configured, but no run made it pause", records))

    losing = [r for r in group.attacked if r.loss > 0]
    if group.limits.get("rate_capacity") is None:
        items.append(_item("rate-limit-bounds-incident", "A rate limit bounds a single incident",
                           "fail", "no rate limit is configured", losing or records))
    else:
        unbounded = [r for r in losing if not bounded(group, r)]
        items.append(_item(
            "rate-limit-bounds-incident", "A rate limit bounds a single incident",
            "fail" if unbounded else "pass",
            f"{len(unbounded)} runs lost more than the limit admits" if unbounded
            else "every loss stayed within what the limit admits before the pause",
            unbounded or losing or records))

    l2 = group.config.get("l2") or {}
    l2_runs = [r for r in records if ((r.config or {}).get("l2") or {}).get("enabled")]
    if l2.get("enabled") and l2.get("destination") == "l2":
        items.append(_item(
            "escape-without-operator", "Refund or escape path without the operator", "pass",
            f"the L2 escape hatch opens after {words.duration(l2.get('escape_timeout'))}"
            " without a finalised batch", l2_runs or records))
    else:
        items.append(_item(
            "escape-without-operator", "Refund or escape path without the operator", "fail",
            "a deposit the committee never certifies stays locked: there is no refund path",
            records))

    holder, seats = group.largest
    items.append(_item(
        "no-entity-threshold", "No entity holds a threshold of keys",
        "pass" if seats < group.threshold else "fail",
        f"the largest holder, {holder}, controls {seats} of the {group.threshold} needed",
        group.key_runs or records))

    holdings = group.holdings
    if group.declared_entities:
        places = sorted({h["jurisdiction"] for h in holdings.values()} - {"unspecified"})
        items.append(_item(
            "jurisdictions", "Key holders span at least three jurisdictions",
            "pass" if len(places) >= 3 else "fail",
            f"{len(places)} declared: {words.names(places, 6) or 'none'}", records))
        online = sum(len(h["seats"]) for h in holdings.values()
                     if h["storage"] in ONLINE_STORAGE)
        items.append(_item(
            "keys-offline", "Fewer than a threshold of keys sit on online servers",
            "pass" if online < group.threshold else "fail",
            f"{online} seats on hot servers or laptops", records))
    else:
        items.append(_item("jurisdictions", "Key holders span at least three jurisdictions",
                           "unknown", "no key-holding entities are declared", records))
        items.append(_item("keys-offline", "Fewer than a threshold of keys sit on online servers",
                           "unknown", "no key storage is declared", records))

    quorum = [r for r in records if r.verdicts.get("safety.certificate-quorum") == "fail"]
    items.append(_item(
        "verifier-complete", "The destination verifier checks every certificate in full",
        "fail" if group.flaws or quorum else "pass",
        (f"flaws switched on: {words.names(group.flaws)}" if group.flaws
         else f"{len(quorum)} runs accepted a certificate below quorum" if quorum
         else "no flaw switched on; every accepted certificate had its quorum"),
        quorum or group.family("verifier flaw", "collusion") or records))
    items.append(_item(
        "accountant", "A global accountant caps minting at what is escrowed",
        "pass" if group.defences.get("accountant") else "fail",
        "configured" if group.defences.get("accountant") else "not configured", records))
    items.append(_item(
        "rotation-timelock", "Committee changes are timelocked",
        "pass" if group.timelock > 0 else "fail",
        f"{words.duration(group.timelock)}" if group.timelock else "no timelock", records))
    stuck = [r for r in records if r.liveness_failed]
    items.append(_item(
        "liveness-recovers", "Every transfer completes once faults heal",
        "fail" if stuck else "pass",
        f"stuck in {len(stuck)} of {len(records)} runs" if stuck
        else f"in all {len(records)} runs", stuck or group.family("relayers", "L2") or records))
    items.append(_item(
        "several-relayers", "More than one relayer can carry each message",
        "pass" if group.relayers > 1 else "fail", f"{group.relayers} relayers",
        group.family("relayers") or records))
    agreement = consortium_agreement(group)
    if agreement is not None:
        items.append(agreement)
    return items


def consortium_agreement(group: ConfigGroup) -> dict[str, Any] | None:
    """Agreement of the consortium chain, and who a fork's evidence blames (the validators
    whose verified signatures are on both blocks); None when no run had Byzantine validators
    and none forked, so reports without them keep their checklist."""
    records = group.records
    forked = [r for r in records if r.verdicts.get(AGREEMENT) == "fail"]
    byzantine = group.family(BYZANTINE_FAMILY)
    if not forked and not byzantine:
        return None
    label = "The consortium chain never commits two blocks at one height"
    if not forked:
        held = [r for r in byzantine if r.verdicts.get(AGREEMENT) == "pass"]
        return _item("consortium-agreement", label, "pass" if held else "unknown",
                     f"held in {len(held)} of {len(byzantine)} runs with Byzantine validators",
                     held or byzantine)
    blamed: dict[int, None] = {}
    unnamed = 0
    for run in forked:
        for violation in run.violations:
            evidence = violation.get("evidence") or {}
            if violation.get("property") != AGREEMENT:
                continue
            if evidence.get("double_signers") is None:
                unnamed += 1
            for validator in evidence.get("double_signers") or []:
                blamed.setdefault(int(validator), None)
    names = words.names([f"validator-{v}" for v in sorted(blamed)], 8) or "none"
    detail = (f"forked in {len(forked)} of {len(records)} runs; signed both blocks (each"
              f" signature verified): {names}")
    if unnamed:
        detail += f"; {unnamed} forks without recorded signers name no one"
    return _item("consortium-agreement", label, "fail", detail, forked)


__all__ = ["LABELS", "RULES", "maturity", "risk_cells"]
