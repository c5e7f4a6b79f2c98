"""Proactive share refresh: re-randomise every share each epoch without changing the group key.

Shares stolen in different epochs then cannot be combined, which bounds an attacker's time window.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bridgelab.crypto.bls.backend import G1_IDENTITY, BLSBackend, resolve_backend
from bridgelab.crypto.bls.dkg import (
    CommitteeKey,
    Complaint,
    DKGError,
    run_sharing_round,
    sum_commitments,
    validate_shares,
    verification_keys,
)
from bridgelab.crypto.bls.shamir import R, SecretShare


@dataclass(frozen=True)
class RefreshResult(CommitteeKey):
    """The key after a refresh (same group_pk, new verification keys) and the round transcript."""

    previous_epoch: int
    qualified: tuple[int, ...]
    disqualified: tuple[int, ...]
    complaints: tuple[Complaint, ...]


def refresh(
    key: CommitteeKey,
    shares: Mapping[int, SecretShare],
    rng: random.Random,
    *,
    backend: BLSBackend | str | None = None,
    corrupt: Mapping[int, Iterable[int]] | None = None,
    wrong_secret: Collection[int] = (),
    false_complaints: Mapping[int, Iterable[int]] | None = None,
) -> tuple[RefreshResult, dict[int, SecretShare]]:
    """Every member deals a Feldman-verified sharing of zero; s_i' = s_i + Σ_j δ_j(i).

    A dealer whose constant-term commitment is not the identity (it shared a nonzero value,
    see `wrong_secret`) or who sends a bad share is disqualified and its delta ignored.
    Needs every member's current-epoch share; the new shares carry epoch + 1.
    """
    be = resolve_backend(backend)
    validate_shares(key, shares, require_all=True)
    members = list(key.members)
    rnd = run_sharing_round(
        dict.fromkeys(members, 0),
        members,
        key.t,
        rng,
        be,
        expected_constant=dict.fromkeys(members, G1_IDENTITY),
        corrupt=corrupt,
        wrong_secret=wrong_secret,
        false_complaints=false_complaints,
    )
    if not rnd.qualified:
        raise DKGError("every refresh dealer was disqualified")
    commitments = sum_commitments(
        [key.commitments, *(rnd.commitments[i] for i in rnd.qualified)], be
    )
    if commitments[0] != key.group_pk:  # guaranteed by the identity check above
        raise DKGError("refresh changed the group key")
    epoch = key.epoch + 1
    new_shares = {
        j: SecretShare(
            j, (shares[j].value + sum(rnd.received[j][i] for i in rnd.qualified)) % R, epoch
        )
        for j in members
    }
    result = RefreshResult(
        group_pk=key.group_pk,
        t=key.t,
        n=key.n,
        epoch=epoch,
        commitments=commitments,
        verification_keys=verification_keys(commitments, members, be),
        previous_epoch=key.epoch,
        qualified=rnd.qualified,
        disqualified=rnd.disqualified,
        complaints=rnd.complaints,
    )
    return result, new_shares
