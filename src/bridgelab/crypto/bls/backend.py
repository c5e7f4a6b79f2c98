"""BLS12-381 operations behind one bytes-in/bytes-out interface, with two implementations.

py_ecc is the slow pure-Python reference; py_arkworks_bls12381 is the default; blst
(`backend_blst.py`) is the fastest. Callers see
only compressed points (bytes) and ints mod r, so the two are interchangeable and cross-checkable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from bridgelab.core import memo

CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
G1_BYTES = 48
G2_BYTES = 96
# Compressed encodings of the points at infinity: compression and infinity flags, all else zero.
G1_IDENTITY = bytes([0xC0]) + bytes(G1_BYTES - 1)
G2_IDENTITY = bytes([0xC0]) + bytes(G2_BYTES - 1)

DEFAULT_BACKEND = "arkworks"

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


class ArkworksBackend(BLSBackend):
    """Fast backend on py_arkworks_bls12381 (Rust); the default for simulations.

    Points we compute ourselves are put straight into the decode cache: they are valid by
    construction, so re-reading them later skips the costly subgroup check.
    """

    name: ClassVar[str] = "arkworks"

    _GEN1 = G1Point()
    _NEG_GEN1 = -G1Point()
    _gen_table: ClassVar[list[list[G1Point]] | None] = None

    @classmethod
    def _generator_table(cls) -> list[list[G1Point]]:
        # table[w][b] = g1 * (b << 8w): 32 x 256 points, built once in ~10 ms.
        if cls._gen_table is None:
            table, base = [], cls._GEN1
            for _ in range(32):
                row, acc = [G1Point.identity()], G1Point.identity()
                for _ in range(255):
                    acc = acc + base
                    row.append(acc)
                table.append(row)
                base = acc + base
            cls._gen_table = table
        return cls._gen_table

    def _mul_gen(self, k: int) -> G1Point:
        # Fixed-base comb: at most 32 additions instead of a full scalar multiplication, ~6x
        # faster; DKG dealing is dominated by g1^a. Not constant-time, which a simulator can afford.
        total = G1Point.identity()
        digits = (k % CURVE_ORDER).to_bytes(32, "little")
        for row, byte in zip(self._generator_table(), digits, strict=True):
            if byte:
                total = total + row[byte]
        return total

    @staticmethod
    def _scalar(k: int) -> Scalar:
        # from_le_bytes is ~20x cheaper than Scalar(int) for 255-bit values.
        return Scalar.from_le_bytes((k % CURVE_ORDER).to_bytes(32, "little"))

    @classmethod
    def _signed_terms(
        cls, decoded: list[Any], scalars: Sequence[int]
    ) -> tuple[list[Any], list[Scalar]]:
        # k and -(r - k) are the same scalar mod r; the multiexp's cost follows the scalars'
        # bit length, and Lagrange coefficients at zero are small integers of either sign, so
        # negating the point and using r - k when that is shorter makes them short.
        points, short = [], []
        for point, k in zip(decoded, scalars, strict=True):
            k %= CURVE_ORDER
            if CURVE_ORDER - k < k:
                points.append(-point)
                short.append(cls._scalar(CURVE_ORDER - k))
            else:
                points.append(point)
                short.append(cls._scalar(k))
        return points, short

    def _encode_g1(self, point: G1Point) -> bytes:
        data = point.to_compressed_bytes()
        self._g1_cache.put(data, point)
        return data

    def _encode_g2(self, point: G2Point) -> bytes:
        data = point.to_compressed_bytes()
        self._g2_cache.put(data, point)
        return data

    def _decode_g1(self, data: bytes) -> G1Point:
        point = G1Point.from_compressed_bytes(data)
        # arkworks accepts some non-canonical infinity encodings (e.g. all 0xff); py_ecc does
        # not, so demand a byte-exact round trip to keep the backends in agreement.
        if point.to_compressed_bytes() != data:
            raise InvalidPointError("non-canonical G1 encoding")
        return point

    def _decode_g2(self, data: bytes) -> G2Point:
        point = G2Point.from_compressed_bytes(data)
        if point.to_compressed_bytes() != data:
            raise InvalidPointError("non-canonical G2 encoding")
        return point

    def _hash(self, msg: bytes) -> G2Point:
        point: G2Point | None = self._hash_cache.get(msg)
        if point is None:
            # Argument order is (msg, dst): checked against py_ecc's hash_to_G2 in the tests.
            point = G2Point.hash_to_curve(msg, DST)
            self._hash_cache.put(msg, point)
        return point

    def sk_to_pk(self, sk: int) -> bytes:
        return self._encode_g1(self._mul_gen(_check_sk(sk)))

    def sign(self, sk: int, msg: bytes) -> bytes:
        if not isinstance(msg, bytes):
            raise TypeError("message must be bytes")
        return self._encode_g2(self._hash(msg) * self._scalar(_check_sk(sk)))

    # Memoised: the relayer's optimistic check, the custody and the contracts verify the same
    # combined signature.
    @memo.pure("crypto/bls-verify/arkworks")
    def verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        if not isinstance(msg, bytes):
            return False
        try:
            pk_point = self._g1(pk)
            sig_point = self._g2(sig)
        except InvalidPointError:
            return False
        if pk_point == G1Point.identity():  # KeyValidate: the identity key verifies everything
            return False
        return GT.pairing_check([pk_point, self._NEG_GEN1], [self._hash(msg), sig_point])

    def hash_to_g2(self, msg: bytes) -> bytes:
        return self._encode_g2(self._hash(msg))

    def g1_mul_gen(self, k: int) -> bytes:
        return self._encode_g1(self._mul_gen(k))

    def g1_generator(self) -> bytes:
        # Without building the comb table, which a run without BLS keys never needs.
        return self._encode_g1(self._GEN1)

    def g1_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        if not points:
            return G1_IDENTITY
        decoded, short = self._signed_terms([self._g1(p) for p in points], scalars)
        # "unchecked" only skips subgroup checks, which _g1 has already done.
        return self._encode_g1(G1Point.multiexp_unchecked(decoded, short))

    def g1_add(self, points: Sequence[bytes]) -> bytes:
        total = G1Point.identity()
        for p in points:
            total = total + self._g1(p)
        return self._encode_g1(total)

    def g2_lincomb(self, points: Sequence[bytes], scalars: Sequence[int]) -> bytes:
        _check_lengths(points, scalars)
        if not points:
            return G2_IDENTITY
        decoded, short = self._signed_terms([self._g2(p) for p in points], scalars)
        return self._encode_g2(G2Point.multiexp_unchecked(decoded, short))

    def pairing_check(self, pairs: Sequence[tuple[bytes, bytes]]) -> bool:
        try:
            g1s = [self._g1(a) for a, _ in pairs]
            g2s = [self._g2(b) for _, b in pairs]
        except InvalidPointError:
            return False
        return GT.pairing_check(g1s, g2s)


def _pyecc_type() -> type[BLSBackend]:
    # py_ecc takes a third of a second to import: only runs that ask for it pay.
    from bridgelab.crypto.bls.backend_pyecc import PyEccBackend

    return PyEccBackend


def _symbolic_type() -> type[BLSBackend]:
    # NOT cryptography: the model-internal stand-in of `crypto/symbolic.py`, used only when a
    # scenario asks for `[committee] signatures = "symbolic"`.
    from bridgelab.crypto.symbolic import SymbolicBackend

    return SymbolicBackend


def _blst_type() -> type[BLSBackend]:
    from bridgelab.crypto.bls.backend_blst import BlstBackend

    return BlstBackend


_BACKEND_TYPES: dict[str, Callable[[], type[BLSBackend]]] = {
    "blst": _blst_type,
    "arkworks": lambda: ArkworksBackend,
    "py-ecc": _pyecc_type,
}
# Accepted by `get_backend` but not a real backend, so not in `available_backends()`.
_MODEL_BACKEND_TYPES: dict[str, Callable[[], type[BLSBackend]]] = {"symbolic": _symbolic_type}
_INSTANCES: dict[str, BLSBackend] = {}


def available_backends() -> tuple[str, ...]:
    """Names accepted by `get_backend`, fastest first."""
    return tuple(_BACKEND_TYPES)


def __getattr__(name: str) -> Any:
    if name == "PyEccBackend":
        return _pyecc_type()
    raise AttributeError(name)


def get_backend(name: str = DEFAULT_BACKEND) -> BLSBackend:
    """The shared backend instance for `name` ("blst", "arkworks" or "py-ecc"; or "symbolic").

    One instance per name so that its decode caches are shared across a run.
    """
    kind = _BACKEND_TYPES.get(name) or _MODEL_BACKEND_TYPES.get(name)
    if kind is None:
        raise ValueError(f"unknown BLS backend {name!r}; choose from {available_backends()}")
    backend = _INSTANCES.get(name)
    if backend is None:
        backend = _INSTANCES[name] = kind()()
    return backend


def resolve_backend(backend: BLSBackend | str | None) -> BLSBackend:
    """Accepts an instance, a name, or None (the fast default)."""
    if backend is None:
        return get_backend()
    if isinstance(backend, str):
        return get_backend(backend)
    return backend
