"""Trust-root rotation: a new committee takes over only with > 2/3 of the current one.

The rotation message names the next version and every field of the new root, so a signature
for one rotation can never be replayed for another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridgelab.crypto.hashing import encode, keccak256
from bridgelab.crypto.symbolic import ecrecover_for
from bridgelab.protocol.messages import TrustRoot

ROTATION_DOMAIN = "bridgelab/trust-root-rotation/v1"


@dataclass(frozen=True, slots=True)
class RotationCertificate:
    new_root: TrustRoot
    signatures: tuple[bytes, ...]


def rotation_digest(current_version: int, new_root: TrustRoot) -> bytes:
    return keccak256(
        encode(
            ROTATION_DOMAIN,
            current_version,
            new_root.version,
            new_root.scheme,
            ",".join(new_root.signers),
            new_root.threshold,
            ",".join(str(member) for member in new_root.required),
            new_root.group_key,
        )
    )


def supermajority(members: int) -> int:
    """The smallest count strictly above two thirds of `members`."""
    return (2 * members) // 3 + 1


def check_rotation(
    current: TrustRoot, rotation: RotationCertificate, signatures: str = "real",
    recover: Callable[[bytes, bytes], str | None] | None = None,
) -> str:
    """'ok', or the name of the first check the rotation fails (`signatures`: the run's kind,
    "real" or "symbolic", see crypto/symbolic.py). `recover` replaces that kind's `ecrecover`
    (the checker passes its own)."""
    new_root = rotation.new_root
    if new_root.version != current.version + 1:
        return "version_successor"
    if not new_root.signers or not 1 <= new_root.threshold <= len(new_root.signers):
        return "new_root_well_formed"
    digest = rotation_digest(current.version, new_root)
    ecrecover = recover if recover is not None else ecrecover_for(signatures)
    signers: set[int] = set()
    for signature in rotation.signatures:
        address = ecrecover(digest, signature)
        member = current.member_of(address) if address else None
        if member is None:
            return "unauthorised_signer"
        if member in signers:
            return "duplicate_signer"
        signers.add(member)
    if len(signers) < supermajority(len(current.signers)):
        return "supermajority"
    return "ok"
