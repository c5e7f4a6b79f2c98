"""The outcome of an attacked run, from the history alone: what was stolen and how fast
anyone noticed — compromise, exploit, detection and pause times, unbacked and extracted value.

The exploit is the first safety violation the checker found in that history: the checker's
finding, handed over with the violations (`result(violations)`), never recorded back into
the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

SAFETY_PREFIX = "safety."


def _first(times: dict[str, float], key: str, value: float) -> None:
    if key not in times:
        times[key] = value


def _span(times: dict[str, float], start: str, end: str) -> float | None:
    if start in times and end in times:
        return round(times[end] - times[start], 6)
    return None


def compute(records: Iterable[dict[str, Any]],
            violations: Iterable[tuple[str, float]] = ()) -> dict[str, Any]:
    """One pass over history records (dicts with `t`, `kind` and the event's fields), with
    the (property, time) of each violation the checker found in them, in order."""
    fold = Outcome()
    for record in records:
        fold.add(record)
    return fold.result(violations)


class Outcome:
    """The fold behind `compute`, fed one record at a time; its state is per asset and per
    fault window, never per transfer."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.minted: dict[str, int] = {}
        self.burned: dict[str, int] = {}
        self.escrowed: dict[str, int] = {}
        # Each asset's unbacked amount and their sum, updated for the asset an event changes
        # rather than summed over every asset after every event.
        self.unbacked_by_asset: dict[str, int] = {}
        self.unbacked_total = 0
        self.accounts: list[str] = []
        self.extracted = 0
        self.unbacked_peak = 0
        self.unbacked_at_peak_time: float | None = None
        self.faults: list[dict[str, Any]] = []
        self.open_faults: dict[tuple[str, int], dict[str, Any]] = {}

    def add(self, record: dict[str, Any]) -> None:
        handler = _HANDLERS.get(record["kind"])
        if handler is not None:
            handler(self, record)

    def _on_fault_start(self, record: dict[str, Any]) -> None:
        window = {"attack": record["attack"], "actor": record["actor"], "start": record["t"],
                  "heal": None}
        self.faults.append(window)
        self.open_faults[(record["actor"], record["round"])] = window

    def _on_fault_heal(self, record: dict[str, Any]) -> None:
        window = self.open_faults.pop((record["actor"], record["round"]), None)
        if window is not None:
            window["heal"] = record["t"]

    def _on_compromise(self, record: dict[str, Any]) -> None:
        _first(self.times, "compromise", record["t"])

    def _on_attack_submit(self, record: dict[str, Any]) -> None:
        _first(self.times, "attack_submitted", record["t"])
        if record["recipient"] not in self.accounts:
            self.accounts.append(record["recipient"])

    def _on_detected(self, record: dict[str, Any]) -> None:
        _first(self.times, "detection", record["t"])

    def _on_pause(self, record: dict[str, Any]) -> None:
        _first(self.times, "pause", record["t"])

    def _on_mint(self, record: dict[str, Any]) -> None:
        minted, asset = self.minted, record["asset"]
        minted[asset] = minted.get(asset, 0) + record["amount"]
        self._refresh_unbacked(asset)
        self._track_unbacked(record["t"])

    def _on_burn(self, record: dict[str, Any]) -> None:
        burned, asset = self.burned, record["asset"]
        burned[asset] = burned.get(asset, 0) + record["amount"]
        self._refresh_unbacked(asset)
        self._track_unbacked(record["t"])

    def _on_escrow(self, record: dict[str, Any]) -> None:
        asset = record["asset"]
        self.escrowed[asset] = record["escrowed"]
        if record["kind"] == "release" and record["recipient"] in self.accounts:
            self.extracted += record["amount"]
        self._refresh_unbacked(asset)
        self._track_unbacked(record["t"])

    def _on_reorg(self, record: dict[str, Any]) -> None:
        for item in record["reverted"]:
            table = {"mint": self.minted, "burn": self.burned}.get(item["kind"])
            if table is not None:
                table[item["asset"]] = table.get(item["asset"], 0) - item["amount"]
                self._refresh_unbacked(item["asset"])
        self._track_unbacked(record["t"])

    def _refresh_unbacked(self, asset: str) -> None:
        """Re-derive `asset`'s unbacked amount (minted, less burned, less escrowed, at least 0)
        and the total, after an event changed one of its three figures."""
        unbacked = max(
            0, self.minted.get(asset, 0) - self.burned.get(asset, 0) - self.escrowed.get(asset, 0)
        )
        self.unbacked_total += unbacked - self.unbacked_by_asset.get(asset, 0)
        self.unbacked_by_asset[asset] = unbacked

    def _track_unbacked(self, t: float) -> None:
        unbacked = self.unbacked_total
        if unbacked > self.unbacked_peak:
            self.unbacked_peak, self.unbacked_at_peak_time = unbacked, t

    def result(self, violations: Iterable[tuple[str, float]] = ()) -> dict[str, Any]:
        """The outcome, given the (property, time) of the checker's violations in order."""
        times = dict(self.times)
        for prop, time in violations:
            if prop.startswith(SAFETY_PREFIX):
                _first(times, "exploit", time)
                break
        return {
            "times": {key: round(value, 6) for key, value in sorted(times.items())},
            "dwell_s": _span(times, "compromise", "exploit"),
            "time_to_detect_s": _span(times, "exploit", "detection"),
            "time_to_pause_s": _span(times, "exploit", "pause"),
            "unbacked_minted_peak": self.unbacked_peak,
            "unbacked_peak_time": self.unbacked_at_peak_time,
            "unbacked_minted_final": self.unbacked_total,
            "value_extracted": self.extracted,
            "adversary_accounts": self.accounts,
            "faults": self.faults,
        }


# The record kinds the outcome reads, each with its handler; every other kind passes by.
_HANDLERS: dict[str, Callable[[Outcome, dict[str, Any]], None]] = {
    "fault.start": Outcome._on_fault_start,
    "fault.heal": Outcome._on_fault_heal,
    "attack.compromise": Outcome._on_compromise,
    "attack.submit": Outcome._on_attack_submit,
    "watcher.detected": Outcome._on_detected,
    "bridge.paused": Outcome._on_pause,
    "escrow.frozen": Outcome._on_pause,
    "mint": Outcome._on_mint,
    "burn": Outcome._on_burn,
    "lock": Outcome._on_escrow,
    "release": Outcome._on_escrow,
    "settlement.reorg": Outcome._on_reorg,
}
