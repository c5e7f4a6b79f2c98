"""The `[l2]` section: a Jovay-like rollup as an alternative bridge destination.

Defaults follow Jovay's public figures (hourly batches, a 7-day escape hatch); tests shrink them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

# Imports the shared building blocks only: `scenario/model.py` will import this module.
from bridgelab.scenario.base import NonNegativeSeconds, PositiveSeconds, Strict, invalid

SEVEN_DAYS = 7 * 24 * 3_600.0


class L2(Strict):
    """Sequencer, batch poster, deposit message oracle and escape hatch of one L2."""

    enabled: bool = False
    # Where the bridge delivers deposits: "l1" mints on the settlement chain; "l2" credits the
    # rollup (oracle approval, sequencer credit) and withdrawals start on L2. "l2" needs enabled.
    destination: Literal["l1", "l2"] = "l1"
    # Seconds between soft (sequencer-only) blocks: sub-second soft confirmations.
    soft_block_time: PositiveSeconds = 0.25
    # Transactions per soft block (count); the rest wait for the next block.
    max_txs_per_block: Annotated[int, Field(ge=1, le=100_000)] = 1_000
    # Transactions the sequencer (and the oracle) may hold pending (count); more are dropped.
    queue_capacity: Annotated[int, Field(ge=1, le=10_000_000)] = 100_000
    # Seconds between batch postings to L1.
    batch_interval: PositiveSeconds = 3_600.0
    # Gas units one batch transaction uses on L1 (calldata/blob commitment plus verification).
    batch_gas: Annotated[int, Field(ge=21_000, le=30_000_000)] = 300_000
    # Priority fee (gwei per gas) of a batch's first submission.
    batch_priority_fee_gwei: Annotated[float, Field(ge=0)] = 2.0
    # Max fee (gwei per gas) a batch bids; None bids without a cap.
    batch_max_fee_gwei: Annotated[float, Field(gt=0)] | None = None
    # Seconds without inclusion before the batch is re-submitted with higher fees.
    resubmit_after: PositiveSeconds = 120.0
    # Re-submissions per batch (count); after these the batch waits at its last bid.
    max_resubmits: Annotated[int, Field(ge=0, le=100)] = 5
    # Factor (dimensionless) each re-submission multiplies both fees by (>= 1.125 replaces).
    fee_bump: Annotated[float, Field(ge=1, le=10)] = 1.25
    # Seconds between checks of L1 finality while a batch awaits it (lag resolution).
    finality_poll: PositiveSeconds = 1.0
    # Oracle members N (count) that watch L1 deposits.
    oracle_members: Annotated[int, Field(ge=1, le=1_000)] = 5
    # Approvals M (count) a deposit message needs before the sequencer credits it.
    oracle_quorum: Annotated[int, Field(ge=1)] = 3
    # Median seconds a member takes to approve; each member's own speed is drawn per seed.
    oracle_latency: NonNegativeSeconds = 2.0
    # Seconds without a finalised batch after which the escape hatch opens (Jovay: 7 days).
    escape_timeout: PositiveSeconds = SEVEN_DAYS
    # Seconds by which a measured settlement lag may differ from interval + inclusion + finality.
    tolerance: NonNegativeSeconds = 15.0

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
