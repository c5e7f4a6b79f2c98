"""The adversary's hand: keys and shares it holds, forged certificates, and cashing out.

One adversary per run, shared by every attack in the scenario (attacks compose). A forged
certificate is built from real signatures by the keys actually held; the destination's
verifier decides whether it passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from bridgelab.consortium.escrow import ESCROW_CONTRACT, ReleaseTx
from bridgelab.crypto.bls import InsufficientSharesError, PartialSignature, SecretShare
from bridgelab.crypto.bls.threshold import combine
from bridgelab.crypto.symbolic import EcdsaSigning
from bridgelab.custody.base import MINT_STORAGE_GAS
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.nemesis.campaign import run_campaign
from bridgelab.nemesis.inflight import InFlight
from bridgelab.nemesis.plan import Pacing
from bridgelab.protocol.messages import BridgeMessage, Certificate, Direction
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BURN_GAS, MintEvent
from bridgelab.settlement.chain import SettlementBlock
from bridgelab.settlement.fees import gwei
from bridgelab.settlement.transactions import BurnTx, Fee, MintTx

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge

FABRICATED_NONCE_BASE = 1_000_000_000
ADVERSARY_TIP_GWEI = 50.0


@dataclass(slots=True)
class Adversary:
    """Everything the adversary controls; nothing here is ever written to the history."""

    bridge: Bridge
    seats: dict[int, float] = field(default_factory=dict)
    # Which attacks hold each seat: one attack's heal gives up a seat only when no other
    # attack still holds it (attacks compose; one's heal is not another's).
    holders: dict[int, set[str]] = field(default_factory=dict)
    shares: dict[tuple[int, int], SecretShare] = field(default_factory=dict)
    recovered: dict[int, EcdsaSigning] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)
    _nonce: int = 0
    _tx: int = 0
    _extracting: set[str] = field(default_factory=set)
    # Its forged transactions, to tell whether one still waits in a mempool.
    inflight: InFlight = field(init=False)

    def __post_init__(self) -> None:
        self.inflight = InFlight(self.bridge)
        self.bridge.settlement.on_block.append(self._on_block)

    # -- what it holds ------------------------------------------------------------------------

    def take_seats(self, seats: list[int], actor: str) -> list[int]:
        """Gain control of `seats`: multisig keys, or the current epoch's BLS shares."""
        world = self.bridge.world
        custody = self.bridge.custody
        new = [seat for seat in seats if seat not in self.seats]
        for seat in seats:
            self.seats.setdefault(seat, world.now)
            self.holders.setdefault(seat, set()).add(actor)
            if isinstance(custody, ThresholdBlsCustody):
                share = custody.share_of(seat)
                self.shares[(seat, share.epoch)] = share
        world.record(
            actor, "attack.compromise", seats=sorted(seats), new=sorted(new),
            held=sorted(self.seats), epoch=custody.epoch,
        )
        return new

    def lose_seats(self, seats: list[int], actor: str) -> None:
        for seat in seats:
            holders = self.holders.get(seat, set())
            holders.discard(actor)
            if holders:
                continue  # another attack still holds it
            self.holders.pop(seat, None)
            self.seats.pop(seat, None)
            for key in [key for key in self.shares if key[0] == seat]:
                del self.shares[key]
            self.recovered.pop(seat, None)
        self.bridge.world.record(actor, "attack.evicted", seats=sorted(seats))

    # -- forging ------------------------------------------------------------------------------

    def fabricated_message(
        self, amount: int, recipient: str, direction: Direction = "deposit"
    ) -> BridgeMessage:
        """A lock (deposit) or burn (withdrawal) that never happened, for `recipient`."""
        self._nonce += 1
        stream = self.bridge.world.streams.get("nemesis/adversary/hashes")
        source = ESCROW_CONTRACT if direction == "deposit" else BRIDGE_CONTRACT
        return BridgeMessage(
            direction, FABRICATED_NONCE_BASE + self._nonce,
            self.bridge.world.scenario.workload.asset, amount, "adversary", recipient,
            source, 0, stream.getrandbits(256).to_bytes(32, "big"),
        )

    def certificate(
        self, message: BridgeMessage, actor: str, version: int | None = None,
        below_threshold: bool = False,
    ) -> Certificate | None:
        """The best certificate the held keys can make, or None if they cannot sign at all.

        Signed under the settlement bridge's trust-root version unless `version` is given
        (a withdrawal is checked against the escrow's). With `below_threshold`, fewer BLS
        shares than the threshold still make a (wrong) group signature to submit."""
        custody = self.bridge.custody
        if version is None:
            version = self.bridge.settlement.bridge.trust_root.version
        digest = message.digest(version)
        if isinstance(custody, ThresholdBlsCustody):
            return self._bls_certificate(custody, message, version, digest, actor,
                                         below_threshold)
        signatures: dict[int, bytes] = {}
        for seat in sorted(self.seats):
            signatures[seat] = custody.endorse(seat, digest)
        for seat, signer in sorted(self.recovered.items()):
            signatures[seat] = signer.sign_digest(digest)
        if not signatures:
            return None
        chosen = sorted(signatures)
        return Certificate(
            message, version, custody.scheme, tuple(signatures[s] for s in chosen), tuple(chosen)
        )

    def _bls_certificate(
        self,
        custody: ThresholdBlsCustody,
        message: BridgeMessage,
        version: int,
        digest: bytes,
        actor: str,
        below_threshold: bool = False,
    ) -> Certificate | None:
        by_epoch: dict[int, dict[int, SecretShare]] = {}
        for (seat, epoch), share in sorted(self.shares.items()):
            by_epoch.setdefault(epoch, {})[seat] = share
        best_epoch = max(by_epoch, key=lambda e: (len(by_epoch[e]), e), default=None)
        if best_epoch is not None and len(by_epoch[best_epoch]) >= custody.threshold:
            shares = by_epoch[best_epoch]
            partials = {
                seat: PartialSignature(seat + 1, best_epoch, custody.endorse_with(share, digest))
                for seat, share in shares.items()
            }
            signature = custody.combine_shares(partials)
            return Certificate(
                message, version, custody.scheme, (signature,), tuple(shares),
                cosignatures=self._cosignatures(custody, digest),
            )
        distinct = {seat: share for (seat, _epoch), share in sorted(self.shares.items())}
        if below_threshold and best_epoch is not None and len(distinct) < custody.threshold:
            return self._short_certificate(custody, message, version, digest, actor,
                                           by_epoch[best_epoch])
        if len(distinct) < custody.threshold:
            self.bridge.world.record(
                actor, "attack.failed", reason="insufficient_shares", shares=len(distinct),
                threshold=custody.threshold,
            )
            return None
        # Enough shares in all, but from different epochs: combine them anyway (untagged).
        raw = {seat: custody.endorse_with(share, digest) for seat, share in distinct.items()}
        try:
            signature = custody.combine_shares(raw)
        except InsufficientSharesError:
            return None
        return Certificate(
            message, version, custody.scheme, (signature,), tuple(sorted(raw)),
            cosignatures=self._cosignatures(custody, digest),
        )

    def _short_certificate(
        self, custody: ThresholdBlsCustody, message: BridgeMessage, version: int,
        digest: bytes, actor: str, shares: dict[int, SecretShare],
    ) -> Certificate:
        """The best forgery from fewer shares than the threshold: their partial signatures
        interpolated at zero as if they were enough (a polynomial of too low a degree, so
        not the group signature). Submitted so that the destination's check refuses it."""
        partials = {
            seat + 1: custody.endorse_with(share, digest) for seat, share in shares.items()
        }
        signature = combine(partials, len(partials), backend=custody.backend)
        self.bridge.world.record(
            actor, "attack.short_forgery", shares=len(shares), threshold=custody.threshold,
            nonce=message.nonce,
        )
        return Certificate(
            message, version, custody.scheme, (signature,), tuple(sorted(shares)),
            cosignatures=self._cosignatures(custody, digest),
        )

    def _cosignatures(self, custody: ThresholdBlsCustody, digest: bytes) -> tuple[bytes, ...]:
        """Co-signatures for the required seats the adversary holds (their governance keys
        came with the seat), in `required` order; a required seat it does not hold is
        missing, and the destination refuses the certificate for it."""
        cosignatures = []
        for seat in custody.required:
            if seat in self.seats:
                cosignatures.append(custody.governance_sign(seat, digest))
            elif seat in self.recovered:
                cosignatures.append(self.recovered[seat].sign_digest(digest))
        return tuple(cosignatures)

    def submit_mint(self, certificate: Certificate, actor: str) -> MintTx:
        settlement = self.bridge.settlement
        custody = self.bridge.custody
        verification_gas = custody.verification_gas(certificate)
        self._tx += 1
        tip = gwei(ADVERSARY_TIP_GWEI)
        fee = Fee(verification_gas + MINT_STORAGE_GAS, tip, settlement.fees.base_fee * 4 + tip)
        tx = MintTx(f"{actor}/mint{self._tx}", actor, self.bridge.world.now, fee, certificate,
                    verification_gas)
        # Recorded before it is sent, so that a mempool's `tx.dropped` follows its submit.
        self._record_submit(certificate, actor, tx.tx_id)
        self.inflight.send_settlement(tx, actor)
        return tx

    def submit_release(self, certificate: Certificate, actor: str) -> ReleaseTx:
        """Hand a forged withdrawal certificate straight to the escrow on the consortium."""
        self._tx += 1
        tx = ReleaseTx(f"{actor}/release{self._tx}", actor, certificate, self.bridge.world.now)
        self._record_submit(certificate, actor, tx.tx_id, direction="withdrawal")
        self.inflight.send_consortium(tx)
        return tx

    def _record_submit(
        self, certificate: Certificate, actor: str, tx_id: str, **extra: str
    ) -> None:
        """The forgery's `attack.submit`: its `tx` lets a checker find what became of it."""
        self.bridge.world.record(
            actor, "attack.submit", tx=tx_id, nonce=certificate.message.nonce,
            amount=certificate.message.amount, recipient=certificate.message.recipient,
            signatures=len(certificate.signatures), signers=list(certificate.signer_hint),
            **extra,
        )
        if certificate.message.recipient not in self.accounts:
            self.accounts.append(certificate.message.recipient)

    def forge_and_submit(
        self, amount: int, recipient: str, actor: str, below_threshold: bool = False
    ) -> MintTx | None:
        """One forged deposit of `amount`, submitted as it is (None: nothing to sign with)."""
        certificate = self.certificate(
            self.fabricated_message(amount, recipient), actor, below_threshold=below_threshold
        )
        if certificate is None:
            return None
        return self.submit_mint(certificate, actor)

    def forge_withdrawal(
        self, amount: int, recipient: str, actor: str, below_threshold: bool = False
    ) -> ReleaseTx | None:
        """One forged withdrawal of `amount`: a release no burn backs."""
        version = self.bridge.consortium.escrow.trust_root.version
        message = self.fabricated_message(amount, recipient, direction="withdrawal")
        certificate = self.certificate(message, actor, version, below_threshold)
        if certificate is None:
            return None
        return self.submit_release(certificate, actor)

    def campaign(
        self, target: int, recipient: str, actor: str, pacing: Pacing | None = None,
    ) -> simpy.events.ProcessGenerator:
        """Forge `target` in all, sized and paced against the contract's public limits
        (`nemesis.campaign`); a SimPy process body, bounded by `pacing.forgeries`."""
        return run_campaign(self, target, recipient, actor, pacing or Pacing())

    # -- cashing out --------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """No cash-out in progress (the run may end)."""
        return not self._extracting

    @property
    def in_flight(self) -> bool:
        """A forged transaction still waits in a mempool its contract could take it from."""
        return self.inflight.pending

    def _on_block(self, block: SettlementBlock) -> None:
        config = self.bridge.world.scenario.adversary
        if not config.extract:
            return
        for event in block.decoded:
            if (
                isinstance(event, MintEvent)
                and event.recipient in self.accounts
                and event.recipient not in self._extracting
            ):
                self._extracting.add(event.recipient)
                self.bridge.world.env.process(self._extract(event.recipient, event.asset))

    def _extract(self, account: str, asset: str) -> simpy.events.ProcessGenerator:
        """Burn the unbacked tokens in chunks so honest relayers release escrowed funds."""
        world = self.bridge.world
        settlement = self.bridge.settlement
        config = world.scenario.adversary
        for round_ in range(10_000):
            balance = settlement.bridge.balances.get((account, asset), 0)
            if balance <= 0 or (settlement.bridge.paused and round_ > 0):
                self._extracting.discard(account)
                return
            # Drain what is there in slices (a quarter of the escrow at a time), so honest
            # withdrawals paid out meanwhile do not leave one large release unpayable, and
            # none above the escrow's public per-transfer cap (it would never be released).
            escrow = self.bridge.consortium.escrow
            available = escrow.escrowed.get(asset, 0)
            chunk = min(balance, config.chunk or balance, max(available // 4, 1),
                        escrow.per_transfer_cap or balance)
            self._tx += 1
            tip = gwei(ADVERSARY_TIP_GWEI)
            fee = Fee(BURN_GAS, tip, settlement.fees.base_fee * 4 + tip)
            tx = BurnTx(f"{account}/burn{self._tx}", account, world.now, fee, asset, chunk,
                        account)
            pending = settlement.mempool.any(
                lambda p: isinstance(p, BurnTx) and p.sender == account
            )
            if not settlement.bridge.paused and not pending:
                settlement.submit(tx)
                world.record(account, "attack.extract", amount=chunk, round=round_)
            yield world.env.timeout(config.interval)
