"""The committee policy the scenario configures, and the checker's own judgement of trust roots
and certificates against it.

The policy comes from the scenario, not from the deployed contracts nor from the trust root the
model installed, so neither a contract that skips a check nor a root installed weaker than
configured can make an accepted certificate look sound. The verdict is computed here, never
read from the verifiers' memoised verdicts; only the answers of the signature primitives
(`ecrecover`, BLS `verify`, pure functions of the exact bytes) are shared with the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from bridgelab.crypto import merkle
from bridgelab.crypto.bls import verify_memoised
from bridgelab.crypto.bls.backend import get_backend
from bridgelab.crypto.symbolic import bls_backend_for, ecrecover_for
from bridgelab.protocol.messages import Certificate, TrustRoot

# Verification does not depend on the backend: the fast one checks every real signature.
REFERENCE_BLS_BACKEND = "arkworks"


@dataclass(frozen=True, slots=True)
class CommitteePolicy:
    """Who must sign: `threshold` distinct members of `members`, every `required` one among
    them, under `scheme` ("multisig" or "threshold-bls")."""

    scheme: str
    members: int
    threshold: int
    required: tuple[int, ...] = ()

    @classmethod
    def of_scenario(cls, scenario: Any) -> CommitteePolicy:
        """The policy `[committee]` configures."""
        committee = scenario.committee
        return cls(
            committee.custody, committee.members, committee.threshold,
            tuple(committee.required),
        )

    @classmethod
    def of_root(cls, root: TrustRoot) -> CommitteePolicy:
        """The policy a trust root states (one installed by a governed rotation)."""
        return cls(root.scheme, len(root.signers), root.threshold, tuple(root.required))

    def describe(self) -> str:
        required = (
            f", member{'s' if len(self.required) > 1 else ''}"
            f" {', '.join(map(str, self.required))} required"
            if self.required else ""
        )
        return f"{self.threshold}-of-{self.members} {self.scheme}{required}"


class Shortfall(NamedTuple):
    """A failed check: its name (the verifier's where there is one) and what is wrong."""

    check: str
    detail: str


@dataclass(frozen=True, slots=True)
class GroupKeyRecord:
    """What the history's DKG record says of the threshold-BLS group key."""

    group_key: str
    threshold: int


def root_shortfall(
    root: TrustRoot, policy: CommitteePolicy, dkg: GroupKeyRecord | None
) -> Shortfall | None:
    """Why `root` asks for less than `policy`, or None. `dkg` is the DKG's record of the group
    key a threshold-BLS root must carry; None for a root a governed rotation installed, whose
    key the outgoing committee vouched for."""
    version = root.version
    if root.scheme != policy.scheme:
        return Shortfall(
            "trust_root_scheme", f"trust root v{version} is {root.scheme}, not {policy.scheme}"
        )
    if len(root.signers) != policy.members:
        return Shortfall(
            "trust_root_members",
            f"trust root v{version} lists {len(root.signers)} signers, not {policy.members}",
        )
    if root.threshold < policy.threshold:
        return Shortfall(
            "trust_root_threshold",
            f"trust root v{version} needs only {root.threshold} signers",
        )
    missing = [member for member in policy.required if member not in root.required]
    if missing:
        return Shortfall(
            "trust_root_required", f"trust root v{version} does not require member(s) {missing}"
        )
    return None if root.scheme != "threshold-bls" else _group_key_shortfall(root, policy, dkg)


def _group_key_shortfall(
    root: TrustRoot, policy: CommitteePolicy, dkg: GroupKeyRecord | None
) -> Shortfall | None:
    if dkg is None:
        return Shortfall(
            "group_key_unrecorded", f"trust root v{root.version}'s group key has no DKG record"
        )
    if dkg.group_key != root.group_key:
        return Shortfall(
            "group_key", f"trust root v{root.version}'s group key is not the one the DKG made"
        )
    if dkg.threshold < policy.threshold:
        return Shortfall(
            "group_key_threshold",
            f"the DKG made a {dkg.threshold}-of-{policy.members} group key",
        )
    return None


def certificate_shortfall(
    root: TrustRoot, policy: CommitteePolicy, cert: Certificate, signatures: str = "real"
) -> Shortfall | None:
    """Why `cert` does not meet `policy` under `root` (whose signers and group key say who
    may sign), or None. `signatures` is the run's kind, "real" or "symbolic"."""
    if cert.scheme != root.scheme:
        return Shortfall(
            "trust_root_version", f"a {cert.scheme} certificate under a {root.scheme} root"
        )
    batch = cert.batch
    if batch is not None and not merkle.verify(batch.root, cert.message_digest, batch.path):
        return Shortfall(
            "batch_inclusion", "the message is not in the batch its signatures cover"
        )
    if root.scheme == "multisig":
        return _multisig_shortfall(root, policy, cert, signatures)
    if root.scheme == "threshold-bls":
        return _bls_shortfall(root, policy, cert, signatures)
    return Shortfall("unknown_scheme", f"unknown scheme {root.scheme!r}")


def _multisig_shortfall(
    root: TrustRoot, policy: CommitteePolicy, cert: Certificate, signatures: str
) -> Shortfall | None:
    ecrecover = ecrecover_for(signatures)
    digest = cert.digest
    signers: list[int] = []
    for position, signature in enumerate(cert.signatures):
        address = ecrecover(digest, signature)
        member = root.member_of(address) if address is not None else None
        if member is None:
            return Shortfall(
                "unauthorised_signer",
                f"signature {position} is not by a member of trust root v{root.version}",
            )
        if member in signers:
            return Shortfall("duplicate_signer", f"member {member} signed twice")
        signers.append(member)
    if len(signers) < policy.threshold:
        return Shortfall("below_threshold", f"{len(signers)} distinct members signed")
    missing = [member for member in policy.required if member not in signers]
    if missing:
        return Shortfall("required_member_missing", f"required member(s) {missing} did not sign")
    return None


def _bls_shortfall(
    root: TrustRoot, policy: CommitteePolicy, cert: Certificate, signatures: str
) -> Shortfall | None:
    if len(cert.signatures) != 1:
        return Shortfall("signature_count", "not exactly one group signature")
    backend = get_backend(bls_backend_for(signatures, REFERENCE_BLS_BACKEND))
    digest = cert.digest
    if not verify_memoised(backend, bytes.fromhex(root.group_key), digest, cert.signatures[0]):
        return Shortfall(
            "group_signature",
            f"the group signature does not verify under trust root v{root.version}'s key",
        )
    # A group signature cannot say who signed: each required member's own signature must.
    ecrecover = ecrecover_for(signatures)
    cosigners = set()
    for cosignature in cert.cosignatures:
        address = ecrecover(digest, cosignature)
        if address is not None:
            cosigners.add(root.member_of(address))
    missing = [member for member in policy.required if member not in cosigners]
    if missing:
        return Shortfall(
            "required_member_missing", f"no valid co-signature of required member(s) {missing}"
        )
    return None
