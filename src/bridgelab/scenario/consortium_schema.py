"""The scenario's source side: the consortium chain's validators and the relayers that carry
its messages to the settlement chain."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridgelab.scenario.base import Count, Delay, Name, Number, Period, Strict
from bridgelab.scenario.sizes import (
    GWEI_WHY,
    MAX_GWEI,
    MAX_QUEUE,
    MAX_RELAYERS,
    MAX_USERS,
    MAX_VALIDATORS,
    QUEUE_WHY,
)


class Consortium(Strict):
    """The source chain: a BFT consortium of validators, its block time and view timeout."""

    validators: Count(
        "BFT validators of the consortium chain", 1, MAX_VALIDATORS,
        "every validator sends its vote to every other: a block costs validators squared"
        " messages",
    ) = 7
    block_time: Period("seconds between block proposals while transactions wait") = 1.0
    view_timeout: Period("seconds a silent leader has before the validators change view") = 3.0
    max_txs_per_block: Count(
        "transactions one block may hold", 1, 100_000,
        "a block's Merkle tree and every proof of it are built in memory",
    ) = 500
    mempool_capacity: Count("transactions waiting for a block", 1, MAX_QUEUE, QUEUE_WHY) = 100_000
    empty_blocks: bool = Field(False, description="propose blocks with no transactions too")
    kyc: Literal["all"] | list[Name("a user allowed to lock")] = Field(
        "all", max_length=MAX_USERS,
        description='"all", or the users allowed to lock (no more than there are users)',
    )


class Relayers(Strict):
    """The relayers that carry messages between the chains, with their timeouts."""

    count: Count(
        "relayers", 1, MAX_RELAYERS,
        "each relayer follows f + 1 validators and sends every message to every member",
    ) = 3
    endorse_timeout: Period(
        "seconds a relayer waits for endorsements before asking again (times retry_backoff"
        " after each round)"
    ) = 5.0
    inclusion_timeout: Period(
        "seconds a relayer waits for its submission to be included before submitting again"
    ) = 60.0
    backup_delay: Delay(
        "seconds a back-up relayer waits before carrying a message the primary has not"
        " delivered"
    ) = 120.0
    retry_backoff: Number(
        "factor each wait grows by from one retry to the next", "",
        "below 1 a back-off would shrink; 10 already spans days in a few retries",
        ge=1.0, le=10.0,
    ) = 2.0
    max_retries: Count(
        "retries of each request before the relayer gives up", 0, 100,
        "each retry re-sends to every member",
    ) = 8
    priority_fee_gwei: Number(
        "priority fee a relayer bids", "gwei per gas", GWEI_WHY, ge=0.0, le=MAX_GWEI
    ) = 2.0
    max_fee_multiplier: Number(
        "a transaction bids max_fee = base fee x this + the priority fee (wallets use 2)", "",
        "a bid beyond 100 base fees is no bid a wallet makes", ge=1.0, le=100.0,
    ) = 2.0
    fee_bump: Number(
        "factor each retry raises both fees by (>= 1.125 replaces a pending transaction)", "",
        "ten times per retry is already far beyond a replacement", ge=1.0, le=10.0,
    ) = 1.25
    gas_budget_eth: Number(
        "ether each relayer may spend on settlement-chain fees; 0 means unlimited", "ETH",
        "more than all the ether there is", ge=0.0, le=1e9,
    ) = 0.0
    service_time_mean: Delay(
        "mean seconds of the exponential service time of each relayer's single-server work"
        " queue; 0 = no queue"
    ) = 0.0
    batch_max: Count(
        "messages in one batch certificate (one signature over their Merkle root); 1 = one"
        " signature per message", 1, 1_024, "a batch's tree and paths are built per request",
    ) = 1
    batch_window: Delay(
        "seconds a relayer holds an open batch for more messages before asking for"
        " endorsements"
    ) = 0.0
