"""Gas that is true: the model's gas table (custody/gas.py) against the gas the EVM meters
for the same certificates on the contract, across committee sizes and both schemes, within
5%; the calldata priced byte for byte as the EVM prices it (4 gas per zero byte, 16 per
other byte, BLS signatures uncompressed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.core.rng import Streams
from bridgelab.crypto import merkle
from bridgelab.custody.gas import (
    MINT_STORAGE_GAS,
    calldata_gas,
    certificate_calldata,
)
from bridgelab.custody.multisig import MultisigCustody
from bridgelab.custody.threshold_bls import ThresholdBlsCustody
from bridgelab.evm.abi import certificate_args
from bridgelab.evm.bridge import EvmBridge
from bridgelab.protocol.messages import BatchPath, BridgeMessage, batch_digest
from bridgelab.protocol.verifier import VerifierConfig
from bridgelab.settlement.bridge_contract import Limits, MintTx
from bridgelab.settlement.transactions import Fee

TOLERANCE = 0.05
ESCROW = "consortium:escrow"
# (members, threshold, required): the committees of the shipped scenarios and the benchmark.
COMMITTEES = [(4, 3, (0,)), (9, 6, (0,)), (21, 15, (0, 1)), (100, 67, (0,))]
BLS_COMMITTEES = [(4, 3, ()), (9, 6, (0,)), (21, 15, (0, 1, 2))]


def _message(nonce: int, block: int) -> BridgeMessage:
    return BridgeMessage(
        "deposit", nonce, "TOKEN", 1_000 + nonce, "0x" + "ab" * 20, "0x" + "cd" * 20, ESCROW,
        block, bytes([block]) * 32,
    )


def _certificate(committee, nonce: int, block: int, batch: int):
    message = _message(nonce, block)
    digest = message.digest(1)
    path = None
    if batch:
        leaves = [_message(1_000 + i, block).digest(1) for i in range(batch)]
        leaves[batch // 2] = digest
        path = BatchPath(merkle.root(leaves), merkle.prove(leaves, batch // 2))
        digest = batch_digest(path.root, path.size, 1)
    endorsements = {member: committee.endorse(member, digest)
                    for member in range(committee.members)}
    cert = committee.assemble(message, 1, endorsements)
    return cert if path is None else replace(cert, batch=path)


def _measure(committee, batch: int) -> tuple[int, int, int]:
    """(gas up to the verdict, gas of a whole mint, calldata gas) the EVM meters. The first
    is a mint refused by its cap right after the certificate checks; the second a mint of a
    fresh nonce from a fresh source block, to a recipient already holding the asset."""
    root = committee.trust_root(1)
    cert = _certificate(committee, 2, 8, batch)
    capped = EvmBridge(root, VerifierConfig(), ESCROW, Limits(per_transfer_cap=1))
    with pytest.raises(Exception, match="per_transfer_cap"):
        capped.process_mint(MintTx("t", "relayer", 0.0, Fee(0, 0), cert), 12)
    bridge = EvmBridge(root, VerifierConfig(), ESCROW)
    first = _certificate(committee, 1, 7, 0)
    bridge.process_mint(MintTx("t0", "relayer", 0.0, Fee(0, 0), first), 12)
    bridge.process_mint(MintTx("t", "relayer", 0.0, Fee(0, 0), cert), 24)
    calldata = bridge.abi.calldata("mint", certificate_args(cert, root.scheme, len(root.required)))
    return capped.last_gas, bridge.last_gas, calldata_gas(calldata)


def _check(committee, batch: int, errors: list[str]) -> None:
    cert = _certificate(committee, 2, 8, batch)
    verdict_gas, mint_gas, evm_calldata = _measure(committee, batch)
    model = committee.verification_gas(cert)
    model_calldata = calldata_gas(certificate_calldata(cert, committee.scheme != "multisig"))
    label = f"{committee.scheme} {committee.members}/{committee.threshold} batch {batch}"
    for what, found, measured in (
        ("verification", model, verdict_gas),
        ("mint", model + MINT_STORAGE_GAS, mint_gas),
    ):
        error = (found - measured) / measured
        if abs(error) > TOLERANCE:
            errors.append(f"{label}: {what} model {found} vs EVM {measured} ({error:+.1%})")
    # Byte for byte, but for signature bytes, priced as non-zero (12 gas more for each zero
    # byte a real signature happens to hold), and a BLS signature's coordinates likewise.
    signature_zeros = sum(sig.count(0) for sig in (*cert.signatures, *cert.cosignatures))
    if committee.scheme == "multisig":
        assert model_calldata == evm_calldata + 12 * signature_zeros
    else:
        assert 0 <= model_calldata - evm_calldata - 12 * (
            sum(sig.count(0) for sig in cert.cosignatures)) <= 12 * 16


@pytest.mark.parametrize("members, threshold, required", COMMITTEES)
def test_multisig_gas_table_is_within_five_percent_of_the_evm(members, threshold, required):
    committee = MultisigCustody(Streams(3), members, threshold, required)
    errors: list[str] = []
    for batch in (0, 7):
        _check(committee, batch, errors)
    assert not errors, errors


@pytest.mark.parametrize("members, threshold, required", BLS_COMMITTEES)
def test_threshold_bls_gas_table_is_within_five_percent_of_the_evm(members, threshold, required):
    committee = ThresholdBlsCustody(Streams(3), members, threshold, required)
    errors: list[str] = []
    for batch in (0, 7):
        _check(committee, batch, errors)
    assert not errors, errors
