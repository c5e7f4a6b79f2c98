"""t-of-n threshold BLS on BLS12-381: one group key from a DKG, one pairing check on chain.

Members hold Shamir shares of a key nobody ever assembled; partial signatures combine by
Lagrange interpolation. With proactive refresh each epoch re-randomises the shares, so shares
stolen in different epochs do not combine. Each member also keeps a secp256k1 governance key
that signs trust-root rotations.
"""

from __future__ import annotations

from collections.abc import Mapping

from bridgelab.core.rng import Streams
from bridgelab.crypto.bls import (
    CommitteeKey,
    InsufficientSharesError,
    InvalidPointError,
    PartialSignature,
    SecretShare,
    combine,
    get_backend,
    partial_sign,
    refresh,
    run_dkg,
    verify_memoised,
    verify_partial,
)
from bridgelab.crypto.symbolic import bls_backend_for
from bridgelab.custody.base import (
    CALLDATA_GAS_PER_BYTE,
    TX_BASE_GAS,
    choose_signers,
    member_ecdsa_signers,
    policy_met,
)
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot

# EIP-2537 precompile prices (gas): a pairing check costs 32,600 per pair plus 37,700;
# hashing to G2 maps two field elements (23,800 each) and adds the points (600).
PAIRING_GAS_PER_PAIR = 32_600
PAIRING_GAS_BASE = 37_700
MAP_FP2_TO_G2_GAS = 23_800
G2_ADD_GAS = 600
# expand_message_xmd over SHA-256 in EVM code: an estimate, not a precompile price.
HASH_TO_FIELD_GAS_ESTIMATE = 5_000
BLS_VERIFY_GAS = (
    2 * PAIRING_GAS_PER_PAIR + PAIRING_GAS_BASE + 2 * MAP_FP2_TO_G2_GAS + G2_ADD_GAS
    + HASH_TO_FIELD_GAS_ESTIMATE
)


class ThresholdBlsCustody:
    """The committee's group key, its members' shares, and the current epoch."""

    scheme = "threshold-bls"
    # Relayers combine partials first and check them one by one only when that fails.
    optimistic = True

    def __init__(
        self,
        streams: Streams,
        members: int,
        threshold: int,
        required: tuple[int, ...],
        backend: str = "arkworks",
        signatures: str = "real",
    ) -> None:
        self.members = members
        self.threshold = threshold
        self.required = required
        # "real" BLS and ECDSA, or the "symbolic" stand-ins (crypto/symbolic.py): the DKG's
        # G1 points, and so the group key, are the real ones either way.
        self.signatures = signatures
        self.backend = get_backend(bls_backend_for(signatures, backend))
        self._refresh_rng = streams.get("custody/bls/refresh")
        self.key: CommitteeKey
        self.key, self._shares = run_dkg(
            members, threshold, streams.get("custody/bls/dkg"), backend=self.backend
        )
        self.dkg = self.key
        self._governance = member_ecdsa_signers(streams, members, signatures)
        self.addresses = tuple(signer.address for signer in self._governance)

    @property
    def epoch(self) -> int:
        return self.key.epoch

    @property
    def group_key(self) -> bytes:
        return self.key.group_pk

    def trust_root(self, version: int) -> TrustRoot:
        return TrustRoot(
            version, self.scheme, self.addresses, self.threshold, self.required,
            self.key.group_pk.hex(),
        )

    def share_of(self, member: int) -> SecretShare:
        """A member's current share: for the adversary model, never for output."""
        return self._shares[member + 1]

    def endorse(self, member: int, digest: bytes) -> bytes:
        return partial_sign(self._shares[member + 1], digest, backend=self.backend).signature

    def endorse_with(self, share: SecretShare, digest: bytes) -> bytes:
        """A partial signature from a share held outside the committee (a stolen one)."""
        return partial_sign(share, digest, backend=self.backend).signature

    def verify_endorsement(
        self, member: int, digest: bytes, endorsement: bytes, epoch: int = 0
    ) -> bool:
        if epoch != self.key.epoch:
            return False
        verification_key = self.key.verification_keys[member + 1]
        return verify_partial(verification_key, digest, endorsement, backend=self.backend)

    def policy_met(self, members: list[int]) -> bool:
        return policy_met(members, self.threshold, self.required)

    def assemble(
        self, message: BridgeMessage, version: int, endorsements: Mapping[int, bytes]
    ) -> Certificate:
        chosen = choose_signers(sorted(endorsements), self.threshold, self.required)
        partials = {
            member + 1: PartialSignature(member + 1, self.key.epoch, endorsements[member])
            for member in chosen
        }
        signature = combine(partials, self.threshold, backend=self.backend)
        return Certificate(message, version, self.scheme, (signature,), tuple(chosen))

    def bad_endorsements(self, digest: bytes, endorsements: Mapping[int, bytes]) -> list[int]:
        """Members whose partials are invalid; none when the optimistic combination verifies."""
        chosen = choose_signers(sorted(endorsements), self.threshold, self.required)
        partials = {member + 1: endorsements[member] for member in chosen}
        try:
            signature = combine(partials, self.threshold, backend=self.backend)
            if verify_memoised(self.backend, self.key.group_pk, digest, signature):
                return []
        except (InvalidPointError, InsufficientSharesError):
            pass
        keys = self.key.verification_keys
        return [
            member
            for member in sorted(endorsements)
            if not verify_partial(keys[member + 1], digest, endorsements[member],
                                  backend=self.backend)
        ]

    def combine_shares(self, partials: Mapping[int, PartialSignature]) -> bytes:
        """Combine partials keyed by member (0-based) as given, epochs and all."""
        shifted = {member + 1: partial for member, partial in partials.items()}
        return combine(shifted, self.threshold, backend=self.backend)

    def verification_gas(self, cert: Certificate) -> int:
        calldata = cert.calldata_size() * CALLDATA_GAS_PER_BYTE
        return TX_BASE_GAS + calldata + BLS_VERIFY_GAS

    def refresh(self) -> CommitteeKey:
        """Proactive refresh: new shares of the same key; older shares stop combining."""
        self.key, self._shares = refresh(
            self.key, self._shares, self._refresh_rng, backend=self.backend
        )
        return self.key

    def governance_sign(self, member: int, digest: bytes) -> bytes:
        return self._governance[member].sign_digest(digest)
