"""Plain words for a report: durations, amounts, configurations and attacks.

Everything here returns plain text; the renderers escape it (HTML autoescape, Markdown
escaping), so user strings such as scenario or entity names are safe to include.
"""

from __future__ import annotations

from typing import Any

SELECT_WORDS = {
    "one": "one {one}",
    "minority": "a minority ({k}) of the {many}",
    "majority": "a majority ({k}) of the {many}",
    "f": "f = {k} {many}",
    "f+1": "f + 1 = {k} {many}",
    "threshold-1": "{k} {many} (one fewer than the threshold)",
    "threshold": "a threshold ({k}) of {many}",
    "all": "every {one}",
}
# Whom a `select` counts, by the attack's target role (`bridgelab attacks show KIND`).
ROLE_NOUNS = {
    "member": ("committee member", "committee members"),
    "entity": ("key-holding operator", "key-holding operators"),
    "relayer": ("relayer", "relayers"),
    "validator": ("validator", "validators"),
    "reporter": ("NAV reporter", "NAV reporters"),
    "l2-oracle": ("L2 deposit oracle member", "L2 deposit oracle members"),
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 0:
        return "-" + duration(-seconds)
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86_400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86_400:.3g} days"


def amount(value: float | int | None) -> str:
    if value is None:
        return "—"
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.4g}"


def distribution(spec: Any) -> str:
    """A latency distribution from a scenario (`{dist = "lognormal", median = 300, ...}`)."""
    if not isinstance(spec, dict) or "dist" not in spec:
        return str(spec)
    kind = spec["dist"]
    if kind == "fixed":
        return f"fixed {duration(spec.get('value'))}"
    if kind == "lognormal":
        return f"lognormal, median {duration(spec.get('median'))}"
    if kind == "uniform":
        return f"uniform {duration(spec.get('low'))}–{duration(spec.get('high'))}"
    if kind == "exponential":
        return f"exponential, mean {duration(spec.get('mean'))}"
    return str(kind)


def percent(p: float | None) -> str:
    if p is None:
        return "—"
    return f"{100 * p:.0f}%" if p >= 0.01 or p == 0 else f"{100 * p:.2g}%"


def interval(p: float | None, low: float | None, high: float | None) -> str:
    if p is None:
        return "—"
    return f"{percent(p)} (95% CI {percent(low)}–{percent(high)})"


def names(items: list[Any], limit: int = 4) -> str:
    shown = [str(item) for item in items[:limit]]
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def scheme_name(scheme: str) -> str:
    return {"multisig": "multisig", "threshold-bls": "threshold BLS"}.get(scheme, scheme)


# -- configurations ------------------------------------------------------------------------


def largest_share(config: dict[str, Any], key: str) -> tuple[str | None, int]:
    """The declared `key` value (jurisdiction, provider) whose entities hold the most seats,
    and how many (ties: the first name); None when no entity declares one."""
    seats: dict[str, set[int]] = {}
    for entity in config.get("entities") or []:
        value = entity.get(key, "unspecified")
        if value != "unspecified":
            seats.setdefault(value, set()).update(entity.get("members", []))
    if not seats:
        return None, 0
    name = min(seats, key=lambda value: (-len(seats[value]), value))
    return name, len(seats[name])


def undeclared_seats(config: dict[str, Any], key: str) -> int:
    """Seats whose entity does not declare `key` (every seat when no entity is declared)."""
    entities = config.get("entities") or []
    if not entities:
        return int((config.get("committee") or {}).get("members", 0))
    return sum(len(e.get("members", [])) for e in entities
               if e.get(key, "unspecified") == "unspecified")


def holdings(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Entity -> seats it holds and seats it controls (its own plus live delegations)."""
    members = (config.get("committee") or {}).get("members", 0)
    entities = config.get("entities") or []
    if not entities:
        return {
            f"operator-{m}": {"seats": [m], "controls": [m], "jurisdiction": "unspecified",
                              "storage": "unspecified"}
            for m in range(members)
        }
    table = {
        e["name"]: {"seats": sorted(e.get("members", [])),
                    "controls": set(e.get("members", [])),
                    "jurisdiction": e.get("jurisdiction", "unspecified"),
                    "storage": e.get("storage", "hsm")}
        for e in entities
    }
    for delegation in config.get("delegations") or []:
        if delegation.get("revoked"):
            continue
        grantor = table.get(delegation["grantor"])
        grantee = table.get(delegation["grantee"])
        if grantor is None or grantee is None:
            continue
        granted = delegation.get("members") or grantor["seats"]
        grantee["controls"].update(granted)
    for entry in table.values():
        entry["controls"] = sorted(entry["controls"])
    return table


def largest_holding(config: dict[str, Any]) -> tuple[str | None, int]:
    table = holdings(config)
    if not table:
        return None, 0
    name = max(sorted(table), key=lambda n: len(table[n]["controls"]))
    return name, len(table[name]["controls"])


def entities_of_members(config: dict[str, Any], members: list[int]) -> list[str]:
    table = holdings(config)
    found = []
    for name in sorted(table):
        if set(table[name]["seats"]) & set(members):
            found.append(name)
    return found


# -- attacks -------------------------------------------------------------------------------


def targets(attack: dict[str, Any], config: dict[str, Any]) -> str:
    target = attack.get("targets") or {}
    committee = config.get("committee") or {}
    if target.get("entities"):
        table = holdings(config)
        controlled: set[int] = set()
        for name in target["entities"]:
            controlled.update(table.get(name, {}).get("controls", []))
        who = "operator" if len(target["entities"]) == 1 else "operators"
        return (
            f"the {who} {names(list(target['entities']))} ({len(controlled)} of"
            f" {committee.get('members', '?')} seats)"
        )
    if target.get("members") is not None:
        members = list(target["members"])
        return f"committee members {names(members, 6)} ({len(members)} seats)"
    relayers = target.get("relayers")
    if relayers == "all":
        return "every relayer"
    if isinstance(relayers, list):
        return f"relayer{'s' if len(relayers) > 1 else ''} {names(relayers)}"
    if target.get("nodes"):
        return f"nodes {names(list(target['nodes']))}"
    if target.get("select"):
        from bridgelab.nemesis.specs import CATALOG

        info = CATALOG.get(attack.get("kind", ""))
        role = info.target_role if info is not None else "member"
        one, many = ROLE_NOUNS.get(role, ROLE_NOUNS["member"])
        from bridgelab.nemesis.targets import count_for

        if role == "relayer":
            n = (config.get("relayers") or {}).get("count", 3)
        elif role == "reporter":
            n = (config.get("oracle") or {}).get("reporters", 5)
        elif role == "entity":
            n = len(holdings(config)) or committee.get("members", 0)
        else:
            n = committee.get("members", 0)
        k = count_for(target["select"], int(n), int(committee.get("threshold", 0)))
        words = SELECT_WORDS.get(target["select"], str(target["select"]))
        return words.format(one=one, many=many, k=k)
    return ""


def _verb(who: str, plural: str, singular: str) -> str:
    """The verb that agrees with `who` ("every relayer refuses", "members collude")."""
    one = who.startswith(("every ", "one ", "the operator ", "relayer ", "the adversary"))
    return singular if one else plural


def attack_clause(attack: dict[str, Any], config: dict[str, Any]) -> str:
    """What has to happen, as a clause that completes "Funds can be stolen if ..."."""
    kind = attack.get("kind", "")
    params = attack.get("params") or {}
    who = targets(attack, config)
    heal = (attack.get("heal") or {}).get("after")
    for_how_long = f" for {duration(heal)}" if heal else ""
    flaws = (config.get("bridge") or {}).get("flaws") or []
    clause: str
    if kind == "collusion.fabricated_lock":
        who = who or "committee members"
        clause = f"{who} {_verb(who, 'collude', 'colludes')} to endorse a deposit that never" \
            " happened"
    elif kind == "collusion.equivocate":
        who = who or "committee members"
        clause = (
            f"{who} {_verb(who, 'collude', 'colludes')} to sign a second, conflicting message"
            " for a real deposit"
        )
    elif kind == "key.compromise":
        dwell = params.get("dwell")
        clause = f"the signing keys of {who or 'committee members'} are stolen or coerced"
        if dwell:
            clause += f" and used {duration(dwell)} later"
    elif kind == "key.mobile":
        clause = (
            f"an adversary takes over {params.get('seats_per_period', 1)} seat(s) every"
            f" {duration(params.get('period', 3600.0))} and keeps them"
        )
    elif kind == "key.bernoulli":
        clause = (
            f"each key holder is compromised independently with probability"
            f" {params.get('p', 0.1):g}"
        )
    elif kind == "ecdsa.nonce_reuse":
        clause = "a signer reuses an ECDSA nonce and so leaks its private key"
    elif kind == "adversary.forge":
        clause = "the adversary forges a certificate with the keys it holds"
    elif kind == "relayer.censor":
        what = []
        if params.get("users"):
            what.append(f"the transfers of {names(list(params['users']))}")
        if params.get("assets"):
            what.append(f"the asset {names(list(params['assets']))}")
        if params.get("amount_above") is not None:
            what.append(f"transfers above {amount(params['amount_above'])}")
        who = who or "the relayers"
        clause = f"{who} {_verb(who, 'refuse', 'refuses')} to carry" \
            f" {' and '.join(what) or 'any transfer'}"
    elif kind == "relayer.delay":
        who = who or "the relayers"
        clause = f"{who} {_verb(who, 'hold', 'holds')} messages back by" \
            f" {duration(params.get('delay'))}"
    elif kind == "relayer.reorder":
        who = who or "the relayers"
        clause = f"{who} {_verb(who, 'reorder', 'reorders')} messages"
    elif kind == "relayer.replay":
        who = who or "the relayers"
        clause = f"{who} {_verb(who, 'replay', 'replays')} certificates"
    elif kind == "relayer.double_submit":
        who = who or "the relayers"
        clause = f"{who} {_verb(who, 'submit', 'submits')} each certificate twice"
    elif kind == "node.crash":
        who = who or "nodes"
        clause = f"{who} {_verb(who, 'crash', 'crashes')}"
    elif kind == "network.partition":
        clause = "the network is partitioned"
    elif kind == "network.loss":
        clause = f"the network drops {percent(params.get('probability', 0.2))} of messages"
    elif kind == "network.duplicate":
        clause = "the network duplicates messages"
    elif kind == "settlement.reorg":
        clause = f"the settlement chain reorganises {params.get('depth', 4)} blocks deep"
    elif kind == "settlement.congestion":
        l2 = (config.get("l2") or {}).get("enabled")
        clause = (
            f"the settlement chain is congested (demand ×{params.get('factor', 5.0):g} for"
            f" {duration(params.get('duration', 1800.0))})"
        )
        if l2:
            clause += ", holding back the L2's batches"
        for_how_long = ""
    elif kind == "oracle.delay":
        who = who or "every NAV reporter"
        clause = f"{who} {_verb(who, 'publish', 'publishes')}" \
            f" {duration(params.get('delay', 1800.0))} late"
    elif kind == "oracle.stale":
        who = who or "the oracle reporters"
        clause = f"{who} {_verb(who, 'stop', 'stops')} reporting"
    elif kind == "oracle.manipulate":
        who = who or "oracle reporters"
        clause = f"{who} {_verb(who, 'bias', 'biases')} the NAV by {params.get('bias', 0.5):+.0%}"
    elif kind == "oracle.default":
        clause = "the underlying asset defaults and the news reaches the oracle late"
    elif kind.startswith("forge.") or kind == "message.replace_committee":
        source = (config.get("settlement") or {}).get("contract_source") or {}
        own = source.get("vyper") or source.get("bytecode")
        flaw = ", ".join(flaws) or "a verifier flaw"
        clause = (
            f"the user's own contract {own} has a flaw the attack {kind} exploits" if own
            else f"the contracts ship with the flaw {flaw} and an adversary exploits it"
        )
    elif kind == "l2.sequencer_halt":
        clause = "the L2 sequencer halts"
    elif kind == "l2.sequencer_censor":
        clause = "the L2 sequencer censors transactions"
    elif kind == "l2.redemption_run":
        clause = "holders rush to redeem through the L2 at once"
    elif kind == "l2.oracle_offline":
        who = who or "the L2 deposit oracle members"
        clause = f"{who} {_verb(who, 'go', 'goes')} offline"
    else:
        clause = f"the attack {kind} runs"
    return clause + for_how_long


def attacks_clause(attacks: list[dict[str, Any]], config: dict[str, Any]) -> str:
    clauses = [attack_clause(a, config) for a in attacks]
    return names(clauses, 3) if clauses else "nothing is attacked"


# -- the loss an adaptive adversary gets through the limits ------------------------------------


def _limit_words(bound: dict[str, Any]) -> str:
    """Each configured limit and what it does to an incident nothing ends."""
    parts = []
    if bound.get("per_transfer_cap") is not None:
        parts.append(f"the cap of {amount(bound['per_transfer_cap'])} per transfer only splits it")
    if bound.get("rate_capacity") is not None:
        per_day = float(bound.get("rate_per_second") or 0.0) * 86_400
        parts.append(
            f"the rate limit ({amount(bound['rate_capacity'])} burst, {amount(per_day)}/day)"
            " only slows it"
        )
    if bound.get("delay_threshold") is not None and bound.get("delay"):
        parts.append(f"the delay of {duration(bound['delay'])} only postpones it")
    return ", ".join(parts)


def _binding(bound: dict[str, Any], point: dict[str, Any]) -> str:
    pieces = []
    if point.get("by_cap") is not None:
        transfers = bound["transfers_per_block"] * point["blocks"]
        pieces.append(
            f"the cap {amount(bound['per_transfer_cap'])} × at most {transfers:,} transfers"
            f" ({point['blocks']} blocks)"
        )
    if point.get("by_rate") is not None:
        pieces.append(
            f"the bucket's {amount(bound['rate_capacity'])} + its refill of"
            f" {amount(bound['rate_per_second'])}/s × {duration(point['time_to_pause'])}"
        )
    return "the lesser of " + " and ".join(pieces) if len(pieces) > 1 else pieces[0]


def loss_bound(bound: dict[str, Any]) -> str:
    """What the configuration lets one incident move per direction (`nemesis.bound`)."""
    at = bound.get("at") or {}
    limits = _limit_words(bound)
    if not bound.get("pausing_watcher"):
        if bound.get("bounded"):
            return (
                f"Loss bound: {amount(at['never']['bound'])} per direction, whatever the time:"
                " the rate limit's bucket never refills."
            )
        return (
            "Loss bound: none. No watcher pauses the bridge, so nothing ends an incident"
            + (f"; {limits}." if limits else ".")
        )
    worst = at["max"]
    if worst["bound"] is None:
        return (
            f"Loss bound: none. A watcher pauses the bridge within"
            f" {duration(worst['time_to_pause'])}, but with no cap or rate limit nothing bounds"
            " what moves before the pause."
        )
    labels = (("p50", "at the median detection delay"), ("p99", "at the 99th percentile"),
              ("max", "at the longest"))
    parts = [
        f"{amount(at[name]['bound'])} {label} (paused within"
        f" {duration(at[name]['time_to_pause'])})"
        for name, label in labels
    ]
    return (
        "Loss bound before the watcher's pause, per direction: " + "; ".join(parts)
        + f" — {_binding(bound, worst)}."
    )


def witness_loss(loss: dict[str, Any]) -> str:
    """What the cost-to-break witness's adaptive adversary actually took."""
    if not loss.get("forged_mints"):
        return "No forged mint executed in the witness (the break is in another property)."
    paused = ""
    if loss.get("paused_at") is not None:
        paused = f", until the bridge paused at t = {duration(loss['paused_at'])}"
    over = loss.get("over_seconds") or 0.0
    when = f"over {duration(over)}" if over > 0 else "in one block"
    target = f" (its target was {amount(loss['target'])})" if loss.get("target") else ""
    return (
        f"In the witness, the adaptive adversary minted {amount(loss['minted'])} unbacked in"
        f" {loss['forged_mints']} forged transfer{'s' if loss['forged_mints'] != 1 else ''}"
        f" of at most {amount(loss['largest'])},"
        f" {when}{paused}{target}."
    )
