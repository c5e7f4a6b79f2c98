"""Threshold BLS signing: partial signatures from shares, Lagrange combination in G2, verify.

A combined signature is an ordinary BLS signature under the group key, so verifiers on the
destination chain need not know the committee exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bridgelab.core import memo
from bridgelab.crypto.bls.backend import BLSBackend, InvalidPointError, resolve_backend
from bridgelab.crypto.bls.shamir import InsufficientSharesError, SecretShare, lagrange_coefficients


class MixedEpochError(ValueError):
    """Partial signatures from different epochs: their shares lie on different polynomials."""


@dataclass(frozen=True)
class PartialSignature:
    """Member `index`'s signature share H(m)^{s_i}, tagged with the epoch of the share used."""

    index: int
    epoch: int
    signature: bytes

    def to_public_dict(self) -> dict[str, object]:
        return {"index": self.index, "epoch": self.epoch, "signature": self.signature.hex()}


@dataclass(frozen=True)
class OptimisticCombine:
    """Result of `combine_optimistic`: a valid signature or None, and the partials found bad.

    `checked_individually` says whether the slow path (one pairing check per partial) ran.
    """

    signature: bytes | None
    bad: tuple[int, ...]
    checked_individually: bool

    @property
    def ok(self) -> bool:
        return self.signature is not None

    def to_public_dict(self) -> dict[str, object]:
        return {
            "signature": None if self.signature is None else self.signature.hex(),
            "bad": list(self.bad),
            "checked_individually": self.checked_individually,
        }


Partials = Mapping[int, bytes | PartialSignature]


def partial_sign(
    share: SecretShare, msg: bytes, *, backend: BLSBackend | str | None = None
) -> PartialSignature:
    """H(msg)^{s_i}: member share.index's contribution to the group signature."""
    sig = resolve_backend(backend).sign(share.value, msg)
    return PartialSignature(share.index, share.epoch, sig)


def verify_partial(
    pk_i: bytes,
    msg: bytes,
    partial: bytes | PartialSignature,
    *,
    backend: BLSBackend | str | None = None,
) -> bool:
    """Checks a partial against member i's verification key pk_i = g1^{s_i}."""
    sig = partial.signature if isinstance(partial, PartialSignature) else partial
    return resolve_backend(backend).verify(pk_i, msg, sig)


def verify(
    group_pk: bytes, msg: bytes, sig: bytes, *, backend: BLSBackend | str | None = None
) -> bool:
    """Ordinary BLS verification of a combined signature under the group key."""
    return resolve_backend(backend).verify(group_pk, msg, sig)


def _unpack(partials: Partials) -> dict[int, bytes]:
    epochs = set()
    sigs = {}
    for i, p in partials.items():
        if isinstance(p, PartialSignature):
            if p.index != i:
                raise ValueError(f"partial signature from member {p.index} filed under {i}")
            epochs.add(p.epoch)
            sigs[i] = p.signature
        else:
            sigs[i] = p
    if len(epochs) > 1:
        raise MixedEpochError(f"partial signatures span epochs {sorted(epochs)}")
    return sigs


def combine(
    partials: Partials, t: int, *, backend: BLSBackend | str | None = None
) -> bytes:
    """Σ λ_i σ_i over exactly t partials: the t smallest indices, so the choice is deterministic.

    Does not verify anything (see `combine_optimistic`); raises InsufficientSharesError with
    fewer than t partials and MixedEpochError when tagged partials disagree on the epoch.
    """
    if t < 1:
        raise ValueError("threshold t must be >= 1")
    sigs = _unpack(partials)
    if len(sigs) < t:
        raise InsufficientSharesError(f"need {t} partial signatures, got {len(sigs)}")
    chosen = tuple(sorted(sigs)[:t])
    return lagrange_combination(resolve_backend(backend), chosen, tuple([sigs[i] for i in chosen]))


# The relayer's optimistic check (`bad_endorsements`) and the certificate it then assembles
# combine the same partials: the multi-scalar multiplication runs once per certificate.
@memo.pure("crypto/bls-combine", size=4_096)
def lagrange_combination(
    backend: BLSBackend, indices: tuple[int, ...], signatures: tuple[bytes, ...]
) -> bytes:
    """Σ λ_i σ_i: the signatures at `indices` (sorted, distinct) combined with the Lagrange
    coefficients at zero of exactly that set."""
    lam = lagrange_coefficients(indices)
    return backend.g2_lincomb(list(signatures), [lam[i] for i in indices])


def combine_optimistic(
    partials: Partials,
    t: int,
    group_pk: bytes,
    msg: bytes,
    verification_keys: Mapping[int, bytes],
    *,
    backend: BLSBackend | str | None = None,
) -> OptimisticCombine:
    """Combines first and checks partials one by one only if the result does not verify.

    The common honest case then costs one pairing check instead of t; on failure every given
    partial is checked against its verification key, bad ones are reported and dropped, and
    the rest are combined if at least t remain.
    """
    be = resolve_backend(backend)
    sigs = _unpack(partials)
    if len(sigs) < t:
        raise InsufficientSharesError(f"need {t} partial signatures, got {len(sigs)}")
    try:
        sig = combine(sigs, t, backend=be)
        if be.verify(group_pk, msg, sig):
            return OptimisticCombine(sig, (), checked_individually=False)
    except InvalidPointError:
        pass  # a malformed partial; the individual checks below will name it
    bad = tuple(
        i for i in sorted(sigs)
        if i not in verification_keys or not be.verify(verification_keys[i], msg, sigs[i])
    )
    good = {i: s for i, s in sigs.items() if i not in bad}
    if len(good) < t:
        return OptimisticCombine(None, bad, checked_individually=True)
    sig = combine(good, t, backend=be)
    valid = be.verify(group_pk, msg, sig)  # fails only if the keys are inconsistent
    return OptimisticCombine(sig if valid else None, bad, checked_individually=True)
