"""What crosses the bridge: a message about a lock or burn, and the certificate endorsing it.

The digest binds every field the destination acts on, so no field can be swapped after signing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bridgelab.core import memo
from bridgelab.crypto.hashing import encode, keccak256
from bridgelab.crypto.merkle import Proof

Direction = Literal["deposit", "withdrawal"]
DOMAIN = "bridgelab/bridge-message/v1"
BATCH_DOMAIN = "bridgelab/bridge-batch/v1"


@dataclass(frozen=True, slots=True)
class BridgeMessage:
    """A lock (deposit) or burn (withdrawal) event, as carried to the other chain."""

    direction: Direction
    nonce: int
    asset: str
    amount: int
    sender: str
    recipient: str
    source_contract: str
    source_block: int
    source_block_hash: bytes
    # Call data the message carries to the destination (e.g. a contract call); signed over.
    payload: str = ""

    def __hash__(self) -> int:
        # Equal messages agree on these, and messages of one nonce are few: a memo key holding
        # a message hashes three fields rather than ten.
        return hash((self.direction, self.nonce, self.source_block_hash))

    # Every member, relayer and verifier asks for a message's digest.
    @memo.pure("protocol/message-digest", size=4_096)
    def digest(self, trust_root_version: int) -> bytes:
        return keccak256(
            encode(
                DOMAIN,
                self.direction,
                self.nonce,
                self.asset,
                self.amount,
                self.sender,
                self.recipient,
                self.source_contract,
                self.source_block,
                self.source_block_hash,
                trust_root_version,
                self.payload,
            )
        )

    @property
    def key(self) -> tuple[str, int]:
        return (self.direction, self.nonce)


# Every member, and every verifier of each of the batch's certificates, asks for it.
@memo.pure("protocol/batch-digest", size=memo.BATCH_ENTRIES)
def batch_digest(root: bytes, size: int, trust_root_version: int) -> bytes:
    """What the committee signs for a batch: its Merkle root over message digests, and size."""
    return keccak256(encode(BATCH_DOMAIN, root, size, trust_root_version))


@dataclass(frozen=True, slots=True)
class BatchPath:
    """Where a message sits in a signed batch: the batch root and the message's Merkle path.

    The leaves are the messages' digests, in batch order; `path.index` is this message's.
    """

    root: bytes
    path: Proof

    @property
    def size(self) -> int:
        return self.path.leaf_count


@dataclass(frozen=True, slots=True)
class TrustRoot:
    """The versioned committee the destination accepts: who may sign, and how many must.

    `signers` are the members' Ethereum addresses (their multisig keys, and under threshold
    BLS their governance keys); `group_key` is the BLS group public key, hex, if any.
    """

    version: int
    scheme: str
    signers: tuple[str, ...]
    threshold: int
    required: tuple[int, ...]
    group_key: str = ""

    def __hash__(self) -> int:
        # Equal roots agree on these; the verifiers' memo hashes a root on every look-up,
        # and there are only a few roots in a run.
        return hash((self.version, self.scheme, self.threshold))

    def member_of(self, signer: str) -> int | None:
        try:
            return self.signers.index(signer)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Certificate:
    """The committee's endorsement of one message under one trust-root version."""

    message: BridgeMessage
    trust_root_version: int
    scheme: str
    signatures: tuple[bytes, ...]
    signer_hint: tuple[int, ...] = ()
    # A signer list the submitter passes along (addresses); not signed over. A correct
    # verifier ignores it and authorises signers by the trust root alone.
    claimed_signers: tuple[str, ...] = ()
    # Set when the signatures cover a batch: the message's path to the signed batch root.
    batch: BatchPath | None = None
    # Under threshold BLS, the required members' own signatures over the same digest (their
    # governance keys), in the trust root's `required` order: a group signature cannot say
    # who signed, so these show that the required members did. Empty under multisig, where
    # the signatures themselves name their signers.
    cosignatures: tuple[bytes, ...] = ()
    # A digest the submitter says the signatures sign, passed along like `claimed_signers`
    # (None: nothing claimed). A verifier that takes the digest from the caller checks the
    # signatures against it; a correct one derives the digest from the message and ignores it.
    claimed_digest: bytes | None = None

    def __hash__(self) -> int:
        # Equal certificates agree on these, and certificates of one message under one
        # version are few. Cheap on purpose: the verifiers' memo hashes a certificate on
        # every look-up, and hashing every field walks the message and the batch path.
        message = self.message
        return hash((message.direction, message.nonce, self.trust_root_version))

    @property
    def message_digest(self) -> bytes:
        return self.message.digest(self.trust_root_version)

    @property
    def digest(self) -> bytes:
        """What the signatures sign: the message's digest, or its batch's digest."""
        if self.batch is None:
            return self.message_digest
        return batch_digest(self.batch.root, self.batch.size, self.trust_root_version)

    def for_batch_member(self, message: BridgeMessage, batch: BatchPath) -> Certificate:
        """This batch certificate's signatures, carried for `message` at its `batch` path."""
        return Certificate(
            message,
            self.trust_root_version,
            self.scheme,
            self.signatures,
            self.signer_hint,
            self.claimed_signers,
            batch,
            self.cosignatures,
            self.claimed_digest,
        )

    def calldata_size(self) -> int:
        fixed = 32 * 9
        batch = 0 if self.batch is None else 32 * (2 + len(self.batch.path.siblings))
        return (
            fixed
            + batch
            + len(self.message.payload.encode())
            + 32 * len(self.claimed_signers)
            + sum(map(len, self.signatures))
            + sum(map(len, self.cosignatures))
        )


def certificate_fields(cert: Certificate) -> dict[str, object]:
    """A certificate as JSON-ready public data: enough for a checker to re-verify it."""
    message = cert.message
    batch = cert.batch
    fields: dict[str, object] = {
        "direction": message.direction,
        "nonce": message.nonce,
        "asset": message.asset,
        "amount": message.amount,
        "sender": message.sender,
        "recipient": message.recipient,
        "source_contract": message.source_contract,
        "source_block": message.source_block,
        "source_block_hash": message.source_block_hash.hex(),
        "payload": message.payload,
        "trust_root_version": cert.trust_root_version,
        "scheme": cert.scheme,
        # A list of its own: the record's fields belong to its event.
        "signatures": list(signatures_hex(cert.signatures)),
        "signer_hint": list(cert.signer_hint),
        "claimed_signers": list(cert.claimed_signers),
    }
    if batch is not None:
        fields["batch"] = batch_fields(batch)
    if cert.cosignatures:
        # Only when there are some: a certificate without them records what it always did.
        fields["cosignatures"] = list(signatures_hex(cert.cosignatures))
    if cert.claimed_digest is not None:
        fields["claimed_digest"] = cert.claimed_digest.hex()
    return fields


# The certificates of a batch's messages carry the same signatures, and each is recorded when
# its message is minted or released.
@memo.pure("protocol/signatures-hex", size=memo.BATCH_ENTRIES)
def signatures_hex(signatures: tuple[bytes, ...]) -> tuple[str, ...]:
    """Each signature in hex."""
    return tuple([signature.hex() for signature in signatures])


def batch_fields(batch: BatchPath) -> dict[str, object]:
    path = batch.path
    return {
        "root": batch.root.hex(),
        "index": path.index,
        "size": path.leaf_count,
        "siblings": [sibling.hex() for sibling in path.siblings],
    }


def batch_from_fields(fields: dict) -> BatchPath:
    return BatchPath(
        bytes.fromhex(fields["root"]),
        Proof(
            int(fields["index"]),
            int(fields["size"]),
            tuple(map(bytes.fromhex, fields["siblings"])),
        ),
    )


def certificate_from_fields(fields: dict) -> Certificate:
    """The inverse of `certificate_fields`, for checkers reading a recorded history."""
    message = BridgeMessage(
        fields["direction"],
        int(fields["nonce"]),
        fields["asset"],
        int(fields["amount"]),
        fields["sender"],
        fields["recipient"],
        fields["source_contract"],
        int(fields["source_block"]),
        bytes.fromhex(fields["source_block_hash"]),
        fields.get("payload", ""),
    )
    return Certificate(
        message,
        int(fields["trust_root_version"]),
        fields["scheme"],
        tuple(map(bytes.fromhex, fields["signatures"])),
        tuple(fields.get("signer_hint", ())),
        tuple(fields.get("claimed_signers", ())),
        batch_from_fields(fields["batch"]) if "batch" in fields else None,
        tuple(map(bytes.fromhex, fields.get("cosignatures", ()))),
        bytes.fromhex(fields["claimed_digest"]) if "claimed_digest" in fields else None,
    )


def trust_root_fields(root: TrustRoot) -> dict[str, object]:
    return {
        "version": root.version,
        "scheme": root.scheme,
        "signers": list(root.signers),
        "threshold": root.threshold,
        "required": list(root.required),
        "group_key": root.group_key,
    }


def trust_root_from_fields(fields: dict) -> TrustRoot:
    return TrustRoot(
        int(fields["version"]),
        fields["scheme"],
        tuple(fields["signers"]),
        int(fields["threshold"]),
        tuple(fields["required"]),
        fields.get("group_key", ""),
    )
