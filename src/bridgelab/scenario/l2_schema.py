"""The `[l2]` section: a Jovay-like rollup as an alternative bridge destination.

Defaults follow Jovay's public figures (hourly batches, a 7-day escape hatch); tests shrink them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

# Imports the shared building blocks only: `scenario/model.py` will import this module.
from bridgelab.scenario.base import Count, Delay, Number, Period, Strict, invalid
from bridgelab.scenario.sizes import GWEI_WHY, MAX_GWEI

SEVEN_DAYS = 7 * 24 * 3_600.0


class L2(Strict):
    """Sequencer, batch poster, deposit message oracle and escape hatch of one L2."""

    enabled: bool = Field(False, description="model the L2")
    destination: Literal["l1", "l2"] = Field(
        "l1",
        description='where the bridge delivers deposits: "l1" mints on the settlement chain;'
        ' "l2" credits the rollup (oracle approval, sequencer credit) and withdrawals start'
        ' on L2. "l2" needs enabled',
    )
    soft_block_time: Period(
        "seconds between soft (sequencer-only) blocks", at_least=0.01,
        why="10 ms is as fast as any sequencer's blocks (mini-blocks) come",
    ) = 0.25
    max_txs_per_block: Count(
        "transactions per soft block; the rest wait for the next", 1, 100_000,
        "a block's transactions are held in memory",
    ) = 1_000
    queue_capacity: Count(
        "transactions the sequencer (and the oracle) may hold pending; more are dropped", 1,
        10_000_000, "memory: every pending item is held until it is taken",
    ) = 100_000
    batch_interval: Period(
        "seconds between batch postings to L1", at_least=0.1,
        why="a batch is an L1 transaction: more than one per settlement slot (at least 0.1 s)"
        " only queues",
    ) = 3_600.0
    batch_gas: Count(
        "gas one batch transaction uses on L1 (calldata or blob commitment plus verification)",
        21_000, 30_000_000, "a batch must fit one L1 block",
    ) = 300_000
    batch_priority_fee_gwei: Number(
        "priority fee of a batch's first submission", "gwei per gas", GWEI_WHY, ge=0, le=MAX_GWEI
    ) = 2.0
    batch_max_fee_gwei: Number(
        "max fee a batch bids (none: no cap)", "gwei per gas", GWEI_WHY, gt=0, le=MAX_GWEI
    ) | None = None
    resubmit_after: Period(
        "seconds without inclusion before the batch is re-submitted with higher fees"
    ) = 120.0
    max_resubmits: Count(
        "re-submissions per batch; after these the batch waits at its last bid", 0, 100,
        "each re-submission is a transaction",
    ) = 5
    fee_bump: Number(
        "factor each re-submission multiplies both fees by (>= 1.125 replaces)", "",
        "ten times per re-submission is already far beyond a replacement", ge=1, le=10,
    ) = 1.25
    finality_poll: Period(
        "seconds between checks of L1 finality while a batch awaits it (lag resolution)",
        at_least=0.1, why="L1 finality moves once per settlement slot, at least 0.1 s",
    ) = 1.0
    oracle_members: Count(
        "message-oracle members (N) watching L1 deposits", 1, 1_000,
        "each member approves every deposit",
    ) = 5
    oracle_quorum: Count(
        "approvals (M) a deposit message needs before the sequencer credits it", 1, 1_000,
        "at most oracle_members",
    ) = 3
    oracle_latency: Delay(
        "median seconds a member takes to approve; each member's own speed is drawn per seed"
    ) = 2.0
    escape_timeout: Delay(
        "seconds without a finalised batch after which the escape hatch opens (Jovay: 7 days)",
        positive=True,
    ) = SEVEN_DAYS
    tolerance: Delay(
        "seconds by which a measured settlement lag may differ from interval + inclusion +"
        " finality"
    ) = 15.0

    @model_validator(mode="after")
    def _consistent(self) -> L2:
        if self.destination == "l2" and not self.enabled:
            raise invalid("destination", 'enabled = true for destination "l2"', self.destination)
        if self.oracle_quorum > self.oracle_members:
            raise invalid(
                "oracle_quorum", f"at most oracle_members ({self.oracle_members})",
                self.oracle_quorum,
            )
        cap = self.batch_max_fee_gwei
        if cap is not None and cap < self.batch_priority_fee_gwei:
            raise invalid(
                "batch_max_fee_gwei",
                f"at least batch_priority_fee_gwei ({self.batch_priority_fee_gwei})", cap,
            )
        return self
