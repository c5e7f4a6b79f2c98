"""Attacks on the L2 rollup: its sequencer, its message oracle, a redemption run."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import L2CensorParams, NoParams, RedemptionRunParams

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "l2.sequencer_halt",
        "The L2 sequencer stops: no soft confirmations and no batches until the heal.",
        "Deposits approved by the oracle wait in the sequencer's queue and no batch reaches"
        " L1, so nothing on L2 becomes final. A heal before `[l2] escape_timeout` resumes"
        " both and the backlog settles; if no batch is finalised for escape_timeout the"
        " escape hatch opens, the rollup is frozen for good and users exit with their"
        " balances in the last finalised state (soft-only balances are lost).",
        NoParams, "none",
        example("l2.sequencer_halt", """
schedule = { at = 1200.0 }
heal = { after = 1800.0 }"""),
    ),
    AttackInfo(
        "l2.sequencer_censor",
        "The L2 sequencer leaves matching transactions (accounts, kinds) queued until the"
        " heal.",
        "Matching transactions are never ordered while the attack lasts: censored"
        " deposits are not credited, censored withdrawals never reach a batch. Healing"
        " lifts every censorship predicate on the sequencer. Without forced inclusion only"
        " the escape hatch bounds it, and only if batches stop too.",
        L2CensorParams, "none",
        example("l2.sequencer_censor", """
schedule = { at = 600.0 }
heal = { after = 1800.0 }
params = { accounts = ["user-003", "user-007"], tx_kinds = ["withdraw"] }"""),
    ),
    AttackInfo(
        "l2.redemption_run",
        "A bank run on L2: a fraction of holders withdraw everything at once.",
        "At the scheduled time `fraction` of the accounts holding the workload asset on"
        " L2 (chosen by the attack's stream) each withdraw their whole balance (at most"
        " `amount_cap`). Every withdrawal waits for its batch to be final on L1:"
        " metrics.l2.redemption_queue shows the queue rise and drain. The attack lasts"
        " until they all settle (at most `max_wait`).",
        RedemptionRunParams, "none",
        example("l2.redemption_run", """
schedule = { at = 1200.0 }
params = { fraction = 0.5 }"""),
    ),
    AttackInfo(
        "l2.oracle_offline",
        "L2 message-oracle members go offline; below the quorum M deposits stall.",
        "`targets.members` names oracle members (0..oracle_members-1), or `targets.select`"
        " counts among them with the quorum M as threshold. With more than N - M offline"
        " no deposit reaches M approvals: deposits stall. At the heal the members catch up"
        " on what they missed and the stalled deposits are credited.",
        NoParams, "l2-oracle",
        example("l2.oracle_offline", """
targets = { select = "majority" }
schedule = { at = 600.0 }
heal = { after = 1200.0 }"""),
    ),
)
