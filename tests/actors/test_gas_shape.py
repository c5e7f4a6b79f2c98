"""The gas bid prices a certificate's call data from its shape (`certificate_calldata_shape`):
for any certificate, that price is the price of the call data built byte for byte."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.crypto.merkle import Proof
from bridgelab.custody.gas import (
    calldata_gas,
    certificate_calldata,
    certificate_calldata_gas,
    certificate_calldata_shape,
)
from bridgelab.protocol.messages import BatchPath, BridgeMessage, Certificate

# Field values with zero bytes where they matter: NUL characters in strings, zero bytes in
# hashes and siblings, integers with zero bytes in the middle of their words.
texts = st.text(alphabet=st.sampled_from("a0\x00é\u20ac"), max_size=70)
words = st.one_of(st.integers(0, 2**16), st.integers(0, 2**256 - 1),
                  st.sampled_from([0, 1, 256, 2**64, 2**255]))
blobs = st.binary(max_size=40)
addresses = st.one_of(
    st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex()),
    st.sampled_from(["", "0x", "0xzz" + "00" * 19, "member-3"]),
)


@st.composite
def certificates(draw) -> Certificate:
    message = BridgeMessage(
        draw(st.sampled_from(["deposit", "withdrawal"])), draw(words), draw(texts), draw(words),
        draw(texts), draw(texts), draw(texts), draw(words), draw(blobs), draw(texts),
    )
    batch = None
    if draw(st.booleans()):
        siblings = tuple(draw(st.lists(st.binary(min_size=32, max_size=32), max_size=8)))
        batch = BatchPath(draw(blobs), Proof(draw(st.integers(0, 2**20)),
                                             draw(st.integers(1, 2**20)), siblings))
    return Certificate(
        message, draw(words), draw(st.sampled_from(["multisig", "threshold-bls", ""])),
        tuple(draw(st.lists(blobs, max_size=25))),
        claimed_signers=tuple(draw(st.lists(addresses, max_size=25))),
        batch=batch,
        cosignatures=tuple(draw(st.lists(blobs, max_size=5))),
    )


@settings(max_examples=300, deadline=None)
@given(certificates(), st.booleans())
def test_the_shape_prices_what_the_built_call_data_costs(cert, bls):
    data = certificate_calldata(cert, bls)
    assert certificate_calldata_shape(cert, bls) == (len(data), data.count(0))
    assert certificate_calldata_gas(cert, bls) == calldata_gas(data)
