"""Attacks that take keys and forge with them: collusion, compromise, the adversary's forgery."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import (
    BernoulliParams,
    CompromiseParams,
    EquivocateParams,
    FabricatedLockParams,
    MobileParams,
    NonceReuseParams,
)

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "collusion.fabricated_lock",
        "Colluding members endorse a lock that never happened; the adversary mints it.",
        "The targeted committee members sign a deposit message for a nonce the escrow never"
        " emitted and the adversary submits the certificate. A correct verifier rejects it"
        " unless the colluders reach the threshold (required members included).",
        FabricatedLockParams, "member",
        example("collusion.fabricated_lock", """
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
        example("collusion.equivocate", """
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
        example("key.compromise", """
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
        example("adversary.forge", """
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
        example("key.mobile", """
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
        example("key.bernoulli", """
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
        example("ecdsa.nonce_reuse", """
schedule = { at = 600.0 }
params = { member = 2 }"""),
        real_signatures=True,
    ),
)
