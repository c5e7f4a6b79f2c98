"""Consumers of the feed: mint/redeem pricing and a lending market with the token as collateral.

Both see only the feed's latest value and its age, never the true NAV, so a late report is a
window in which collateral is overvalued.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from bridgelab.core.world import World
from bridgelab.oracle.feed import Feed, StalePrice
from bridgelab.oracle.nav import quantize
from bridgelab.scenario.oracle_schema import Oracle

ACTOR = "lending"
STREAM = "oracle/lending"
MONEY_DECIMALS = 6


class Pricing:
    """Mint and redeem the wrapped token at the feed's NAV, refusing a stale price if configured."""

    def __init__(self, world: World, feed: Feed, refuse_stale: bool) -> None:
        self.world = world
        self.feed = feed
        self.refuse_stale = refuse_stale

    def redeem_value(self, amount: float) -> float:
        """Currency paid for `amount` tokens; raises `StalePrice` on a refused stale price."""
        return quantize(amount * self.feed.price(self.world.now, self.refuse_stale))

    def mint_amount(self, value: float) -> float:
        """Tokens issued for `value` currency; raises `StalePrice` on a refused stale price."""
        price = self.feed.price(self.world.now, self.refuse_stale)
        return quantize(value / price) if price > 0 else 0.0


@dataclass(slots=True)
class Borrower:
    index: int
    collateral: int  # wrapped tokens
    debt: float  # currency units

    @property
    def open(self) -> bool:
        return self.collateral > 0


class LendingMarket:
    """Seeded borrowers; liquidations at the feed's price; paused while the price is stale."""

    def __init__(self, world: World, config: Oracle, feed: Feed) -> None:
        self.world = world
        self.config = config
        self.lending = config.lending
        self.feed = feed
        self.paused = False
        self.liquidations = 0
        self.bad_debt = 0.0
        rng = world.streams.get(STREAM)
        self.borrowers: list[Borrower] = []
        for index in range(self.lending.borrowers):
            collateral = rng.randint(self.lending.collateral_min, self.lending.collateral_max)
            leverage = self.lending.loan_to_value * rng.uniform(0.5, 1.0)
            debt = round(collateral * config.initial_nav * leverage, MONEY_DECIMALS)
            self.borrowers.append(Borrower(index, collateral, debt))

    @property
    def total_collateral(self) -> int:
        return sum(borrower.collateral for borrower in self.borrowers)

    def start(self) -> None:
        self.world.record(
            ACTOR,
            "lending.start",
            asset=self.world.scenario.workload.asset,
            borrowers=len(self.borrowers),
            total_collateral=self.total_collateral,
            total_debt=round(sum(b.debt for b in self.borrowers), MONEY_DECIMALS),
        )
        self.world.env.process(self._run())

    def borrow(self, index: int, amount: float) -> bool:
        """Borrow more against collateral at the feed's price; refused when stale or over limit."""
        borrower = self.borrowers[index]
        try:
            price = self.feed.price(self.world.now, self.config.refuse_when_stale)
        except StalePrice:
            return self._refuse("borrow", index, "stale")
        if not borrower.open:
            return self._refuse("borrow", index, "closed")
        limit = borrower.collateral * price * self.lending.loan_to_value
        if borrower.debt + amount > limit:
            return self._refuse("borrow", index, "limit")
        borrower.debt = round(borrower.debt + amount, MONEY_DECIMALS)
        self.world.record(
            ACTOR,
            "lending.borrow",
            borrower=index,
            amount=amount,
            debt=borrower.debt,
            price=price,
            round=self.feed.latest().round,
        )
        return True

    def _refuse(self, action: str, index: int, reason: str) -> bool:
        self.world.record(ACTOR, "lending.refused", action=action, borrower=index, reason=reason)
        return False

    def _run(self) -> simpy.events.ProcessGenerator:
        env = self.world.env
        while True:
            yield env.timeout(self.lending.check_interval)
            try:
                price = self.feed.price(env.now, self.config.refuse_when_stale)
            except StalePrice as stale:
                # One record per stale episode, not one per check: the history stays bounded.
                if not self.paused:
                    self.paused = True
                    self.world.record(
                        ACTOR,
                        "lending.paused",
                        round=stale.reading.round,
                        age=round(stale.age, 6),
                    )
                continue
            if self.paused:
                self.paused = False
                self.world.record(ACTOR, "lending.resumed", round=self.feed.latest().round)
            self._liquidate(price)

    def _liquidate(self, price: float) -> None:
        threshold = self.lending.liquidation_threshold
        for borrower in self.borrowers:
            if not borrower.open or borrower.collateral * price * threshold >= borrower.debt:
                continue
            # Collateral sold at the feed's price; what it does not cover is the market's loss.
            shortfall = round(max(0.0, borrower.debt - borrower.collateral * price), MONEY_DECIMALS)
            self.liquidations += 1
            self.bad_debt = round(self.bad_debt + shortfall, MONEY_DECIMALS)
            self.world.record(
                ACTOR,
                "lending.liquidation",
                borrower=borrower.index,
                collateral=borrower.collateral,
                debt=borrower.debt,
                price=price,
                round=self.feed.latest().round,
                shortfall=shortfall,
            )
            borrower.collateral = 0
            borrower.debt = 0.0
