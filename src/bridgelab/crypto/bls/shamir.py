"""Shamir secret sharing over Z_r (r = the BLS12-381 group order) and redacting secret holders.

Shares live at x = member index (1-based); Lagrange coefficients at 0 are memoised per index set.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

from bridgelab.core import memo
from bridgelab.crypto.bls.backend import CURVE_ORDER

R = CURVE_ORDER


class InsufficientSharesError(ValueError):
    """Fewer shares (or members) than the threshold needs."""


def random_scalar(rng: random.Random) -> int:
    """A uniform nonzero element of Z_r drawn only from `rng`, so runs replay from a seed.

    Rejection sampling on 255 bits avoids the bias that `getrandbits(256) % r` would have.
    """
    while True:
        k = rng.getrandbits(255)
        if 0 < k < R:
            return k


def random_polynomial(rng: random.Random, degree: int, constant: int | None = None) -> list[int]:
    """Coefficients a_0..a_degree of a random polynomial; a_0 = `constant` when given.

    The coefficients are secret: callers keep them local and publish only commitments.
    """
    if degree < 0:
        raise ValueError("degree must be >= 0")
    a0 = random_scalar(rng) if constant is None else constant % R
    return [a0] + [random_scalar(rng) for _ in range(degree)]


def evaluate(coeffs: Sequence[int], x: int) -> int:
    """f(x) mod r by Horner's rule."""
    acc = 0
    for a in reversed(coeffs):
        acc = (acc * x + a) % R
    return acc


def powers(x: int, count: int) -> list[int]:
    """[1, x, x^2, ..., x^(count-1)] mod r: the weights that evaluate commitments at x."""
    out = [1] * count
    for k in range(1, count):
        out[k] = out[k - 1] * x % R
    return out


def _check_index(i: int) -> None:
    if isinstance(i, bool) or not isinstance(i, int) or not 0 < i < R:
        raise ValueError(f"share index must be an int in [1, r), got {i!r}")


def share_polynomial(coeffs: Sequence[int], indices: Iterable[int]) -> dict[int, int]:
    """{i: f(i)} for each member index."""
    out = {}
    for i in indices:
        _check_index(i)
        out[i] = evaluate(coeffs, i)
    return out


def split_secret(secret: int, n: int, t: int, rng: random.Random) -> dict[int, int]:
    """A t-of-n sharing of `secret` at indices 1..n."""
    if not 1 <= t <= n:
        raise ValueError(f"need 1 <= t <= n, got t={t}, n={n}")
    return share_polynomial(random_polynomial(rng, t - 1, secret), range(1, n + 1))


@memo.pure("crypto/lagrange-at-zero", size=4_096)
def _lagrange_at_zero(indices: tuple[int, ...]) -> tuple[int, ...]:
    # Keyed on the sorted tuple so any ordering of the same set hits the cache.
    coeffs = []
    for i in indices:
        num, den = 1, 1
        for j in indices:
            if j != i:
                num = num * j % R
                den = den * (j - i) % R
        coeffs.append(num * pow(den, -1, R) % R)
    return tuple(coeffs)


def lagrange_coefficients(indices: Iterable[int]) -> dict[int, int]:
    """λ_i with f(0) = Σ λ_i f(i) for every polynomial of degree < len(indices)."""
    key = tuple(sorted(indices))
    if not key:
        raise InsufficientSharesError("need at least one index")
    for i in key:
        _check_index(i)
    if len(set(key)) != len(key):
        raise ValueError("duplicate share index")
    return dict(zip(key, _lagrange_at_zero(key), strict=True))


def interpolate_at_zero(shares: Mapping[int, int]) -> int:
    """f(0) from points {i: f(i)}; exact when f has degree < len(shares)."""
    lam = lagrange_coefficients(shares)
    return sum(lam[i] * v for i, v in shares.items()) % R


class _SecretScalar:
    """An element of Z_r that never appears in repr/str, so logs cannot leak it."""

    __slots__ = ("_value",)

    def __init__(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < R:
            raise ValueError("secret must be an int in [0, r)")
        self._value = value

    @property
    def value(self) -> int:
        """The secret itself, for the holder's own signing or dealing."""
        return self._value

    def _public_fields(self) -> str:
        return ""

    def __repr__(self) -> str:
        fields = self._public_fields()
        return f"{type(self).__name__}({fields}{', ' if fields else ''}<redacted>)"

    __str__ = __repr__


class SecretKey(_SecretScalar):
    """A single BLS secret key in [1, r)."""

    __slots__ = ()

    def __init__(self, value: int) -> None:
        super().__init__(value)
        if value == 0:
            raise ValueError("secret key must be nonzero")

    @classmethod
    def generate(cls, rng: random.Random) -> SecretKey:
        """A fresh key drawn only from `rng`."""
        return cls(random_scalar(rng))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretKey) and other._value == self._value

    __hash__ = None  # type: ignore[assignment]  # secrets do not belong in sets or dict keys


class SecretShare(_SecretScalar):
    """Member `index`'s Shamir share of the group key, valid for one `epoch` only.

    Refresh and reshare bump the epoch, which lets `combine` refuse mixed-epoch partial sets.
    """

    __slots__ = ("_epoch", "_index")

    def __init__(self, index: int, value: int, epoch: int = 0) -> None:
        _check_index(index)
        if epoch < 0:
            raise ValueError("epoch must be >= 0")
        super().__init__(value)
        self._index = index
        self._epoch = epoch

    @property
    def index(self) -> int:
        return self._index

    @property
    def epoch(self) -> int:
        return self._epoch

    def _public_fields(self) -> str:
        return f"index={self._index}, epoch={self._epoch}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretShare):
            return False
        return (other._index, other._epoch, other._value) == (self._index, self._epoch, self._value)

    __hash__ = None  # type: ignore[assignment]
