"""The contract's bytecode: built with the `vyper` package, committed per variant with the
hash of its source; recompiling gives the same bytes; every variant fits EIP-170."""

from __future__ import annotations

import pytest

pytest.importorskip("vyper", reason="needs the 'evm' extra")

from bridgelab.evm.build import (
    MAX_CODE_SIZE,
    _read_committed,
    committed_variants,
    compile_variant,
    variant_name,
)
from bridgelab.evm.variants import source_hash, variant_source


@pytest.mark.parametrize("flaws", committed_variants(), ids=variant_name)
def test_each_committed_artefact_is_built_from_the_current_source(flaws):
    committed = _read_committed(flaws)
    assert committed is not None, f"{variant_name(flaws)}: run python -m bridgelab.evm.build"
    assert committed.source_sha256 == source_hash(variant_source(flaws)), (
        f"{variant_name(flaws)}: the contract changed; run python -m bridgelab.evm.build"
    )
    assert len(committed.runtime) <= MAX_CODE_SIZE
    assert committed.initcode.find(committed.runtime) > 0


@pytest.mark.slow
@pytest.mark.parametrize("flaws", committed_variants(), ids=variant_name)
def test_recompiling_gives_the_committed_bytes(flaws):
    committed = _read_committed(flaws)
    built = compile_variant(flaws)
    assert (built.initcode, built.runtime, built.abi) == (
        committed.initcode, committed.runtime, committed.abi
    )


def test_without_the_extra_the_import_names_it_in_one_line():
    import subprocess
    import sys

    code = "import sys; sys.modules['vyper'] = None; import bridgelab.evm"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "bridgelab[evm]" in last and "vyper" in last
