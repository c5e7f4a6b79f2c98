"""Hypothesis strategies for the differential tests: certificates, batches and proofs built
with real keys of small committees, then broken in one named way (or left valid)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from hypothesis import strategies as st

from bridgelab.core.rng import Streams
from bridgelab.crypto import merkle
from bridgelab.crypto.bls.backend import get_backend
from bridgelab.crypto.secp256k1 import CURVE_ORDER, EcdsaSigner
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.evm.differential import ESCROW
from bridgelab.protocol.messages import BatchPath, BridgeMessage, Certificate, batch_digest

MEMBERS, THRESHOLD, REQUIRED = 4, 3, (0,)
VERSION = 1
OUTSIDER = EcdsaSigner(b"outsider-key".ljust(32, b"\x00"))
ASCII = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24)


@cache
def custody(scheme: str):
    if scheme == "multisig":
        return MultisigCustody(Streams(5), MEMBERS, THRESHOLD, REQUIRED)
    return ThresholdBlsCustody(Streams(5), MEMBERS, THRESHOLD, REQUIRED)


def message(nonce: int, amount: int, direction: str = "deposit", source: str = ESCROW,
            payload: str = "", asset: str = "TOKEN") -> BridgeMessage:
    return BridgeMessage(
        direction, nonce, asset, amount, "alice", "bob", source, 7, bytes(range(32)), payload
    )


def high_s(signature: bytes) -> bytes:
    """The same signature with s replaced by n - s (and v flipped): the precompile still
    recovers the signer, Ethereum's low-s rule refuses it."""
    s = int.from_bytes(signature[32:64], "big")
    v = 27 + 28 - signature[64]
    return signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big") + bytes([v])


@st.composite
def payloads(draw):
    """Call data a message may carry: none, any text, or a `set_trust_root` call (the
    `arbitrary_message_calls` flaw executes it) naming members well or badly."""
    kind = draw(st.sampled_from(("none", "text", "call", "call")))
    if kind == "none":
        return ""
    if kind == "text":
        return draw(ASCII)
    members = custody("multisig").addresses
    parts = draw(st.lists(st.sampled_from((
        OUTSIDER.address, members[0], members[1], OUTSIDER.address.upper(), "0x123", "alice",
        "", OUTSIDER.address + "0",
    )), max_size=5))
    threshold = draw(st.sampled_from(("1", "2", "0", "", "x1", "003", "99")))
    return f"call:set_trust_root:{','.join(parts)}:{threshold}"


MULTISIG_FAULTS = (
    "none", "duplicate", "outsider", "high_s", "bad_v", "short", "flip", "empty",
    "claimed", "version", "scheme",
)
BLS_FAULTS = (
    "none", "other_message", "identity", "garbage", "two_signatures", "no_signature",
    "no_cosignature", "wrong_cosignature", "extra_cosignature", "version", "scheme",
)
BATCH_FAULTS = ("none", "sibling", "index", "size", "root", "extra_sibling")


@st.composite
def certificates(draw, scheme: str, nonce: int, amount: int, payload: str = ""):
    """A certificate of `scheme` for a deposit, possibly broken in one named way, possibly
    one message of a batch (whose path may be broken too). Returns (certificate, label)."""
    committee = custody(scheme)
    direction = draw(st.sampled_from(("deposit", "deposit", "deposit", "withdrawal")))
    source = draw(st.sampled_from((ESCROW, ESCROW, ESCROW, "consortium:copycat")))
    target = message(nonce, amount, direction, source, payload)
    batched = draw(st.booleans())
    batch = None
    digest = target.digest(VERSION)
    batch_fault = "none"
    if batched:
        size = draw(st.integers(1, 5))
        index = draw(st.integers(0, size - 1))
        others = [message(10_000 + i, 1).digest(VERSION) for i in range(size)]
        leaves = [*others[:index], digest, *others[index + 1 : size]]
        path = merkle.prove(leaves, index)
        batch = BatchPath(merkle.root(leaves), path)
        digest = batch_digest(batch.root, batch.size, VERSION)
        batch_fault = draw(st.sampled_from(BATCH_FAULTS))
        batch = _break_batch(batch, batch_fault)
    signers = draw(st.lists(st.integers(0, MEMBERS - 1), min_size=0, max_size=MEMBERS,
                            unique=True).map(sorted))
    faults = MULTISIG_FAULTS if scheme == "multisig" else BLS_FAULTS
    fault = draw(st.sampled_from(faults))
    if scheme == "multisig":
        cert = _multisig(committee, target, digest, signers, fault, draw)
    else:
        cert = _bls(committee, target, digest, fault)
    if batch is not None:
        cert = replace(cert, batch=batch)
    if fault == "version":
        cert = replace(cert, trust_root_version=VERSION + 1)
    if fault == "scheme":
        cert = replace(cert, scheme="threshold-bls" if scheme == "multisig" else "multisig")
    return cert, f"{scheme}/{fault}/batch-{batch_fault if batched else 'no'}/{direction}/{source}"


def _break_batch(batch: BatchPath, fault: str) -> BatchPath:
    path = batch.path
    if fault == "sibling" and path.siblings:
        flipped = bytes([path.siblings[0][0] ^ 1]) + path.siblings[0][1:]
        return replace(batch, path=replace(path, siblings=(flipped, *path.siblings[1:])))
    if fault == "index":
        return replace(batch, path=replace(path, index=path.index ^ 1))
    if fault == "size":
        return replace(batch, path=replace(path, leaf_count=path.leaf_count + 1))
    if fault == "root":
        return replace(batch, root=bytes([batch.root[0] ^ 1]) + batch.root[1:])
    if fault == "extra_sibling":
        return replace(batch, path=replace(path, siblings=(*path.siblings, bytes(32))))
    return batch


def _multisig(committee, target, digest, signers, fault, draw) -> Certificate:
    signatures = [committee.endorse(member, digest) for member in signers]
    if fault == "duplicate" and signatures:
        signatures.append(signatures[draw(st.integers(0, len(signatures) - 1))])
    elif fault == "outsider":
        signatures.insert(draw(st.integers(0, len(signatures))), OUTSIDER.sign_digest(digest))
    elif signatures and fault in ("high_s", "bad_v", "short", "flip"):
        at = draw(st.integers(0, len(signatures) - 1))
        signature = signatures[at]
        signatures[at] = {
            "high_s": high_s(signature),
            "bad_v": signature[:64] + bytes([signature[64] - 27]),
            "short": signature[:64],
            "flip": signature[:5] + bytes([signature[5] ^ 0x10]) + signature[6:],
        }[fault]
    elif fault == "empty":
        signatures = []
    claimed: tuple[str, ...] = ()
    if fault == "claimed":
        claimed = (OUTSIDER.address, "not-an-address", *committee.addresses[:1])
        signatures.append(OUTSIDER.sign_digest(digest))
    return Certificate(target, VERSION, "multisig", tuple(signatures), tuple(signers), claimed)


def _bls(committee, target, digest, fault) -> Certificate:
    endorsements = {member: committee.endorse(member, digest) for member in range(MEMBERS)}
    cert = committee.assemble(target, VERSION, endorsements)
    backend = get_backend("arkworks")
    if fault == "other_message":
        other = committee.assemble(message(99, 1), VERSION, {
            member: committee.endorse(member, message(99, 1).digest(VERSION))
            for member in range(MEMBERS)
        })
        return replace(cert, signatures=other.signatures)
    if fault == "identity":
        return replace(cert, signatures=(backend.g2_lincomb([], []),))
    if fault == "garbage":
        return replace(cert, signatures=(bytes([0x80]) + bytes(95),))
    if fault == "two_signatures":
        return replace(cert, signatures=cert.signatures * 2)
    if fault == "no_signature":
        return replace(cert, signatures=())
    if fault == "no_cosignature":
        return replace(cert, cosignatures=())
    if fault == "wrong_cosignature":
        return replace(cert, cosignatures=(OUTSIDER.sign_digest(digest),))
    if fault == "extra_cosignature":
        return replace(cert, cosignatures=(*cert.cosignatures, cert.cosignatures[0]))
    return cert
