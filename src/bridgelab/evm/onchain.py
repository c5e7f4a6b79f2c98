"""EVM mode (`[settlement] contract = "evm"`): the settlement chain runs its bridge contract
as bytecode in an in-process EVM, at each block's timestamp (the simulated time).

`ContractChain` is the settlement chain with its two contract hooks pointed at a deployed
contract. The bytecode executes every transaction it handles first, and its verdict is final:
a revert reverts, with the contract's reason. An accepted transaction is then applied to the
model's `BridgeState`, which the rest of the simulation reads (balances, used nonces, the
trust root): the model's state follows the chain, never the reverse. When the model would
have refused what the contract accepted (the user's own contract may be flawed), the model
records the contract's mint without its own checks and the history notes the divergence;
the checker, which re-verifies every mint from the history alone, judges it.

Every EVM transaction adds a `contract.tx` record: the function called, the gas the EVM
metered and the outcome. A reorg restores the EVM state of the fork point (a state root is
kept for every block that changed it, back to the last final one).
"""

from __future__ import annotations

from typing import Any, Protocol

from bridgelab.core.world import World
from bridgelab.evm.abi import Unrepresentable
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.tables import add_to
from bridgelab.settlement.bridge_contract import (
    BridgeState,
    DelayedMint,
    MintEvent,
    MintQueued,
)
from bridgelab.settlement.chain import SettlementChain
from bridgelab.settlement.execution import BlockEffects, TxType, _note_mint, execute_due
from bridgelab.settlement.transactions import MintTx, ProveAndMintTx, Transaction

UNREPRESENTABLE = "calldata_unrepresentable"
NODE_SOURCE = "bridge"


class ContractDisagreement(AssertionError):
    """The shipped contract accepted a transaction the model refuses (a bug in one of them;
    the differential tests exist to keep this from happening)."""


class DeployedContract(Protocol):
    """What the chain needs of a contract in the EVM (evm/deployed.py, evm/byo.py)."""

    name: str
    code_sha256: str
    last_gas: int
    # Whether the contract queues a mint behind a delay of its own (bridge.vy); one that
    # does not (a user's contract) has minted once it accepts.
    queues: bool

    def function(self, tx: Transaction) -> str | None:
        """The function `tx` calls, or None when the contract does not handle it (the
        model executes it alone)."""

    def execute(self, function: str, tx: Transaction, now: float) -> object:
        """Run `tx`; the model's kind of result, or `Revert(check)`."""

    def due(self, state: BridgeState, now: float) -> list[dict[str, Any]]:
        """The contract's own timed transitions at `now`: one `contract.tx` record each."""

    def snapshot(self) -> object: ...

    def restore(self, snapshot: object) -> None: ...


def contract_record(
    tx_id: str, function: str, gas: int, check: str | None = None
) -> dict[str, Any]:
    return {"tx": tx_id, "function": function, "gas": gas, "ok": check is None,
            "check": check}


class ContractChain(SettlementChain):
    """The settlement chain whose bridge contract is EVM bytecode."""

    def __init__(
        self, world: World, bridge: BridgeState, contract: DeployedContract, reorgs: bool
    ) -> None:
        """`reorgs`: whether the scenario can reorg the chain (then EVM states are kept)."""
        super().__init__(world, bridge)
        self.contract = contract
        self.reorgs = reorgs
        # (block number, EVM state) after each block that changed it; -1: the deployment.
        # Saving a state writes the EVM's trie: done only when a reorg may need it.
        self._states: list[tuple[int, object]] = [(-1, contract.snapshot())] if reorgs else []
        self._changed = False

    def start(self) -> None:
        # The user's contract also names its source files and their SHA-256: a saved copy
        # of the scenario is checked against them (report/store.py materialize).
        files = getattr(self.contract, "files", None)
        extra = {"files": dict(sorted(files.items()))} if files else {}
        self.world.record(NODE_SOURCE, "contract.deployed", contract=self.contract.name,
                          code_sha256=self.contract.code_sha256, **extra)
        super().start()

    # -- the contract's hooks ---------------------------------------------------------------

    def _execute_due(self, now: float, effects: BlockEffects) -> None:
        for fields in self.contract.due(self.bridge, now):
            self._changed = True
            effects.records.append(("contract.tx", fields))
        execute_due(self.bridge, now, effects)

    def _apply(
        self, tx_type: TxType, tx: Transaction, fee_paid: int, now: float, effects: BlockEffects
    ) -> None:
        contract = self.contract
        function = contract.function(tx)
        if function is None:
            tx_type.execute(self.bridge, tx, fee_paid, now, effects)
            return
        self._changed = True
        try:
            result = contract.execute(function, tx, now)
        except Unrepresentable:
            # Call data the contract's ABI cannot carry never reaches its code.
            effects.records.append(("contract.tx", contract_record(
                tx.tx_id, function, 0, UNREPRESENTABLE)))
            raise Revert(UNREPRESENTABLE) from None
        except Revert as revert:
            effects.records.append(("contract.tx", contract_record(
                tx.tx_id, function, contract.last_gas, revert.check)))
            raise
        effects.records.append(("contract.tx", contract_record(
            tx.tx_id, function, contract.last_gas)))
        try:
            tx_type.execute(self.bridge, tx, fee_paid, now, effects)
        except Revert as refused:
            follow_mint(self.bridge, tx, result, fee_paid, refused.check, effects)
            return
        if not contract.queues and isinstance(result, MintEvent):
            self._mint_the_model_queued(tx, result, fee_paid, effects)

    def _mint_the_model_queued(
        self, tx: Transaction, minted: MintEvent, fee_paid: int, effects: BlockEffects
    ) -> None:
        """A contract with no queue minted at once what the model queued behind its delay
        (or challenge window): the history must hold the mint the chain made, not a queued
        one a model-only challenge could then cancel on paper."""
        state = self.bridge
        queued = state.delayed.get(minted.nonce)
        if queued is None or queued.tx_id != tx.tx_id:
            return
        del state.delayed[minted.nonce]
        effects.records[:] = [(kind, fields) for kind, fields in effects.records
                              if not (kind == "mint.queued" and fields.get("tx") == tx.tx_id)]
        follow_mint(state, tx, minted, fee_paid, "queued_by_the_model_only", effects)

    # -- blocks and reorgs ------------------------------------------------------------------

    def _produce(self, slot: int) -> None:
        self._changed = False
        super()._produce(slot)
        if self._changed and self.reorgs:
            self._states.append((self.tip_number, self.contract.snapshot()))
        self._forget_final_states()

    def _forget_final_states(self) -> None:
        """Keep one state at or below the final block (no reorg goes further back)."""
        states = self._states
        keep_from = 0
        for index, (number, _state) in enumerate(states):
            if number <= self.finalized_number:
                keep_from = index
        if keep_from:
            del states[:keep_from]

    def reorg(self, depth: int, cause: str = "fork-choice") -> int:
        depth = min(depth, len(self.blocks) - (self.finalized_number + 1))
        if depth <= 0:
            return 0
        assert self.reorgs, "a reorg in a scenario built without reorgs"
        fork = len(self.blocks) - depth - 1
        while len(self._states) > 1 and self._states[-1][0] > fork:
            self._states.pop()
        assert self._states[-1][0] <= fork, "the fork point's EVM state was forgotten"
        self.contract.restore(self._states[-1][1])
        return super().reorg(depth, cause)


def follow_mint(
    state: BridgeState,
    tx: Transaction,
    result: object,
    fee_paid: int,
    model_check: str,
    effects: BlockEffects,
) -> None:
    """The contract minted what the model refuses (`model_check`): record the mint as the
    chain made it, so the history holds it for the checker to judge."""
    if not isinstance(tx, MintTx | ProveAndMintTx) or not isinstance(
        result, MintEvent | MintQueued
    ):
        raise ContractDisagreement(
            f"the contract accepted {type(tx).__name__} {tx.tx_id} that the model refuses"
            f" ({model_check})"
        )
    effects.records.append(("contract.divergence", {
        "tx": tx.tx_id, "model_check": model_check,
        "nonce": result.nonce, "amount": result.amount,
    }))
    before = state.trust_root, state.pending_root
    if isinstance(result, MintQueued):
        certificate = _certificate(tx, state)
        state.delayed[result.nonce] = DelayedMint(certificate, (), result.due, tx.tx_id)
    else:
        state.minted_nonces.add(result.nonce)
        add_to(state.minted_total, result.asset, result.amount)
        add_to(state.balances, (result.recipient, result.asset), result.amount)
    _note_mint(state, result, tx, fee_paid, effects, *before)


def _certificate(tx: MintTx | ProveAndMintTx, state: BridgeState):
    from bridgelab.protocol.messages import Certificate

    if isinstance(tx, MintTx):
        return tx.certificate
    root = state.trust_root
    return Certificate(tx.message, root.version, root.scheme, ())
