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
    """One pass over history records (dicts with `t`, `kind` and the event's fields)."""
    fold = Outcome()
    for record in records:
        fold.add(record)
    return fold.result()


class Outcome:
    """The fold behind `compute`, fed one record at a time; its state is per asset and per
    fault window, never per transfer."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.minted: dict[str, int] = {}
        self.burned: dict[str, int] = {}
        self.escrowed: dict[str, int] = {}
        self.accounts: list[str] = []
        self.extracted = 0
        self.unbacked_peak = 0
        self.unbacked_at_peak_time: float | None = None
        self.faults: list[dict[str, Any]] = []
        self.open_faults: dict[tuple[str, int], dict[str, Any]] = {}

    def add(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        t = record["t"]
        times, minted, burned, escrowed = self.times, self.minted, self.burned, self.escrowed
        if kind == "fault.start":
            window = {"attack": record["attack"], "actor": record["actor"], "start": t,
                      "heal": None}
            self.faults.append(window)
            self.open_faults[(record["actor"], record["round"])] = window
        elif kind == "fault.heal":
            window = self.open_faults.pop((record["actor"], record["round"]), None)
            if window is not None:
                window["heal"] = t
        elif kind == "attack.compromise":
            _first(times, "compromise", t)
        elif kind == "attack.submit":
            _first(times, "attack_submitted", t)
            if record["recipient"] not in self.accounts:
                self.accounts.append(record["recipient"])
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
            if kind == "release" and record["recipient"] in self.accounts:
                self.extracted += record["amount"]
        elif kind == "settlement.reorg":
            for item in record["reverted"]:
                table = {"mint": minted, "burn": burned}.get(item["kind"])
                if table is not None:
                    table[item["asset"]] = table.get(item["asset"], 0) - item["amount"]
        if kind in ("mint", "burn", "lock", "release", "settlement.reorg"):
            unbacked = self._unbacked()
            if unbacked > self.unbacked_peak:
                self.unbacked_peak, self.unbacked_at_peak_time = unbacked, t

    def _unbacked(self) -> int:
        minted, burned, escrowed = self.minted, self.burned, self.escrowed
        return sum(
            max(0, minted.get(a, 0) - burned.get(a, 0) - escrowed.get(a, 0))
            for a in sorted(set(minted) | set(escrowed))
        )

    def result(self) -> dict[str, Any]:
        times = self.times
        return {
            "times": {key: round(value, 6) for key, value in sorted(times.items())},
            "dwell_s": _span(times, "compromise", "exploit"),
            "time_to_detect_s": _span(times, "exploit", "detection"),
            "time_to_pause_s": _span(times, "exploit", "pause"),
            "unbacked_minted_peak": self.unbacked_peak,
            "unbacked_peak_time": self.unbacked_at_peak_time,
            "unbacked_minted_final": self._unbacked(),
            "value_extracted": self.extracted,
            "adversary_accounts": self.accounts,
            "faults": self.faults,
        }
