"""The BLS12-381 interface every backend implements: bytes in, bytes out.

Callers see only compressed points (bytes) and ints mod r, so backends are
interchangeable and cross-checkable. Decoded points are cached per backend (`_LRU`):
decoding is a pure function of the bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
G1_BYTES = 48
G2_BYTES = 96
# Compressed encodings of the points at infinity: compression and infinity flags, all else zero.
G1_IDENTITY = bytes([0xC0]) + bytes(G1_BYTES - 1)
G2_IDENTITY = bytes([0xC0]) + bytes(G2_BYTES - 1)

P = TypeVar("P")


class InvalidPointError(ValueError):
    """Bytes that are not the canonical compressed encoding of a prime-order-subgroup point.

    Raised by the arithmetic helpers; `verify` turns every such failure into False instead.
    """


class _LRU(Generic[P]):
    """A bounded bytes -> decoded-point map, so hot points skip decompression and subgroup checks.

    Caching is safe because decoding is a pure function of the bytes; we only store successes.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._data: OrderedDict[bytes, P] = OrderedDict()

    def get(self, key: bytes) -> P | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: bytes, value: P) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()


def _check_sk(sk: int) -> int:
    # Same rule as py_ecc's _is_valid_privkey, so both backends reject identical inputs.
    if isinstance(sk, bool) or not isinstance(sk, int) or not 0 < sk < CURVE_ORDER:
        raise ValueError("secret key must be an int in [1, r)")
    return sk


def _check_lengths(points: Sequence[bytes], scalars: Sequence[int]) -> None:
    if len(points) != len(scalars):
        raise ValueError(f"{len(points)} points but {len(scalars)} scalars")


class BLSBackend(ABC):
    """The curve operations bridgelab needs: keys, sign/verify, and group arithmetic on bytes.

    Points are compressed (G1: 48 bytes, G2: 96 bytes); scalars are ints reduced mod r.
    """

    name: ClassVar[str]

    def __init__(self, cache_size: int = 16384) -> None:
        # Values are library point objects (arkworks or py_ecc), hence Any.
        self._g1_cache = _LRU[Any](cache_size)
        self._g2_cache = _LRU[Any](cache_size)
        # Every member of a committee signs the same message, so H(msg) is worth remembering.
        self._hash_cache = _LRU[Any](256)

    # Backends of one name are interchangeable (each answer is a function of the bytes alone),
    # so memo keys that hold a backend compare it by name.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.name == self.name  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.name)

    def clear_caches(self) -> None:
        """Forget decoded points, e.g. so a benchmark pays for decoding as a fresh node would."""
        self._g1_cache.clear()
        self._g2_cache.clear()
        self._hash_cache.clear()

    # -- signatures -------------------------------------------------------------------------

    @abstractmethod
    def sk_to_pk(self, sk: int) -> bytes:
        """The G1 public key g1^sk for a secret key in [1, r)."""

    @abstractmethod
    def sign(self, sk: int, msg: bytes) -> bytes:
        """H(msg)^sk in G2 under the proof-of-possession DST."""

    @abstractmethod
    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        """Checks e(pk, H(msg)) == e(g1, sig); any malformed input gives False, never an error."""

    @abstractmethod
    def hash_to_g2(self, msg: bytes) -> bytes:
        """The hash-to-curve point H(msg) that signatures are built on."""

    # -- group arithmetic -------------------------------------------------------------------

    @abstractmethod
    def g1_mul_gen(self, k: int) -> bytes:
        """g1^k; k = 0 mod r gives the identity encoding."""

    def g1_generator(self) -> bytes:
        """g1 itself."""
        return self.g1_mul_gen(1)

    @abstractmethod
    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        """Sum of points[i]^scalars[i] in G1 (the empty sum is the identity)."""

    @abstractmethod
    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        """Sum of points[i]^scalars[i] in G2, e.g. Lagrange-combining partial signatures."""

    @abstractmethod
    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        """True iff the product of e(g1_i, g2_i) over (G1, G2) pairs is one; bad input -> False."""

    @abstractmethod
    def _decode_g1(self, data: bytes) -> Any:
        """Uncached decode with full validation; raises on any problem."""

    @abstractmethod
    def _decode_g2(self, data: bytes) -> Any:
        """Uncached decode with full validation; raises on any problem."""

    def g1_add(self, points: Sequence[bytes]) -> bytes:
        """Sum of G1 points (the empty sum is the identity)."""
        return self.g1_lincomb(points, [1] * len(points))

    def g1_is_valid(self, data: bytes) -> bool:
        """Whether `data` canonically encodes a point of the order-r subgroup of G1."""
        try:
            self._g1(data)
        except InvalidPointError:
            return False
        return True

    def g2_is_valid(self, data: bytes) -> bool:
        """Whether `data` canonically encodes a point of the order-r subgroup of G2."""
        try:
            self._g2(data)
        except InvalidPointError:
            return False
        return True

    def _g1(self, data: bytes) -> Any:
        return self._cached(self._g1_cache, self._decode_g1, data, G1_BYTES)

    def _g2(self, data: bytes) -> Any:
        return self._cached(self._g2_cache, self._decode_g2, data, G2_BYTES)

    @staticmethod
    def _cached(
        cache: _LRU[Any], decode: Callable[[bytes], Any], data: bytes, size: int
    ) -> Any:
        if not isinstance(data, bytes) or len(data) != size:
            raise InvalidPointError(f"expected {size} bytes")
        point = cache.get(data)
        if point is None:
            try:
                point = decode(data)
            except (ValueError, TypeError, AssertionError, ArithmeticError) as exc:
                # InvalidPointError is a ValueError; wrap library errors into it as well.
                raise InvalidPointError(str(exc)) from exc
            cache.put(data, point)
        return point

