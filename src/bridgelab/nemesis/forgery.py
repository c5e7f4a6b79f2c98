"""Forgeries that need no stolen key: each exploits one flaw switch of the deployed bridge.

Every attack here runs just as well against the correct bridge, where it fails on a named
check — a reverted transaction or a refused endorsement — so what breaks safety is the flaw,
never a shortcut in the attack. The flaws live in the contracts and the committee:

- `forge.empty_certificate`   verifier `skip_verification_if_empty` (Wormhole, ChainSwap)
- `forge.caller_signers`      verifier `signer_list_from_caller` (B1)
- `forge.zero_root`           settlement contract `zero_root_trusted` (Nomad)
- `forge.foreign_contract`    committee `foreign_contract_events` (class C)
- `forge.lock_without_deposit` escrow `lock_event_without_transfer` (Qubit)
- `message.replace_committee` settlement contract `arbitrary_message_calls` (Poly Network 2021)
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from bridgelab.consortium.escrow import (
    COPYCAT_CONTRACT,
    ESCROW_CONTRACT,
    ZERO_ADDRESS,
    CopycatLockTx,
    LockEvent,
    LockTx,
)
from bridgelab.custody.base import CALLDATA_GAS_PER_BYTE, MINT_STORAGE_GAS, TX_BASE_GAS
from bridgelab.nemesis.toolkit import (
    ADVERSARY_ACCOUNT,
    AdversaryRelay,
    _Forgery,
    await_commit,
    leaf_items,
    lock_proof,
    own_keys,
)
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.settlement.bridge_contract import SET_TRUST_ROOT_CALL, ZERO_ROOT
from bridgelab.settlement.transactions import Fee, ProveAndMintTx

# The shared pieces live in nemesis/toolkit.py; the other attacks import them from here too.
__all__ = [
    "ADVERSARY_ACCOUNT", "AdversaryRelay", "CallerSigners", "EmptyCertificate",
    "ForeignContract", "LockWithoutDeposit", "ReplaceCommittee", "ZeroRoot", "_Forgery",
    "await_commit", "leaf_items", "lock_proof", "own_keys",
]

# The copycat contract's nonce counter starts far from the escrow's (and from fabricated ones).
COPYCAT_NONCE_BASE = 2_000_000_000
COPYCAT_NONCES_PER_ATTACK = 1_000_000
# Keys the adversary makes for itself when it may name its own signers.
OWN_KEYS = 3
# The smallest genuine lock, enough to carry a payload.
PAYLOAD_LOCK_AMOUNT = 1
MAX_POLLS = 100_000


# -- B1: destination verifier bypass ---------------------------------------------------------


class EmptyCertificate(_Forgery):
    """A fabricated deposit with a certificate that carries no signature at all."""

    kind = "forge.empty_certificate"

    def begin(self, round_: int) -> None:
        message = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        root = self.bridge.settlement.bridge.trust_root
        self.adversary.submit_mint(Certificate(message, root.version, root.scheme, ()), self.actor)


class CallerSigners(_Forgery):
    """A fabricated deposit signed by the adversary's own keys, passing them as the signers."""

    kind = "forge.caller_signers"

    def begin(self, round_: int) -> None:
        root = self.bridge.settlement.bridge.trust_root
        if root.scheme != "multisig":
            # One group signature, checked against the group key: there is no signer list.
            # Nothing was tried: the checker counts the attack untested, not held.
            self.world.record(self.actor, "attack.failed", reason="not_applicable",
                              scheme=root.scheme, attack=self.kind, tested=False)
            return
        keys = own_keys(self, OWN_KEYS)
        message = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        digest = message.digest(root.version)
        certificate = Certificate(
            message, root.version, root.scheme, tuple(key.sign_digest(digest) for key in keys),
            (), tuple(key.address for key in keys),
        )
        self.world.record(self.actor, "attack.own_signers",
                          addresses=[key.address for key in keys])
        self.adversary.submit_mint(certificate, self.actor)


# -- B2: proof forgery -----------------------------------------------------------------------


class ZeroRoot(_Forgery):
    """Process a fabricated deposit "proven" against the zero root, with no proof at all.

    Each round is one more copycat: the same transaction with a fresh nonce.
    """

    kind = "forge.zero_root"

    def begin(self, round_: int) -> None:
        message = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        tip, max_fee = self._bid()
        calldata = (32 * 10 + len(ZERO_ROOT)) * CALLDATA_GAS_PER_BYTE
        fee = Fee(TX_BASE_GAS + calldata + MINT_STORAGE_GAS, tip, max_fee)
        tx = ProveAndMintTx(f"{self.actor}/prove{round_}", ADVERSARY_ACCOUNT, self.world.now,
                            fee, message, ZERO_ROOT, None)
        # Recorded before it is sent (a `tx.dropped` follows it); `tx` names its outcome.
        self.world.record(
            self.actor, "attack.submit", tx=tx.tx_id, nonce=message.nonce,
            amount=message.amount, recipient=message.recipient, root=ZERO_ROOT.hex(),
            proof=None, copycat=round_,
        )
        self.adversary.inflight.send_settlement(tx, self.actor)
        self._keep(message.recipient)


# -- C: fake deposits ------------------------------------------------------------------------


class ForeignContract(_Forgery):
    """A copycat contract's lock event, relayed with a real proof as if the escrow emitted it."""

    kind = "forge.foreign_contract"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._adversary_relay: AdversaryRelay | None = None

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        world = self.world
        asset = world.scenario.workload.asset
        nonce = COPYCAT_NONCE_BASE + self.index * COPYCAT_NONCES_PER_ATTACK + round_
        tx = CopycatLockTx(
            f"{self.actor}/copycat{round_}", ADVERSARY_ACCOUNT, asset, self.params.amount,
            self.params.recipient, nonce, world.now,
        )
        self.bridge.consortium.submit(tx)
        world.record(self.actor, "attack.copycat_lock", contract=COPYCAT_CONTRACT, nonce=nonce,
                     amount=self.params.amount)
        found = yield from await_commit(self, tx.tx_id)
        if found is None:
            return
        committed, item, leaf_index = found
        event: LockEvent = item.event
        header = committed.block.header
        # The message claims the canonical escrow; the proof is real, for the copycat's event.
        message = BridgeMessage(
            "deposit", event.nonce, event.asset, event.amount, event.sender, event.recipient,
            ESCROW_CONTRACT, header.height, header.hash, event.payload,
        )
        relay = self._relay()
        custody = self.bridge.custody
        endorsements = yield from relay.endorse(
            lock_proof(relay.node, committed, leaf_index, message),
            list(range(custody.members)), custody.policy_met,
        )
        if not custody.policy_met(list(endorsements)):
            world.record(self.actor, "attack.failed", reason="endorsements_refused",
                         nonce=nonce, endorsements=sorted(endorsements),
                         threshold=custody.threshold)
            return
        certificate = custody.assemble(message, relay.trust_root_version, endorsements)
        self.adversary.submit_mint(certificate, self.actor)

    def _relay(self) -> AdversaryRelay:
        if self._adversary_relay is None:
            self._adversary_relay = AdversaryRelay(self)
        return self._adversary_relay


class LockWithoutDeposit(_Forgery):
    """Lock a large amount the adversary does not have, pulling it from the zero address."""

    kind = "forge.lock_without_deposit"

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        world = self.world
        tx = LockTx(
            f"{self.actor}/lock{round_}", ADVERSARY_ACCOUNT, world.scenario.workload.asset,
            self.params.amount, self.params.recipient, world.now, token=ZERO_ADDRESS,
        )
        world.record(self.actor, "attack.submit", tx=tx.tx_id, amount=tx.amount,
                     recipient=tx.recipient, token=tx.token)
        self.adversary.inflight.send_consortium(tx)
        self._keep(tx.recipient)
        # Honest relayers and the committee carry a committed lock; only a revert stops it.
        yield from await_commit(self, tx.tx_id)


# -- D: a privileged call through the message path -------------------------------------------


class ReplaceCommittee(_Forgery):
    """A genuine small lock whose payload calls the trust-root setter with the adversary's key;
    once its root is installed, the adversary certifies whatever it likes."""

    kind = "message.replace_committee"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The adversary buys a little of the asset on the consortium chain, like anyone can.
        balances = self.bridge.consortium.escrow.balances
        key = (ADVERSARY_ACCOUNT, self.world.scenario.workload.asset)
        balances[key] = balances.get(key, 0) + PAYLOAD_LOCK_AMOUNT * self.spec.schedule.count

    def begin(self, round_: int) -> Generator[simpy.Event, Any, None]:
        world = self.world
        env = world.env
        state = self.bridge.settlement.bridge
        keys = own_keys(self, 1)
        addresses = tuple(key.address for key in keys)
        payload = f"{SET_TRUST_ROOT_CALL}{','.join(addresses)}:{len(keys)}"
        tx = LockTx(
            f"{self.actor}/lock{round_}", ADVERSARY_ACCOUNT, world.scenario.workload.asset,
            PAYLOAD_LOCK_AMOUNT, ADVERSARY_ACCOUNT, world.now, payload=payload,
        )
        self.bridge.consortium.submit(tx)
        world.record(self.actor, "attack.lock", tx=tx.tx_id, amount=tx.amount, payload=payload)
        found = yield from await_commit(self, tx.tx_id)
        if found is None:
            return
        lock: LockEvent = found[1]
        for _ in range(MAX_POLLS):
            yield env.timeout(world.scenario.settlement.slot_time)
            if state.trust_root.signers == addresses:
                break
            pending = state.pending_root
            waiting = pending is not None and pending.root.signers == addresses
            if lock.nonce in state.minted_nonces and not waiting:
                world.record(self.actor, "attack.failed", reason="trust_root_unchanged",
                             nonce=lock.nonce, version=state.trust_root.version)
                return
        else:
            world.record(self.actor, "attack.failed", reason="timeout", nonce=lock.nonce)
            return
        root = state.trust_root
        world.record(self.actor, "attack.root_replaced", version=root.version,
                     signers=list(root.signers))
        message = self.adversary.fabricated_message(self.params.amount, self.params.recipient)
        digest = message.digest(root.version)
        certificate = Certificate(
            message, root.version, root.scheme, tuple(key.sign_digest(digest) for key in keys),
            tuple(range(len(keys))),
        )
        self.adversary.submit_mint(certificate, self.actor)
