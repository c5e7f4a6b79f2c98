"""Symbolic BLS12-381: the generic-group stand-in for BLS signatures (see `symbolic.py`).

THIS IS NOT CRYPTOGRAPHY. G1 stays real (every G1 operation is delegated to the arkworks
backend) and the backend records the discrete log of each G1 point it produces; a G2 element
is its exponent over a notional generator, encoded as a marker without the compression flag
every real compressed point has, then the exponent mod r. H(m) is a sha256-derived exponent,
a signature sk * H(m), and a pairing product is checked as sum dlog(g1_i) * exp(g2_i) == 0
mod r. The dlog registry is the one piece of state that outlives a call: `reset()` gives the
current thread of execution a fresh one at the start of each symbolic run.

A signature can be checked with no discrete log at all: e(pk, H(m)) == e(g1, sig) holds
exactly when pk == (s / h) * g1 in the real G1, s and h the exponents of the signature and of
H(m). That is slower (a multiplication of the generator) but a pure function of the bytes; the
checker verifies that way (`checker/policy.py`), so it never reads the model's registry.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from contextvars import ContextVar
from typing import ClassVar

from bridgelab.crypto.bls.backend import (
    CURVE_ORDER as R,
)
from bridgelab.crypto.bls.backend import (
    DST,
    G1_IDENTITY,
    G2_BYTES,
    BLSBackend,
    InvalidPointError,
    _check_lengths,
    _check_sk,
    get_backend,
)

# The name the symbolic backend is registered under.
BACKEND_NAME = "symbolic"

# A G2 element: this 64-byte marker, then the exponent (32 bytes, big-endian, below r). Its
# first byte lacks the compression flag (0x80) that every real compressed point carries.
_G2_MARKER = b"bridgelab/symbolic-bls-g2/v1".ljust(G2_BYTES - 32, b"\x00")
assert not _G2_MARKER[0] & 0x80
# Most discrete logs one registry keeps. A dealing round (DKG, refresh or reshare) of the
# model's custody creates n*t + n + t + 2 points (about 1.0e6 at the schema's largest
# committee, n = t = 1,000; only the fault-injection arguments of crypto/bls, which no scenario
# reaches, add complaint checks), and every point a later operation reads was created or read
# during the latest round, so a least-recently-used window of twice that never drops a live
# point. Evicting one could only make a signature fail to verify, never pass.
MAX_DLOGS = 1 << 21


def _encode_g2(exponent: int) -> bytes:
    return _G2_MARKER + (exponent % R).to_bytes(32, "big")


def g2_exponent(data: bytes) -> int:
    """The exponent of a symbolic G2 element; InvalidPointError for anything else."""
    if not isinstance(data, bytes) or len(data) != G2_BYTES:
        raise InvalidPointError(f"expected {G2_BYTES} bytes")
    if not data.startswith(_G2_MARKER):
        raise InvalidPointError("not a symbolic G2 element")
    exponent = int.from_bytes(data[len(_G2_MARKER) :], "big")
    if exponent >= R:
        raise InvalidPointError("non-canonical symbolic G2 exponent")
    return exponent


def hash_exponent(msg: bytes) -> int:
    """H(m) as its exponent over the notional G2 generator."""
    return int.from_bytes(hashlib.sha256(DST + msg).digest(), "big") % R


class DlogRegistry:
    """G1 point bytes -> its discrete log, least recently used first, at most MAX_DLOGS."""

    __slots__ = ("_dlogs",)

    def __init__(self, generator: bytes) -> None:
        self._dlogs: OrderedDict[bytes, int] = OrderedDict()
        self.learn(G1_IDENTITY, 0)
        self.learn(generator, 1)

    def __len__(self) -> int:
        return len(self._dlogs)

    def learn(self, point: bytes, dlog: int) -> bytes:
        dlogs = self._dlogs
        dlogs[point] = dlog % R
        dlogs.move_to_end(point)
        while len(dlogs) > MAX_DLOGS:
            dlogs.popitem(last=False)
        assert len(dlogs) <= MAX_DLOGS
        return point

    def get(self, point: bytes) -> int | None:
        dlog = self._dlogs.get(point)
        if dlog is not None:
            self._dlogs.move_to_end(point)
        return dlog


# The registry of the run executing in this thread; outside any run, the backend's own.
_RUN_REGISTRY: ContextVar[DlogRegistry | None] = ContextVar(
    "bridgelab_symbolic_dlogs", default=None
)


class SymbolicBackend(BLSBackend):
    """BLS in the generic-group model: real G1 bytes, symbolic G2, exact algebra. Not crypto."""

    name: ClassVar[str] = BACKEND_NAME

    def __init__(self) -> None:
        super().__init__(cache_size=1)
        self._group = get_backend("arkworks")
        self._generator = self._group.g1_generator()
        self._outside_runs = DlogRegistry(self._generator)

    def reset(self) -> None:
        """A fresh registry (the identity's and the generator's logs only) for this thread's
        run; the previous run's is dropped."""
        _RUN_REGISTRY.set(DlogRegistry(self._generator))

    def _registry(self) -> DlogRegistry:
        registry = _RUN_REGISTRY.get()
        return self._outside_runs if registry is None else registry

    @property
    def known_points(self) -> int:
        return len(self._registry())

    def _learn(self, point: bytes, dlog: int) -> bytes:
        return self._registry().learn(point, dlog)

    def _dlog(self, point: bytes) -> int | None:
        return self._registry().get(point)

    def _combine_dlogs(self, points: Sequence[bytes], scalars: Sequence[int]) -> int | None:
        registry = self._registry()
        total = 0
        for point, scalar in zip(points, scalars, strict=True):
            dlog = registry.get(point)
            if dlog is None:
                return None
            total += scalar * dlog
        return total % R

    # -- signatures -------------------------------------------------------------------------

    def sk_to_pk(self, sk: int) -> bytes:
        return self._learn(self._group.sk_to_pk(sk), sk)

    def sign(self, sk: int, msg: bytes) -> bytes:
        if not isinstance(msg, bytes):
            raise TypeError("message must be bytes")
        return _encode_g2(_check_sk(sk) * hash_exponent(msg))

    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        if not isinstance(msg, bytes) or not isinstance(pk, bytes):
            return False
        dlog = self._dlog(pk)
        if not dlog:  # unknown (never produced here) or the identity (KeyValidate)
            return False
        try:
            exponent = g2_exponent(sig)
        except InvalidPointError:
            return False
        return exponent == dlog * hash_exponent(msg) % R

    def hash_to_g2(self, msg: bytes) -> bytes:
        return _encode_g2(hash_exponent(msg))

    # -- group arithmetic -------------------------------------------------------------------

    def g1_mul_gen(self, k: int) -> bytes:
        return self._learn(self._group.g1_mul_gen(k), k)

    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        result = self._group.g1_lincomb(points, scalars)
        dlog = self._combine_dlogs(points, scalars)
        return result if dlog is None else self._learn(result, dlog)

    def g1_add(self, points: Sequence[bytes]) -> bytes:
        result = self._group.g1_add(points)
        dlog = self._combine_dlogs(points, [1] * len(points))
        return result if dlog is None else self._learn(result, dlog)

    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        exponents = [g2_exponent(point) for point in points]
        return _encode_g2(sum(k * e for k, e in zip(scalars, exponents, strict=True)))

    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        total = 0
        for g1, g2 in pairs:
            if not self._group.g1_is_valid(g1):
                return False
            try:
                exponent = g2_exponent(g2)
            except InvalidPointError:
                return False
            if exponent == 0:
                continue
            dlog = self._dlog(g1)
            if dlog is None:
                return False  # cannot be evaluated: refuse, as for any unknown key
            total += dlog * exponent
        return total % R == 0

    def g1_is_valid(self, data: bytes) -> bool:
        return self._group.g1_is_valid(data)

    def g2_is_valid(self, data: bytes) -> bool:
        try:
            g2_exponent(data)
        except InvalidPointError:
            return False
        return True

    def _decode_g1(self, data: bytes) -> object:
        return self._group._g1(data)

    def _decode_g2(self, data: bytes) -> object:
        return g2_exponent(data)


def symbolic_backend() -> SymbolicBackend:
    backend = get_backend(BACKEND_NAME)
    assert isinstance(backend, SymbolicBackend)
    return backend


def reset() -> None:
    """Start a symbolic run afresh: forget the discrete logs an earlier run recorded."""
    symbolic_backend().reset()
