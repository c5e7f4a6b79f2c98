"""k-of-n multisig: one secp256k1 key per member, k signatures each checked by `ecrecover`."""

from __future__ import annotations

from collections.abc import Mapping

from bridgelab.core.rng import Streams
from bridgelab.crypto.symbolic import ecrecover_for
from bridgelab.custody.base import (
    choose_signers,
    member_ecdsa_signers,
    policy_met,
)
from bridgelab.custody.gas import multisig_verification_gas
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot


class MultisigCustody:
    """The committee's keys under k-of-n multisig; each member holds exactly one key here."""

    scheme = "multisig"
    epoch = 0

    def __init__(
        self,
        streams: Streams,
        members: int,
        threshold: int,
        required: tuple[int, ...],
        signatures: str = "real",
    ) -> None:
        self.members = members
        self.threshold = threshold
        self.required = required
        # "real" ECDSA, or the "symbolic" stand-in (crypto/symbolic.py): same keys, same draws.
        self.signatures = signatures
        self._ecrecover = ecrecover_for(signatures)
        self._signers = member_ecdsa_signers(streams, members, signatures)
        self.addresses = tuple(signer.address for signer in self._signers)

    def trust_root(self, version: int) -> TrustRoot:
        return TrustRoot(version, self.scheme, self.addresses, self.threshold, self.required)

    def endorse(self, member: int, digest: bytes) -> bytes:
        return self._signers[member].sign_digest(digest)

    def verify_endorsement(
        self, member: int, digest: bytes, endorsement: bytes, epoch: int = 0
    ) -> bool:
        return self._ecrecover(digest, endorsement) == self.addresses[member]

    def governance_sign(self, member: int, digest: bytes) -> bytes:
        """Multisig members govern with the same key they endorse with."""
        return self._signers[member].sign_digest(digest)

    def policy_met(self, members: list[int]) -> bool:
        return policy_met(members, self.threshold, self.required)

    def assemble(
        self, message: BridgeMessage, version: int, endorsements: Mapping[int, bytes]
    ) -> Certificate:
        chosen = choose_signers(sorted(endorsements), self.threshold, self.required)
        signatures = tuple([endorsements[member] for member in chosen])
        return Certificate(message, version, self.scheme, signatures, tuple(chosen))

    def verification_gas(self, cert: Certificate) -> int:
        """Intrinsic gas, calldata and one ecrecover and signer-set read per signature."""
        return multisig_verification_gas(cert)
