"""Merkle proofs and Ethereum-style ECDSA: the building blocks the verifiers rely on."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto import hashing, merkle
from bridgelab.crypto.hashing import keccak256
from bridgelab.crypto.secp256k1 import CURVE_ORDER, EcdsaSigner, ecrecover

leaves = st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=33)


@given(leaves, st.data())
def test_every_leaf_proves_and_a_changed_leaf_does_not(items, data):
    index = data.draw(st.integers(0, len(items) - 1))
    root = merkle.root(items)
    proof = merkle.prove(items, index)
    assert merkle.verify(root, items[index], proof)
    assert not merkle.verify(root, items[index] + b"x", proof)
    if len(items) > 1:
        other = (index + 1) % len(items)
        if items[other] != items[index]:
            assert not merkle.verify(root, items[other], proof)


# Digests from an independent Keccak implementation (pycryptodome), across the 136-byte rate.
KECCAK_VECTORS = {
    b"": "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    b"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    bytes(range(136)): "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e",
    bytes(range(256)) * 2: "f55ba327291604f0e5be6651752398b7be2331aad65f5763ce067df95cc13be1",
}


@pytest.mark.parametrize("data", list(KECCAK_VECTORS), ids=lambda d: f"{len(d)}-bytes")
def test_keccak256_known_vectors(data):
    assert keccak256(data).hex() == KECCAK_VECTORS[data]


def test_keccak256_is_keccak_not_nist_sha3():
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()


fields = st.one_of(
    st.booleans(),
    st.integers(0, 2**256 - 1),
    st.binary(max_size=300),
    st.text(max_size=300),
)


@settings(max_examples=200)
@given(st.lists(fields, max_size=12))
def test_encode_is_the_tag_then_each_field_length_prefixed(values):
    """The fast paths (exact types, precomputed length prefixes) give the plain definition's
    bytes, including fields of 256 bytes and more."""
    expected = b"bridgelab/test\x00" + b"".join(
        len(raw).to_bytes(4, "big") + raw for raw in map(hashing._field_bytes, values)
    )
    assert hashing.encode("bridgelab/test", *values) == expected


def test_encode_refuses_negative_integers():
    with pytest.raises(ValueError):
        hashing.encode("bridgelab/test", -1)


@settings(max_examples=30)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_ecrecover_returns_the_signer_and_rejects_malleated_signatures(secret, digest):
    signer = EcdsaSigner(secret)
    signature = signer.sign_digest(digest)
    assert ecrecover(digest, signature) == signer.address
    s = int.from_bytes(signature[32:64], "big")
    assert s <= CURVE_ORDER // 2
    high_s = signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big") + bytes([signature[64] ^ 1])
    assert ecrecover(digest, high_s) is None
    assert ecrecover(digest, signature[:64] + bytes([29])) is None
    other = keccak256(digest)
    assert ecrecover(other, signature) != signer.address


def test_known_address_of_private_key_one():
    # The address of secret key 1 is a well-known Ethereum vector.
    signer = EcdsaSigner((0).to_bytes(32, "big"))  # scalar = 0 % (n-1) + 1 = 1
    assert signer.address == "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
