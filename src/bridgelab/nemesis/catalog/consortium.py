"""Byzantine consortium validators: equivocation, conflicting votes, twins."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import ByzantineParams, WithholdParams

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "consortium.equivocate",
        "Byzantine validators sign two different blocks at one height and view.",
        "When a targeted validator leads, it signs block A (carrying the adversary's lock)"
        " and block B (without it) at the same height and view, and sends A to side A of"
        " the honest validators and B to side B; every target votes for both. Honest"
        " validators sign one block per height and view, so both commit only if the"
        " targets reach 2q - n (2 of 4, 3 of 7, 4 of 10): more than n/3. Then relayers"
        " and committee members that received A certify the adversary's lock while the"
        " chain goes on with B, where it never paid. `safety.consortium-agreement` names"
        " the validators that signed both blocks.",
        ByzantineParams, "validator",
        example("consortium.equivocate", """
targets = { select = "f+1" }
schedule = { at = 30.0 }
params = { amount = 5_000_000 }"""),
    ),
    AttackInfo(
        "consortium.conflicting-votes",
        "Byzantine validators vote for a conflicting sibling of an honest proposal.",
        "Beside each honest proposal the targets sign a sibling block at the same height"
        " and view (the adversary's lock added) and push its commit to the relayers they"
        " serve. Honest validators never sign it, so it commits only if the targets alone"
        " reach the quorum (more than 2n/3); the targets also vote for the honest block.",
        ByzantineParams, "validator",
        example("consortium.conflicting-votes", """
targets = { select = "threshold" }
schedule = { at = 30.0 }"""),
    ),
    AttackInfo(
        "consortium.split-proposal",
        "A Byzantine leader proposes different blocks to the two sides of a partition.",
        "The honest validators are cut into side A (`params.side_a`, or half drawn by the"
        " attack's stream) and side B until the heal; a targeted leader proposes block A"
        " (with the adversary's lock) to side A and block B to side B, and the targets"
        " sign both. Neither side can learn of the other's block. A fork needs more than"
        " n/3 targets and at least q - f honest validators on each side.",
        ByzantineParams, "validator",
        example("consortium.split-proposal", """
targets = { nodes = ["validator-0", "validator-1", "validator-2"] }
schedule = { at = 30.0 }
heal = { after = 120.0 }
params = { side_a = ["validator-3", "validator-4"] }"""),
    ),
    AttackInfo(
        "consortium.withhold-votes",
        "Byzantine validators neither vote nor propose.",
        "The targets stay silent: a targeted leader's round times out (a view change) and"
        " their votes never come. Up to n - q withholders the chain goes on; more halt it"
        " (a liveness failure), but never fork it.",
        WithholdParams, "validator",
        example("consortium.withhold-votes", """
targets = { select = "f" }
schedule = { at = 30.0 }
heal = { after = 300.0 }"""),
    ),
    AttackInfo(
        "consortium.twins",
        "Twins: each target runs two instances with one key, one on each side.",
        "As in the Twins method for testing BFT protocols, every target runs twice under"
        " one key, one instance with side A of the honest validators and one with side B."
        " Each instance follows the honest rules (it signs one block per height and view)"
        " but the two together sign both sides' blocks, and a twin leader proposes its"
        " side's block to each side. Agreement survives up to f = (n - 1) // 3 twins.",
        ByzantineParams, "validator",
        example("consortium.twins", """
targets = { select = "f+1" }
schedule = { at = 30.0 }"""),
    ),
)
