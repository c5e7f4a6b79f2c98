"""Committee handover: old members reshare the key to a new (n', t') committee, same group key.

Lets a bridge rotate or resize its signer set without changing the key the other chain trusts.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bridgelab.crypto.bls.backend import BLSBackend, resolve_backend
from bridgelab.crypto.bls.dkg import (
    CommitteeKey,
    Complaint,
    DKGError,
    run_sharing_round,
    validate_shares,
    verification_keys,
)
from bridgelab.crypto.bls.shamir import (
    InsufficientSharesError,
    R,
    SecretShare,
    lagrange_coefficients,
)


@dataclass(frozen=True)
class ReshareResult(CommitteeKey):
    """The new committee's public key state plus who dealt and the complaint transcript."""

    previous_epoch: int
    previous_t: int
    previous_n: int
    participants: tuple[int, ...]
    qualified: tuple[int, ...]
    disqualified: tuple[int, ...]
    complaints: tuple[Complaint, ...]


def reshare(
    key: CommitteeKey,
    shares: Mapping[int, SecretShare],
    new_n: int,
    new_t: int,
    rng: random.Random,
    *,
    backend: BLSBackend | str | None = None,
    corrupt: Mapping[int, Iterable[int]] | None = None,
    wrong_secret: Collection[int] = (),
    false_complaints: Mapping[int, Iterable[int]] | None = None,
) -> tuple[ReshareResult, dict[int, SecretShare]]:
    """Old members in `shares` each Feldman-share s_i to new members 1..new_n (degree new_t-1).

    A dealing counts only if its constant-term commitment equals the dealer's old pk_i, so a
    dealer cannot substitute another secret. New member j gets s'_j = Σ λ_i s_{i,j} over the
    qualified old dealers; at least t_old of them are required.
    """
    if not 1 <= new_t <= new_n:
        raise ValueError(f"need 1 <= new_t <= new_n, got new_t={new_t}, new_n={new_n}")
    validate_shares(key, shares, require_all=False)
    if len(shares) < key.t:
        raise InsufficientSharesError(
            f"resharing needs at least t_old={key.t} old members, got {len(shares)}"
        )
    be = resolve_backend(backend)
    participants = tuple(sorted(shares))
    new_members = list(range(1, new_n + 1))
    rnd = run_sharing_round(
        {i: shares[i].value for i in participants},
        new_members,
        new_t,
        rng,
        be,
        expected_constant={i: key.verification_keys[i] for i in participants},
        corrupt=corrupt,
        wrong_secret=wrong_secret,
        false_complaints=false_complaints,
    )
    qual = rnd.qualified
    if len(qual) < key.t:
        raise InsufficientSharesError(
            f"only {len(qual)} old members dealt correctly; resharing needs t_old={key.t}"
        )
    lam = lagrange_coefficients(qual)
    weights = [lam[i] for i in qual]
    # Commitments combine with the same Lagrange weights as the shares they commit to.
    commitments = tuple(
        be.g1_lincomb([rnd.commitments[i][k] for i in qual], weights) for k in range(new_t)
    )
    if commitments[0] != key.group_pk:  # only possible if `key` was inconsistent
        raise DKGError("resharing did not preserve the group key")
    epoch = key.epoch + 1
    new_shares = {
        j: SecretShare(j, sum(lam[i] * rnd.received[j][i] for i in qual) % R, epoch)
        for j in new_members
    }
    result = ReshareResult(
        group_pk=key.group_pk,
        t=new_t,
        n=new_n,
        epoch=epoch,
        commitments=commitments,
        verification_keys=verification_keys(commitments, new_members, be),
        previous_epoch=key.epoch,
        previous_t=key.t,
        previous_n=key.n,
        participants=participants,
        qualified=qual,
        disqualified=rnd.disqualified,
        complaints=rnd.complaints,
    )
    return result, new_shares
