"""Bring your own contract: the user's verifier, deployed in the in-process EVM, decides
every certificate a relayer submits (`[settlement.contract_source]`).

The contract comes as Vyper source (compiled here, offline) or as init code and ABI in a JSON
file; an adapter says how a certificate is submitted and what a revert means. The adapter is
either a table in the scenario (data only: a function name, argument names from
`SUBMIT_ARGS`, a table from revert reasons to check names) or a Python class named as
`module:Class`, imported from the scenario's directory. A Python adapter is code: it runs
with the rights of whoever runs the scenario, so name only a module you wrote or reviewed.
Nothing in a scenario or an adapter table is ever evaluated.

Only certificates (`MintTx`) go through the user's contract; burns, pauses, upgrades,
rotations and the delay queue stay the model's. The paths are relative to the scenario file
and must resolve inside its directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, get_args

from bridgelab.checker.api import module_files
from bridgelab.evm.abi import ContractAbi, address_or_zero, ecdsa_or_empty, g2_uncompressed
from bridgelab.evm.machine import actor_address, choose_engine, new_machine
from bridgelab.protocol.messages import Certificate, TrustRoot
from bridgelab.protocol.revert import Revert
from bridgelab.protocol.verifier import check_batch_inclusion
from bridgelab.safepaths import UnsafePathError, confined
from bridgelab.scenario.contract_schema import (
    AdapterMapping,
    ConstructorArg,
    ContractSource,
    SubmitArg,
)
from bridgelab.scenario.errors import ScenarioError
from bridgelab.settlement.bridge_contract import BRIDGE_CONTRACT, BridgeState, MintEvent
from bridgelab.settlement.transactions import MintTx, Transaction

DEPLOYER = "contract-deployer"
MAX_SOURCE_BYTES = 1024 * 1024
KEY = "settlement.contract_source"


def _signatures(cert: Certificate) -> list[bytes]:
    if cert.scheme == "threshold-bls":
        return [g2_uncompressed(signature) for signature in cert.signatures]
    return [ecdsa_or_empty(signature) for signature in cert.signatures]


def _digest(cert: Certificate) -> bytes:
    # What the submitter claims, if anything: the argument is the caller's to choose, and a
    # contract that trusts it is what `forge.unbound_digest` tests. Otherwise the batch digest
    # only once the message's path to the batch root checks: else a valid batch's signatures
    # would vouch for any message placed beside them.
    if cert.claimed_digest is not None:
        return cert.claimed_digest
    return cert.digest if check_batch_inclusion(cert) else cert.message_digest


# What a certificate offers a submit function: name -> (ABI type, value).
SUBMIT_ARGS: dict[str, tuple[str, Callable[[Certificate], object]]] = {
    "digest": ("bytes32", _digest),
    "message_digest": ("bytes32", lambda cert: cert.message_digest),
    "signatures": ("bytes[]", _signatures),
    "claimed_signers": ("address[]", lambda cert: [
        address_or_zero(signer) for signer in cert.claimed_signers]),
    "version": ("uint256", lambda cert: cert.trust_root_version),
    "nonce": ("uint256", lambda cert: cert.message.nonce),
    "amount": ("uint256", lambda cert: cert.message.amount),
    "asset": ("string", lambda cert: cert.message.asset),
    "sender": ("string", lambda cert: cert.message.sender),
    "recipient": ("string", lambda cert: cert.message.recipient),
    "source_contract": ("string", lambda cert: cert.message.source_contract),
    "direction": ("string", lambda cert: cert.message.direction),
}
# What the deployment offers the constructor.
CONSTRUCTOR_ARGS: dict[str, tuple[str, Callable[[TrustRoot, str], object]]] = {
    "signers": ("address[]", lambda root, _escrow: list(root.signers)),
    "threshold": ("uint256", lambda root, _escrow: root.threshold),
    "version": ("uint256", lambda root, _escrow: root.version),
    "required": ("uint256[]", lambda root, _escrow: list(root.required)),
    "escrow_contract": ("string", lambda _root, escrow: escrow),
}
assert set(SUBMIT_ARGS) == set(get_args(SubmitArg)), "the schema's vocabulary differs"
assert set(CONSTRUCTOR_ARGS) == set(get_args(ConstructorArg)), "the schema's vocabulary differs"


class Adapter(Protocol):
    """How a certificate is submitted to the user's contract and what a revert means. A
    Python adapter class takes the contract's ABI (a list of dicts) and provides these."""

    def constructor_args(self, root: TrustRoot, escrow_contract: str) -> tuple: ...

    def submit(self, certificate: Certificate) -> tuple[str, tuple]: ...

    def check_of(self, reason: str) -> str: ...


@dataclass(frozen=True, slots=True)
class TableAdapter:
    mapping: AdapterMapping

    def constructor_args(self, root: TrustRoot, escrow_contract: str) -> tuple:
        return tuple(CONSTRUCTOR_ARGS[name][1](root, escrow_contract)
                     for name in self.mapping.constructor.args)

    def submit(self, certificate: Certificate) -> tuple[str, tuple]:
        submit = self.mapping.submit
        return submit.function, tuple(SUBMIT_ARGS[name][1](certificate) for name in submit.args)

    def check_of(self, reason: str) -> str:
        return self.mapping.reverts.get(reason, self.mapping.unmapped)


class UserContract:
    """The user's contract: certificates only (see the module's docstring)."""

    def __init__(
        self, name: str, initcode: bytes, abi: list[dict], adapter: Adapter, state: BridgeState,
        engine: str = "auto",
    ) -> None:
        """`engine`: "auto" runs the user's contract in py-evm, which has every precompile
        (what it calls is not known in advance); "revm" when the user asks for it."""
        self.name = name
        self.adapter = adapter
        self.abi = ContractAbi(tuple(abi))
        self.machine = new_machine(choose_engine(engine, engine != "revm"))
        constructor = b""
        if "constructor" in self.abi.functions:
            constructor = self.abi.calldata(
                "constructor", *adapter.constructor_args(state.trust_root, state.escrow_contract)
            )
        self.address = self.machine.deploy(actor_address(DEPLOYER), initcode + constructor, 0)
        code = self.machine.code(self.address)
        self.code_sha256 = hashlib.sha256(code).hexdigest()
        self.last_gas = 0
        # The source files and their SHA-256 (`contract_files`), recorded at deployment.
        self.files: dict[str, str] = {}

    # A user's contract mints when it accepts: it has no queue the model could mirror.
    queues = False

    def function(self, tx: Transaction) -> str | None:
        return "mint" if isinstance(tx, MintTx) else None

    def execute(self, function: str, tx: Transaction, now: float) -> MintEvent:
        assert isinstance(tx, MintTx)
        cert = tx.certificate
        name, args = self.adapter.submit(cert)
        data = self.abi.calldata(name, *args)
        outcome = self.machine.transact(actor_address(tx.sender), self.address, data, int(now))
        self.last_gas = outcome.gas_used
        if not outcome.success:
            raise Revert(self.adapter.check_of(outcome.reason or "reverted"))
        message = cert.message
        # The contract does not say who signed: the checker recovers the signers itself.
        return MintEvent(BRIDGE_CONTRACT, message.nonce, message.asset, message.amount,
                         message.recipient, (), tx.tx_id, cert)

    def due(self, state: BridgeState, now: float) -> list[dict[str, Any]]:
        return []

    def snapshot(self) -> object:
        return self.machine.snapshot()

    def restore(self, snapshot: object) -> None:
        self.machine.restore(snapshot)


# -- loading -------------------------------------------------------------------------------


def _bad(key: str, expected: str, found: object) -> ScenarioError:
    return ScenarioError("scenario", f"{KEY}.{key}", expected, str(found))


def resolve(base_dir: Path | None, relative: str, key: str) -> Path:
    """`relative` under the scenario's directory; refused if it leaves it or is no file."""
    base = (base_dir or Path.cwd()).resolve()
    try:
        path = confined(base, base / relative)
    except UnsafePathError:
        raise _bad(key, "a path inside the scenario's directory", relative) from None
    if not path.is_file():
        raise _bad(key, "an existing file (relative to the scenario file)", relative)
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise _bad(key, f"a file of at most {MAX_SOURCE_BYTES} bytes", relative)
    return path


@cache
def compile_vyper(source: str) -> tuple[bytes, tuple[dict, ...]]:
    """Init code and ABI of a Vyper source (remembered for the process)."""
    from vyper.compiler import compile_code

    out = compile_code(source, output_formats=["bytecode", "abi"])
    return bytes.fromhex(out["bytecode"].removeprefix("0x")), tuple(out["abi"])


def _code(source: ContractSource, base_dir: Path | None) -> tuple[str, bytes, list[dict]]:
    if source.vyper is not None:
        path = resolve(base_dir, source.vyper, "vyper")
        try:
            initcode, abi = compile_vyper(path.read_text("utf-8"))
        except Exception as error:  # the compiler's many error types: the user's input
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise _bad("vyper", "a contract vyper 0.4.3 compiles",
                       f"{type(error).__name__}: {first[:200]}") from None
        return path.name, initcode, list(abi)
    assert source.bytecode is not None
    path = resolve(base_dir, source.bytecode, "bytecode")
    try:
        data = json.loads(path.read_text("utf-8"))
        initcode = bytes.fromhex(str(data["bytecode"]).removeprefix("0x"))
        abi = data["abi"]
    except (ValueError, KeyError, TypeError) as error:
        raise _bad("bytecode", 'a JSON object with "bytecode" (hex init code) and "abi"',
                   type(error).__name__) from None
    if not isinstance(abi, list) or not all(isinstance(entry, dict) for entry in abi):
        raise _bad("bytecode", 'an "abi" list of objects', type(abi).__name__)
    return path.name, initcode, abi


def _table_adapter(mapping: AdapterMapping, abi: ContractAbi) -> TableAdapter:
    """The adapter table, checked against the contract's ABI."""
    submit = mapping.submit
    if submit.function not in abi.functions:
        raise _bad("adapter.submit.function", "a function of the contract's ABI",
                   submit.function)
    _match("adapter.submit.args", [SUBMIT_ARGS[name][0] for name in submit.args],
           abi.functions[submit.function][1])
    if "constructor" in abi.functions:
        _match("adapter.constructor.args",
               [CONSTRUCTOR_ARGS[name][0] for name in mapping.constructor.args],
               abi.functions["constructor"][1])
    return TableAdapter(mapping)


def _match(key: str, offered: list[str], inputs: tuple[str, ...]) -> None:
    """The mapping's arguments must have the function's input types, in order."""
    if list(inputs) != offered:
        raise _bad(key, f"arguments of the ABI's types ({', '.join(inputs)})",
                   ", ".join(offered) or "none")


def _class_adapter(reference: str, abi: list[dict], base_dir: Path | None) -> Adapter:
    from bridgelab.checker.api import _import

    module_name, _, class_name = reference.partition(":")
    try:
        module = _import(module_name, base_dir)
        adapter_class = getattr(module, class_name)
        return adapter_class(abi)
    except Exception as error:  # the user's code failed, not ours
        raise _bad("adapter_class", "an importable module:Class taking the ABI",
                   f"{reference}: {type(error).__name__}: {error}"[:200]) from None


def contract_files(source: ContractSource, base_dir: Path | None) -> dict[str, str]:
    """The files the user's contract and adapter are read from, by their path relative to
    the scenario's directory, with the SHA-256 of each: what a copy of the scenario must
    carry beside it to replay the run (report/store.py `materialize`)."""
    relative = [(path, key) for path, key in ((source.vyper, "vyper"),
                                              (source.bytecode, "bytecode")) if path is not None]
    if source.adapter_class is not None:
        relative += [(path, "adapter_class") for path in module_files(
            source.adapter_class.partition(":")[0], base_dir or Path.cwd())]
    return {
        path: hashlib.sha256(resolve(base_dir, path, key).read_bytes()).hexdigest()
        for path, key in relative
    }


def user_contract(
    source: ContractSource, state: BridgeState, base_dir: Path | None, engine: str = "auto"
) -> UserContract:
    name, initcode, abi = _code(source, base_dir)
    contract_abi = ContractAbi(tuple(abi))
    adapter: Adapter
    if source.adapter is not None:
        adapter = _table_adapter(source.adapter, contract_abi)
    else:
        assert source.adapter_class is not None
        adapter = _class_adapter(source.adapter_class, abi, base_dir)
    try:
        contract = UserContract(name, initcode, abi, adapter, state, engine)
    except RuntimeError as error:  # the deployment reverted
        raise _bad("vyper" if source.vyper else "bytecode", "a contract that deploys",
                   str(error)) from None
    contract.files = contract_files(source, base_dir)
    return contract
