"""Forgeries that need a verifier flaw: each names the flaw and the exploit it follows."""

from __future__ import annotations

from bridgelab.nemesis.catalog import AttackInfo, example
from bridgelab.nemesis.params import ForgeParams

ENTRIES: tuple[AttackInfo, ...] = (
    AttackInfo(
        "forge.empty_certificate",
        "Submit a mint whose certificate carries no signatures (needs flaw"
        " `skip_verification_if_empty`).",
        "Wormhole 2022 / ChainSwap 2021: a verifier path that accepts a certificate without"
        " checking signatures. Correct verifiers reject it as below threshold.",
        ForgeParams, "none",
        example("forge.empty_certificate", "schedule = { at = 600.0 }"),
        "skip_verification_if_empty",
    ),
    AttackInfo(
        "forge.caller_signers",
        "Submit a mint signed by the adversary's own keys, passing its own signer list"
        " (needs flaw `signer_list_from_caller`).",
        "The verifier takes the authorised signer set from the transaction instead of the"
        " trust root.",
        ForgeParams, "none",
        example("forge.caller_signers", "schedule = { at = 600.0 }"),
        "signer_list_from_caller",
    ),
    AttackInfo(
        "forge.zero_root",
        "Prove a fabricated message against the all-zero root (needs flaw"
        " `zero_root_trusted`).",
        "Nomad 2022: an upgrade initialised the trusted root to 0x00, so any message whose"
        " root was zero passed. Copycats repeat the transaction.",
        ForgeParams, "none",
        example("forge.zero_root", "schedule = { at = 600.0, every = 60.0, count = 10 }"),
        "zero_root_trusted",
    ),
    AttackInfo(
        "forge.foreign_contract",
        "Get a lock event from a copycat contract endorsed (needs flaw"
        " `foreign_contract_events`).",
        "The committee does not check that the event came from the canonical escrow.",
        ForgeParams, "none",
        example("forge.foreign_contract", "schedule = { at = 600.0 }"),
        "foreign_contract_events",
    ),
    AttackInfo(
        "forge.lock_without_deposit",
        "Lock through a path that emits the event without moving funds (needs flaw"
        " `lock_event_without_transfer`).",
        "Qubit 2022: the deposit of a zero-address token did not revert, so a lock event"
        " was emitted with nothing locked.",
        ForgeParams, "none",
        example("forge.lock_without_deposit", "schedule = { at = 600.0 }"),
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
        example("forge.foreign_burn", "schedule = { at = 600.0 }"),
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
        example("forge.unbound_proof", "schedule = { at = 900.0, every = 60.0, count = 3 }"),
        "proof_leaf_unbound",
    ),
    AttackInfo(
        "forge.unbound_digest",
        "Replay an honest certificate's digest and signatures beside a fabricated deposit"
        " (breaks a verifier that takes the digest from the caller).",
        "Signatures not bound to the fields paid. The adversary copies the first honest"
        " mint it sees in the settlement mempool and submits a deposit of its own (any"
        " nonce, amount and recipient) carrying that certificate's signatures and claiming"
        " its digest. A verifier that derives the digest from the message it pays, as the"
        " model's and the bridge's own contract do, reverts on the signature check; a"
        " user's contract that checks the signatures against a `digest` argument mints the"
        " forgery (safety.certificate-quorum, safety.supply-conservation). Needs no key and no"
        " flaw switch: aim it at `[settlement.contract_source]` contracts.",
        ForgeParams, "none",
        example("forge.unbound_digest", "schedule = { at = 600.0 }"),
    ),
    AttackInfo(
        "message.replace_committee",
        "A cross-chain message calls the trust-root setter (needs flaw"
        " `arbitrary_message_calls`).",
        "Poly Network 2021: a genuine, certified message carried a call that replaced the"
        " keepers with the adversary's key; the adversary then mints at will.",
        ForgeParams, "none",
        example("message.replace_committee", "schedule = { at = 600.0 }"),
        "arbitrary_message_calls",
    ),
)
