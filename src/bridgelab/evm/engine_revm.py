"""The revm engine: revm's interpreter (Rust, through pyrevm), metered as py-evm's Prague VM.

pyrevm 0.3.7 wraps revm 8, which knows Cancun, not Prague; and it keeps one journal open
across calls (a slot read by one call stays warm for the next, a slot's "original value" is
the one it had when first read, ever). Three things make its transactions those of a chain:

- **Each transaction starts cold.** The state of record lives in revm's database, below the
  journal. A transaction runs inside a checkpoint; the storage slots it wrote are read back,
  the checkpoint is reverted (the journal is empty again: every account and slot cold, every
  original value the committed one) and the written values go to the database.
- **EIP-7623's calldata floor** (Prague) is added here, by py-evm's own formula.
- **No EIP-2537 precompile**: a contract that calls one needs the py-evm engine, which
  `machine.choose_engine` picks for threshold BLS. As a second guard, a transaction that
  succeeded after reaching an EIP-2537 address raises `MissingPrecompile` (revm ran no
  precompile there); one that reverted leaves no trace in the journal to find.

Revert data comes in the text of pyrevm's error (`Revert { gas_used: .., output: 0x.. }`);
the written slots in the text of its journal (`StorageChange { .., key: .., had_value:
Some(..) }`). Both formats are pyrevm 0.3.7's, pinned in pyproject.toml, and
tests/evm/test_evm_engines.py fails if either changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from bridgelab.evm.machine import (
    BLOCK_GAS_LIMIT,
    CHAIN_ID,
    TX_GAS_LIMIT,
    Outcome,
    revert_reason,
)

# revm 8's newest fork with every rule the contract meets on a Prague chain but EIP-7623.
SPEC = "CANCUN"
# EIP-7623 (Prague): every transaction pays at least 21,000 + 10 gas per calldata token.
TX_BASE_GAS = 21_000
FLOOR_GAS_PER_TOKEN = 10
NONZERO_BYTE_TOKENS = 4
MAX_REFUND_QUOTIENT = 5  # EIP-3529
_WRITE = re.compile(rb"StorageChange \{ address: 0x([0-9a-f]{40}), key: (\d+), had_value: Some")
# A call to 0x0b..0x11 (EIP-2537) loads an empty account where revm 8 has no precompile.
_BLS_PRECOMPILE = re.compile(rb"AccountLoaded \{ address: 0x(0{38}(?:0[b-f]|1[01])) \}")
_FAILED = re.compile(r"(Revert|Halt) \{")
_OUTPUT = re.compile(r"\boutput: 0x([0-9a-f]*)")


class MissingPrecompile(RuntimeError):
    """A contract called an EIP-2537 precompile, which revm 8 does not have."""


class RevmGasUnknown(RuntimeError):
    """A transaction whose refund revm capped where EIP-7623's floor applies: py-evm's gas
    for it depends on the uncapped refund, which revm does not report."""


def calldata_floor(data: bytes) -> int:
    zeros = data.count(0)
    tokens = zeros + NONZERO_BYTE_TOKENS * (len(data) - zeros)
    return TX_BASE_GAS + FLOOR_GAS_PER_TOKEN * tokens


def prague_gas_used(data: bytes, gas_used: int, refund: int) -> int:
    """py-evm's Prague gas for a transaction revm metered as `gas_used` after `refund`
    (already capped at a fifth of the gas spent). py-evm adds the floor's shortfall (against
    the gas spent less the capped refund) to the gas spent, then takes the refund again,
    capped at a fifth of that sum but from the *uncapped* refund (`calc_data_floor_gas`,
    `finalize_gas_used`): exact here unless the floor applies and the cap bound, where the
    uncapped refund, which revm does not report, would decide."""
    spent = gas_used + refund
    floor = calldata_floor(data)
    shortfall = max(floor - (spent - refund), 0)
    if shortfall and refund and refund >= spent // MAX_REFUND_QUOTIENT:
        raise RevmGasUnknown(
            "revm cannot meter this transaction as a Prague chain does (a capped refund"
            " under EIP-7623's floor): run it with [settlement] evm_engine = 'py-evm'")
    consumed = spent + shortfall
    return consumed - min(refund, consumed // MAX_REFUND_QUOTIENT)


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


@dataclass(slots=True)
class _Committed:
    """The state of record: what revm's database holds, kept here too for snapshots."""

    code: dict[bytes, bytes] = field(default_factory=dict)
    storage: dict[tuple[bytes, int], int] = field(default_factory=dict)
    nonces: dict[bytes, int] = field(default_factory=dict)

    def copy(self) -> _Committed:
        return _Committed(dict(self.code), dict(self.storage), dict(self.nonces))


class RevmMachine:
    """revm, one committed state, each transaction in its own block, cold."""

    engine = "revm"

    def __init__(self) -> None:
        self._block = 1
        self._committed = _Committed()
        self._evm = self._fresh_evm()
        # The slots the last transaction wrote (address, slot) -> value, for comparisons.
        self.last_writes: dict[tuple[bytes, int], int] = {}

    @staticmethod
    def _fresh_evm() -> EVM:
        # Created code kept raw: analysed code comes back padded from `get_code`.
        cfg = CfgEnv(chain_id=CHAIN_ID, perf_analyse_created_bytecodes="Raw")
        env = Env(cfg=cfg, block=_block_env(1, 0))
        # `gas_limit` is the block's (GASLIMIT); each call passes the transaction's own.
        return EVM(env=env, gas_limit=BLOCK_GAS_LIMIT, spec_id=SPEC)

    # -- transactions ---------------------------------------------------------------------

    def transact(self, sender: bytes, to: bytes, data: bytes, timestamp: int) -> Outcome:
        if timestamp < 0 or int(timestamp) != timestamp:
            raise ValueError(f"EVM timestamps are whole seconds, found {timestamp!r}")
        self._block += 1
        self._evm.set_block_env(_block_env(self._block, int(timestamp)))
        return self._run(sender, to, data, commit=True)

    def call(self, sender: bytes, to: bytes, data: bytes) -> Outcome:
        return self._run(sender, to, data, commit=False)

    def _run(self, sender: bytes, to: bytes, data: bytes, commit: bool) -> Outcome:
        evm = self._evm
        checkpoint = evm.snapshot()
        try:
            try:
                output = bytes(evm.message_call(_hex(sender), _hex(to), data, gas=TX_GAS_LIMIT))
                success = True
            except RuntimeError as failed:
                output, success = _failure_output(str(failed)), False
            result = evm.result
            writes = self._written(success and commit)
        finally:
            evm.revert(checkpoint)
        self._store(writes)
        self.last_writes = writes
        gas = prague_gas_used(data, result.gas_used, result.gas_refunded)
        if success:
            return Outcome(True, gas, output, None)
        return Outcome(False, gas, output, revert_reason(output))

    def _written(self, keep: bool) -> dict[tuple[bytes, int], int]:
        """The slots the open transaction wrote, with their values now, when `keep` (in
        sorted order: the journal's text lists accounts in hash-map order). Refuses a
        transaction that reached an EIP-2537 address: revm would have run no precompile."""
        evm = self._evm
        journal = evm.journal_str.encode()
        start = journal.rfind(b"journal: [")
        missing = _BLS_PRECOMPILE.search(journal, start)
        if missing is not None:
            raise MissingPrecompile(
                f"the contract called 0x{missing[1].decode()}, an EIP-2537 precompile revm"
                " does not have: run it with [settlement] evm_engine = 'py-evm' or 'auto'")
        if not keep:
            return {}
        keys = sorted({(bytes.fromhex(m[1].decode()), int(m[2]))
                       for m in _WRITE.finditer(journal, start)})
        return {(address, key): evm.storage(_hex(address), key) for address, key in keys}

    def _store(self, writes: dict[tuple[bytes, int], int]) -> None:
        """Write slots to the database, below the journal. pyrevm's insert writes the
        database only while the account is not in the journal, and loads it there: each
        insert runs in a checkpoint of its own, reverted (the account cold again)."""
        evm = self._evm
        for (address, key), value in writes.items():
            checkpoint = evm.snapshot()
            try:
                evm.insert_account_storage(_hex(address), key, value)
            finally:
                evm.revert(checkpoint)
        self._committed.storage.update(writes)

    # -- accounts -------------------------------------------------------------------------

    def deploy(self, sender: bytes, initcode: bytes, timestamp: int = 0) -> bytes:
        from eth._utils.address import generate_contract_address

        nonce = self._committed.nonces.get(sender, 0)
        self._block += 1  # a deployment is a transaction in a block of its own, as in py-evm
        self._evm.set_block_env(_block_env(self._block, int(timestamp)))
        evm = self._evm
        checkpoint = evm.snapshot()
        try:
            address = bytes.fromhex(evm.deploy(_hex(sender), initcode, gas=TX_GAS_LIMIT)[2:])
            runtime = bytes(evm.get_code(_hex(address)) or b"")
            writes = self._written(True)
        except RuntimeError as failed:
            raise RuntimeError(f"deployment failed: {failed}") from None
        finally:
            evm.revert(checkpoint)
        if address != generate_contract_address(sender, nonce) or not runtime:
            raise RuntimeError("deployment failed: no code at the expected address")
        self._set_nonce(sender, nonce + 1)
        self.set_code(address, runtime)
        self._store(writes)
        return address

    def code(self, address: bytes) -> bytes:
        return self._committed.code.get(address, b"")

    def storage(self, address: bytes, slot: int) -> int:
        return self._committed.storage.get((address, slot), 0)

    def set_code(self, address: bytes, code: bytes) -> None:
        self._committed.code[address] = code
        self._put_account(address)

    def _set_nonce(self, address: bytes, nonce: int) -> None:
        self._committed.nonces[address] = nonce
        self._put_account(address)

    def _put_account(self, address: bytes) -> None:
        # The journal is empty between transactions: the account info goes to the database.
        committed = self._committed
        info = AccountInfo(nonce=committed.nonces.get(address, 1 if address in committed.code
                                                      else 0),
                           code=committed.code.get(address))
        self._evm.insert_account_info(_hex(address), info)

    # -- reorgs ---------------------------------------------------------------------------

    def snapshot(self) -> _Committed:
        return self._committed.copy()

    def restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, _Committed)
        self._committed = snapshot.copy()
        self._evm = self._fresh_evm()
        for address in sorted(set(snapshot.code) | set(snapshot.nonces)):
            self._put_account(address)
        self._store(dict(snapshot.storage))


def _block_env(number: int, timestamp: int) -> BlockEnv:
    return BlockEnv(number=number, coinbase="0x" + "00" * 20, timestamp=timestamp,
                    difficulty=0, prevrandao=bytes(32), basefee=0, gas_limit=BLOCK_GAS_LIMIT,
                    excess_blob_gas=0)


def _failure_output(text: str) -> bytes:
    """The return data of a reverted or halted call, from pyrevm's error text."""
    if _FAILED.match(text) is None:
        raise RuntimeError(f"revm refused the transaction: {text}")
    output = _OUTPUT.search(text)
    return bytes.fromhex(output[1]) if output else b""
