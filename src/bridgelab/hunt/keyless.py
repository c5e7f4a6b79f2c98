"""The cost search's probe with no key at all, for a user's own contract.

The entity probes forge with committee keys; a user's contract may fall to a forgery that
needs none (an empty certificate, the caller's own signer list, an honest digest replayed
beside other fields). This probe sends those forgeries after one honest deposit, each once,
sized to pass the contract's public limits: if one breaks the contract, the cheapest break
costs nothing; if the run vouches that none did, the search no longer leaves them untried.
"""

from __future__ import annotations

from bridgelab.hunt.probe import (
    KEYLESS_FORGERIES,
    PROBE_AMOUNT,
    PROBE_AT,
    PROBE_SETTLE_SECONDS_FACTOR,
    SEED_AT,
    _past_spikes,
    seed_amount,
    seed_user,
)
from bridgelab.scenario.model import Scenario

# Slots the probe runs after its start: the honest deposit's mint must land (the digest
# replay copies it) before the forgeries do.
KEYLESS_PROBE_SLOTS = 30
# The probe's attacks share one name, the one the forgery tally reads (`hunt.probe`).
FORGER = "forge"


def keyless_kinds(scenario: Scenario) -> tuple[str, ...]:
    """The keyless forgeries that apply to `scenario`'s bridge: none without a user's own
    contract; the caller's signer list only under multisig (a group signature has none)."""
    if scenario.settlement.contract_source is None:
        return ()
    multisig = scenario.committee.custody == "multisig"
    return tuple(kind for kind in KEYLESS_FORGERIES
                 if multisig or kind != "forge.caller_signers")


def keyless_amount(scenario: Scenario, amount: int = PROBE_AMOUNT) -> int:
    """`amount`, made to pass the contract's cap, bucket and delay threshold, as the
    adversary would size a single forgery (one over a limit would only show the limit)."""
    limits = scenario.bridge.limits
    bounds = [amount, limits.per_transfer_cap, limits.rate_capacity]
    if limits.delay_threshold is not None and limits.delay_threshold > 1:
        bounds.append(limits.delay_threshold - 1)
    return max(1, min(bound for bound in bounds if bound is not None))


def keyless_probe_scenario(scenario: Scenario, amount: int = PROBE_AMOUNT) -> Scenario | None:
    """`scenario` with its attacks replaced by the keyless forgeries, after one honest
    deposit; None when none applies."""
    kinds = keyless_kinds(scenario)
    if not kinds:
        return None
    slot = scenario.settlement.slot_time
    settle = PROBE_SETTLE_SECONDS_FACTOR * slot
    horizon = _past_spikes(scenario, KEYLESS_PROBE_SLOTS * slot, settle)
    sized = keyless_amount(scenario, amount)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["attacks"] = [{"kind": kind, "name": FORGER, "schedule": {"at": PROBE_AT},
                        "params": {"amount": sized}} for kind in kinds]
    seed = {"at": SEED_AT, "user": seed_user(scenario), "amount": seed_amount(scenario)}
    data["workload"] = {**data["workload"], "deposits": 0, "withdrawals": 0, "scripted": [seed]}
    data["scenario"] = {**data["scenario"], "duration": PROBE_AT + horizon}
    data["adversary"] = {**data["adversary"], "extract": False}
    data["checks"] = {**data.get("checks", {}), "liveness_grace": settle}
    return Scenario.model_validate(data)
