"""The contracts EVM mode deploys: the shipped bridge contract (`ShippedContract`, every
transaction type through contracts/bridge.vy) or the user's own (evm/byo.py), and
`contract_chain`, the settlement chain a scenario's `[settlement]` section asks for.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bridgelab.core.world import World
from bridgelab.evm.abi import Unrepresentable
from bridgelab.evm.bridge import EvmBridge
from bridgelab.evm.onchain import ContractChain, ContractDisagreement, contract_record
from bridgelab.scenario.errors import ScenarioError
from bridgelab.scenario.model import Scenario
from bridgelab.settlement.bridge_contract import BridgeState, due_nonces
from bridgelab.settlement.transactions import (
    BurnTx,
    ChallengeTx,
    MintTx,
    PauseTx,
    ProveAndMintTx,
    RotateTx,
    Transaction,
    UpgradeTx,
    VetoTx,
)

# Each transaction type and the EvmBridge transition (`process_<name>`) that runs it.
FUNCTIONS: dict[type, str] = {
    MintTx: "mint",
    ProveAndMintTx: "prove_and_mint",
    BurnTx: "burn",
    RotateTx: "rotate",
    PauseTx: "pause",
    UpgradeTx: "upgrade",
    ChallengeTx: "challenge",
    VetoTx: "veto",
}


class ShippedContract:
    """contracts/bridge.vy (the variant of the scenario's flaws) behind `EvmBridge`."""

    name = "bridge.vy"
    queues = True

    def __init__(self, bridge: EvmBridge) -> None:
        self.bridge = bridge
        self.code_sha256 = hashlib.sha256(bridge.machine.code(bridge.address)).hexdigest()

    @property
    def last_gas(self) -> int:
        return self.bridge.last_gas

    def function(self, tx: Transaction) -> str | None:
        return FUNCTIONS.get(type(tx))

    def execute(self, function: str, tx: Transaction, now: float) -> object:
        return getattr(self.bridge, f"process_{function}")(tx, now)

    def due(self, state: BridgeState, now: float) -> list[dict[str, Any]]:
        """Call the contract's public timed functions when the model's schedule says they
        have work (anyone may call them; the chain calls them before a block's transactions),
        and check that the contract did the same work."""
        records = []
        pending = state.pending_root
        if pending is not None and pending.due <= now:
            installed = self.bridge.process_due_root(now)
            records.append(contract_record("", "apply_due_root", self.bridge.last_gas))
            if installed is None or installed.root.version != pending.root.version:
                raise ContractDisagreement(f"apply_due_root at {now}: the model installs"
                                           f" version {pending.root.version}, the EVM did not")
        nonces = due_nonces(state, now)
        if nonces:
            executed = [event.nonce for event, _item in self.bridge.process_due_mints(now)]
            records.append(contract_record("", "execute_due", self.bridge.last_gas))
            if executed != nonces:
                raise ContractDisagreement(f"execute_due at {now}: the model executes"
                                           f" {nonces}, the EVM {executed}")
        return records

    def snapshot(self) -> object:
        return self.bridge.snapshot()

    def restore(self, snapshot: object) -> None:
        self.bridge.restore(snapshot)  # type: ignore[arg-type]


def contract_chain(
    world: World, state: BridgeState, scenario: Scenario, base_dir: Path | None
) -> ContractChain:
    """The settlement chain with the scenario's contract deployed at time 0."""
    settlement = scenario.settlement
    source = settlement.contract_source
    try:
        if source is not None:
            from bridgelab.evm.byo import user_contract

            contract = user_contract(source, state, base_dir, settlement.evm_engine)
        else:
            contract = ShippedContract(_shipped(state, scenario))
    except Unrepresentable as exc:
        raise ScenarioError("scenario", "settlement.contract",
                            "a deployment the contract's ABI can carry", str(exc)) from None
    reorgs = settlement.reorgs
    can_reorg = (reorgs.probability > 0 and reorgs.max_depth > 0) or any(
        attack.kind == "settlement.reorg" for attack in scenario.attacks
    )
    return ContractChain(world, state, contract, can_reorg)


def _shipped(state: BridgeState, scenario: Scenario) -> EvmBridge:
    limits = scenario.bridge.limits
    bucket = None
    if limits.rate_capacity is not None:
        bucket = (limits.rate_capacity, limits.rate_per_second)
    return EvmBridge(
        state.trust_root, state.verifier, state.escrow_contract, state.limits, bucket,
        guardian=state.guardian, admin=state.admin, watcher=state.watchers[0],
        rotation_timelock=state.rotation_timelock, accountant=state.accountant, now=0.0,
        engine=scenario.settlement.evm_engine,
    )
