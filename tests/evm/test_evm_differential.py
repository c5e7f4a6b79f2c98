"""Differential testing: the Python model and the EVM contract give the same accept or revert
(with the same reason) for generated certificates, batches, limits, pauses and replays, under
multisig and threshold BLS (real signatures; the pairing through the arkworks precompile).
A disagreement fails the test and is saved under `.bridgelab/differential/`."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("eth", reason="needs the 'evm' extra")
pytest.importorskip("vyper", reason="needs the 'evm' extra")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab.evm.differential import Config, Pair, save_disagreement
from bridgelab.evm.variants import CONTRACT_FLAWS
from bridgelab.settlement.bridge_contract import (
    BurnTx,
    Limits,
    MintTx,
    PauseTx,
)
from bridgelab.settlement.transactions import Fee
from tests.evm.evm_cases import certificates, custody, payloads

COUNTS: dict[str, int] = {}
SLOT = 12


def _agree(pair: Pair, label: str, outcomes: tuple[tuple, tuple]) -> tuple:
    expected, found = outcomes
    COUNTS[label.split("/")[0]] = COUNTS.get(label.split("/")[0], 0) + 1
    if expected != found:
        path = save_disagreement(pair, label.replace("/", "_"), expected, found)
        pytest.fail(f"model {expected} != evm {found} ({label}); case saved to {path}")
    return expected


limits_strategy = st.builds(
    Limits,
    per_transfer_cap=st.none() | st.integers(1, 2_000),
    delay_threshold=st.none() | st.integers(1, 2_000),
    delay=st.sampled_from((0.0, 12.0, 60.0)),
)
# Dyadic rates and whole-second times: the float bucket of the model is then exact, as the
# contract's fixed point is (see evm/bridge.py).
bucket_strategy = st.none() | st.tuples(
    st.integers(1, 3_000), st.sampled_from((0.0, 0.5, 1.0, 4.0, 32.0))
)


@st.composite
def sessions(draw, scheme: str):
    config = Config(
        custody(scheme).trust_root(1),
        threshold_override=draw(st.none() | st.integers(0, 5)),
        limits=draw(limits_strategy),
        bucket=draw(bucket_strategy),
    )
    steps = []
    for index in range(draw(st.integers(1, 3))):
        nonce = draw(st.sampled_from((1, 2, 3)))
        amount = draw(st.integers(1, 2_500))
        payload = draw(payloads())
        cert, label = draw(certificates(scheme, nonce, amount, payload))
        steps.append(("mint", MintTx(f"tx{index}", "relayer-0", 0.0, Fee(0, 0), cert), label))
        kind = draw(st.sampled_from(("none", "none", "pause", "unpause", "burn", "due")))
        if kind in ("pause", "unpause"):
            sender = draw(st.sampled_from(("guardian", "mallory")))
            steps.append(("pause", PauseTx(f"p{index}", sender, 0.0, Fee(0, 0), kind == "pause"),
                          f"{scheme}/pause"))
        elif kind == "burn":
            steps.append(("burn", BurnTx(f"b{index}", "bob", 0.0, Fee(0, 0), "TOKEN",
                                         draw(st.integers(-1, 900)),
                                         "alice"), f"{scheme}/burn"))
        elif kind == "due":
            steps.append(("due", None, f"{scheme}/due"))
    return config, steps


def _play(config: Config, steps: list) -> None:
    pair = Pair(config)
    now = 0
    for name, tx, label in steps:
        now += SLOT
        outcomes = pair.due(now) if name == "due" else pair.step(name, tx, now)
        _agree(pair, label, outcomes)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions("multisig"))
def test_multisig_model_and_contract_agree(session):
    _play(*session)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions("threshold-bls"))
def test_threshold_bls_model_and_contract_agree(session):
    _play(*session)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(("multisig", "threshold-bls")).flatmap(sessions),
       st.sampled_from(((), *((flaw,) for flaw in CONTRACT_FLAWS))))
def test_model_and_contract_agree_at_length(session, flaws):
    config, steps = session
    _play(replace(config, flaws=flaws), steps)


def test_each_named_check_is_reached_on_both_sides():
    """The generated cases are not all the same revert: each reason the strategies aim at
    comes out of both sides at least once (a fixed walk over the named faults)."""
    from tests.evm.evm_cases import BLS_FAULTS, MULTISIG_FAULTS

    seen: set[str] = set()
    for scheme, faults in (("multisig", MULTISIG_FAULTS), ("threshold-bls", BLS_FAULTS)):
        for nonce, fault in enumerate(faults, start=1):
            pair = Pair(Config(custody(scheme).trust_root(1)))
            cert = _fixed_certificate(scheme, nonce, fault)
            expected = _agree(
                pair, f"{scheme}/{fault}",
                pair.step("mint", MintTx("t", "r", 0.0, Fee(0, 0), cert), 12),
            )
            seen.add(expected[1] if expected[0] == "revert" else expected[0])
    assert {
        "mint", "certificate_unauthorised_signer", "certificate_duplicate_signer",
        "certificate_below_threshold", "certificate_trust_root_version",
        "certificate_group_signature", "certificate_signature_count",
        "certificate_required_member_missing",
    } <= seen


def _fixed_certificate(scheme: str, nonce: int, fault: str):
    from dataclasses import replace

    from tests.evm.evm_cases import VERSION, _bls, _multisig, message

    committee = custody(scheme)
    target = message(nonce, 10)
    digest = target.digest(VERSION)
    if scheme == "multisig":
        cert = _multisig(committee, target, digest, [0, 1, 2], fault, lambda s: 0)
    else:
        cert = _bls(committee, target, digest, fault)
    if fault == "version":
        cert = replace(cert, trust_root_version=VERSION + 1)
    if fault == "scheme":
        cert = replace(cert, scheme="other")
    return cert


def test_a_saved_case_replays_from_its_file(tmp_path, monkeypatch, capsys):
    """The file a disagreement leaves rebuilds the deployment and replays every step."""
    from bridgelab.evm.replay import replay
    from tests.evm.evm_cases import VERSION, message

    monkeypatch.setenv("BRIDGELAB_DIFFERENTIAL_DIR", str(tmp_path))
    committee = custody("multisig")
    config = Config(committee.trust_root(VERSION), threshold_override=2,
                    limits=Limits(per_transfer_cap=50), bucket=(100, 0.5))
    pair = Pair(config)
    target = message(1, 40)
    digest = target.digest(VERSION)
    cert = committee.assemble(target, VERSION, {m: committee.endorse(m, digest) for m in (0, 1)})
    outcomes = [pair.step("mint", MintTx("t", "r", 0.0, Fee(0, 0), cert), 12),
                pair.step("pause", PauseTx("p", "guardian", 0.0, Fee(0, 0), True), 24),
                pair.due(36)]
    assert outcomes[0][0] == ("mint", 1, 40, (0, 1))
    path = save_disagreement(pair, "replay-check", ("x",), ("y",))
    assert replay(path) == 0
    printed = capsys.readouterr().out
    assert printed.count("model") == 3 and "differ" not in printed
