"""Plain words for a report: durations, amounts, distributions, configurations and loss
bounds (attacks are told in `attack_words`).

Everything here returns plain text; the renderers escape it (HTML autoescape, Markdown
escaping), so user strings such as scenario or entity names are safe to include.
"""

from __future__ import annotations

from typing import Any


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


def detection(stats: dict[str, Any]) -> str:
    """The time to detect of a group of runs (`grouping.group_stats`), with how many of its
    exploited runs were never detected: a median of the detected ones alone would hide them."""
    detected, exploited = stats["time_to_detect_s"], stats.get("exploited_runs") or 0
    if not detected["count"]:
        return f"never detected ({exploited} exploited runs)" if exploited else "—"
    median = duration(detected["p50"])
    if exploited > detected["count"]:
        return (f"{median} (median of the {detected['count']} detected; never detected in"
                f" {exploited - detected['count']} of {exploited} exploited runs)")
    return f"{median} (median)"


def tested(stats: dict[str, Any]) -> str:
    """What a group's safety count and P(loss) rest on, when some of its runs tested
    nothing (an attack that never started, an inconclusive end): said, never silent."""
    idle = stats.get("untested") or 0
    return f"; {idle} of {stats['runs']} runs tested nothing" if idle else ""


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
    lanes = bound.get("unbounded_lanes") or {}
    if lanes:  # a lane no limit guards: whatever bounds the others, it bounds nothing there
        return "Loss bound: none. " + " ".join(
            f"On the {lane.upper()} lane, {why}." for lane, why in sorted(lanes.items()))
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
    releases = loss.get("forged_releases") or 0
    released = (f" It was paid {amount(loss.get('released'))} from the escrow in {releases}"
                f" forged release{'s' if releases != 1 else ''}." if releases else "")
    if not loss.get("forged_mints"):
        if released:
            return "No forged mint executed in the witness." + released
        return ("No forged mint or release executed in the witness (the break is in another"
                " property).")
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
        f" {when}{paused}{target}.{released}"
    )
