"""The py-evm engine: py-evm's Prague VM, every EIP-2537 precompile (served by arkworks).

Every call is a transaction executed in a block whose timestamp is the simulated time, with
the gas the EVM itself meters (intrinsic gas, calldata at 4 gas per zero byte and 16 per
other byte, EIP-7623's floor, cold and warm access, refunds). `snapshot` and `restore` name
whole states by their state root, so a reorg can go back to any earlier block. This engine is
the reference the revm engine (evm/engine_revm.py) is tested against.
"""

from __future__ import annotations

from functools import cache

from eth import constants
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PRAGUE_PRECOMPILES, PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth.vm.spoof import SpoofTransaction

from bridgelab.evm.machine import (
    BLOCK_GAS_LIMIT,
    CHAIN_ID,
    TX_GAS_LIMIT,
    Outcome,
    revert_reason,
)
from bridgelab.evm.precompiles import FAST_PRECOMPILES


@cache
def _vm_class(fast_precompiles: bool) -> type[PragueVM]:
    if not fast_precompiles:
        return PragueVM
    precompiles = dict(PRAGUE_PRECOMPILES)
    for number, function in FAST_PRECOMPILES.items():
        precompiles[number.to_bytes(20, "big")] = function
    computation = type("FastPragueComputation", (PragueComputation,), {
        "_precompiles": precompiles,
    })
    state = type("FastPragueState", (PragueState,), {"computation_class": computation})
    return PragueVM.configure(__name__="FastPragueVM", _state_class=state)


class PyEvmMachine:
    """py-evm's Prague VM, one state, transactions at chosen timestamps."""

    engine = "py-evm"

    def __init__(self, fast_precompiles: bool = True) -> None:
        vm_class = _vm_class(fast_precompiles)
        chain_class = MiningChain.configure(
            __name__="BridgelabChain",
            vm_configuration=((constants.GENESIS_BLOCK_NUMBER, vm_class),),
            chain_id=CHAIN_ID,
        )
        genesis = {
            "difficulty": 0, "gas_limit": BLOCK_GAS_LIMIT, "timestamp": 0,
            "coinbase": constants.ZERO_ADDRESS, "extra_data": b"", "nonce": b"\x00" * 8,
            "mix_hash": constants.ZERO_HASH32, "base_fee_per_gas": 0,
        }
        self._chain = chain_class.from_genesis(AtomicDB(), genesis, {})
        self._vm = self._chain.get_vm()
        self.state = self._vm.state
        self._block = 1

    def _at(self, timestamp: int) -> None:
        """Execute the next transaction in a block at `timestamp` (the model's `now`)."""
        if timestamp < 0 or int(timestamp) != timestamp:
            raise ValueError(f"EVM timestamps are whole seconds, found {timestamp!r}")
        self._block += 1
        self.state.execution_context = ExecutionContext(
            coinbase=constants.ZERO_ADDRESS, timestamp=int(timestamp), block_number=self._block,
            difficulty=0, mix_hash=constants.ZERO_HASH32, gas_limit=BLOCK_GAS_LIMIT,
            prev_hashes=(), chain_id=CHAIN_ID, base_fee_per_gas=0, excess_blob_gas=0,
        )

    def transact(self, sender: bytes, to: bytes, data: bytes, timestamp: int) -> Outcome:
        self._at(timestamp)
        self.state.lock_changes()
        return self._apply(sender, to, data)

    def call(self, sender: bytes, to: bytes, data: bytes) -> Outcome:
        """A read: the transaction runs on the latest state and its changes are dropped.
        It starts cold, as a transaction does (without `lock_changes` it would inherit the
        previous transaction's warm accounts and slots)."""
        self.state.lock_changes()
        snapshot = self.state.snapshot()
        try:
            return self._apply(sender, to, data)
        finally:
            self.state.revert(snapshot)

    def _apply(self, sender: bytes, to: bytes, data: bytes) -> Outcome:
        state = self.state
        unsigned = self._vm.create_unsigned_transaction(
            nonce=state.get_nonce(sender), gas_price=0, gas=TX_GAS_LIMIT, to=to, value=0,
            data=data,
        )
        transaction = SpoofTransaction(unsigned, from_=sender)
        computation = state.apply_transaction(transaction)
        gas_used = type(self._vm).finalize_gas_used(transaction, computation)
        if computation.is_success:
            return Outcome(True, gas_used, computation.output, None)
        return Outcome(False, gas_used, computation.output, revert_reason(computation.output))

    def deploy(self, sender: bytes, initcode: bytes, timestamp: int = 0) -> bytes:
        from eth._utils.address import generate_contract_address

        address = generate_contract_address(sender, self.state.get_nonce(sender))
        outcome = self.transact(sender, b"", initcode, timestamp)
        if not outcome.success or not self.state.get_code(address):
            raise RuntimeError(f"deployment failed: {outcome.reason or 'no code'}")
        return address

    def snapshot(self) -> bytes:
        """The state root: everything the contract stores, and a name to restore it by."""
        self.state.lock_changes()
        self.state.persist()
        return self.state.state_root

    def restore(self, root: bytes) -> None:
        self.state = type(self.state)(
            self.state._db, self.state.execution_context, root
        )

    def code(self, address: bytes) -> bytes:
        return self.state.get_code(address)

    def storage(self, address: bytes, slot: int) -> int:
        return self.state.get_storage(address, slot)

    def set_code(self, address: bytes, code: bytes) -> None:
        """Replace a contract's code and keep its storage: what an upgrade behind a proxy
        does, with no proxy in the way of the gas measured."""
        self.state.set_code(address, code)

