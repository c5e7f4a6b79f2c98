"""Attacks in plain words: whom an attack targets (`targets`) and what has to happen, as a
clause that completes "Funds can be stolen if ..." (`attack_clause`), one small function per
attack kind in `CLAUSES`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgelab.report.words import amount, duration, holdings, names, percent

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


Clause = Callable[[str, dict[str, Any], dict[str, Any]], str]


def _acts(default: str, plural: str, singular: str, rest: str | Callable[[dict], str] = ""
          ) -> Clause:
    """A clause of the form "WHO VERB REST", WHO the targets or else `default`."""
    def clause(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
        who = who or default
        tail = rest(params) if callable(rest) else rest
        return f"{who} {_verb(who, plural, singular)}" + (f" {tail}" if tail else "")
    return clause


def _fixed(text: str) -> Clause:
    return lambda who, params, config: text


def _key_compromise(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    clause = f"the signing keys of {who or 'committee members'} are stolen or coerced"
    dwell = params.get("dwell")
    return clause + (f" and used {duration(dwell)} later" if dwell else "")


def _key_mobile(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    return (
        f"an adversary takes over {params.get('seats_per_period', 1)} seat(s) every"
        f" {duration(params.get('period', 3600.0))} and keeps them"
    )


def _key_bernoulli(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    return f"each key holder is compromised independently with probability {params.get('p', 0.1):g}"


def _censored(params: dict[str, Any]) -> str:
    what = []
    if params.get("users"):
        what.append(f"the transfers of {names(list(params['users']))}")
    if params.get("assets"):
        what.append(f"the asset {names(list(params['assets']))}")
    if params.get("amount_above") is not None:
        what.append(f"transfers above {amount(params['amount_above'])}")
    return f"to carry {' and '.join(what) or 'any transfer'}"


def _congestion(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    clause = (
        f"the settlement chain is congested (demand ×{params.get('factor', 5.0):g} for"
        f" {duration(params.get('duration', 1800.0))})"
    )
    return clause + (", holding back the L2's batches"
                     if (config.get("l2") or {}).get("enabled") else "")


def _flaw_exploited(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    source = (config.get("settlement") or {}).get("contract_source") or {}
    own = source.get("vyper") or source.get("bytecode")
    if own:
        return f"the user's own contract {own} has a flaw a forged mint exploits"
    flaw = ", ".join((config.get("bridge") or {}).get("flaws") or []) or "a verifier flaw"
    return f"the contracts ship with the flaw {flaw} and an adversary exploits it"


def _digest_replayed(who: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    source = (config.get("settlement") or {}).get("contract_source") or {}
    own = source.get("vyper") or source.get("bytecode")
    verifier = f"the user's own contract {own}" if own else "the verifier"
    return (f"{verifier} checks signatures against a digest the caller passes, and a forged"
            " mint replays an honest certificate's digest and signatures")


CLAUSES: dict[str, Clause] = {
    "collusion.fabricated_lock": _acts(
        "committee members", "collude", "colludes", "to endorse a deposit that never happened"),
    "collusion.equivocate": _acts(
        "committee members", "collude", "colludes",
        "to sign a second, conflicting message for a real deposit"),
    "key.compromise": _key_compromise,
    "key.mobile": _key_mobile,
    "key.bernoulli": _key_bernoulli,
    "ecdsa.nonce_reuse": _fixed("a signer reuses an ECDSA nonce and so leaks its private key"),
    "adversary.forge": _fixed("the adversary forges a certificate with the keys it holds"),
    "relayer.censor": _acts("the relayers", "refuse", "refuses", _censored),
    "relayer.delay": _acts("the relayers", "hold", "holds",
                           lambda p: f"messages back by {duration(p.get('delay'))}"),
    "relayer.reorder": _acts("the relayers", "reorder", "reorders", "messages"),
    "relayer.replay": _acts("the relayers", "replay", "replays", "certificates"),
    "relayer.double_submit": _acts("the relayers", "submit", "submits",
                                   "each certificate twice"),
    "node.crash": _acts("nodes", "crash", "crashes"),
    "network.partition": _fixed("the network is partitioned"),
    "network.loss": lambda who, params, config: (
        f"the network drops {percent(params.get('probability', 0.2))} of messages"),
    "network.duplicate": _fixed("the network duplicates messages"),
    "settlement.reorg": lambda who, params, config: (
        f"the settlement chain reorganises {params.get('depth', 4)} blocks deep"),
    "settlement.congestion": _congestion,
    "oracle.delay": _acts("every NAV reporter", "publish", "publishes",
                          lambda p: f"{duration(p.get('delay', 1800.0))} late"),
    "oracle.stale": _acts("the oracle reporters", "stop", "stops", "reporting"),
    "oracle.manipulate": _acts("oracle reporters", "bias", "biases",
                               lambda p: f"the NAV by {p.get('bias', 0.5):+.0%}"),
    "oracle.default": _fixed("the underlying asset defaults and the news reaches the oracle late"),
    "message.replace_committee": _flaw_exploited,
    "forge.unbound_digest": _digest_replayed,
    "l2.sequencer_halt": _fixed("the L2 sequencer halts"),
    "l2.sequencer_censor": _fixed("the L2 sequencer censors transactions"),
    "l2.redemption_run": _fixed("holders rush to redeem through the L2 at once"),
    "l2.oracle_offline": _acts("the L2 deposit oracle members", "go", "goes", "offline"),
}
# Attacks whose clause already says how long they last: no "for <heal>" after them.
TIMED_IN_CLAUSE = frozenset({"settlement.congestion"})


def attack_clause(attack: dict[str, Any], config: dict[str, Any]) -> str:
    """What has to happen, as a clause that completes "Funds can be stolen if ..."."""
    kind = attack.get("kind", "")
    params = attack.get("params") or {}
    say = CLAUSES.get(kind) or (_flaw_exploited if kind.startswith("forge.") else None)
    if say is None:
        clause = f"the attack {kind} runs"
    else:
        clause = say(targets(attack, config), params, config)
    heal = (attack.get("heal") or {}).get("after")
    if heal and kind not in TIMED_IN_CLAUSE:
        clause += f" for {duration(heal)}"
    return clause


def attacks_clause(attacks: list[dict[str, Any]], config: dict[str, Any]) -> str:
    clauses = [attack_clause(a, config) for a in attacks]
    return names(clauses, 3) if clauses else "nothing is attacked"
