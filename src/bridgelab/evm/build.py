"""Bytecode of the contract's variants, built with the `vyper` compiler (offline).

A variant compiles in about ten seconds, so the base contract and each single-flaw variant
are committed under `contracts/build/` with the SHA-256 of the source they came from; a
committed artefact is used only while that hash still matches the variant's source, and
`tests/evm/test_evm_build.py` recompiles and compares the bytes. Any other variant (two flaws at
once, an edited source) compiles on first use and is remembered for the process.

Regenerate the committed artefacts after editing the contract:

    python -m bridgelab.evm.build
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from bridgelab.evm.variants import CONTRACT_FLAWS, contract_flaws, source_hash, variant_source

VYPER_VERSION = "0.4.3"
# EIP-170: the largest runtime code a chain accepts.
MAX_CODE_SIZE = 24_576


@dataclass(frozen=True, slots=True)
class Artefact:
    flaws: tuple[str, ...]
    source_sha256: str
    initcode: bytes
    runtime: bytes
    abi: tuple[dict, ...]
    optimize: str


def variant_name(flaws: tuple[str, ...]) -> str:
    return "bridge" if not flaws else "bridge-" + "-".join(flaws)


def committed_variants() -> tuple[tuple[str, ...], ...]:
    return ((), *((flaw,) for flaw in CONTRACT_FLAWS))


def compile_variant(flaws: tuple[str, ...]) -> Artefact:
    """Compile with gas optimisation; a variant above EIP-170's limit is recompiled for code
    size, and one still above it is refused (no chain would accept it)."""
    import vyper
    from vyper.compiler import compile_code
    from vyper.compiler.settings import OptimizationLevel, Settings

    if vyper.__version__.split("+")[0] != VYPER_VERSION:
        raise RuntimeError(f"the contract is built with vyper {VYPER_VERSION}, "
                           f"found {vyper.__version__}")
    source = variant_source(flaws)
    for optimize in ("gas", "codesize"):
        out = compile_code(
            source,
            output_formats=["bytecode", "bytecode_runtime", "abi"],
            settings=Settings(optimize=OptimizationLevel.from_string(optimize)),
        )
        runtime = bytes.fromhex(out["bytecode_runtime"][2:])
        if len(runtime) <= MAX_CODE_SIZE:
            return Artefact(
                flaws, source_hash(source), bytes.fromhex(out["bytecode"][2:]), runtime,
                tuple(out["abi"]), optimize,
            )
    raise RuntimeError(
        f"{variant_name(flaws)}: {len(runtime)} bytes of code, above EIP-170's {MAX_CODE_SIZE}"
    )


def _build_dir() -> Path:
    return Path(str(resources.files("bridgelab.evm.contracts"))) / "build"


def _read_committed(flaws: tuple[str, ...]) -> Artefact | None:
    path = _build_dir() / f"{variant_name(flaws)}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text("utf-8"))
    return Artefact(
        tuple(data["flaws"]), data["source_sha256"], bytes.fromhex(data["initcode"]),
        bytes.fromhex(data["runtime"]), tuple(data["abi"]), data["optimize"],
    )


@cache
def artefact(flaws: tuple[str, ...] = ()) -> Artefact:
    """The variant with `flaws` (those that change the contract), committed or compiled."""
    flaws = contract_flaws(flaws)
    committed = _read_committed(flaws)
    if committed is not None and committed.source_sha256 == source_hash(variant_source(flaws)):
        return committed
    return compile_variant(flaws)


def write_committed() -> list[Path]:
    directory = _build_dir()
    directory.mkdir(exist_ok=True)
    written = []
    for flaws in committed_variants():
        built = compile_variant(flaws)
        path = directory / f"{variant_name(flaws)}.json"
        path.write_text(json.dumps({
            "flaws": list(built.flaws), "source_sha256": built.source_sha256,
            "vyper": VYPER_VERSION, "optimize": built.optimize,
            "initcode": built.initcode.hex(), "runtime": built.runtime.hex(),
            "abi": list(built.abi),
        }, indent=1, sort_keys=True) + "\n", "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_committed():
        print(written_path)
