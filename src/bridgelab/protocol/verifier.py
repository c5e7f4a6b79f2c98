"""The destination's certificate check as named steps, so a flaw switch disables exactly one.

Both the settlement bridge contract and the consortium escrow call `verify_certificate`. The
expensive pure parts it calls (signature recovery, the quorum check of a batch's signatures,
BLS verification) are memoised by the seam (`core/memo.py`); the checker reads none of them:
it judges certificates itself (`checker/policy.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridgelab.core import memo
from bridgelab.crypto import merkle
from bridgelab.crypto.bls.backend import get_backend
from bridgelab.crypto.symbolic import bls_backend_for, ecrecover_for
from bridgelab.protocol.messages import Certificate, TrustRoot
from bridgelab.protocol.rotation import supermajority


@dataclass(frozen=True, slots=True)
class VerifierConfig:
    """Knobs of the deployed verifier. Defaults are the correct contract."""

    threshold_override: int | None = None
    flaws: tuple[str, ...] = ()
    bls_backend: str = "arkworks"
    # Which signatures it verifies: "real", or the "symbolic" stand-ins of a symbolic run
    # (crypto/symbolic.py). A real verifier never accepts a symbolic signature.
    signatures: str = "real"


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    check: str
    signers: tuple[int, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.ok


def check_trust_root_version(root: TrustRoot, cert: Certificate) -> bool:
    return cert.trust_root_version == root.version and cert.scheme == root.scheme


def check_batch_inclusion(cert: Certificate) -> bool:
    """A batch certificate's message must sit under the batch root the signatures cover."""
    batch = cert.batch
    return batch is None or merkle.verify(batch.root, cert.message_digest, batch.path)


def verify_certificate(root: TrustRoot, config: VerifierConfig, cert: Certificate) -> Verdict:
    """Accept `cert` only if every named check passes; the first failure names the reason."""
    if not check_trust_root_version(root, cert):
        return Verdict(False, "trust_root_version")
    if not check_batch_inclusion(cert):
        return Verdict(False, "batch_inclusion")
    if "skip_verification_if_empty" in config.flaws and not cert.signatures:
        # Wormhole/ChainSwap class: a path on which no signature gets checked at all.
        return Verdict(True, "ok")
    if root.scheme == "threshold-bls":
        return verify_threshold_bls(root, config, cert)
    if root.scheme != "multisig":
        return Verdict(False, "unknown_scheme")
    if "signer_list_from_caller" in config.flaws and cert.claimed_signers:
        return verify_against_claimed_signers(cert, config.signatures)
    return verify_multisig_signatures(root, config, cert.digest, cert.signatures)


# Every message of a batch carries the same signatures over the same batch digest, so their
# certificates share one answer. Keyed by the whole trust root and verifier configuration, so
# a flawed verifier's answer is never taken for the correct one's.
@memo.pure("protocol/verify-multisig-signatures", size=memo.BATCH_ENTRIES)
def verify_multisig_signatures(
    root: TrustRoot, config: VerifierConfig, digest: bytes, signatures: tuple[bytes, ...]
) -> Verdict:
    """The multisig quorum check of `signatures` over `digest`: every signer a member of
    `root`, no member twice, the threshold met and the required members present. It reads
    nothing of the certificate but these two."""
    ecrecover = ecrecover_for(config.signatures)
    # Member index per signature; None for a bad signature or an unknown signer.
    recovered = [
        root.member_of(address) if (address := ecrecover(digest, signature)) else None
        for signature in signatures
    ]
    if None in recovered:
        return Verdict(False, "unauthorised_signer")
    members = [member for member in recovered if member is not None]
    if "duplicate_signers_counted" in config.flaws:
        counted = len(members)
    else:
        if len(set(members)) != len(members):
            return Verdict(False, "duplicate_signer")
        counted = len(members)
    threshold = root.threshold if config.threshold_override is None else config.threshold_override
    if counted < threshold:
        return Verdict(False, "below_threshold")
    if "required_members_unchecked" not in config.flaws and not set(root.required).issubset(
        members
    ):
        return Verdict(False, "required_member_missing")
    return Verdict(True, "ok", tuple(sorted(set(members))))


def verify_against_claimed_signers(cert: Certificate, signatures: str = "real") -> Verdict:
    """The `signer_list_from_caller` flaw: signers are authorised by the list the submitter
    passed, and the quorum is more than two thirds of that list's length."""
    claimed = list(cert.claimed_signers)
    digest = cert.digest
    ecrecover = ecrecover_for(signatures)
    signers: list[int] = []
    for signature in cert.signatures:
        address = ecrecover(digest, signature)
        if address is None or address not in claimed:
            return Verdict(False, "unauthorised_signer")
        signers.append(claimed.index(address))
    if len(set(signers)) != len(signers):
        return Verdict(False, "duplicate_signer")
    if len(signers) < supermajority(len(claimed)):
        return Verdict(False, "below_threshold")
    # No trust-root member signed: there are no member indices to report.
    return Verdict(True, "ok")


def verify_threshold_bls(root: TrustRoot, config: VerifierConfig, cert: Certificate) -> Verdict:
    """One pairing check of the combined signature against the group key, then one
    `ecrecover` per required member.

    The group signature cannot say which members contributed (`signer_hint` is carried for the
    record only), so each required member's own signature travels beside it.
    """
    if len(cert.signatures) != 1:
        return Verdict(False, "signature_count")
    backend = get_backend(bls_backend_for(config.signatures, config.bls_backend))
    group_key = bytes.fromhex(root.group_key)
    digest = cert.digest
    if not backend.verify(group_key, digest, cert.signatures[0]):
        return Verdict(False, "group_signature")
    if "required_members_unchecked" not in config.flaws and not check_required_cosignatures(
        root, digest, cert.cosignatures, config.signatures
    ):
        return Verdict(False, "required_member_missing")
    return Verdict(True, "ok", tuple(sorted(set(cert.signer_hint))))


def check_required_cosignatures(
    root: TrustRoot, digest: bytes, cosignatures: tuple[bytes, ...], signatures: str = "real"
) -> bool:
    """Exactly one signature per required member, in `root.required` order, each over
    `digest` by that member's address in the root (its governance key under threshold BLS,
    which proactive refresh leaves unchanged)."""
    if len(cosignatures) != len(root.required):
        return False
    ecrecover = ecrecover_for(signatures)
    return all(
        ecrecover(digest, cosignature) == root.signers[member]
        for member, cosignature in zip(root.required, cosignatures, strict=True)
    )
