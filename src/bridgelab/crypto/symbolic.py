"""Symbolic signatures: a model-internal stand-in for every signature scheme, for large sweeps.

THIS IS NOT CRYPTOGRAPHY. A symbolic signature is a public tag (a hash of who signed and what)
that anyone could compute. It is "unforgeable" only because no code in the model ever builds a
tag except through a signer object holding that key: the adversary's attacks sign with the
keys and shares they hold, exactly as in a real run, and never fabricate tags. A scenario opts
in with `[committee] signatures = "symbolic"` (or `bridgelab run --signatures symbolic`); the
default is real cryptography, and nothing ever switches to symbolic on its own.

What stays real, so that a symbolic run is the real run with other signature bytes:

- keys, addresses and public keys: secp256k1 addresses, Ed25519 public keys, and every BLS12-381
  G1 point (group keys, verification keys, DKG commitments) are byte-identical to the real run;
- randomness: signing draws nothing in either mode (RFC 6979, Ed25519 and BLS are
  deterministic), and the DKG draws the same values because its G1 arithmetic is real;
- lengths: 65-byte ECDSA, 64-byte Ed25519 and 96-byte BLS signatures, so calldata and gas match.

What is symbolic, and how each can never pass a real verifier (nor a real signature a symbolic
verifier):

- ECDSA (`SymbolicEcdsaSigner`, `symbolic_ecrecover`): r = 0xff.. (r >= n) and v = 0, which
  `ecrecover` refuses, then the signer's 20-byte address and a SHA-256 tag over (domain,
  address, digest).
- Ed25519 (`SymbolicEd25519Signer`, `symbolic_ed25519_verify`): a sha256 tag over (domain,
  public key, message), then a marker whose last byte makes S >= 2^255 > L, which Ed25519
  verification refuses.
- BLS (`symbolic_bls.SymbolicBackend`, the BLS backend "symbolic"): a generic-group model. G1
  stays real (every G1 operation is delegated to the arkworks backend) and the backend records
  the discrete log of each G1 point it produces; a G2 element is its exponent over a notional
  generator, encoded as a marker without the compression flag every real compressed point has,
  then the exponent mod r. H(m) is a sha256-derived exponent, a signature sk * H(m), and a
  pairing product is checked as sum dlog(g1_i) * exp(g2_i) == 0 mod r. Every algebraic
  identity of BLS holds exactly, so DKG, refresh, resharing, Lagrange combination, stolen
  shares and shares from mixed epochs give the same outcomes as real BLS.

Besides the memos of pure functions of bytes (`recover_signer` for both kinds of ECDSA
signatures, symbolic Ed25519 signatures; see `core/memo.py`), the dlog registry is the one piece
of state that outlives a call. `reset()`
gives the current thread of execution a fresh one at the start of each symbolic run
(`runner.build`), so nothing carries over from run to run, and runs in concurrent threads (a
multi-threaded Dask worker) never share or clear each other's; it is bounded by `MAX_DLOGS`.
The model's symbolic BLS answers read the registry, so they are not pure functions of their
bytes and are never memoised. Discrete logs are a function of the point, so the registry can
only ever say "known, and this is it" or "unknown" (which verifies nothing): every key a run
verifies against comes out of that run's own DKG. The checker reads no registry: it checks a
symbolic signature as pk == (s / h) * g1 in the real G1 (`checker/policy.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial

from bridgelab.core import memo
from bridgelab.crypto import ed25519 as ed25519_module
from bridgelab.crypto.ed25519 import Ed25519Signer
from bridgelab.crypto.secp256k1 import EcdsaSigner, ecrecover

# Symbolic BLS lives in its own module; these names are read from here too.
from bridgelab.crypto.symbolic_bls import BACKEND_NAME as BACKEND_NAME
from bridgelab.crypto.symbolic_bls import SymbolicBackend as SymbolicBackend
from bridgelab.crypto.symbolic_bls import reset as reset
from bridgelab.crypto.symbolic_bls import symbolic_backend as symbolic_backend

SIGNATURE_MODES: tuple[str, ...] = ("real", "symbolic")
SYMBOLIC = "symbolic"

# -- secp256k1 ECDSA --------------------------------------------------------------------------

ECDSA_DOMAIN = b"bridgelab/symbolic-ecdsa/v1"
# r = 0xff * 16 || address[:16] is above the curve order n (whose 16th byte is 0xfe), and
# v = 0 is not 27 or 28: `secp256k1.ecrecover` refuses both, whatever follows.
_ECDSA_MARKER = b"\xff" * 16
_ADDRESS_BYTES = 20
_ECDSA_TAG_BYTES = 65 - len(_ECDSA_MARKER) - _ADDRESS_BYTES - 1
_ECDSA_V = 0
_ECDSA_V_BYTE = bytes([_ECDSA_V])


def _ecdsa_tag(tag_prefix: bytes, digest: bytes) -> bytes:
    """The tag of a signature over `digest` by the address in `tag_prefix` (`ECDSA_DOMAIN`
    and the address: a signer keeps its own, as it signs every batch it endorses)."""
    # SHA-256 rather than keccak: the tag is a stand-in, and hashlib's is several times faster.
    return hashlib.sha256(tag_prefix + digest).digest()[:_ECDSA_TAG_BYTES]


class SymbolicEcdsaSigner:
    """`EcdsaSigner`'s interface with the real address and a symbolic 65-byte signature."""

    __slots__ = ("_raw_address", "_signature_prefix", "_tag_prefix", "address")

    def __init__(self, secret: bytes) -> None:
        # One real scalar multiplication derives the real address; the key is then dropped.
        self.address = EcdsaSigner(secret).address
        self._raw_address = bytes.fromhex(self.address[2:])
        self._signature_prefix = _ECDSA_MARKER + self._raw_address
        self._tag_prefix = ECDSA_DOMAIN + self._raw_address

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError("digest must be 32 bytes")
        signature = (
            self._signature_prefix + _ecdsa_tag(self._tag_prefix, digest) + _ECDSA_V_BYTE
        )
        assert len(signature) == 65
        return signature

    def __repr__(self) -> str:
        return f"SymbolicEcdsaSigner(address={self.address})"


# Where a symbolic ECDSA signature keeps the signer's address, and then its tag.
_ADDRESS_AT = slice(len(_ECDSA_MARKER), len(_ECDSA_MARKER) + _ADDRESS_BYTES)
_TAG_AT = slice(len(_ECDSA_MARKER) + _ADDRESS_BYTES, 64)


def symbolic_ecrecover(digest: bytes, signature: bytes) -> str | None:
    """The signer's address for a well-formed symbolic signature over `digest`, else None.

    Memoised with the real one (`recover_signer`). The tag is compared plainly: a symbolic
    signature is public by design, so there is no timing to hide."""
    if len(signature) != 65 or len(digest) != 32 or signature[64] != _ECDSA_V:
        return None
    if not signature.startswith(_ECDSA_MARKER):
        return None
    address = signature[_ADDRESS_AT]
    if signature[_TAG_AT] != _ecdsa_tag(ECDSA_DOMAIN + address, digest):
        return None
    return "0x" + address.hex()


# -- Ed25519 ----------------------------------------------------------------------------------

ED25519_DOMAIN = b"bridgelab/symbolic-ed25519/v1"
# The second half of an Ed25519 signature is S, little-endian, which must be below the group
# order L < 2^253: a last byte of 0xff makes S >= 2^255, which every verifier refuses.
_ED25519_MARKER = b"bridgelab/symbolic-ed25519".ljust(31, b"\x00") + b"\xff"


# A signature is a pure function of its inputs, and every vote is checked soon after it is
# made: the signer and the verifiers share one hash.
@memo.pure("crypto/symbolic-ed25519-signature", size=4_096)
def ed25519_signature(public_key: bytes, message: bytes) -> bytes:
    """The symbolic signature of `public_key`'s signer over `message`: its tag, then the
    marker."""
    tag = hashlib.sha256(ED25519_DOMAIN + public_key + message).digest()
    return tag + _ED25519_MARKER


class SymbolicEd25519Signer:
    """`Ed25519Signer`'s interface with the real public key and a symbolic 64-byte signature."""

    __slots__ = ("public_key",)

    def __init__(self, seed: bytes) -> None:
        self.public_key = Ed25519Signer(seed).public_key

    def sign(self, message: bytes) -> bytes:
        return ed25519_signature(self.public_key, message)

    def __repr__(self) -> str:
        return f"SymbolicEd25519Signer(public_key={self.public_key.hex()})"


def symbolic_ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True only for the symbolic signature of `public_key`'s signer over `message`.

    A plain comparison: a symbolic signature is public by design, so there is no timing to
    hide."""
    return signature == ed25519_signature(public_key, message)


# -- choosing by mode -------------------------------------------------------------------------


def check_mode(signatures: str) -> bool:
    """Whether `signatures` names symbolic mode; anything but the two modes is a bug."""
    assert signatures in SIGNATURE_MODES, f"unknown signature mode {signatures!r}"
    return signatures == SYMBOLIC


EcdsaSigning = EcdsaSigner | SymbolicEcdsaSigner
Ed25519Signing = Ed25519Signer | SymbolicEd25519Signer


def make_ecdsa_signer(secret: bytes, signatures: str) -> EcdsaSigning:
    """A secp256k1 signer of the run's mode; the same secret gives the same address in both."""
    return SymbolicEcdsaSigner(secret) if check_mode(signatures) else EcdsaSigner(secret)


def make_ed25519_signer(seed: bytes, signatures: str) -> Ed25519Signing:
    """An Ed25519 signer of the run's mode; the same seed gives the same public key in both."""
    return SymbolicEd25519Signer(seed) if check_mode(signatures) else Ed25519Signer(seed)


# One memo for both kinds of signatures: the relayer, the contracts and the custody recover
# the same signatures.
@memo.pure("crypto/ecrecover")
def recover_signer(signatures: str, digest: bytes, signature: bytes) -> str | None:
    """`ecrecover` in real runs, `symbolic_ecrecover` in symbolic ones: never both."""
    if check_mode(signatures):
        return symbolic_ecrecover(digest, signature)
    return ecrecover(digest, signature)


def ecrecover_for(signatures: str) -> Callable[[bytes, bytes], str | None]:
    """`recover_signer` for the run's kind of signatures."""
    check_mode(signatures)
    return partial(recover_signer, signatures)


def ed25519_verify_for(signatures: str) -> Callable[[bytes, bytes, bytes], bool]:
    """Ed25519 verification of the run's kind: real signatures only, or symbolic ones only."""
    return symbolic_ed25519_verify if check_mode(signatures) else ed25519_module.verify


def bls_backend_for(signatures: str, backend: str) -> str:
    """The BLS backend name to use: the scenario's in real runs, "symbolic" in symbolic ones."""
    return BACKEND_NAME if check_mode(signatures) else backend
