"""The cost search's probe with no key at all, for a user's own contract.

The entity probes forge with committee keys; a user's contract may fall to a forgery that
needs none (an empty certificate, the caller's own signer list, an honest digest replayed
beside other fields). This probe sends those forgeries after one honest deposit, each once,
sized to pass the contract's public limits: if one breaks the contract, the cheapest break
costs nothing. It vouches that none would only when the run is conclusive and the contract
refused every forgery for its certificate (`certified_refusals`): a limit of the contract's
own, or a reason its adapter does not map, shows only that this forgery did not pass; and a
Python adapter decides for itself which digest a call carries, so the replayed one may never
have reached the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridgelab.hunt.probe import (
    KEYLESS_FORGERIES,
    PROBE_AMOUNT,
    PROBE_AT,
    PROBE_SETTLE_SECONDS_FACTOR,
    SEED_AT,
    Outcome,
    _past_spikes,
    seed_amount,
    seed_user,
    within_limits,
)
from bridgelab.scenario.model import Scenario

# Slots the probe runs after its start: the honest deposit's mint must land (the digest
# replay copies it) before the forgeries do.
KEYLESS_PROBE_SLOTS = 30
# The probe's attacks, each named apart (the checker tells rounds apart by name and kind).
FORGER = "keyless"
# The contract's refusals that concern the certificate itself (the model's check names,
# which an adapter's table maps the contract's reasons onto), but for an unmapped reason.
CERTIFICATE_CHECK = "certificate_"
UNMAPPED_CHECK = "certificate_rejected"


def keyless_kinds(scenario: Scenario) -> tuple[str, ...]:
    """The keyless forgeries that apply to `scenario`'s bridge: none without a user's own
    contract; the caller's signer list only under multisig (a group signature has none)."""
    if scenario.settlement.contract_source is None:
        return ()
    multisig = scenario.committee.custody == "multisig"
    return tuple(kind for kind in KEYLESS_FORGERIES
                 if multisig or kind != "forge.caller_signers")


def keyless_amount(scenario: Scenario, amount: int = PROBE_AMOUNT) -> int:
    """`amount`, made to pass the contract's cap, what the honest deposit leaves in its
    bucket and its delay threshold, as the adversary would size a single forgery (one over
    a limit would only show the limit)."""
    return within_limits(scenario, amount, spent=seed_amount(scenario))


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
    data["attacks"] = [{"kind": kind, "name": f"{FORGER}-{index}", "schedule": {"at": PROBE_AT},
                        "params": {"amount": sized}} for index, kind in enumerate(kinds)]
    seed = {"at": SEED_AT, "user": seed_user(scenario), "amount": seed_amount(scenario)}
    data["workload"] = {**data["workload"], "deposits": 0, "withdrawals": 0, "scripted": [seed]}
    data["scenario"] = {**data["scenario"], "duration": PROBE_AT + horizon}
    data["adversary"] = {**data["adversary"], "extract": False}
    data["checks"] = {**data.get("checks", {}), "liveness_grace": settle}
    return Scenario.model_validate(data)


@dataclass
class Refusals:
    """Each keyless forgery the probe submitted (`attack.submit`, by transaction) and the
    check its revert named, if it reverted: read from the probe's history alone."""

    checks: dict[str, str | None] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        tx = record.get("tx")
        if record["kind"] == "attack.submit" and isinstance(tx, str):
            self.checks.setdefault(tx, None)
        elif record["kind"] == "tx.reverted" and tx in self.checks:
            self.checks[tx] = record.get("check")


def certified_refusals(scenario: Scenario, outcome: Outcome, refusals: Refusals) -> Outcome:
    """`outcome` of the keyless probe, "held" only with the evidence it needs: some forgery
    was submitted, each was refused for its certificate, and the digest a replay claims is
    the one its call carries (a table adapter's, not a Python adapter's own choice)."""
    if outcome.verdict != "held":
        return outcome
    source = scenario.settlement.contract_source
    why: list[str] = []
    if source is not None and source.adapter_class is not None:
        why.append("a Python adapter decides which digest a call carries: the replayed"
                   " digest may never have reached the contract")
    if not refusals.checks:
        why.append("no keyless forgery was submitted")
    other = sorted({str(check) for check in refusals.checks.values()
                    if check is None or not check.startswith(CERTIFICATE_CHECK)
                    or check == UNMAPPED_CHECK})
    if other:
        why.append(f"a keyless forgery was refused by {', '.join(other)}, not for its"
                   " certificate: a smaller or later one may pass")
    return Outcome("unknown", tuple(why)) if why else outcome
