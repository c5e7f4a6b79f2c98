"""Threshold BLS on BLS12-381 (Ethereum PoP ciphersuite): DKG, signing, refresh, resharing.

Real cryptography on two interchangeable backends; randomness only from a caller's random.Random.
"""

from bridgelab.crypto.bls.backend import (
    CURVE_ORDER,
    DEFAULT_BACKEND,
    DST,
    G1_IDENTITY,
    G2_IDENTITY,
    ArkworksBackend,
    BLSBackend,
    InvalidPointError,
    available_backends,
    get_backend,
    resolve_backend,
)
from bridgelab.crypto.bls.dkg import (
    CommitteeKey,
    Complaint,
    DKGError,
    DKGResult,
    run_dkg,
    verification_keys,
    verify_share,
)
from bridgelab.crypto.bls.refresh import RefreshResult, refresh
from bridgelab.crypto.bls.reshare import ReshareResult, reshare
from bridgelab.crypto.bls.shamir import (
    InsufficientSharesError,
    SecretKey,
    SecretShare,
    interpolate_at_zero,
    lagrange_coefficients,
    random_scalar,
    split_secret,
)
from bridgelab.crypto.bls.threshold import (
    MixedEpochError,
    OptimisticCombine,
    PartialSignature,
    combine,
    combine_optimistic,
    partial_sign,
    verify,
    verify_partial,
)

__all__ = [
    "CURVE_ORDER",
    "DEFAULT_BACKEND",
    "DST",
    "G1_IDENTITY",
    "G2_IDENTITY",
    "ArkworksBackend",
    "BLSBackend",
    "CommitteeKey",
    "Complaint",
    "DKGError",
    "DKGResult",
    "InsufficientSharesError",
    "InvalidPointError",
    "MixedEpochError",
    "OptimisticCombine",
    "PartialSignature",
    "PyEccBackend",
    "RefreshResult",
    "ReshareResult",
    "SecretKey",
    "SecretShare",
    "available_backends",
    "combine",
    "combine_optimistic",
    "get_backend",
    "interpolate_at_zero",
    "lagrange_coefficients",
    "partial_sign",
    "random_scalar",
    "refresh",
    "reshare",
    "resolve_backend",
    "run_dkg",
    "split_secret",
    "verification_keys",
    "verify",
    "verify_partial",
    "verify_share",
]


def __getattr__(name: str) -> object:
    # The py_ecc reference backend loads on first use (py_ecc is slow to import).
    if name == "PyEccBackend":
        from bridgelab.crypto.bls.backend_pyecc import PyEccBackend

        return PyEccBackend
    raise AttributeError(name)
