"""`safety.consortium-agreement`: no two conflicting blocks committed at one consortium height,
and, when there are, who is to blame (accountable safety), from the history alone.

Two commits of quorum q among n validators share at least 2q - n signers; with q > 2n/3 that
is more than n/3 validators, each of whom signed both blocks. Every `block.committed` record
names its height and hash; a run with Byzantine validators configured also records each
commit's signers and signatures and, once, the validator keys (`consortium.validators`), so
the checker verifies each culprit's two signatures itself rather than take the record's word.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bridgelab.consortium.block import vote_bytes
from bridgelab.core import memo
from bridgelab.core.dense import DenseIntMap
from bridgelab.crypto import symbolic
from bridgelab.crypto.ed25519 import openssl_verify, prime_order_key

PROPERTY = "safety.consortium-agreement"
# Heights remembered with their full records (oldest dropped first): a conflicting commit is
# recorded with, or soon after, the block it conflicts with, never tens of thousands of
# blocks later. A height's only commit that records no signers is kept compactly for the
# whole run instead (`_first_label`, `_first_seq`), about 16 bytes a height.
MAX_HEIGHTS = 65_536
_HEX_DIGITS = "0123456789abcdef"
# Blocks remembered per height: a second one is already a violation.
MAX_PER_HEIGHT = 8


# The raw functions, never the model's memos: the checker verifies each vote itself.
_vote_bytes = memo.raw(vote_bytes)
_symbolic_ed25519_signature = memo.raw(symbolic.ed25519_signature)


def vote_verify(signatures: str, public_key: bytes, message: bytes, signature: bytes) -> bool:
    """A validator's vote checked the checker's way: real votes on OpenSSL (the model's
    are on libsodium) under a key of prime order, symbolic ones against their recomputed
    stand-in. A recorded key of small order names no culprit: OpenSSL's check would accept
    the zero signature under it for some votes."""
    if symbolic.check_mode(signatures):
        return signature == _symbolic_ed25519_signature(public_key, message)
    return prime_order_key(public_key) and openssl_verify(public_key, message, signature)


@dataclass(frozen=True, slots=True)
class CommitRecord:
    height: int
    view: int
    label: str  # the hash's 16-hex prefix every record carries
    full_hash: str | None  # recorded only when commits are accountable
    signers: dict[int, str] | None  # validator -> signature hex, when recorded
    seq: int

    @classmethod
    def of(cls, seq: int, fields: dict[str, Any]) -> CommitRecord:
        signers = fields.get("signers")
        return cls(
            int(fields["height"]), int(fields["view"]), str(fields["hash"])[:16],
            fields.get("block_hash"),
            None if signers is None else {int(i): str(sig) for i, sig in signers},
            seq,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    detail: str
    evidence: dict[str, Any]


class AgreementFold:
    """Folds `block.committed` and `consortium.validators` records; reports each conflict."""

    def __init__(self, signatures: str = "real") -> None:
        self.signatures = signatures
        self.keys: tuple[bytes, ...] | None = None
        self.quorum: int | None = None
        self.commits: OrderedDict[int, list[CommitRecord]] = OrderedDict()
        # A height's first commit when it records no signers or full hash (all `_blame` can
        # use of it is its label and seq): the label's 64 bits (less 2**63, to fit) and seq.
        self._first_label = DenseIntMap()
        self._first_seq = DenseIntMap()
        self.checked = 0
        # Heights with two commits, and heights whose escrow events say they are on an
        # orphaned branch: each of the latter must turn out to be one of the former.
        self.forked: set[int] = set()
        self.orphan_claims: dict[int, int] = {}

    def on_validators(self, fields: dict[str, Any]) -> None:
        self.keys = tuple(bytes.fromhex(key) for key in fields["keys"])
        self.quorum = int(fields["quorum"])

    def on_block(self, seq: int, fields: dict[str, Any]) -> Finding | None:
        self.checked += 1
        record = CommitRecord.of(seq, fields)
        seen = self.commits.get(record.height)
        if seen is None:
            first = self._compact_first(record.height)
            if first is None:
                if not self._keep_compactly(record):
                    self._keep(record)
                return None
            seen = self._keep(first)
        rivals = [other for other in seen if other.label != record.label]
        if len(seen) < MAX_PER_HEIGHT and all(other.label != record.label for other in seen):
            seen.append(record)
        if not rivals:
            return None
        if len(self.forked) < MAX_HEIGHTS:
            self.forked.add(record.height)
        return self._blame(rivals[0], record)

    def _keep(self, record: CommitRecord) -> list[CommitRecord]:
        seen = self.commits[record.height] = [record]
        while len(self.commits) > MAX_HEIGHTS:
            self.commits.popitem(last=False)
        return seen

    def _keep_compactly(self, record: CommitRecord) -> bool:
        """Keep a height's first commit as label and seq, if that is all it records."""
        label = record.label
        if (record.signers is not None or record.full_hash is not None or len(label) != 16
                or label.strip(_HEX_DIGITS)):
            return False
        self._first_label[record.height] = int(label, 16) - 2**63
        self._first_seq[record.height] = record.seq
        return True

    def _compact_first(self, height: int) -> CommitRecord | None:
        """The height's first commit if it was kept compactly (its view is not kept: `_blame`
        never reads it of a commit without signers), forgotten here once it is a record."""
        label = self._first_label.pop(height)
        if label is None:
            return None
        seq = self._first_seq.pop(height)
        assert seq is not None
        return CommitRecord(height, -1, f"{label + 2**63:016x}", None, None, seq)

    def claim_orphaned(self, seq: int, height: int) -> None:
        """An escrow event recorded on an orphaned branch at `height`: the ledger leaves it
        out, which is sound only if that height did fork (checked by `unbacked_claims`)."""
        if len(self.orphan_claims) < MAX_HEIGHTS:
            self.orphan_claims.setdefault(height, seq)

    def unbacked_claims(self) -> list[tuple[int, int]]:
        """(height, event) of each orphaned-branch claim with no second commit at its height."""
        return sorted((h, seq) for h, seq in self.orphan_claims.items() if h not in self.forked)

    def _blame(self, first: CommitRecord, second: CommitRecord) -> Finding:
        """The validators whose signatures are on both commits, each signature verified."""
        evidence: dict[str, Any] = {
            "height": second.height,
            "blocks": [first.label, second.label],
            "events": [first.seq, second.seq],
        }
        head = (
            f"two blocks committed at consortium height {second.height}: {first.label}"
            f" (event #{first.seq}) and {second.label} (event #{second.seq})"
        )
        if first.signers is None or second.signers is None or self.keys is None:
            evidence["double_signers"] = None
            return Finding(
                f"{head}; the history records no commit signers, so no culprit can be named",
                evidence,
            )
        both = sorted(set(first.signers) & set(second.signers))
        proven = [v for v in both if self._signed(v, first) and self._signed(v, second)]
        n = len(self.keys)
        bound = 2 * (self.quorum or 0) - n
        evidence.update(
            double_signers=proven, validators=n, quorum=self.quorum, bound=bound,
            unproven=[v for v in both if v not in proven],
        )
        names = ", ".join(f"validator-{v}" for v in proven) or "none"
        tail = (
            f"; {len(proven)} validators signed both, each signature verified: {names}"
            f" (accountable safety: at least 2q - n = {bound} of {n}, more than n/3)"
        )
        if len(proven) < bound:
            tail += (
                f"; only {len(proven)} proven, so a commit below the quorum of"
                f" {self.quorum} was accepted"
            )
        return Finding(head + tail, evidence)

    def _signed(self, validator: int, commit: CommitRecord) -> bool:
        keys = self.keys
        if keys is None or not 0 <= validator < len(keys) or commit.full_hash is None:
            return False
        signatures = commit.signers or {}
        try:
            block_hash = bytes.fromhex(commit.full_hash)
            signature = bytes.fromhex(signatures[validator])
        except (KeyError, ValueError):
            return False
        if block_hash.hex()[:16] != commit.label:
            return False
        message = _vote_bytes(commit.height, commit.view, block_hash)
        return vote_verify(self.signatures, keys[validator], message, signature)
