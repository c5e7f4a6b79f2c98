"""The certificates of the shipped scenarios through the model and the EVM contract.

Each scenario runs once (seed 1); every certificate the settlement contract minted on is
replayed, in order, on a model `BridgeState` and the contract deployed with the scenario's
trust root and flaws: first with its last signature (or co-signature) dropped, then as it
was, then again (a replay). Both sides must give the same outcome each time. A
representative subset runs by default (both schemes, an empty-certificate forgery, a
message call that replaces the committee); every scenario under `-m slow`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")

from bridgelab.evm.abi import Unrepresentable
from bridgelab.evm.differential import Config, Pair
from bridgelab.protocol.messages import certificate_from_fields
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from bridgelab.settlement.bridge_contract import MintTx
from bridgelab.settlement.transactions import Fee
from tests.evm.test_evm_differential import COUNTS, _agree

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = [
    "attacks/key-compromise-bls-required.toml",
    "attacks/incidents/wormhole-2022.toml",
    "attacks/incidents/poly-network-2021.toml",
]
DEFAULT_LIMIT = 8
ALL = sorted(
    str(path.relative_to(ROOT))
    for path in [*ROOT.glob("attacks/*.toml"), *ROOT.glob("attacks/incidents/*.toml")]
)


def _minted_certificates(path: str):
    scenario = load_scenario(ROOT / path)
    if scenario.committee.signatures != "real":
        pytest.skip(f"{path}: symbolic signatures cannot be verified on chain")
    captured = {}
    run(scenario, 1, keep_history=True,
        setup=lambda bridge: captured.update(root=bridge.settlement.bridge.trust_root,
                                             bridge=bridge))
    events = captured["bridge"].world.history.events
    mints = [
        (event.time, certificate_from_fields(event.fields["certificate"]))
        for event in events
        if event.kind == "mint" and event.fields.get("layer", "l1") != "l2"
        and not event.fields.get("delayed")
    ]
    return scenario, captured["root"], mints


def _weakened(cert):
    if cert.cosignatures:
        return replace(cert, cosignatures=cert.cosignatures[:-1])
    if len(cert.signatures) > 1 or cert.scheme == "multisig":
        return replace(cert, signatures=cert.signatures[:-1])
    return replace(cert, signatures=())


def _replay(path: str, limit: int | None) -> int:
    scenario, root, mints = _minted_certificates(path)
    config = Config(root, flaws=tuple(scenario.bridge.flaws),
                    threshold_override=scenario.bridge.verifier.threshold_override)
    try:
        pair = Pair(config)
    except Unrepresentable as exc:
        pytest.skip(f"{path}: {exc}")
    if limit is not None and len(mints) > limit:
        # The first and the last: honest traffic, then what the attack made the chain mint.
        mints = mints[: limit // 2] + mints[len(mints) - (limit - limit // 2) :]
    checked = 0
    for time, cert in mints:
        now = math.ceil(time)
        for variant in (_weakened(cert), cert, cert):
            tx = MintTx(f"tx{checked}", "relayer-0", 0.0, Fee(0, 0), variant)
            _agree(pair, f"scenario/{Path(path).stem}/{cert.message.nonce}",
                   pair.step("mint", tx, now))
            checked += 1
    return checked


@pytest.mark.parametrize("path", DEFAULT)
def test_shipped_certificates_agree_on_model_and_contract(path):
    assert _replay(path, DEFAULT_LIMIT) > 0
    assert COUNTS["scenario"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL)
def test_every_shipped_certificate_agrees_on_model_and_contract(path):
    _replay(path, None)
