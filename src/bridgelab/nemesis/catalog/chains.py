"""Attacks on the settlement chain (reorgs, congestion, censorship) and the oracle feed."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import (
    CongestionParams,
    NoParams,
    OracleDefaultParams,
    OracleDelayParams,
    OracleManipulateParams,
    ReorgParams,
    SettlementCensorParams,
)

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "settlement.reorg",
        "Force a reorg of the settlement chain's newest blocks.",
        "Orphans `depth` non-final blocks (undone, their transactions back in the mempool)"
        " and replaces them. With `settlement.confirmations` below the depth the committee"
        " may have endorsed a burn that vanishes.",
        ReorgParams, "none",
        example("settlement.reorg", """
schedule = { at = 900.0, every = 300.0, count = 5 }
params = { depth = 4 }"""),
    ),
    AttackInfo(
        "settlement.congestion",
        "A demand spike on the settlement chain: full blocks, a rising base fee, high tips.",
        "Multiplies background demand and its tips for `duration` seconds, so bridge"
        " transactions and L2 batches wait or re-bid.",
        CongestionParams, "none",
        example("settlement.congestion", """
schedule = { at = 600.0 }
params = { factor = 6.0, priority_factor = 5.0, duration = 3600.0 }"""),
    ),
    AttackInfo(
        "settlement.censor",
        "A share p of the settlement proposers exclude the bridge's transactions (or"
        " listed addresses') from their blocks until the heal.",
        "round(fraction x proposers) proposers, drawn by the attack's stream, build their"
        " blocks without the bridge contract's transactions — or, with `addresses`, without"
        " any transaction whose sender or recipient is listed (an OFAC-style list). The"
        " excluded transactions stay in the mempool for the next honest proposer, so with"
        " proposers drawn uniformly each slot the inclusion delay is geometric: mean"
        " slot_time / (1 - p). Each censored block is recorded as `settlement.censored`.",
        SettlementCensorParams, "none",
        example("settlement.censor", """
schedule = { at = 600.0 }
heal = { after = 3600.0 }
params = { fraction = 0.5 }"""),
    ),
    AttackInfo(
        "oracle.delay",
        "Targeted reporters publish late.",
        "Each targeted reporter's observations reach the feed `delay` seconds late.",
        OracleDelayParams, "reporter",
        example("oracle.delay", """
targets = { select = "all" }
params = { delay = 1800.0 }"""),
    ),
    AttackInfo(
        "oracle.stale",
        "Targeted reporters stop publishing; below quorum the feed goes stale.",
        "Silences the targeted reporters until the heal.",
        NoParams, "reporter",
        example("oracle.stale", """
targets = { select = "majority" }
heal = { after = 7200.0 }"""),
    ),
    AttackInfo(
        "oracle.manipulate",
        "Targeted reporters report the NAV scaled by (1 + bias).",
        "With a quorum of colluders the median moves; fewer are outvoted.",
        OracleManipulateParams, "reporter",
        example("oracle.manipulate", """
targets = { select = "majority" }
params = { bias = 0.5 }"""),
    ),
    AttackInfo(
        "oracle.default",
        "A default on the underlying that the reporters report late.",
        "The NAV is written down at the scheduled time; every reporter is delayed by"
        " `report_delay`, so consumers price the token at the old NAV meanwhile.",
        OracleDefaultParams, "none",
        example("oracle.default", """
schedule = { at = 1800.0 }
params = { write_down = 0.4, report_delay = 3600.0 }"""),
    ),
)
