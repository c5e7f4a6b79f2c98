"""Build the bridge's model parts from a scenario: custody, the two chains' contracts,
the committee members and relayers, and the network links between them.

The runner assembles them into a `Bridge` (runner.build) and arms it with the watcher,
the L2 gateway and the attacks; nothing here knows of those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridgelab.actors.committee import CommitteeMember
from bridgelab.actors.ledger import SignedLedger
from bridgelab.actors.relayer import Relayer
from bridgelab.consortium.chain import ConsortiumChain
from bridgelab.consortium.escrow import ESCROW_CONTRACT, EscrowState
from bridgelab.core.world import World
from bridgelab.custody.base import Custody
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.protocol.limits import TokenBucket
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.scenario.model import Limits as LimitsConfig
from bridgelab.scenario.model import Scenario
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BridgeState, Limits
from bridgelab.settlement.chain import NODE as SETTLEMENT_NODE
from bridgelab.settlement.chain import SettlementChain

# The version of the trust root the custody deploys at the start of a run.
TRUST_ROOT_VERSION = 1


def verifier_config(scenario: Scenario, threshold_override: int | None) -> VerifierConfig:
    committee = scenario.committee
    return VerifierConfig(threshold_override, tuple(scenario.bridge.flaws),
                          committee.bls_backend, committee.signatures)


def make_escrow(scenario: Scenario, root: Any) -> EscrowState:
    """The consortium's escrow contract: its verifier, KYC list, cap and rate limit."""
    kyc = None if scenario.consortium.kyc == "all" else frozenset(scenario.consortium.kyc)
    limits = scenario.bridge.limits
    return EscrowState(
        root, verifier_config(scenario, scenario.bridge.verifier.escrow_threshold_override),
        BRIDGE_CONTRACT, kyc, limits.per_transfer_cap, rate_bucket(limits),
    )


def make_bridge_state(scenario: Scenario, root: Any, consortium: ConsortiumChain) -> BridgeState:
    """The settlement bridge contract: verifier, limits, delays and the defences on it."""
    limits, defences = scenario.bridge.limits, scenario.defences
    delay_threshold, delay = limits.delay_threshold, limits.delay
    if defences.challenge_window > 0:
        # Optimistic mode: every mint waits out the challenge window.
        delay_threshold, delay = 1, max(delay, defences.challenge_window)
    bridge_state = BridgeState(
        root, verifier_config(scenario, scenario.bridge.verifier.threshold_override),
        ESCROW_CONTRACT,
        Limits(limits.per_transfer_cap, delay_threshold, delay), rate_bucket(limits),
        rotation_timelock=defences.rotation_timelock,
    )
    if defences.accountant:
        # A global accountant reads the escrow's books across chains before every mint.
        bridge_state.accountant = lambda asset: (
            consortium.escrow.locked_total.get(asset, 0)
            - consortium.escrow.released_total.get(asset, 0)
        )
    return bridge_state


def make_actors(
    world: World, scenario: Scenario, custody: Custody, consortium: ConsortiumChain,
    settlement: SettlementChain,
) -> tuple[list[CommitteeMember], list[Relayer]]:
    """The committee members (one signed ledger between them) and the relayers."""
    ledger = SignedLedger()
    members = [
        CommitteeMember(
            world, index, custody, consortium.validator_keys, settlement, TRUST_ROOT_VERSION,
            ledger,
        )
        for index in range(scenario.committee.members)
    ]
    member_nodes = [member.node for member in members]
    relayer_count = scenario.relayers.count
    relayers = [
        Relayer(world, index, relayer_count, custody, consortium, settlement, member_nodes,
                TRUST_ROOT_VERSION)
        for index in range(relayer_count)
    ]
    return members, relayers


def settlement_chain(
    world: World, bridge_state: BridgeState, scenario: Scenario, base_dir: Path | None
) -> SettlementChain:
    """The model's contract, or (`[settlement] contract = "evm"`) its bytecode in an EVM."""
    if scenario.settlement.contract == "evm":
        from bridgelab.evm.deployed import contract_chain

        return contract_chain(world, bridge_state, scenario, base_dir)
    return SettlementChain(world, bridge_state)


def rate_bucket(limits: LimitsConfig) -> TokenBucket | None:
    if limits.rate_capacity is None:
        return None
    return TokenBucket.full(limits.rate_capacity, limits.rate_per_second)


def make_custody(world: World, scenario: Scenario) -> Custody:
    """The scheme the scenario names, keys derived from the run's seed."""
    committee = scenario.committee
    required = tuple(committee.required)
    if committee.custody == "threshold-bls":
        custody = ThresholdBlsCustody(
            world.streams, committee.members, committee.threshold, required,
            committee.bls_backend, committee.signatures,
        )
        world.record(
            "custody", "custody.dkg", scheme=custody.scheme, n=committee.members,
            # What the DKG built, not what was asked of it. The checker reads the shares
            # needed from the commitments itself and holds them to the configured threshold.
            threshold=custody.key.shares_needed, group_key=custody.group_key.hex(),
            commitments=[commitment.hex() for commitment in custody.key.commitments],
            qualified=list(custody.dkg.qualified), disqualified=list(custody.dkg.disqualified),
            backend=committee.bls_backend,
        )
        return custody
    return MultisigCustody(
        world.streams, committee.members, committee.threshold, required, committee.signatures
    )


def wire_network(
    world: World,
    consortium: ConsortiumChain,
    settlement: SettlementChain,
    relayers: list[Relayer],
    member_nodes: list[str],
) -> None:
    network = world.network
    validator_nodes = [validator.node for validator in consortium.validators]
    network.connect_all(validator_nodes, validator_nodes)
    relayer_nodes = [relayer.node for relayer in relayers]
    network.connect_all(relayer_nodes, validator_nodes)
    network.connect_all(relayer_nodes, member_nodes)
    network.connect_all(relayer_nodes, [SETTLEMENT_NODE])
    # Each relayer follows f + 1 validators, so f crashed validators cannot blind it.
    faulty = (len(validator_nodes) - 1) // 3
    for relayer in relayers:
        followed = [(relayer.index + offset) % len(validator_nodes) for offset in range(faulty + 1)]
        relayer.validator_nodes = [validator_nodes[i] for i in followed]
        for i in followed:
            consortium.validators[i].subscribers.append(relayer.node)
        settlement.subscribers.append(relayer.node)
    for link in world.scenario.network.links:
        group_a = _select(network.nodes, link.between[0])
        group_b = _select(network.nodes, link.between[1])
        for a in group_a:
            for b in group_b:
                if a != b and network.graph.has_edge(a, b):
                    network.connect(a, b, link.latency, link.loss)


def _select(nodes: dict, name_or_role: str) -> list[str]:
    return [name for name, node in nodes.items() if name_or_role in (name, node.role)]
