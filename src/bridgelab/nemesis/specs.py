"""The attack catalogue as data: each kind's summary, description, parameters and an example.

Scenario validation reads it (so a misspelt kind or parameter names its key), and so do
`bridgelab attacks list` and `bridgelab attacks show`. Runtime classes live beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from bridgelab.nemesis.plan import DEFAULT_FORGERIES, Pacing
from bridgelab.scenario.base import (
    Amount,
    Count,
    Delay,
    Fraction,
    Name,
    Number,
    Period,
    Strict,
)
from bridgelab.scenario.registry import register_attack_kinds

NAMES = 100_000  # the most users or assets one attack may list (the workload's users)


Recipient = Name("the account that receives what the attack takes")


class NoParams(Strict):
    pass


class ForgingParams(Strict):
    """What every attack that forges with the keys it holds shares.

    `amount` is the total the adversary is after. `pacing = "adaptive"` (the default) reads
    the deployed contract's public limits and sends forgeries sized under the per-transfer
    cap, below the delay threshold, within the rate limit's bucket (waiting for its refill)
    and stops when the bridge is paused — at most `forgeries` of them (default 100), over at
    most `within` seconds. `pacing = "single"` sends the amount at once in `forgeries` equal
    parts (default 1), whatever the limits. `directions` adds forged withdrawals (a release
    from the escrow with no burn behind it) to forged deposits. `below_threshold = true`
    submits a best-effort forgery from fewer shares than the threshold.
    """

    amount: Amount("tokens the adversary is after, in all its forgeries") = 10_000_000
    recipient: Recipient = "attacker"
    pacing: Literal["adaptive", "single"] = "adaptive"
    forgeries: Count(
        "forged transfers at most", 1, 10_000, "each is a transaction the chain executes"
    ) | None = None
    directions: list[Literal["deposit", "withdrawal"]] = Field(
        default_factory=lambda: ["deposit"], min_length=1, max_length=2
    )
    within: Period("seconds the forgeries may take in all") | None = None
    # Holding fewer threshold-BLS shares than the threshold, combine those held anyway and
    # submit the result (the destination's pairing check must refuse it) instead of giving
    # up unseen. A multisig adversary always submits the signatures it has.
    below_threshold: bool = False

    def plan(self, within: float | None = None) -> Pacing:
        """The campaign this attack runs (`within` bounds it when the params do not)."""
        default = DEFAULT_FORGERIES if self.pacing == "adaptive" else 1
        return Pacing(
            self.pacing, self.forgeries or default, tuple(self.directions),
            self.within if self.within is not None else within, self.below_threshold,
        )


class FabricatedLockParams(ForgingParams):
    pass


class EquivocateParams(Strict):
    recipient: Recipient = "attacker"
    amount_factor: Number(
        "the conflicting message's amount over the real one's", "",
        "a million times the real amount is already any amount", gt=0, le=1_000_000,
    ) = 1.0


class CompromiseParams(ForgingParams):
    # False: only take the keys (a later `adversary.forge` uses them).
    forge: bool = True
    dwell: Delay("seconds between taking the keys and forging") = 0.0
    attempts: Count("forgeries tried", 1, 1_000, "each attempt is a certificate") = 1
    retry_every: Period("seconds between attempts") = 600.0


class MobileParams(ForgingParams):
    period: Period("seconds the adversary holds each seat") = 3_600.0
    seats_per_period: Count("seats taken each period", 1, 1_000, "a committee's size") = 1
    periods: Count("periods", 1, 10_000, "each period is a fault window the checker keeps") = 12


class BernoulliParams(ForgingParams):
    p: Fraction("chance each seat is compromised") = 0.1
    dwell: Delay("seconds between compromise and forgery") = 0.0


class NonceReuseParams(ForgingParams):
    member: Count("the member whose signer reuses a nonce", 0, 999, "a committee's size") = 0


class CensorParams(Strict):
    users: list[Name("a censored user")] = Field(default_factory=list, max_length=NAMES)
    assets: list[Name("a censored asset")] = Field(default_factory=list, max_length=NAMES)
    amount_above: Amount("censor transfers above this", low=0) | None = None
    directions: list[Literal["deposit", "withdrawal"]] = Field(
        default_factory=lambda: ["deposit", "withdrawal"], max_length=2
    )


class DelayParams(Strict):
    delay: Delay("seconds each message is held") = 600.0


class ReorderParams(Strict):
    max_jitter: Delay("the longest random hold of a message", positive=True) = 120.0


class ReplayParams(Strict):
    copies: Count("copies replayed", 1, 100, "each copy is a submission") = 1
    after: Delay("seconds after delivery the copies are sent") = 30.0


class CrashParams(Strict):
    role: Literal["validator", "member", "relayer"] = "validator"


class PartitionParams(Strict):
    """Cut `side_a` from `side_b` (role names or node names); one-way cuts a -> b only."""

    side_a: list[Name("a node or role")] = Field(default_factory=list, max_length=1_201)
    side_b: list[Name("a node or role")] = Field(default_factory=list, max_length=1_201)
    one_way: bool = False
    role: Literal["validator", "member", "relayer"] = "validator"


class LossParams(Strict):
    probability: Fraction("chance a message is lost") = 0.2
    between: tuple[Name("a node or role"), Name("a node or role")] = ("relayer", "member")


class DuplicateParams(Strict):
    probability: Fraction("chance a message is delivered twice") = 0.2
    between: tuple[Name("a node or role"), Name("a node or role")] = ("relayer", "member")


class ReorgParams(Strict):
    depth: Count("blocks orphaned", 1, 1_000, "a reorg replays every orphaned block") = 4


class CongestionParams(Strict):
    factor: Number(
        "factor on background gas", "",
        "a thousand times the demand already prices every bridge transaction out", gt=0, le=1_000,
    ) = 5.0
    priority_factor: Number(
        "factor on background tips", "",
        "a thousand times the tips already outbids every bridge transaction", gt=0, le=1_000,
    ) = 5.0
    duration: Number(
        "seconds the congestion lasts", "s",
        "a spike shorter than a second cannot outlast a single slot anyway", ge=1.0, le=1e9,
    ) = 1_800.0


class SettlementCensorParams(Strict):
    """Which proposers censor (a share of them) and what they leave out."""

    fraction: Fraction("share of the settlement proposers that censor (p)") = 0.5
    addresses: list[Name("an account whose transactions are excluded")] = Field(
        default_factory=list, max_length=NAMES,
        description="accounts (sender or recipient) whose transactions are excluded;"
        " none listed means every transaction to the bridge contract",
    )


class OracleDelayParams(Strict):
    delay: Delay("seconds each report is held") = 1_800.0


class OracleManipulateParams(Strict):
    bias: Number(
        "relative error the colluding reporters add", "",
        "-0.99 is a price of almost nothing, 100 a price 101 times the truth", ge=-0.99, le=100,
    ) = 0.5


class OracleDefaultParams(Strict):
    write_down: Number("fraction of the NAV lost", "", "a share of the NAV", gt=0, le=1) = 0.4
    report_delay: Delay("seconds the reporters are late with the default") = 3_600.0


class ForgeParams(Strict):
    amount: Amount("tokens the forged mint claims") = 10_000_000
    recipient: Recipient = "attacker"


class L2CensorParams(Strict):
    """Which L2 transactions the sequencer leaves queued: by account (sender or recipient;
    none listed means every account) and by kind."""

    accounts: list[Name("a censored account")] = Field(default_factory=list, max_length=NAMES)
    tx_kinds: list[Literal["deposit", "transfer", "withdraw"]] = Field(
        default_factory=lambda: ["deposit", "transfer", "withdraw"], max_length=3
    )


class RedemptionRunParams(Strict):
    fraction: Number("share of L2 balances withdrawn", "", "a share", gt=0, le=1) = 0.5
    amount_cap: Amount("the most one withdrawal takes") | None = None
    max_wait: Delay(
        "seconds the attack waits at most for its withdrawals to settle", positive=True
    ) = 86_400.0


class ByzantineParams(Strict):
    """A Byzantine validators' attack: the adversary's lock proposed on side A only."""

    amount: Amount("tokens the adversary locks on side A only (its double spend)") = 5_000_000
    recipient: Recipient = "attacker"
    splits: Count(
        "rounds the Byzantine validators split at most", 1, 1_000,
        "each split may fork the chain once",
    ) = 1
    side_a: list[Name("an honest validator on side A")] = Field(
        default_factory=list, max_length=1_201
    )


class WithholdParams(Strict):
    pass


TargetRole = Literal[
    "member", "entity", "relayer", "validator", "reporter", "l2-oracle", "none"
]


@dataclass(frozen=True, slots=True)
class AttackInfo:
    kind: str
    summary: str
    description: str
    params: type[Strict]
    target_role: TargetRole
    example: str
    flaw: str | None = None
    # The attack computes with real signature bytes (e.g. recovers a key from them), so a
    # scenario with symbolic signatures (crypto/symbolic.py) may not use it.
    real_signatures: bool = False


def _example(kind: str, body: str) -> str:
    return f'[[attacks]]\nkind = "{kind}"\n{body.strip()}\n'


CATALOG: dict[str, AttackInfo] = {
    info.kind: info
    for info in (
        AttackInfo(
            "collusion.fabricated_lock",
            "Colluding members endorse a lock that never happened; the adversary mints it.",
            "The targeted committee members sign a deposit message for a nonce the escrow never"
            " emitted and the adversary submits the certificate. A correct verifier rejects it"
            " unless the colluders reach the threshold (required members included).",
            FabricatedLockParams, "member",
            _example("collusion.fabricated_lock", """
targets = { members = [0, 1, 2, 3, 4, 5] }
schedule = { at = 600.0 }
params = { amount = 50_000_000 }"""),
        ),
        AttackInfo(
            "collusion.equivocate",
            "Colluding members sign a second, conflicting message for a real lock's nonce.",
            "When a genuine lock appears, the colluders sign a conflicting message for the same"
            " nonce (another recipient, another amount) and race it to the destination. Honest"
            " members refuse to sign twice for one nonce.",
            EquivocateParams, "member",
            _example("collusion.equivocate", """
targets = { select = "threshold" }
schedule = { at = 300.0 }
params = { amount_factor = 100.0 }"""),
        ),
        AttackInfo(
            "key.compromise",
            "Coerce or hack entities: take every key they hold or can sign for, then exploit.",
            "At the scheduled time the adversary gains every seat the targeted entities hold,"
            " plus seats delegated to them (a stale delegation counts). After `dwell` seconds it"
            " forges `amount` with what it holds (multisig keys, or threshold-BLS shares of the"
            " current epoch), paced against the contract's limits as `adversary.forge` is."
            " Healing rotates the adversary out (it loses the keys)."
            " `targets = { jurisdiction = \"X\" }` (or `provider`, `organisation`,"
            " `storage`; every key given must match) coerces every entity there at once.",
            CompromiseParams, "entity",
            _example("key.compromise", """
targets = { entities = ["sky-mavis"] }
schedule = { at = 3600.0 }
params = { dwell = 86400.0, amount = 173_600_000 }"""),
        ),
        AttackInfo(
            "adversary.forge",
            "Forge a deposit with every key and share the adversary holds right now.",
            "Signs fabricated locks with whatever earlier attacks gave the adversary and"
            " submits the mints; the destination's verifier decides. `amount` is the total it"
            " is after: with `pacing = \"adaptive\"` (the default) it reads the contract's"
            " public limits and forges under the cap, below the delay threshold and within"
            " the rate limit (waiting for the refill), until paused; `pacing = \"single\"`"
            " sends it at once in `forgeries` equal parts. `bridgelab hunt` writes its"
            " counterexamples with this step after `key.compromise` (forge = false).",
            FabricatedLockParams, "none",
            _example("adversary.forge", """
schedule = { at = 900.0 }
params = { amount = 10_000_000 }"""),
        ),
        AttackInfo(
            "key.mobile",
            "A mobile adversary takes one key or share per period and tries to forge each time.",
            "Each period the adversary compromises `seats_per_period` further seats (chosen by"
            " its own seeded stream) and tries to forge with everything it has. Multisig keys"
            " never expire; threshold-BLS shares stop combining after a proactive refresh.",
            MobileParams, "none",
            _example("key.mobile", """
schedule = { at = 0.0 }
params = { period = 3600.0, seats_per_period = 1, periods = 12 }"""),
        ),
        AttackInfo(
            "key.bernoulli",
            "Each seat is compromised independently with probability p; then the adversary"
            " forges.",
            "At the scheduled time every committee seat falls to the adversary with probability"
            " `p`, one draw per seat from the attack's own stream, so the seats held are"
            " Binomial(n, p). After `dwell` seconds it forges a deposit with them: a k-of-n"
            " bridge is broken exactly when it holds k seats, every required member among"
            " them.",
            BernoulliParams, "none",
            _example("key.bernoulli", """
schedule = { at = 60.0 }
params = { p = 0.3 }"""),
        ),
        AttackInfo(
            "ecdsa.nonce_reuse",
            "A member's signer reuses an ECDSA nonce; the adversary recovers the key and uses it.",
            "The member signs two different digests with the same nonce k. From the two real"
            " signatures the adversary computes k and then the private key, checks it against"
            " the member's address, and adds it to what it holds (Anyswap 2021).",
            NonceReuseParams, "none",
            _example("ecdsa.nonce_reuse", """
schedule = { at = 600.0 }
params = { member = 2 }"""),
            real_signatures=True,
        ),
        AttackInfo(
            "relayer.censor",
            "Targeted relayers drop messages matching a predicate (user, asset, amount).",
            "The targeted relayers refuse to carry matching messages until healed. With some"
            " relayers censoring, the backups deliver after `backup_delay`; with all censoring,"
            " matching transfers stall until the heal. `targets = { jurisdiction = \"X\" }`"
            " (or `provider`, `organisation`, `storage`) picks the relayers the matching"
            " entities run.",
            CensorParams, "relayer",
            _example("relayer.censor", """
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
            _example("relayer.delay", """
targets = { relayers = [0] }
heal = { after = 3600.0 }
params = { delay = 600.0 }"""),
        ),
        AttackInfo(
            "relayer.reorder",
            "Targeted relayers hold each message for a random time, reordering them.",
            "Adds a uniform random delay in [0, max_jitter] per message.",
            ReorderParams, "relayer",
            _example("relayer.reorder", """
targets = { relayers = "all" }
params = { max_jitter = 120.0 }"""),
        ),
        AttackInfo(
            "relayer.replay",
            "Targeted relayers resubmit certificates that were already delivered.",
            "After each delivery the relayer submits the same certificate again `copies` times."
            " Replay protection (nonce used) must reject every copy.",
            ReplayParams, "relayer",
            _example("relayer.replay", """
targets = { relayers = [1] }
params = { copies = 2, after = 30.0 }"""),
        ),
        AttackInfo(
            "relayer.double_submit",
            "Targeted relayers submit every certificate twice at once.",
            "Two transactions carry the same certificate in the same moment; one must revert.",
            NoParams, "relayer",
            _example("relayer.double_submit", "targets = { relayers = \"all\" }"),
        ),
        AttackInfo(
            "node.crash",
            "Crash validators, committee members or relayers; they restart at the heal.",
            "Targets go down (no sending, no receiving). `targets.select` counts within"
            " `params.role`: e.g. f, f+1 or all validators. `targets = { provider = \"Y\" }`"
            " (or `jurisdiction`, `organisation`, `storage`) crashes every node of the role that"
            " the matching entities run (a cloud outage, a seizure).",
            CrashParams, "none",
            _example("node.crash", """
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
            _example("network.partition", """
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
            _example("network.loss", """
heal = { after = 900.0 }
params = { probability = 0.3, between = ["relayer", "member"] }"""),
        ),
        AttackInfo(
            "network.duplicate",
            "Deliver a fraction of messages twice on the links between two groups.",
            "Each affected message arrives a second time; receivers must be idempotent.",
            DuplicateParams, "none",
            _example("network.duplicate", """
heal = { after = 900.0 }
params = { probability = 0.5, between = ["relayer", "member"] }"""),
        ),
        AttackInfo(
            "settlement.reorg",
            "Force a reorg of the settlement chain's newest blocks.",
            "Orphans `depth` non-final blocks (undone, their transactions back in the mempool)"
            " and replaces them. With `settlement.confirmations` below the depth the committee"
            " may have endorsed a burn that vanishes.",
            ReorgParams, "none",
            _example("settlement.reorg", """
schedule = { at = 900.0, every = 300.0, count = 5 }
params = { depth = 4 }"""),
        ),
        AttackInfo(
            "settlement.congestion",
            "A demand spike on the settlement chain: full blocks, a rising base fee, high tips.",
            "Multiplies background demand and its tips for `duration` seconds, so bridge"
            " transactions and L2 batches wait or re-bid.",
            CongestionParams, "none",
            _example("settlement.congestion", """
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
            _example("settlement.censor", """
schedule = { at = 600.0 }
heal = { after = 3600.0 }
params = { fraction = 0.5 }"""),
        ),
        AttackInfo(
            "oracle.delay",
            "Targeted reporters publish late.",
            "Each targeted reporter's observations reach the feed `delay` seconds late.",
            OracleDelayParams, "reporter",
            _example("oracle.delay", """
targets = { select = "all" }
params = { delay = 1800.0 }"""),
        ),
        AttackInfo(
            "oracle.stale",
            "Targeted reporters stop publishing; below quorum the feed goes stale.",
            "Silences the targeted reporters until the heal.",
            NoParams, "reporter",
            _example("oracle.stale", """
targets = { select = "majority" }
heal = { after = 7200.0 }"""),
        ),
        AttackInfo(
            "oracle.manipulate",
            "Targeted reporters report the NAV scaled by (1 + bias).",
            "With a quorum of colluders the median moves; fewer are outvoted.",
            OracleManipulateParams, "reporter",
            _example("oracle.manipulate", """
targets = { select = "majority" }
params = { bias = 0.5 }"""),
        ),
        AttackInfo(
            "oracle.default",
            "A default on the underlying that the reporters report late.",
            "The NAV is written down at the scheduled time; every reporter is delayed by"
            " `report_delay`, so consumers price the token at the old NAV meanwhile.",
            OracleDefaultParams, "none",
            _example("oracle.default", """
schedule = { at = 1800.0 }
params = { write_down = 0.4, report_delay = 3600.0 }"""),
        ),
        AttackInfo(
            "forge.empty_certificate",
            "Submit a mint whose certificate carries no signatures (needs flaw"
            " `skip_verification_if_empty`).",
            "Wormhole 2022 / ChainSwap 2021: a verifier path that accepts a certificate without"
            " checking signatures. Correct verifiers reject it as below threshold.",
            ForgeParams, "none",
            _example("forge.empty_certificate", "schedule = { at = 600.0 }"),
            "skip_verification_if_empty",
        ),
        AttackInfo(
            "forge.caller_signers",
            "Submit a mint signed by the adversary's own keys, passing its own signer list"
            " (needs flaw `signer_list_from_caller`).",
            "The verifier takes the authorised signer set from the transaction instead of the"
            " trust root.",
            ForgeParams, "none",
            _example("forge.caller_signers", "schedule = { at = 600.0 }"),
            "signer_list_from_caller",
        ),
        AttackInfo(
            "forge.zero_root",
            "Prove a fabricated message against the all-zero root (needs flaw"
            " `zero_root_trusted`).",
            "Nomad 2022: an upgrade initialised the trusted root to 0x00, so any message whose"
            " root was zero passed. Copycats repeat the transaction.",
            ForgeParams, "none",
            _example("forge.zero_root", "schedule = { at = 600.0, every = 60.0, count = 10 }"),
            "zero_root_trusted",
        ),
        AttackInfo(
            "forge.foreign_contract",
            "Get a lock event from a copycat contract endorsed (needs flaw"
            " `foreign_contract_events`).",
            "The committee does not check that the event came from the canonical escrow.",
            ForgeParams, "none",
            _example("forge.foreign_contract", "schedule = { at = 600.0 }"),
            "foreign_contract_events",
        ),
        AttackInfo(
            "forge.lock_without_deposit",
            "Lock through a path that emits the event without moving funds (needs flaw"
            " `lock_event_without_transfer`).",
            "Qubit 2022: the deposit of a zero-address token did not revert, so a lock event"
            " was emitted with nothing locked.",
            ForgeParams, "none",
            _example("forge.lock_without_deposit", "schedule = { at = 600.0 }"),
            "lock_event_without_transfer",
        ),
        AttackInfo(
            "forge.foreign_burn",
            "Get a copycat contract's burn event endorsed as the bridge's: a release with no"
            " burn (needs flaw `foreign_burn_events`).",
            "The burn side of `forge.foreign_contract`. A contract anyone may deploy on the"
            " settlement chain emits the bridge's burn-event layout under its own address,"
            " burning nothing; once its block is final the adversary relays the event with a"
            " genuine Merkle proof, the message claiming the canonical bridge. A committee that"
            " asks who emitted the event refuses (`source_contract`); one with the flaw"
            " endorses, and the escrow releases funds no burn backs"
            " (safety.release-backed-by-final-burn).",
            ForgeParams, "none",
            _example("forge.foreign_burn", "schedule = { at = 600.0 }"),
            "foreign_burn_events",
        ),
        AttackInfo(
            "forge.unbound_proof",
            "Prove a genuine lock's leaf under an accepted root, but mint a fabricated"
            " message beside it (needs flaw `proof_leaf_unbound`).",
            "A forged proof under a genuine root. The contract's proof path"
            " (`prove_and_mint`) trusts consortium blocks a certified mint came from; the"
            " adversary takes a real lock event in one, with its real Merkle path, and submits"
            " it with a message of its own (a lock that never happened, any amount). A correct"
            " contract requires the proven leaf to encode the message"
            " (`leaf_matches_message`); the flawed one mints it (BNB Bridge 2022, a proof"
            " verifier that hashed a genuine path and left the forged payload unchecked). Each"
            " round is one more forged message.",
            ForgeParams, "none",
            _example("forge.unbound_proof", "schedule = { at = 900.0, every = 60.0, count = 3 }"),
            "proof_leaf_unbound",
        ),
        AttackInfo(
            "message.replace_committee",
            "A cross-chain message calls the trust-root setter (needs flaw"
            " `arbitrary_message_calls`).",
            "Poly Network 2021: a genuine, certified message carried a call that replaced the"
            " keepers with the adversary's key; the adversary then mints at will.",
            ForgeParams, "none",
            _example("message.replace_committee", "schedule = { at = 600.0 }"),
            "arbitrary_message_calls",
        ),
        AttackInfo(
            "l2.sequencer_halt",
            "The L2 sequencer stops: no soft confirmations and no batches until the heal.",
            "Deposits approved by the oracle wait in the sequencer's queue and no batch reaches"
            " L1, so nothing on L2 becomes final. A heal before `[l2] escape_timeout` resumes"
            " both and the backlog settles; if no batch is finalised for escape_timeout the"
            " escape hatch opens, the rollup is frozen for good and users exit with their"
            " balances in the last finalised state (soft-only balances are lost).",
            NoParams, "none",
            _example("l2.sequencer_halt", """
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
            _example("l2.sequencer_censor", """
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
            _example("l2.redemption_run", """
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
            _example("l2.oracle_offline", """
targets = { select = "majority" }
schedule = { at = 600.0 }
heal = { after = 1200.0 }"""),
        ),
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
            _example("consortium.equivocate", """
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
            _example("consortium.conflicting-votes", """
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
            _example("consortium.split-proposal", """
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
            _example("consortium.withhold-votes", """
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
            _example("consortium.twins", """
targets = { select = "f+1" }
schedule = { at = 30.0 }"""),
        ),
    )
}

register_attack_kinds(CATALOG)
