"""Joint-Feldman distributed key generation, plus the verifiable dealing round it is built from.

The same round (deal, verify against Feldman commitments, complain, reveal, disqualify) also drives
proactive refresh and resharing, which differ only in what each dealer's constant term must be.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

from bridgelab.crypto.bls.backend import G1_IDENTITY, BLSBackend, resolve_backend
from bridgelab.crypto.bls.shamir import (
    R,
    SecretShare,
    evaluate,
    powers,
    random_polynomial,
)

# Weights for batched share checks: a bad share slips through with probability ~2^-128.
_BATCH_WEIGHT_BITS = 128


class DKGError(RuntimeError):
    """The protocol could not produce a key (e.g. every dealer was disqualified)."""


def _public(value: object) -> object:
    # Render public values for logs: bytes as hex, containers recursively.
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Complaint):
        return value.to_public_dict()
    if isinstance(value, Mapping):
        return {str(k): _public(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_public(v) for v in value]
    return value


@dataclass(frozen=True)
class Complaint:
    """A public accusation against a dealer and its public resolution.

    `complainer` is None when the failure is visible to everyone from the commitments alone.
    """

    complainer: int | None
    dealer: int
    justified: bool
    reason: str

    def to_public_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CommitteeKey:
    """Everything public about a threshold key in one epoch; contains no secrets.

    `commitments` are Feldman commitments g1^{a_k} to the group polynomial, so anyone can
    derive member i's verification key pk_i = g1^{s_i} as Π_k commitments[k]^(i^k).
    """

    group_pk: bytes
    t: int
    n: int
    epoch: int
    commitments: tuple[bytes, ...]
    verification_keys: Mapping[int, bytes]

    @property
    def members(self) -> tuple[int, ...]:
        return tuple(sorted(self.verification_keys))

    @property
    def shares_needed(self) -> int:
        """How many shares the group polynomial takes, read from its commitments: one more
        than its degree, the highest coefficient not committed as the identity (zero). A
        DKG that built a lower degree than `t` says so here, whatever `t` claims."""
        nonzero = [k for k, commitment in enumerate(self.commitments) if commitment != G1_IDENTITY]
        return nonzero[-1] + 1 if nonzero else 0

    def to_public_dict(self) -> dict[str, object]:
        """Hex-encoded view of every field, safe to log or dump as JSON."""
        return {f.name: _public(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class DKGResult(CommitteeKey):
    """The public outcome of a DKG: the key plus the complaint transcript."""

    qualified: tuple[int, ...]
    disqualified: tuple[int, ...]
    complaints: tuple[Complaint, ...]


@dataclass(frozen=True)
class SharingRound:
    """Outcome of one verifiable dealing round.

    `received[j][i]` is the share dealer i sent member j over a private channel: never log it.
    """

    commitments: Mapping[int, tuple[bytes, ...]]
    qualified: tuple[int, ...]
    disqualified: tuple[int, ...]
    complaints: tuple[Complaint, ...]
    received: Mapping[int, Mapping[int, int]] = field(repr=False)


def commitment_at(commitments: Sequence[bytes], x: int, backend: BLSBackend) -> bytes:
    """g1^{f(x)} computed from the public commitments alone."""
    return backend.g1_lincomb(commitments, powers(x, len(commitments)))


def verify_share(commitments: Sequence[bytes], x: int, share: int, backend: BLSBackend) -> bool:
    """The Feldman check g1^share == Π_k C_k^(x^k)."""
    return backend.g1_mul_gen(share) == commitment_at(commitments, x, backend)


def verification_keys(
    commitments: Sequence[bytes], members: Iterable[int], backend: BLSBackend
) -> dict[int, bytes]:
    """pk_i = g1^{s_i} for each member, derived from the group polynomial's commitments."""
    return {i: commitment_at(commitments, i, backend) for i in members}


def _find_bad_shares(
    commitments: Mapping[int, tuple[bytes, ...]],
    sent: Mapping[int, Mapping[int, int]],
    receivers: Sequence[int],
    rng: random.Random,
    backend: BLSBackend,
) -> set[tuple[int, int]]:
    """(dealer, receiver) pairs whose share fails the receiver's Feldman check.

    Same answer as every receiver checking every share, except with probability ~2^-127, at the
    cost of one multi-exponentiation: with random weights α_i (dealers) and β_j (receivers),
    g1^{Σ α_i β_j s_ij} must equal Π C_ik^{α_i Σ_j β_j j^k}. On failure we narrow down per
    dealer and then per share, so the complaints are exactly the individually failing shares.
    """
    dealers = sorted(commitments)
    if not dealers:
        return set()
    alpha = {i: rng.getrandbits(_BATCH_WEIGHT_BITS) + 1 for i in dealers}
    beta = {j: rng.getrandbits(_BATCH_WEIGHT_BITS) + 1 for j in receivers}
    width = len(commitments[dealers[0]])
    pw = {j: powers(j, width) for j in receivers}
    # P_k = Σ_j β_j j^k is shared by all dealers.
    weights = [sum(beta[j] * pw[j][k] for j in receivers) % R for k in range(width)]
    lhs = {i: sum(beta[j] * sent[i][j] for j in receivers) % R for i in dealers}

    points = [c for i in dealers for c in commitments[i]]
    scalars = [alpha[i] * w % R for i in dealers for w in weights]
    total = sum(alpha[i] * lhs[i] for i in dealers) % R
    if backend.g1_mul_gen(total) == backend.g1_lincomb(points, scalars):
        return set()

    bad: set[tuple[int, int]] = set()
    for i in dealers:
        if backend.g1_mul_gen(lhs[i]) == backend.g1_lincomb(commitments[i], weights):
            continue
        for j in receivers:
            if backend.g1_mul_gen(sent[i][j]) != backend.g1_lincomb(commitments[i], pw[j]):
                bad.add((i, j))
    return bad


def _check_fault_spec(
    spec: Mapping[int, Iterable[int]], keys: Collection[int], values: Collection[int], what: str
) -> dict[int, frozenset[int]]:
    out = {}
    for k, raw in spec.items():
        vs = frozenset(raw)
        if k not in keys or not vs <= set(values):
            raise ValueError(f"{what} refers to unknown members: {k}: {sorted(vs)}")
        out[k] = vs
    return out


def run_sharing_round(
    secrets: Mapping[int, int | None],
    receivers: Sequence[int],
    t: int,
    rng: random.Random,
    backend: BLSBackend,
    *,
    expected_constant: Mapping[int, bytes] | None = None,
    corrupt: Mapping[int, Iterable[int]] | None = None,
    wrong_secret: Collection[int] = (),
    false_complaints: Mapping[int, Iterable[int]] | None = None,
) -> SharingRound:
    """Every dealer i Feldman-shares secrets[i] (None: a fresh random secret) among receivers.

    Faults for experiments: `corrupt[i]` lists receivers that dealer i sends a wrong share;
    dealers in `wrong_secret` consistently share secrets[i] + 1 (meaningful only for a given
    secret, and caught only because `expected_constant[i]` pins g1^{secrets[i]});
    `false_complaints[j]` lists dealers that receiver j accuses although its share was fine.
    A complaint is resolved publicly: the dealer reveals the share it sent and everyone re-runs
    the Feldman check on it.
    """
    if not 1 <= t <= len(receivers):
        raise ValueError(f"need 1 <= t <= number of receivers, got t={t}, n={len(receivers)}")
    dealers = sorted(secrets)
    corrupt_map = _check_fault_spec(corrupt or {}, dealers, receivers, "corrupt")
    accuse_map = _check_fault_spec(false_complaints or {}, receivers, dealers, "false_complaints")
    if not set(wrong_secret) <= set(dealers):
        raise ValueError("wrong_secret refers to unknown dealers")

    commitments: dict[int, tuple[bytes, ...]] = {}
    sent: dict[int, dict[int, int]] = {}
    for i in dealers:
        constant = secrets[i]
        if i in wrong_secret and constant is not None:
            constant += 1
        coeffs = random_polynomial(rng, t - 1, constant)
        commitments[i] = tuple(backend.g1_mul_gen(a) for a in coeffs)
        sent[i] = {j: evaluate(coeffs, j) for j in receivers}
        for j in corrupt_map.get(i, ()):
            sent[i][j] = (sent[i][j] + 1) % R

    complaints: list[Complaint] = []
    disqualified: set[int] = set()
    # Public checks first: anyone can see a malformed commitment vector or a wrong constant.
    for i in dealers:
        cs = commitments[i]
        if len(cs) != t or not all(backend.g1_is_valid(c) for c in cs):
            reason = "malformed commitments"
        elif expected_constant is not None and cs[0] != expected_constant[i]:
            reason = "constant-term commitment does not match the required value"
        else:
            continue
        complaints.append(Complaint(None, i, True, reason))
        disqualified.add(i)

    checked = {i: commitments[i] for i in dealers if i not in disqualified}
    bad = _find_bad_shares(checked, sent, receivers, rng, backend)
    accusations = bad | {(i, j) for j, ds in accuse_map.items() for i in ds if i in checked}
    for i, j in sorted(accusations):
        # The reveal: dealer i publishes the share it sent j; the check is now public.
        justified = not verify_share(commitments[i], j, sent[i][j], backend)
        reason = "revealed share fails the Feldman check" if justified else "revealed share valid"
        complaints.append(Complaint(j, i, justified, reason))
        if justified:
            disqualified.add(i)

    received = {j: {i: sent[i][j] for i in dealers} for j in receivers}
    return SharingRound(
        commitments=commitments,
        qualified=tuple(i for i in dealers if i not in disqualified),
        disqualified=tuple(sorted(disqualified)),
        complaints=tuple(complaints),
        received=received,
    )


def sum_commitments(
    vectors: Sequence[Sequence[bytes]], backend: BLSBackend
) -> tuple[bytes, ...]:
    """Coefficient-wise product of commitment vectors: commits to the sum of the polynomials."""
    width = len(vectors[0])
    return tuple(backend.g1_add([v[k] for v in vectors]) for k in range(width))


def validate_shares(
    key: CommitteeKey, shares: Mapping[int, SecretShare], *, require_all: bool
) -> None:
    """Rejects shares from another epoch, a non-member, or filed under the wrong index."""
    for i, share in shares.items():
        if i not in key.verification_keys or share.index != i:
            raise ValueError(f"share filed under {i} is not member {i}'s share of this key")
        if share.epoch != key.epoch:
            raise ValueError(
                f"share {i} is from epoch {share.epoch}, but the key is at epoch {key.epoch}"
            )
    missing = set(key.verification_keys) - set(shares)
    if require_all and missing:
        raise ValueError(f"missing shares for members {sorted(missing)}")


def run_dkg(
    n: int,
    t: int,
    rng: random.Random,
    *,
    backend: BLSBackend | str | None = None,
    corrupt: Mapping[int, Iterable[int]] | None = None,
    false_complaints: Mapping[int, Iterable[int]] | None = None,
) -> tuple[DKGResult, dict[int, SecretShare]]:
    """A t-of-n key where every member deals; the key is the sum over qualified dealers.

    Returns the public result and each member's secret share (members 1..n). Deterministic in
    `rng`; see `run_sharing_round` for the fault-injection parameters.
    """
    if not 1 <= t <= n:
        raise ValueError(f"need 1 <= t <= n, got t={t}, n={n}")
    be = resolve_backend(backend)
    members = list(range(1, n + 1))
    rnd = run_sharing_round(
        dict.fromkeys(members),
        members,
        t,
        rng,
        be,
        corrupt=corrupt,
        false_complaints=false_complaints,
    )
    if not rnd.qualified:
        raise DKGError("every dealer was disqualified")
    commitments = sum_commitments([rnd.commitments[i] for i in rnd.qualified], be)
    shares = {
        j: SecretShare(j, sum(rnd.received[j][i] for i in rnd.qualified) % R, epoch=0)
        for j in members
    }
    result = DKGResult(
        group_pk=commitments[0],
        t=t,
        n=n,
        epoch=0,
        commitments=commitments,
        verification_keys=verification_keys(commitments, members, be),
        qualified=rnd.qualified,
        disqualified=rnd.disqualified,
        complaints=rnd.complaints,
    )
    return result, shares
