"""The custody interface every signature scheme implements, so the model never cares which.

Endorse (one member), check an endorsement, assemble a certificate, and price its verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bridgelab.core.rng import Streams
from bridgelab.crypto.symbolic import EcdsaSigning, make_ecdsa_signer

# The bridge contract's gas table is custody/gas.py; these names stay for their users.
from bridgelab.custody.gas import CALLDATA_NONZERO_BYTE_GAS as CALLDATA_GAS_PER_BYTE  # noqa: F401
from bridgelab.custody.gas import MINT_STORAGE_GAS, TX_BASE_GAS  # noqa: F401
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot


class Custody(Protocol):
    scheme: str
    members: int
    threshold: int
    required: tuple[int, ...]

    @property
    def epoch(self) -> int: ...

    def trust_root(self, version: int) -> TrustRoot: ...

    def endorse(self, member: int, digest: bytes) -> bytes: ...

    def verify_endorsement(
        self, member: int, digest: bytes, endorsement: bytes, epoch: int = 0
    ) -> bool: ...

    def governance_sign(self, member: int, digest: bytes) -> bytes: ...

    def policy_met(self, members: list[int]) -> bool: ...

    def assemble(
        self, message: BridgeMessage, version: int, endorsements: Mapping[int, bytes]
    ) -> Certificate: ...

    def verification_gas(self, cert: Certificate) -> int: ...


def member_ecdsa_signers(streams: Streams, members: int, signatures: str) -> list[EcdsaSigning]:
    """Each member's secp256k1 key, drawn from its own stream (multisig endorsement keys, or the
    governance keys of a threshold-BLS committee): the same keys under either scheme."""
    return [
        make_ecdsa_signer(streams.secret_bytes(f"committee/{member}/ecdsa"), signatures)
        for member in range(members)
    ]


def policy_met(members: list[int], threshold: int, required: tuple[int, ...]) -> bool:
    """AntChain's rule: every required member, and `threshold` distinct members in all."""
    distinct = set(members)
    return len(distinct) >= threshold and all(member in distinct for member in required)


def choose_signers(available: list[int], threshold: int, required: tuple[int, ...]) -> list[int]:
    """The cheapest satisfying set: the required members, then the lowest other indices."""
    chosen = [member for member in required if member in available]
    for member in sorted(available):
        if len(chosen) >= threshold:
            break
        if member not in chosen:
            chosen.append(member)
    return sorted(chosen)
