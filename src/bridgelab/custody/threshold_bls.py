"""t-of-n threshold BLS on BLS12-381: one group key from a DKG, one pairing check on chain.

Members hold Shamir shares of a key nobody ever assembled; partial signatures combine by
Lagrange interpolation. With proactive refresh each epoch re-randomises the shares, so shares
stolen in different epochs do not combine. Each member also keeps a secp256k1 governance key
that signs trust-root rotations.

The group signature cannot say who signed, so a required member also signs each digest with
its governance key: its endorsement is its partial signature followed by that co-signature
(`split_endorsement`), the certificate carries the co-signatures beside the group signature,
and the destination checks each with `ecrecover`. The governance key survives refresh, so a
co-signature never depends on the epoch.
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
    verify_partial,
)
from bridgelab.crypto.bls.backend import G2_BYTES
from bridgelab.crypto.symbolic import bls_backend_for, ecrecover_for
from bridgelab.custody.base import (
    choose_signers,
    member_ecdsa_signers,
    policy_met,
)
from bridgelab.custody.gas import threshold_bls_verification_gas
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot


def split_endorsement(endorsement: bytes) -> tuple[bytes, bytes]:
    """A threshold-BLS endorsement's partial signature (a compressed G2 point), and the
    co-signature a required member appends (empty for the others)."""
    return endorsement[:G2_BYTES], endorsement[G2_BYTES:]


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
        self._ecrecover = ecrecover_for(signatures)

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
        """The member's partial signature; a required member appends its co-signature."""
        partial = partial_sign(self._shares[member + 1], digest, backend=self.backend).signature
        if member in self.required:
            return partial + self.governance_sign(member, digest)
        return partial

    def endorse_with(self, share: SecretShare, digest: bytes) -> bytes:
        """A partial signature from a share held outside the committee (a stolen one)."""
        return partial_sign(share, digest, backend=self.backend).signature

    def verify_endorsement(
        self, member: int, digest: bytes, endorsement: bytes, epoch: int = 0
    ) -> bool:
        if epoch != self.key.epoch:
            return False
        return self._valid_endorsement(member, digest, endorsement)

    def _valid_endorsement(self, member: int, digest: bytes, endorsement: bytes) -> bool:
        """The partial under the member's current verification key, and the co-signature a
        required member owes (and nothing else)."""
        partial, cosignature = split_endorsement(endorsement)
        verification_key = self.key.verification_keys[member + 1]
        if not verify_partial(verification_key, digest, partial, backend=self.backend):
            return False
        return self._valid_cosignature(member, digest, cosignature)

    def _valid_cosignature(self, member: int, digest: bytes, cosignature: bytes) -> bool:
        if member not in self.required:
            return not cosignature
        return self._ecrecover(digest, cosignature) == self.addresses[member]

    def policy_met(self, members: list[int]) -> bool:
        return policy_met(members, self.threshold, self.required)

    def assemble(
        self, message: BridgeMessage, version: int, endorsements: Mapping[int, bytes]
    ) -> Certificate:
        chosen = choose_signers(sorted(endorsements), self.threshold, self.required)
        partials = {
            member + 1: PartialSignature(
                member + 1, self.key.epoch, split_endorsement(endorsements[member])[0]
            )
            for member in chosen
        }
        signature = combine(partials, self.threshold, backend=self.backend)
        return Certificate(
            message, version, self.scheme, (signature,), tuple(chosen),
            cosignatures=self.cosignatures(endorsements),
        )

    def cosignatures(self, endorsements: Mapping[int, bytes]) -> tuple[bytes, ...]:
        """The required members' co-signatures, in `required` order, from those present."""
        return tuple([
            split_endorsement(endorsements[member])[1]
            for member in self.required
            if member in endorsements
        ])

    def bad_endorsements(self, digest: bytes, endorsements: Mapping[int, bytes]) -> list[int]:
        """Members whose endorsements are invalid; none when the optimistic combination
        verifies and the required members' co-signatures are theirs."""
        chosen = choose_signers(sorted(endorsements), self.threshold, self.required)
        partials = {member + 1: split_endorsement(endorsements[member])[0] for member in chosen}
        try:
            signature = combine(partials, self.threshold, backend=self.backend)
            if self.backend.verify(self.key.group_pk, digest, signature) and all(
                self._valid_cosignature(member, digest, split_endorsement(endorsements[member])[1])
                for member in chosen
            ):
                return []
        except (InvalidPointError, InsufficientSharesError):
            pass
        return [
            member
            for member in sorted(endorsements)
            if not self._valid_endorsement(member, digest, endorsements[member])
        ]

    def combine_shares(self, partials: Mapping[int, PartialSignature]) -> bytes:
        """Combine partials keyed by member (0-based) as given, epochs and all."""
        shifted = {member + 1: partial for member, partial in partials.items()}
        return combine(shifted, self.threshold, backend=self.backend)

    def verification_gas(self, cert: Certificate) -> int:
        """Calldata (the signature uncompressed, co-signatures included), hash-to-curve, one
        pairing check, the group key's reads, one `ecrecover` per co-signature."""
        return threshold_bls_verification_gas(cert)

    def refresh(self) -> CommitteeKey:
        """Proactive refresh: new shares of the same key; older shares stop combining."""
        self.key, self._shares = refresh(
            self.key, self._shares, self._refresh_rng, backend=self.backend
        )
        return self.key

    def governance_sign(self, member: int, digest: bytes) -> bytes:
        return self._governance[member].sign_digest(digest)
