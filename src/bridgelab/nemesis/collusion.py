"""Committee collusion: members sign a lock that never happened and submit the certificate.

With a correct verifier a minority certificate reverts; with a flawed one it mints unbacked
tokens, which the monitor must catch.
"""

from __future__ import annotations

import simpy

from bridgelab.consortium.escrow import ESCROW_CONTRACT
from bridgelab.core.world import World
from bridgelab.custody.base import MINT_STORAGE_GAS, Custody
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.scenario.model import Attack
from bridgelab.settlement.bridge_contract import MintTx
from bridgelab.settlement.chain import SettlementChain
from bridgelab.settlement.fees import gwei

FABRICATED_NONCE_BASE = 1_000_000_000


class FabricatedLock:
    """At `attack.at`, the named members endorse a fabricated lock; the adversary submits it."""

    def __init__(
        self,
        world: World,
        index: int,
        attack: Attack,
        custody: Custody,
        settlement: SettlementChain,
        trust_root_version: int,
    ) -> None:
        self.world = world
        self.index = index
        self.attack = attack
        self.custody = custody
        self.settlement = settlement
        self.trust_root_version = trust_root_version
        self.actor = f"adversary-{index}"

    def start(self) -> None:
        self.world.env.process(self._run())

    def _run(self) -> simpy.events.ProcessGenerator:
        attack = self.attack
        env = self.world.env
        yield env.timeout(attack.at)
        fake_hash = (
            self.world.streams.get(f"nemesis/{self.index}").getrandbits(256).to_bytes(32, "big")
        )
        message = BridgeMessage(
            "deposit",
            FABRICATED_NONCE_BASE + self.index,
            self.world.scenario.workload.asset,
            attack.amount,
            self.actor,
            attack.recipient,
            ESCROW_CONTRACT,
            0,
            fake_hash,
        )
        digest = message.digest(self.trust_root_version)
        members = sorted(set(attack.members))
        signatures = tuple(self.custody.endorse(member, digest) for member in members)
        certificate = Certificate(
            message, self.trust_root_version, self.custody.scheme, signatures, tuple(members)
        )
        self.world.record(
            self.actor,
            "fault.start",
            attack=attack.kind,
            members=members,
            nonce=message.nonce,
            amount=attack.amount,
        )
        verification_gas = self.custody.verification_gas(certificate)
        gas = verification_gas + MINT_STORAGE_GAS
        self.settlement.submit(
            MintTx(
                f"{self.actor}/tx1", self.actor, certificate, gas, gwei(100.0), env.now,
                verification_gas,
            )
        )
