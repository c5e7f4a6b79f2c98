"""The maturity checklist: one item per practice a bridge should follow, each "pass", "fail"
or "unknown" by a rule over the configuration and the runs, and each citing the runs it
rests on. `ITEMS` lists the checks in the order a report shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgelab.report import words
from bridgelab.report.groups import ONLINE_STORAGE, ConfigGroup, bounded, evidence, exceeded
from bridgelab.report.records import BYZANTINE_FAMILY, RunRecord

AGREEMENT = "safety.consortium-agreement"

Item = dict[str, Any]


def _item(item_id: str, label: str, status: str, detail: str, runs: list[RunRecord]) -> Item:
    return {"id": item_id, "label": label, "status": status, "detail": detail,
            "evidence": evidence(runs, 2)}


def watcher_can_pause(group: ConfigGroup) -> list[Item]:
    records = group.records
    label = "An independent watcher can pause the bridge"
    paused = [r for r in records if (r.outcome.get("times") or {}).get("pause") is not None]
    if not group.pausing_watcher:
        return [_item("watcher-can-pause", label, "fail", "no pausing watcher is configured",
                      records)]
    if paused:
        return [_item("watcher-can-pause", label, "pass",
                      f"the watcher paused the bridge in {len(paused)} runs", paused)]
    return [_item("watcher-can-pause", label, "unknown", "configured, but no run made it pause",
                  records)]


def rate_limit_bounds_incident(group: ConfigGroup) -> list[Item]:
    label = "A rate limit bounds a single incident"
    losing = [r for r in group.attacked if r.loss > 0]
    if group.limits.get("rate_capacity") is None:
        return [_item("rate-limit-bounds-incident", label, "fail", "no rate limit is configured",
                      losing or group.records)]
    over = [r for r in losing if exceeded(group, r)]
    # A run that never paused shows no bound: its loss stopped only because the run ended.
    unpaused = [r for r in losing if not bounded(group, r) and r not in over]
    if over:
        return [_item("rate-limit-bounds-incident", label, "fail",
                      f"{len(over)} runs lost more than the limit admits", over)]
    if unpaused and not group.pausing_watcher:
        return [_item("rate-limit-bounds-incident", label, "fail",
                      "no watcher pauses the bridge: the loss in each losing run was"
                      " limited only by the run's length", unpaused)]
    if unpaused:
        return [_item("rate-limit-bounds-incident", label, "unknown",
                      f"the watcher never paused in {len(unpaused)} of the runs with a loss;"
                      " the loss there was limited only by the run's length", unpaused)]
    if not losing:
        # No incident to bound: the limit was never put to the test.
        return [_item("rate-limit-bounds-incident", label, "unknown",
                      "configured, but no run lost funds for it to bound", group.records)]
    return [_item(
        "rate-limit-bounds-incident", label, "pass",
        "every loss stayed within what the limit admits before the pause", losing)]


def escape_without_operator(group: ConfigGroup) -> list[Item]:
    records = group.records
    label = "Refund or escape path without the operator"
    l2 = group.config.get("l2") or {}
    l2_runs = [r for r in records if ((r.config or {}).get("l2") or {}).get("enabled")]
    if l2.get("enabled") and l2.get("destination") == "l2":
        return [_item(
            "escape-without-operator", label, "pass",
            f"the L2 escape hatch opens after {words.duration(l2.get('escape_timeout'))}"
            " without a finalised batch", l2_runs or records)]
    return [_item(
        "escape-without-operator", label, "fail",
        "a deposit the committee never certifies stays locked: there is no refund path",
        records)]


def no_entity_threshold(group: ConfigGroup) -> list[Item]:
    holder, seats = group.largest
    return [_item(
        "no-entity-threshold", "No entity holds a threshold of keys",
        "pass" if seats < group.threshold else "fail",
        f"the largest holder, {holder}, controls {seats} of the {group.threshold} needed",
        group.key_runs or group.records)]


def key_holders(group: ConfigGroup) -> list[Item]:
    """Where the keys are (jurisdictions) and how they are kept (online or not)."""
    records = group.records
    places_label = "Key holders span at least three jurisdictions"
    online_label = "Fewer than a threshold of keys sit on online servers"
    if not group.declared_entities:
        return [
            _item("jurisdictions", places_label, "unknown",
                  "no key-holding entities are declared", records),
            _item("keys-offline", online_label, "unknown", "no key storage is declared",
                  records),
        ]
    holdings = group.holdings
    places = sorted({h["jurisdiction"] for h in holdings.values()} - {"unspecified"})
    online = sum(len(h["seats"]) for h in holdings.values() if h["storage"] in ONLINE_STORAGE)
    return [
        _item("jurisdictions", places_label, "pass" if len(places) >= 3 else "fail",
              f"{len(places)} declared: {words.names(places, 6) or 'none'}", records),
        _item("keys-offline", online_label, "pass" if online < group.threshold else "fail",
              f"{online} seats on hot servers or laptops", records),
    ]


def verifier_complete(group: ConfigGroup) -> list[Item]:
    records = group.records
    quorum = [r for r in records if r.verdicts.get("safety.certificate-quorum") == "fail"]
    return [_item(
        "verifier-complete", "The destination verifier checks every certificate in full",
        "fail" if group.flaws or quorum else "pass",
        (f"flaws switched on: {words.names(group.flaws)}" if group.flaws
         else f"{len(quorum)} runs accepted a certificate below quorum" if quorum
         else "no flaw switched on; every accepted certificate had its quorum"),
        quorum or group.family("verifier flaw", "collusion") or records)]


def defences(group: ConfigGroup) -> list[Item]:
    """The accountant and the timelock on committee changes: configured or not."""
    records = group.records
    accountant = bool(group.defences.get("accountant"))
    return [
        _item("accountant", "A global accountant caps minting at what is escrowed",
              "pass" if accountant else "fail",
              "configured" if accountant else "not configured", records),
        _item("rotation-timelock", "Committee changes are timelocked",
              "pass" if group.timelock > 0 else "fail",
              f"{words.duration(group.timelock)}" if group.timelock else "no timelock",
              records),
    ]


def liveness(group: ConfigGroup) -> list[Item]:
    """Transfers complete once faults heal, and more than one relayer carries them."""
    records = group.records
    stuck = [r for r in records if r.liveness_failed]
    by_theft = [r for r in stuck if not r.honest_liveness_failed]
    if not stuck:
        detail = f"in all {len(records)} runs"
    elif len(by_theft) == len(stuck):
        # The theft is the finding; the transfers it froze are told with it.
        detail = (f"stuck in {len(stuck)} of {len(records)} runs, each only as a consequence"
                  " of a theft (the pause after it, or the escrow it drained)")
    else:
        detail = f"stuck in {len(stuck)} of {len(records)} runs" + (
            f", {len(by_theft)} of them only as a consequence of a theft" if by_theft else "")
    return [
        _item("liveness-recovers", "Every transfer completes once faults heal",
              "fail" if stuck else "pass", detail,
              stuck or group.family("relayers", "L2") or records),
        _item("several-relayers", "More than one relayer can carry each message",
              "pass" if group.relayers > 1 else "fail", f"{group.relayers} relayers",
              group.family("relayers") or records),
    ]


def consortium_agreement(group: ConfigGroup) -> list[Item]:
    """Agreement of the consortium chain, and who a fork's evidence blames (the validators
    whose verified signatures are on both blocks); no item when no run had Byzantine
    validators and none forked, so reports without them keep their checklist."""
    records = group.records
    forked = [r for r in records if r.verdicts.get(AGREEMENT) == "fail"]
    byzantine = group.family(BYZANTINE_FAMILY)
    if not forked and not byzantine:
        return []
    label = "The consortium chain never commits two blocks at one height"
    if not forked:
        held = [r for r in byzantine if r.verdicts.get(AGREEMENT) == "pass"]
        return [_item("consortium-agreement", label, "pass" if held else "unknown",
                      f"held in {len(held)} of {len(byzantine)} runs with Byzantine validators",
                      held or byzantine)]
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
    return [_item("consortium-agreement", label, "fail", detail, forked)]


ITEMS: tuple[Callable[[ConfigGroup], list[Item]], ...] = (
    watcher_can_pause, rate_limit_bounds_incident, escape_without_operator,
    no_entity_threshold, key_holders, verifier_complete, defences, liveness,
    consortium_agreement,
)


def maturity(group: ConfigGroup) -> list[Item]:
    return [item for check in ITEMS for item in check(group)]
