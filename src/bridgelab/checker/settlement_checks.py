"""The monitor's settlement-chain side: which blocks are final (by the scenario's rule,
`checker/finality.py`, or the chain's claims where none is given) and what a reorg undoes.

A reorg record is the model's account of what it orphaned. With the rule, the checker undoes
only a mint or burn the history recorded in an orphaned block that is not final, by the
amount recorded with it: a record that "reverts" a final mint cannot reopen its nonce. Such a
record says finality broke, so the run is inconclusive (`finality_breaks`), never safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgelab.checker.finality import SettlementFinality
from bridgelab.checker.frozen import DEPOSIT_SIDE
from bridgelab.checker.ledger_view import SETTLEMENT_CHAIN, UNKNOWN_BLOCK, LedgerView
from bridgelab.core.history import Event
from bridgelab.protocol.tables import add_to

MAX_FINALITY_BREAKS = 8  # named in the verdict; one is enough to withhold "safe"


class SettlementChecks:
    """Mixed into the monitor. The monitor provides the state named below, `_fail` and the
    supply checks (annotations only, so that nothing here hides the monitor's own)."""

    view: LedgerView
    finality: SettlementFinality | None
    # With the rule: L1 mints whose blocks are not final yet, nonce -> (block, asset,
    # amount), in the order recorded; all a reorg may undo.
    unfinal_mints: dict[object, tuple[int, str, int]]
    # Reorgs the history records of blocks already final (a few, as sentences): what they
    # take back is not undone, and the run cannot vouch for the bridge.
    finality_breaks: list[str]
    _fail: Callable[..., None]
    _check_conservation: Callable[[Event, str], None]
    _check_escrow_coverage: Callable[[Event, str], None]

    def _on_settlement_block(self, event: Event) -> None:
        if self.finality is not None and event.actor == SETTLEMENT_CHAIN:
            self.finality.block(event.fields["number"], event.fields["slot"])
            # Mints whose blocks are final can no longer be taken back: forget them. They
            # were recorded in block order, so the final ones come first.
            final = self._final_now(event)
            unfinal = self.unfinal_mints
            while unfinal:
                nonce = next(iter(unfinal))
                if unfinal[nonce][0] > final:
                    break
                del unfinal[nonce]

    def _on_settlement_final(self, event: Event) -> None:
        if self.finality is None:
            self.view.settlement_final = max(self.view.settlement_final, event.fields["number"])

    def _final_now(self, event: Event) -> int:
        """How far the settlement chain is final at `event`: by the scenario's rule, or by
        the chain's claims where no rule was given."""
        if self.finality is not None:
            self.view.settlement_final = self.finality.final_number(event.time)
        return self.view.settlement_final

    def _on_reorg(self, event: Event) -> None:
        """Orphaned blocks take their mints and burns with them: with the scenario's
        finality rule, only those the history recorded in an orphaned block that is not
        final, undone as recorded (not as the reorg record says)."""
        view = self.view
        # Required with the rule (a history without it cannot be re-judged); a history fed
        # by hand without a rule may leave it out, and is inconclusive anyway.
        first_orphaned = (event.fields["first_orphaned"] if self.finality is not None
                          else event.fields.get("first_orphaned", UNKNOWN_BLOCK))
        final = self._final_now(event)
        if first_orphaned <= final and len(self.finality_breaks) < MAX_FINALITY_BREAKS:
            # A chain cannot take back a final block: either the chain's finality or the
            # history is not what the scenario says, and nothing final can be trusted.
            rule = "the scenario's rule" if self.finality is not None else "the chain's claims"
            self.finality_breaks.append(
                f"event #{event.seq} reorganises the settlement chain from block"
                f" {first_orphaned}, but blocks through {final} were final by {rule}")
        assets: list[str] = []
        for item in event.fields["reverted"]:
            if item["kind"] == "trust_root":
                self._restore_root(item["restored_version"], first_orphaned, final)
                continue
            if item["kind"] == "pause":
                view.theft_pauses.set_paused(DEPOSIT_SIDE, item["restored"], event.time)
                continue
            if item["kind"] not in ("mint", "burn"):
                continue
            undone = self._orphaned_transfer(item, first_orphaned, final)
            if undone is None:
                continue
            nonce, asset, amount = undone
            if asset not in assets:
                assets.append(asset)
            if item["kind"] == "mint":
                # Only a mint the history recorded can be undone: subtracting one it never
                # recorded would hide as much unbacked supply.
                if view.minted_nonces.pop(nonce, None) is not None:
                    view.honoured_locks.pop(nonce, None)
                    add_to(view.minted, asset, -amount)
                    add_to(view.lane_supply, (asset, "l1"), -amount)
                continue
            if view.burns.pop(nonce, None) is not None:
                add_to(view.burned, asset, -amount)
                add_to(view.lane_supply, (asset, "l1"), amount)
            if nonce in view.released_nonces:
                self._fail(
                    "safety.release-backed-by-final-burn", event,
                    f"burn #{nonce} of {amount} {asset} was released (event"
                    f" #{view.released_nonces[nonce]}) and then reverted by a reorg of depth"
                    f" {event.fields['depth']}: the release is no longer backed",
                )
        for asset in assets:
            self._check_conservation(event, asset)
            self._check_escrow_coverage(event, asset)

    def _restore_root(self, restored: int, first_orphaned: int, final: int) -> None:
        """A reorg takes back the latest root installed, back to the one before it, only if
        it was installed in an orphaned block that is not final (with the scenario's rule):
        a record restoring an earlier root whose successor stays installed is not applied,
        or certificates of a committee rotated out would be judged current again."""
        view = self.view
        if self.finality is None:
            view.current_root["settlement"] = restored  # the chain's claims: as recorded
            return
        installs = view.settlement_roots
        if len(installs) < 2 or installs[-2][0] != restored:
            return
        number = installs[-1][1]
        if number < first_orphaned or number <= final:
            return
        installs.pop()
        view.current_root["settlement"] = restored

    def _orphaned_transfer(
        self, item: dict[str, Any], first_orphaned: int, final: int
    ) -> tuple[object, str, int] | None:
        """(nonce, asset, amount) of the mint or burn a reorg `item` undoes, or None if
        nothing recorded may be undone: the reorg orphans blocks from `first_orphaned` on,
        and blocks through `final` are final. Without the finality rule, the item as
        recorded."""
        nonce = item["nonce"]
        if self.finality is None:
            return nonce, item["asset"], item["amount"]
        if item["kind"] == "mint":
            recorded = self.unfinal_mints.get(nonce)
            if recorded is None:
                return None
            number, asset, amount = recorded
        else:
            burn = self.view.burns.get(nonce)
            if burn is None:
                return None
            number, asset, amount = burn.number, burn.asset, burn.amount
        if number < first_orphaned or number <= final:
            return None  # its block stays on the chain, or is final: nothing to undo
        if item["kind"] == "mint":
            del self.unfinal_mints[nonce]  # undone: a reorg cannot take it back twice
        return nonce, asset, amount
