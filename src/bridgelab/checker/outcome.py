"""The outcome of an attacked run, from the history alone: what was stolen and how fast
anyone noticed — compromise, exploit, detection and pause times, unbacked and extracted value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SAFETY_PREFIX = "safety."


def _first(times: dict[str, float], key: str, value: float) -> None:
    if key not in times:
        times[key] = value


def _span(times: dict[str, float], start: str, end: str) -> float | None:
    if start in times and end in times:
        return round(times[end] - times[start], 6)
    return None


def compute(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    times: dict[str, float] = {}
    minted: dict[str, int] = {}
    burned: dict[str, int] = {}
    escrowed: dict[str, int] = {}
    accounts: list[str] = []
    extracted = 0
    unbacked_peak = 0
    unbacked_at_peak_time: float | None = None
    faults: list[dict[str, Any]] = []
    open_faults: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        kind = record["kind"]
        t = record["t"]
        if kind == "fault.start":
            window = {"attack": record["attack"], "actor": record["actor"], "start": t,
                      "heal": None}
            faults.append(window)
            open_faults[(record["actor"], record["round"])] = window
        elif kind == "fault.heal":
            window = open_faults.pop((record["actor"], record["round"]), None)
            if window is not None:
                window["heal"] = t
        elif kind == "attack.compromise":
            _first(times, "compromise", t)
        elif kind == "attack.submit":
            _first(times, "attack_submitted", t)
            if record["recipient"] not in accounts:
                accounts.append(record["recipient"])
        elif kind == "violation" and record["property"].startswith(SAFETY_PREFIX):
            _first(times, "exploit", t)
        elif kind == "watcher.detected":
            _first(times, "detection", t)
        elif kind in ("bridge.paused", "escrow.frozen"):
            _first(times, "pause", t)
        elif kind == "mint":
            minted[record["asset"]] = minted.get(record["asset"], 0) + record["amount"]
        elif kind == "burn":
            burned[record["asset"]] = burned.get(record["asset"], 0) + record["amount"]
        elif kind in ("lock", "release"):
            escrowed[record["asset"]] = record["escrowed"]
            if kind == "release" and record["recipient"] in accounts:
                extracted += record["amount"]
        elif kind == "settlement.reorg":
            for item in record["reverted"]:
                table = {"mint": minted, "burn": burned}.get(item["kind"])
                if table is not None:
                    table[item["asset"]] = table.get(item["asset"], 0) - item["amount"]
        if kind in ("mint", "burn", "lock", "release", "settlement.reorg"):
            unbacked = sum(
                max(0, minted.get(a, 0) - burned.get(a, 0) - escrowed.get(a, 0))
                for a in sorted(set(minted) | set(escrowed))
            )
            if unbacked > unbacked_peak:
                unbacked_peak, unbacked_at_peak_time = unbacked, t
    unbacked_final = sum(
        max(0, minted.get(a, 0) - burned.get(a, 0) - escrowed.get(a, 0))
        for a in sorted(set(minted) | set(escrowed))
    )
    return {
        "times": {key: round(value, 6) for key, value in sorted(times.items())},
        "dwell_s": _span(times, "compromise", "exploit"),
        "time_to_detect_s": _span(times, "exploit", "detection"),
        "time_to_pause_s": _span(times, "exploit", "pause"),
        "unbacked_minted_peak": unbacked_peak,
        "unbacked_peak_time": unbacked_at_peak_time,
        "unbacked_minted_final": unbacked_final,
        "value_extracted": extracted,
        "adversary_accounts": accounts,
        "faults": faults,
    }
