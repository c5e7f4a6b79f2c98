"""The EVM seam: one small interface (`Machine`), two engines behind it.

- "py-evm" (evm/engine_pyevm.py): py-evm's Prague VM, every EIP-2537 BLS12-381 precompile.
  The reference: slow (a Python opcode interpreter), complete.
- "revm" (evm/engine_revm.py): revm through pyrevm, an interpreter in Rust. It has no
  EIP-2537 precompile, so it serves only contracts that never call one (multisig custody).

Both meter gas under the same rules (Prague: EIP-7623's calldata floor, EIP-2929 cold and
warm access, EIP-3529 refunds) and give the same outcome, gas and storage for the same
transaction; tests/evm/test_evm_engines.py runs every shipped EVM-mode scenario's
transactions and generated certificates on both and compares.

`[settlement] evm_engine` chooses: "auto" (revm where the contract needs no BLS precompile,
py-evm elsewhere), or one by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from typing import Protocol

from eth_abi import decode as abi_decode
from eth_utils import keccak

CHAIN_ID = 1337
BLOCK_GAS_LIMIT = 60_000_000
TX_GAS_LIMIT = 30_000_000
ERROR_SELECTOR = bytes.fromhex("08c379a0")
ENGINES = ("auto", "py-evm", "revm")


def actor_address(name: str) -> bytes:
    """The account a model actor (a relayer, the guardian, a user) sends from: the contract
    derives a recipient's account the same way (`_holder`)."""
    return keccak(b"bridgelab/account/" + name.encode("utf-8"))[12:]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One transaction: its gas, and its return data or revert reason."""

    success: bool
    gas_used: int
    output: bytes
    reason: str | None

    def decode(self, types: list[str]) -> tuple:
        return abi_decode(types, self.output)


class Machine(Protocol):
    """An in-process EVM with one state; each transaction runs in its own block, at a
    timestamp the caller gives (the simulated time)."""

    engine: str

    def transact(self, sender: bytes, to: bytes, data: bytes, timestamp: int) -> Outcome: ...

    def call(self, sender: bytes, to: bytes, data: bytes) -> Outcome:
        """A read on the latest state; its changes are dropped."""

    def deploy(self, sender: bytes, initcode: bytes, timestamp: int = 0) -> bytes:
        """The new contract's address; RuntimeError when the deployment fails."""

    def code(self, address: bytes) -> bytes: ...

    def storage(self, address: bytes, slot: int) -> int: ...

    def set_code(self, address: bytes, code: bytes) -> None:
        """Replace a contract's code and keep its storage (an upgrade behind a proxy)."""

    def snapshot(self) -> object:
        """A name for the whole state, to `restore` after a reorg."""

    def restore(self, snapshot: object) -> None: ...


def choose_engine(setting: str, needs_bls_precompiles: bool) -> str:
    """The engine a run uses: `setting` ("auto", "py-evm" or "revm") for a contract that does
    or does not call the EIP-2537 precompiles. ValueError when revm is asked for where it
    cannot run the contract."""
    if setting not in ENGINES:
        raise ValueError(f"evm_engine: expected one of {ENGINES}, found {setting!r}")
    if setting == "auto":
        # Without pyrevm installed, auto runs py-evm: the same outcomes and gas, slower.
        fast = find_spec("pyrevm") is not None and not needs_bls_precompiles
        return "revm" if fast else "py-evm"
    if setting == "revm" and needs_bls_precompiles:
        raise ValueError("evm_engine: 'revm' has no EIP-2537 BLS12-381 precompile; "
                         "threshold BLS needs 'py-evm' or 'auto'")
    return setting


def new_machine(engine: str, fast_precompiles: bool = True) -> Machine:
    """A fresh machine of `engine` ("py-evm" or "revm"; resolve "auto" with
    `choose_engine` first). `fast_precompiles`: py-evm's BLS precompiles served by arkworks."""
    if engine == "py-evm":
        from bridgelab.evm.engine_pyevm import PyEvmMachine

        return PyEvmMachine(fast_precompiles)
    if engine == "revm":
        from bridgelab.evm.engine_revm import RevmMachine

        return RevmMachine()
    raise ValueError(f"no EVM engine {engine!r}: expected 'py-evm' or 'revm'")


def revert_reason(output: bytes) -> str:
    """The reason string of a `raise "reason"` / `assert ..., "reason"`; 'reverted' for a
    revert without one (an out-of-gas, a failed precompile the contract did not catch)."""
    if output[:4] == ERROR_SELECTOR:
        (reason,) = abi_decode(["string"], output[4:])
        return reason
    return "reverted"
