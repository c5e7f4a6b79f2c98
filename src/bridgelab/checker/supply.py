"""The monitor's supply side: `safety.supply-conservation` (wrapped supply never exceeds
what is locked, per asset and per lane) and `safety.escrow-covers-supply` (what the escrow
reports holding covers it)."""

from __future__ import annotations

from typing import Any

from bridgelab.checker.ledger_view import LANES, LedgerView
from bridgelab.core.history import Event
from bridgelab.protocol.tables import add_to


class SupplyChecks:
    """Mixed into the monitor: the supply checks run after each transfer event. The monitor
    provides the state named below and `_fail`."""

    view: LedgerView
    exercised: dict[str, int]

    def _fail(
        self, prop: str, event: Event, detail: str, evidence: dict[str, Any] | None = None
    ) -> None:
        raise NotImplementedError

    def _escrow_holds(self, asset: str, change: int, reported: int) -> None:
        """The escrow's holdings after a lock or release: what the escrow reports, but never
        more than the recorded locks and releases can have left there (the report is the
        contract's own word, and a lock that moved no tokens must not count)."""
        view = self.view
        view.escrowed[asset] = min(reported, view.escrowed.get(asset, 0) + change)

    def _on_escape_paid(self, event: Event) -> None:
        """The escape hatch moves a finalised L2 balance to L1: neither minted nor burned."""
        fields = event.fields
        asset, amount = fields["asset"], fields["amount"]
        add_to(self.view.lane_supply, (asset, "l2"), -amount)
        add_to(self.view.lane_supply, (asset, "l1"), amount)
        self._check_conservation(event, asset)

    def _check_conservation(self, event: Event, asset: str) -> None:
        view = self.view
        self.exercised["safety.supply-conservation"] += 1
        circulating = view.minted.get(asset, 0) - view.burned.get(asset, 0)
        backing = view.locked.get(asset, 0) - view.released.get(asset, 0)
        if circulating > backing:
            self._fail(
                "safety.supply-conservation",
                event,
                f"{asset}: minted - burned = {circulating} exceeds locked - released = {backing}"
                f" by {circulating - backing}",
            )
        for lane in LANES:
            supply = view.lane_supply.get((asset, lane), 0)
            if supply < 0:
                # Tokens burnt that never existed there (say, spent on both lanes) would
                # otherwise offset as much unbacked supply in the totals above.
                self._fail(
                    "safety.supply-conservation",
                    event,
                    f"{asset} on {lane}: {-supply} more burnt or moved out than minted or"
                    " moved in there",
                )

    def _check_escrow_coverage(self, event: Event, asset: str) -> None:
        """What the escrow really holds (each lock and release event reports it) must cover the
        wrapped supply: a lock event with nothing behind it passes conservation, not this."""
        view = self.view
        self.exercised["safety.escrow-covers-supply"] += 1
        circulating = view.minted.get(asset, 0) - view.burned.get(asset, 0)
        escrowed = view.escrowed.get(asset, 0)
        if circulating > escrowed:
            self._fail(
                "safety.escrow-covers-supply",
                event,
                f"{asset}: the escrow holds {escrowed} but minted - burned = {circulating},"
                f" {circulating - escrowed} unbacked",
            )


def lane(fields: dict[str, Any]) -> str:
    """Where a mint or burn happened: the L2 (its records say `layer = "l2"`) or L1."""
    return "l2" if fields.get("layer") == "l2" else "l1"
