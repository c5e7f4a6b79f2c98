"""Attacks on delivery: relayers that censor, delay, reorder or replay; crashes; the network."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import (
    CensorParams,
    CrashParams,
    DelayParams,
    DuplicateParams,
    LossParams,
    NoParams,
    PartitionParams,
    ReorderParams,
    ReplayParams,
)

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "relayer.censor",
        "Targeted relayers drop messages matching a predicate (user, asset, amount).",
        "The targeted relayers refuse to carry matching messages until healed. With some"
        " relayers censoring, the backups deliver after `backup_delay`; with all censoring,"
        " matching transfers stall until the heal. `targets = { jurisdiction = \"X\" }`"
        " (or `provider`, `organisation`, `storage`) picks the relayers the matching"
        " entities run.",
        CensorParams, "relayer",
        example("relayer.censor", """
targets = { relayers = "all" }
schedule = { at = 0.0 }
heal = { after = 1800.0 }
params = { users = ["user-007"] }"""),
    ),
    AttackInfo(
        "relayer.delay",
        "Targeted relayers hold every message for a fixed delay before carrying it.",
        "Adds `delay` seconds before each targeted relayer relays a message.",
        DelayParams, "relayer",
        example("relayer.delay", """
targets = { relayers = [0] }
heal = { after = 3600.0 }
params = { delay = 600.0 }"""),
    ),
    AttackInfo(
        "relayer.reorder",
        "Targeted relayers hold each message for a random time, reordering them.",
        "Adds a uniform random delay in [0, max_jitter] per message.",
        ReorderParams, "relayer",
        example("relayer.reorder", """
targets = { relayers = "all" }
params = { max_jitter = 120.0 }"""),
    ),
    AttackInfo(
        "relayer.replay",
        "Targeted relayers resubmit certificates that were already delivered.",
        "After each delivery the relayer submits the same certificate again `copies` times."
        " Replay protection (nonce used) must reject every copy.",
        ReplayParams, "relayer",
        example("relayer.replay", """
targets = { relayers = [1] }
params = { copies = 2, after = 30.0 }"""),
    ),
    AttackInfo(
        "relayer.double_submit",
        "Targeted relayers submit every certificate twice at once.",
        "Two transactions carry the same certificate in the same moment; one must revert.",
        NoParams, "relayer",
        example("relayer.double_submit", "targets = { relayers = \"all\" }"),
    ),
    AttackInfo(
        "node.crash",
        "Crash validators, committee members or relayers; they restart at the heal.",
        "Targets go down (no sending, no receiving). `targets.select` counts within"
        " `params.role`: e.g. f, f+1 or all validators. `targets = { provider = \"Y\" }`"
        " (or `jurisdiction`, `organisation`, `storage`) crashes every node of the role that"
        " the matching entities run (a cloud outage, a seizure).",
        CrashParams, "none",
        example("node.crash", """
targets = { select = "f+1" }
schedule = { at = 300.0 }
heal = { after = 600.0 }
params = { role = "validator" }"""),
    ),
    AttackInfo(
        "network.partition",
        "Cut the network between two sides, both ways or one way, until the heal.",
        "Names in `side_a`/`side_b` are node names or roles. Without sides, `targets.select`"
        " picks validators to isolate from the rest (a minority or majority partition);"
        " `targets.nodes` or an attribute (`targets = { provider = \"Y\" }`) isolates the"
        " nodes of `params.role` it names or selects.",
        PartitionParams, "none",
        example("network.partition", """
targets = { select = "minority" }
schedule = { at = 300.0 }
heal = { after = 600.0 }
params = { role = "validator" }"""),
    ),
    AttackInfo(
        "network.loss",
        "Drop a fraction of messages on the links between two groups.",
        "Sets the loss probability on every link between the two groups until the heal.",
        LossParams, "none",
        example("network.loss", """
heal = { after = 900.0 }
params = { probability = 0.3, between = ["relayer", "member"] }"""),
    ),
    AttackInfo(
        "network.duplicate",
        "Deliver a fraction of messages twice on the links between two groups.",
        "Each affected message arrives a second time; receivers must be idempotent.",
        DuplicateParams, "none",
        example("network.duplicate", """
heal = { after = 900.0 }
params = { probability = 0.5, between = ["relayer", "member"] }"""),
    ),
)
