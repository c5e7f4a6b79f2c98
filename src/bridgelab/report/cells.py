"""Risk cells in the L2BEAT manner, each decided by an explicit rule (`rules.RULES`) over the
configuration and the runs, and each citing the runs it rests on.

A cell is `{id, label, value, sentiment, description, rule, reason, evidence}`: `rule` states
the whole rule (the same text for every report), `reason` the clause that decided this one.
Sentiments: "bad" (funds at risk now), "warning" (one step from bad, or unproven), "good".
The cells about keys are in `key_cells`; the maturity checklist is in `maturity`.
"""

from __future__ import annotations

from typing import Any

from bridgelab.report import words
from bridgelab.report.cell import first_runs, make_cell
from bridgelab.report.groups import (
    SEVEN_DAYS,
    ConfigGroup,
    bounded,
    delays,
)
from bridgelab.report.key_cells import concentration, custody, validated_by
from bridgelab.report.rules import LABELS, RULES


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
    return make_cell("upgradeability", value, sentiment, description, reason,
                 first_runs(governed, rotation, group.records))


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
    return make_cell("destination-token", value, sentiment, description, reason,
                 first_runs(ended, transient, group.records))


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
        # The theft is the finding (in the custody and validation cells and the "stolen"
        # sentences); the transfers it froze are its consequence, told as such.
        reason = (
            f"no liveness failure of its own: transfers got stuck only as a consequence of a"
            f" theft, in {len(by_theft)} runs (frozen by the pause that followed it, or unpaid"
            " from the escrow it drained)"
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
    return make_cell("liveness-failure", value, sentiment, description, reason,
                 first_runs(frozen, by_theft, unknown, delayed_runs,
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
    return make_cell("exit-window", value, sentiment, description, reason,
                 first_runs(ranked, group.records))


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
    return make_cell("rate-limits", value, sentiment, description, reason,
                 first_runs(unbounded, [r for r in ranked if r.loss > 0], ranked, group.records))


CELLS = (validated_by, custody, concentration, upgradeability, destination_token, liveness_failure,
         exit_window, rate_limits)


def risk_cells(group: ConfigGroup) -> list[dict[str, Any]]:
    return [make(group) for make in CELLS]


__all__ = ["CELLS", "LABELS", "RULES", "risk_cells"]
