"""The committee policy the scenario configures, and the checker's own judgement of trust roots
and certificates against it.

The policy comes from the scenario, not from the deployed contracts nor from the trust root the
model installed, so neither a contract that skips a check nor a root installed weaker than
configured can make an accepted certificate look sound. Everything is computed here from the
recorded certificate: digests, Merkle paths and signatures, by the raw functions (`memo.raw`),
with memos of its own (`memo.private`). No answer the model computed, memoised or not, reaches
the checker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from bridgelab.core import memo
from bridgelab.crypto import merkle, symbolic, symbolic_bls
from bridgelab.crypto.bls.backend import (
    CURVE_ORDER,
    DEFAULT_BACKEND,
    G1_IDENTITY,
    ArkworksBackend,
    BLSBackend,
    InvalidPointError,
)
from bridgelab.crypto.bls.backend_blst import BlstBackend
from bridgelab.crypto.symbolic import check_mode
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot, batch_digest
from bridgelab.protocol.rotation import rotation_digest

# Verification does not depend on the backend (all three agree byte for byte,
# tests/crypto/test_bls_backends.py), so the checker verifies every real signature with a
# library the model does not use in that run: blst, or arkworks when the model runs blst.
# The instances are the checker's own, so not even a decoded point is shared with the model.
_CHECKER_BLS: dict[str, BLSBackend] = {"blst": BlstBackend(), "arkworks": ArkworksBackend()}


def checker_bls_library(model_backend: str) -> str:
    """The BLS library the checker verifies with when the model signs and verifies with
    `model_backend`: never the same one."""
    return "arkworks" if model_backend == "blst" else "blst"


# Where no scenario says which backend the model ran (a policy read from a trust root alone).
DEFAULT_BLS_LIBRARY = checker_bls_library(DEFAULT_BACKEND)


def _library_verify(library: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
    # The raw method: the backends' own `verify` is memoised for the model, and the model's
    # memo must not answer for the checker.
    backend = _CHECKER_BLS[library]
    return bool(memo.raw(type(backend).verify)(backend, pk, msg, sig))


def _symbolic_verify(library: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
    """A symbolic BLS signature (crypto/symbolic_bls.py) checked without the model's registry
    of discrete logs. With h and s the exponents of H(m) and of the signature, e(pk, H(m)) ==
    e(g1, sig) holds in the generic group exactly when h * dlog(pk) == s, that is when pk is
    (s / h) * g1 in the real G1: one multiplication of the generator, in `library`."""
    if not isinstance(msg, bytes) or not isinstance(pk, bytes) or pk == G1_IDENTITY:
        return False  # the identity key verifies everything (KeyValidate, as for real keys)
    try:
        signature = symbolic_bls.g2_exponent(sig)
    except InvalidPointError:
        return False
    hashed = symbolic_bls.hash_exponent(msg)
    if hashed == 0:  # H(m) the identity: every key's signature is the identity
        return signature == 0
    # The generator's multiple is encoded canonically, so a non-canonical or invalid key
    # never matches it.
    return _CHECKER_BLS[library].g1_mul_gen(
        signature * pow(hashed, -1, CURVE_ORDER) % CURVE_ORDER
    ) == pk


# The certificates of a batch carry the same signatures over the same batch digest: the
# checker recovers and verifies each once (docs/performance.md, "The memo seam").
_RECOVER_SIGNER = memo.private("checker/ecrecover", memo.raw(symbolic.recover_signer))
_BLS_VERIFY = memo.private("checker/bls-verify", _library_verify)
_SYMBOLIC_BLS_VERIFY = memo.private("checker/bls-verify-symbolic", _symbolic_verify)
# The certificates of a batch's messages name the same batch.
_batch_digest = memo.private("checker/batch-digest", memo.raw(batch_digest),
                             size=memo.BATCH_ENTRIES)
_message_digest = memo.raw(BridgeMessage.digest)
_merkle_verify = memo.raw(merkle.verify)


def checker_ecrecover(signatures: str) -> Callable[[bytes, bytes], str | None]:
    """The checker's own `ecrecover` for the run's kind of signatures."""
    check_mode(signatures)
    return partial(_RECOVER_SIGNER, signatures)


def _bls_verify(
    signatures: str, library: str, pk: bytes, msg: bytes, sig: bytes
) -> bool:
    if check_mode(signatures):
        return bool(_SYMBOLIC_BLS_VERIFY(library, pk, msg, sig))
    return bool(_BLS_VERIFY(library, pk, msg, sig))


def signed_digest(cert: Certificate) -> bytes:
    """What the certificate's signatures sign (its message's digest, or its batch's), computed
    by the checker itself."""
    version = cert.trust_root_version
    batch = cert.batch
    if batch is None:
        return _message_digest(cert.message, version)
    return _batch_digest(batch.root, batch.size, version)


@dataclass(frozen=True, slots=True)
class CommitteePolicy:
    """Who must sign: `threshold` distinct members of `members`, every `required` one among
    them, under `scheme` ("multisig" or "threshold-bls"). `bls_library` is the library the
    checker verifies group signatures with (`checker_bls_library`)."""

    scheme: str
    members: int
    threshold: int
    required: tuple[int, ...] = ()
    bls_library: str = DEFAULT_BLS_LIBRARY

    @classmethod
    def of_scenario(cls, scenario: Any) -> CommitteePolicy:
        """The policy `[committee]` configures."""
        committee = scenario.committee
        return cls(
            committee.custody, committee.members, committee.threshold,
            tuple(committee.required), checker_bls_library(committee.bls_backend),
        )

    @classmethod
    def of_root(cls, root: TrustRoot, bls_library: str = DEFAULT_BLS_LIBRARY) -> CommitteePolicy:
        """The policy a trust root states (one installed by a governed rotation)."""
        return cls(
            root.scheme, len(root.signers), root.threshold, tuple(root.required), bls_library
        )

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


class RootBinding(NamedTuple):
    """What binds certificates under one trust-root version: the policy in force, whether a
    governed rotation installed the root (then its policy and group key are the committee's
    word), and `vouched`, the latest root the committee vouched for (the first root, or the
    latest governed one), whose signers an ungoverned root must keep."""

    policy: CommitteePolicy
    governed: bool
    vouched: TrustRoot


def signers_shortfall(root: TrustRoot, vouched: TrustRoot) -> Shortfall | None:
    """Why `root` names other signers than `vouched`, or None: a root installed without the
    committee's word keeps the policy before it, and so its signers, not only their count."""
    if root.signers == vouched.signers:
        return None
    return Shortfall(
        "trust_root_signers",
        f"trust root v{root.version} names signers other than those of v{vouched.version},"
        " the latest root the committee vouched for",
    )


@dataclass(frozen=True, slots=True)
class GroupKeyRecord:
    """The threshold-BLS group key the history's DKG made, and the fewest shares a signature
    under it takes in any recorded epoch (`checker/group_key.py` reads both from the recorded
    commitments). `problem`: why the records do not describe the key, or None."""

    group_key: str
    threshold: int
    problem: str | None = None


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
    if dkg.problem is not None:
        return Shortfall("group_key_commitments", dkg.problem)
    if dkg.group_key != root.group_key:
        return Shortfall(
            "group_key", f"trust root v{root.version}'s group key is not the one the DKG made"
        )
    if dkg.threshold < policy.threshold:
        return Shortfall(
            "group_key_threshold",
            f"the DKG's commitments make a {dkg.threshold}-of-{policy.members} group key",
        )
    return None


def rotation_failure(
    current: TrustRoot, new_root: TrustRoot, signatures: tuple[bytes, ...], kind: str
) -> str | None:
    """Why replacing `current` by `new_root` on `signatures` is not governed, or None if it
    is: the next version, well formed, signed by distinct members of `current`, more than
    two thirds of them. The checker's own statement of the rule the contract enforces
    (`protocol/rotation.py`), so a contract that counts wrongly cannot make a weaker root
    look governed; the failures carry the contract's names. `kind`: "real" or "symbolic"."""
    if new_root.version != current.version + 1:
        return "version_successor"
    if not new_root.signers or not 0 < new_root.threshold <= len(new_root.signers):
        return "new_root_well_formed"
    digest = rotation_digest(current.version, new_root)
    signed: list[int] = []
    for member in _signing_members(current, digest, signatures, kind):
        if member is None:
            return "unauthorised_signer"
        if member in signed:
            return "duplicate_signer"
        signed.append(member)
    if not 3 * len(signed) > 2 * len(current.signers):
        return "supermajority"
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
    if batch is not None and not _merkle_verify(
        batch.root, _message_digest(cert.message, cert.trust_root_version), batch.path
    ):
        return Shortfall(
            "batch_inclusion", "the message is not in the batch its signatures cover"
        )
    if root.scheme == "multisig":
        return _multisig_shortfall(root, policy, cert, signatures)
    if root.scheme == "threshold-bls":
        return _bls_shortfall(root, policy, cert, signatures)
    return Shortfall("unknown_scheme", f"unknown scheme {root.scheme!r}")


def _signing_members(
    root: TrustRoot, digest: bytes, signatures: tuple[bytes, ...], kind: str
) -> tuple[int | None, ...]:
    """The member of `root` who made each signature over `digest` (None: no member's, or no
    signature at all), for signatures of `kind` ("real" or "symbolic")."""
    ecrecover = checker_ecrecover(kind)
    return tuple([
        None if (address := ecrecover(digest, signature)) is None else root.member_of(address)
        for signature in signatures
    ])


# The certificates of a batch's messages carry the same signatures over the same digest.
_SIGNING_MEMBERS = memo.private("checker/signing-members", _signing_members,
                                size=memo.BATCH_ENTRIES)


def _multisig_shortfall(
    root: TrustRoot, policy: CommitteePolicy, cert: Certificate, signatures: str
) -> Shortfall | None:
    members = _SIGNING_MEMBERS(root, signed_digest(cert), cert.signatures, signatures)
    signers: list[int] = []
    for position, member in enumerate(members):
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
    digest = signed_digest(cert)
    if not _bls_verify(
        signatures, policy.bls_library, bytes.fromhex(root.group_key), digest,
        cert.signatures[0],
    ):
        return Shortfall(
            "group_signature",
            f"the group signature does not verify under trust root v{root.version}'s key",
        )
    # A group signature cannot say who signed: each required member's own signature must.
    ecrecover = checker_ecrecover(signatures)
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
