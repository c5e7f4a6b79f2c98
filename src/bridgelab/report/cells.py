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
    exceeded,
    unjudged,
    worst_latency,
)
from bridgelab.report.key_cells import concentration, custody, validated_by
from bridgelab.report.records import RunRecord
from bridgelab.report.rules import LABELS, RULES


def upgradeability(group: ConfigGroup) -> dict[str, Any]:
    timelock = group.timelock
    value = "committee changes need > 2/3 of the committee"
    value += f"; {words.duration(timelock)} timelock" if timelock else "; no timelock"
    governed = [r for r in group.records
                if r.verdicts.get("safety.trust-root-governed") == "fail"]
    rotation = [r for r in group.records
                if any(k == "message.replace_committee" for k in r.attack_kinds)]
    watched = bool(group.watcher.get("enabled"))
    if governed:
        sentiment = "bad"
        reason = f"{len(governed)} runs replaced the committee without > 2/3 of it"
    elif "arbitrary_message_calls" in group.flaws:
        sentiment, reason = "bad", "cross-chain messages may call admin functions"
    elif timelock <= 0:
        sentiment, reason = "warning", "a committee change takes effect at once"
    elif not watched:
        # A timelock nobody watches only gives users time to leave: the change still lands.
        sentiment, reason = "warning", (
            f"changes wait {words.duration(timelock)}, but no watcher can veto one: users can"
            " only exit before it takes effect"
        )
    else:
        sentiment, reason = "good", f"changes wait {words.duration(timelock)} under a watcher"
    if not timelock:
        wait = ", and takes effect as soon as it is accepted."
    elif watched:
        wait = (f" and waits {words.duration(timelock)}, during which the watcher vetoes it"
                " if the current committee did not sign it.")
    else:
        wait = (f" and waits {words.duration(timelock)}; no watcher is enabled to veto it,"
                " so users can only exit before it takes effect.")
    description = (
        "The destination accepts certificates under a versioned trust root; a new root needs"
        " the signatures of more than two thirds of the current committee" + wait
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
    # Attacked runs with no honest run in their environment: no reference to judge by.
    unmeasured = list(dict.fromkeys(d["run"] for d in unjudged(group)))
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
            f"transfers were delayed in {_runs(len(delayed_runs))} (slowest"
            f" {words.duration(worst['worst'])} against {words.duration(worst['reference'])})"
        )
        if unmeasured:
            reason += f"; {_unmeasured_clause(unmeasured)}"
    elif unmeasured:
        sentiment, reason = "warning", _unmeasured_clause(unmeasured)
    elif relayers == 1:
        sentiment, reason = "warning", "a single relayer can stall every transfer"
    else:
        sentiment, reason = "good", "every transfer completed in every run, without delay"
    return make_cell("liveness-failure", value, sentiment,
                     _liveness_description(group, stuck, by_theft, delayed, unmeasured),
                     reason,
                     first_runs(frozen, by_theft, unknown, delayed_runs, unmeasured,
                                [r for r in group.records if r.family in ("relayers", "L2")],
                                group.records))


def _runs(count: int) -> str:
    return f"{count} run{'s' if count != 1 else ''}"


def _unmeasured_clause(runs: list[RunRecord]) -> str:
    return (f"delay not measured in {_runs(len(runs))} under attack: no honest reference run"
            " in the same environment")


def _liveness_description(group: ConfigGroup, stuck: list[RunRecord],
                          by_theft: list[RunRecord], delayed: list[dict[str, Any]],
                          unmeasured: list[RunRecord]) -> str:
    description = (
        "Relayers are trusted for liveness only: any one of them can carry a message, and a"
        " backup takes over after a delay. "
        f"Transfers completed after every fault healed in {len(group.records) - len(stuck)} of"
        f" {len(group.records)} runs"
        + (f"; in {len(by_theft)} more, the only transfers stuck were frozen as a consequence"
           " of a theft." if by_theft else ".")
    )
    if delayed:
        worst = max(delayed, key=lambda d: d["worst"] / d["reference"])
        description += (
            f" The slowest {worst['direction']} under attack took"
            f" {words.duration(worst['worst'])}, against {words.duration(worst['reference'])}"
            " without one."
        )
    if unmeasured:
        slowest = max(v for r in unmeasured for d in ("withdrawal", "deposit")
                      if (v := worst_latency(r, d)) is not None)
        description += (
            f" Whether the attack delayed transfers in {_runs(len(unmeasured))} could not be"
            " judged: no run without an attack shares their environment to measure against"
            f" (the slowest there took {words.duration(slowest)})."
        )
    return description


def exit_window(group: ConfigGroup) -> dict[str, Any]:
    timelock = group.timelock
    # Each run's slowest withdrawal (not a percentile: the last user out is the one at risk);
    # a run that completed none, or left one stuck, says nothing of how long an exit takes.
    slowest = [(r, worst_latency(r, "withdrawal")) for r in group.records]
    unmeasured = [
        r for r, v in slowest
        if v is None or any(p == "liveness.withdrawals-released"
                            for p in r.liveness_failed + r.liveness_unknown)
    ]
    slowest = [(r, v) for r, v in slowest if v is not None]
    withdrawal = max((v for _, v in slowest), default=None)
    window = timelock - (withdrawal or 0.0)
    l2 = group.config.get("l2") or {}
    if unmeasured and window > 0:
        value = "unknown"
    else:
        value = f"{words.duration(window) if window > 0 else 'none'}"
    value += (f" (timelock {words.duration(timelock)}, slowest withdrawal"
              f" {words.duration(withdrawal) if withdrawal is not None else 'not measured'}"
              + (f"; {_runs(len(unmeasured))} without a measured exit" if unmeasured else "")
              + ")")
    if window <= 0:
        sentiment = "bad"
        reason = (
            "no timelock on committee changes" if timelock <= 0
            else "the timelock is shorter than a withdrawal"
        )
    elif unmeasured:
        sentiment = "warning"
        reason = (f"exit time unknown: {_runs(len(unmeasured))} completed no withdrawal or"
                  " left one stuck, so how long users have to exit was not measured")
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
                 first_runs(unmeasured, ranked, group.records))


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
    over = [r for r in unbounded if exceeded(group, r)]
    # Losing runs the bridge never paused in: the run's end, not a defence, stopped the loss.
    unpaused = [r for r in unbounded if r not in over]
    bound = group.loss_bound
    if not parts:
        sentiment, reason = "bad", "no cap, rate limit or delay: one incident can drain the escrow"
        if waits:
            reason = (
                "no cap or rate limit, and no watcher acts during the delay or challenge"
                " window: one incident can drain the escrow"
            )
    elif over:
        sentiment = "warning"
        reason = f"{len(over)} runs lost more than the rate limit admits before the pause"
    elif not group.pausing_watcher:
        sentiment, reason = "warning", (
            "no watcher pauses the bridge behind the limits: an adversary that splits its"
            " forgeries under the cap and waits for the refill is slowed, not stopped"
        )
    elif unpaused:
        sentiment, reason = "warning", (
            f"the watcher never paused in {_runs(len(unpaused))} with a loss; the loss there"
            " was limited only by the run's length"
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
