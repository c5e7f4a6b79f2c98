"""`DualMachine`: both EVM engines side by side behind the `Machine` interface. Every
transaction, read, deployment, upgrade and restore runs on py-evm (the reference) and on revm;
any difference in outcome, revert reason, return data, gas or storage raises
`EngineDisagreement` at the transaction that caused it. Storage: after each transaction the
slots revm wrote are read in py-evm; every `WHOLE_EVERY` transactions, after a deployment and
after a restore, the whole storage is compared (the contract's storage root in py-evm against
the root of revm's committed slots), which also catches a slot only py-evm wrote."""

from __future__ import annotations

from collections import Counter

import rlp
from eth_utils import keccak
from trie import HexaryTrie

from bridgelab.evm.engine_pyevm import PyEvmMachine
from bridgelab.evm.engine_revm import RevmMachine
from bridgelab.evm.machine import Outcome

# What the dual machines of a test session compared, by kind (printed at the end).
COMPARED: Counter[str] = Counter()
WHOLE_EVERY = 25


class EngineDisagreement(AssertionError):
    pass


def revm_storage_root(machine: RevmMachine, address: bytes) -> bytes:
    """The storage trie root of `address` from revm's committed slots (zeros are absent)."""
    trie = HexaryTrie({})
    for (owner, slot), value in sorted(machine.snapshot().storage.items()):
        if owner == address and value:
            trie[keccak(slot.to_bytes(32, "big"))] = rlp.encode(value)
    return trie.root_hash


def pyevm_storage_root(machine: PyEvmMachine, address: bytes) -> bytes:
    machine.state.lock_changes()
    accounts = machine.state._account_db
    accounts.make_state_root()  # folds pending storage writes into the account's root
    return accounts._get_storage_root(address)


class DualMachine:
    """py-evm and revm, one transaction at a time, compared. Returns revm's results."""

    engine = "revm"

    def __init__(self, fast_precompiles: bool = True) -> None:
        self.reference = PyEvmMachine(fast_precompiles)
        self.fast = RevmMachine()
        self.contracts: list[bytes] = []

    def _agree(self, what: str, reference: object, fast: object) -> None:
        if reference != fast:
            raise EngineDisagreement(f"{what}: py-evm {reference!r} != revm {fast!r}")

    def check_storage(self) -> None:
        """Compare the whole storage now (a run's or a session's end)."""
        self._same_storage("the end")

    def _same_storage(self, what: str) -> None:
        for address in self.contracts:
            self._agree(f"{what}: storage root of 0x{address.hex()}",
                        pyevm_storage_root(self.reference, address),
                        revm_storage_root(self.fast, address))
            COMPARED["whole storage"] += 1

    def transact(self, sender: bytes, to: bytes, data: bytes, timestamp: int) -> Outcome:
        reference = self.reference.transact(sender, to, data, timestamp)
        fast = self.fast.transact(sender, to, data, timestamp)
        what = f"transaction 0x{data[:4].hex()} at {timestamp}"
        self._agree(what, reference, fast)
        COMPARED["transactions"] += 1
        COMPARED["reverts" if not fast.success else "accepted"] += 1
        for (address, slot), value in self.fast.last_writes.items():
            self._agree(f"{what}: slot {slot}", self.reference.storage(address, slot), value)
            COMPARED["slots written"] += 1
        if COMPARED["transactions"] % WHOLE_EVERY == 0:
            self._same_storage(what)
        return fast

    def call(self, sender: bytes, to: bytes, data: bytes) -> Outcome:
        reference = self.reference.call(sender, to, data)
        fast = self.fast.call(sender, to, data)
        self._agree(f"read 0x{data[:4].hex()}", reference, fast)
        COMPARED["reads"] += 1
        return fast

    def deploy(self, sender: bytes, initcode: bytes, timestamp: int = 0) -> bytes:
        address = self.reference.deploy(sender, initcode, timestamp)
        self._agree("deployed address", address, self.fast.deploy(sender, initcode, timestamp))
        self.contracts.append(address)
        self._agree("deployed code", self.reference.code(address), self.fast.code(address))
        self._same_storage("deployment")
        return address

    def code(self, address: bytes) -> bytes:
        code = self.fast.code(address)
        self._agree("code", self.reference.code(address), code)
        return code

    def storage(self, address: bytes, slot: int) -> int:
        value = self.fast.storage(address, slot)
        self._agree(f"slot {slot}", self.reference.storage(address, slot), value)
        return value

    def set_code(self, address: bytes, code: bytes) -> None:
        self.reference.set_code(address, code)
        self.fast.set_code(address, code)
        COMPARED["upgrades"] += 1

    def snapshot(self) -> tuple[object, object]:
        return self.reference.snapshot(), self.fast.snapshot()

    def restore(self, snapshot: object) -> None:
        reference, fast = snapshot  # type: ignore[misc]
        self.reference.restore(reference)
        self.fast.restore(fast)
        COMPARED["restores"] += 1
        self._same_storage("restore")


def dual_machine(engine: str, fast_precompiles: bool = True) -> DualMachine:
    """A stand-in for `machine.new_machine`: both engines, whatever was chosen."""
    return DualMachine(fast_precompiles)
