"""The honest users: how many, which asset, and the deposits and withdrawals they make."""

from __future__ import annotations

from pydantic import Field, model_validator

from bridgelab.scenario.base import (
    Amount,
    Count,
    Delay,
    Instant,
    Name,
    Period,
    Strict,
    Text,
    invalid,
)
from bridgelab.scenario.sizes import MAX_SCRIPTED, MAX_TRANSFERS, MAX_USERS, TRANSFERS_WHY


class ScriptedDeposit(Strict):
    """One user action at a fixed time, on top of the random workload (hunt replays use it)."""

    at: Instant("when the user deposits")
    user: Name("who deposits")
    amount: Amount("how much")


class Workload(Strict):
    """The honest users: how many, which asset, how many deposits and withdrawals, how often."""

    users: Count("honest users", 1, MAX_USERS, "each user is a process with its own balance") = 20
    asset: Text("the bridged asset's symbol", low=1, high=64) = "SP-TOKEN"
    deposits: Count("random deposits", 0, MAX_TRANSFERS, TRANSFERS_WHY) = 200
    withdrawals: Count(
        "random withdrawals (each burns a minted deposit)", 0, MAX_TRANSFERS, TRANSFERS_WHY
    ) = 200
    deposit_interval: Period("mean seconds between deposits") = 10.0
    amount_min: Amount("smallest random amount") = 1_000
    amount_max: Amount("largest random amount") = 1_000_000
    withdraw_delay: Delay("seconds a user waits after a mint before withdrawing") = 60.0
    scripted: list[ScriptedDeposit] = Field(
        default_factory=list, max_length=MAX_SCRIPTED,
        description="deposits at fixed times, on top of the random ones",
    )

    @model_validator(mode="after")
    def _bounds(self) -> Workload:
        if self.amount_max < self.amount_min:
            raise invalid(
                "amount_max", f"a value >= amount_min ({self.amount_min})", self.amount_max
            )
        if self.withdrawals > self.deposits:
            raise invalid(
                "withdrawals",
                f"at most deposits ({self.deposits}): each withdrawal burns a minted deposit",
                self.withdrawals,
            )
        return self

