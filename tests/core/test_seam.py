"""The one seam for speed (`core/memo.py`): every memo is registered, cleared at run start and
switched off by one switch, never told an answer, and kept apart from the checker's; and a run's
history is the same with the seam on or off."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bridgelab.checker import policy
from bridgelab.core import memo
from bridgelab.crypto import merkle, symbolic
from bridgelab.protocol.messages import BridgeMessage, batch_digest
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.runner import run
from bridgelab.scenario import load_scenario
from tests.conftest import ATTACKS

SRC = Path(__file__).resolve().parents[2] / "src" / "bridgelab"


@pytest.fixture
def scratch() -> Iterator[Callable[..., Any]]:
    """Register memos for one test (each counting its computations), then remove them."""
    names: list[str] = []

    def register(name: str, size: int = 64, **options: Any) -> tuple[Any, list[tuple]]:
        computed: list[tuple] = []

        def square(*args: int) -> int:
            computed.append(args)
            return sum(args) ** 2

        names.append(f"test/{name}")
        return memo.memoise(f"test/{name}", square, size=size, **options), computed

    yield register
    for name in names:
        memo._REGISTRY.pop(name, None)


# -- one module holds every memo -------------------------------------------------------------------

# The packages of the model and the checker: none keeps a memo of its own.
MODEL = ("actors", "checker", "consortium", "core", "crypto", "custody", "defences", "l2",
         "nemesis", "oracle", "protocol", "settlement", "workload")


def _model_sources() -> Iterator[tuple[Path, str]]:
    for package in MODEL:
        for path in sorted((SRC / package).rglob("*.py")):
            if path != SRC / "core" / "memo.py":
                yield path, path.read_text()


def test_no_model_module_memoises_outside_the_seam():
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)}"
        for path, text in _model_sources()
        for match in re.finditer(r"lru_cache|functools\.cache|@cache\b|BoundedCache\(", text)
    ]
    assert found == []


def test_no_module_stores_into_a_memo_s_cache():
    # An answer enters a cache only by computing it: nothing outside the seam touches one.
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)}"
        for path, text in _model_sources()
        for match in re.finditer(r"\.cache\._(recent|older)|\.cache\.miss|\.memo\.cache", text)
    ]
    assert found == []
    public = {name for name in dir(memo.BoundedCache) if not name.startswith("_")}
    assert public == {"clear", "get_or_compute", "limit", "miss", "storing"}


def test_memo_names_are_unique_and_each_names_its_raw_function():
    names = [entry.name for entry in memo.registry()]
    assert names == sorted(set(names))
    with pytest.raises(ValueError, match="registered already"):
        memo.memoise(names[0], lambda x: x)
    assert memo.raw(merkle.root) is merkle.root  # not memoised: itself
    assert memo.raw(symbolic.recover_signer) is symbolic.recover_signer.memo.function


# -- reset, switch, bound --------------------------------------------------------------------------


def test_an_answer_is_computed_once_by_value_and_forgotten_at_reset(scratch):
    square, computed = scratch("square")
    assert square(2, 3) == square(2, 3) == 25
    # Equal arguments that are other objects are the same question.
    assert square(int("2"), int("3")) == 25
    assert computed == [(2, 3)]
    memo.reset()
    assert square(2, 3) == 25
    assert computed == [(2, 3), (2, 3)]


def test_a_key_function_asks_by_what_it_names(scratch):
    by_first, computed = scratch("by_first", key=lambda first, second: first)
    assert by_first(1, 2) == 9
    assert by_first(1, 5) == 9  # the key says these are the same question
    assert computed == [(1, 2)]


def test_a_memo_keeps_at_most_its_size(scratch):
    square, computed = scratch("bounded", size=8)
    for value in range(100):
        assert square(value) == value**2
        assert len(square.memo.cache) <= 8
    square(99)
    assert computed.count((99,)) == 1  # the most recent stays
    square(0)
    assert computed.count((0,)) == 2  # the oldest went


def test_switched_off_every_call_computes_and_nothing_is_kept(scratch):
    square, computed = scratch("switched")
    square(4)
    with memo.enabled(False):
        assert not memo.is_enabled()
        assert len(square.memo.cache) == 0  # switching forgets, either way
        assert square(4) == square(4) == 16
        assert len(square.memo.cache) == 0
    assert memo.is_enabled()
    square(4)
    square(4)
    assert computed == [(4,)] * 4


def test_a_table_computes_on_a_miss_keeps_at_most_its_size_and_is_never_told():
    computed: list[str] = []

    def shout(text: str) -> str:
        computed.append(text)
        return text.upper()

    table = memo.table("test/shout", shout, size=2)
    try:
        assert table["a"] == table["a"] == "A"
        assert computed == ["a"]
        table["b"], table["c"]  # the third entry empties the full table first
        assert len(table) == 1 and "c" in table
        with pytest.raises(TypeError, match="only by computing"):
            table["d"] = "told"
        with memo.enabled(False):
            assert table["c"] == table["c"] == "C" and len(table) == 0
        memo.reset()
        assert len(table) == 0
        assert computed == ["a", "b", "c", "c", "c"]
    finally:
        memo._REGISTRY.pop("test/shout", None)


def _python(code: str, value: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env={"BRIDGELAB_MEMO": value, "PATH": ""},
        capture_output=True, text=True, check=False,
    )


def test_the_environment_switch_reads_as_documented():
    ask = (
        "from bridgelab.core import memo; import bridgelab.runner;"
        "print(memo.is_enabled(), sorted(m.name for m in memo.registry()"
        " if not m.cache.storing))"
    )
    assert _python(ask, "1").stdout.split(" ", 1) == ["True", "[]\n"]
    off = _python(ask, "0").stdout
    assert off.startswith("False") and "crypto/ecrecover" in off
    one = _python(ask, "off:crypto/ecrecover").stdout
    assert one == "True ['crypto/ecrecover']\n"
    refused = _python(ask, "maybe")
    assert refused.returncode != 0 and "BRIDGELAB_MEMO: expected 0, 1" in refused.stderr
    unknown = _python("from bridgelab.core import memo; memo.reset()", "off:no/such")
    assert unknown.returncode != 0 and "no memo named no/such" in unknown.stderr


# -- no answer is told -----------------------------------------------------------------------------


def test_a_signer_does_not_tell_the_recovery_memo_its_answer():
    signer = symbolic.SymbolicEcdsaSigner(b"\x05" * 32)
    digest = b"\x09" * 32
    cache = symbolic.recover_signer.memo.cache
    signature = signer.sign_digest(digest)
    assert ("symbolic", digest, signature) not in cache
    assert symbolic.recover_signer("symbolic", digest, signature) == signer.address
    assert ("symbolic", digest, signature) in cache


def test_equal_hashes_never_make_unequal_messages_share_an_answer():
    # Messages hash by three fields, and compare by all.
    message = BridgeMessage("deposit", 1, "A", 10, "s", "r", "c", 1, b"\x01" * 32)
    other = BridgeMessage("deposit", 1, "A", 11, "s", "r", "c", 1, b"\x01" * 32)
    assert hash(message) == hash(other) and message != other
    assert message.digest(1) != other.digest(1)
    assert other.digest(1) == memo.raw(BridgeMessage.digest)(other, 1)


# -- the checker's memos are its own ---------------------------------------------------------------


def test_the_checker_keeps_only_private_memos_of_raw_functions():
    checker = [entry for entry in memo.registry() if entry.name.startswith("checker/")]
    assert checker and all(entry.private for entry in checker)
    assert all(not hasattr(entry.function, "memo") for entry in checker)
    assert all(not entry.private for entry in memo.registry() if entry not in checker)
    with pytest.raises(ValueError, match="raw function"):
        memo.private("checker/twice", symbolic.recover_signer)


def test_a_wrong_answer_in_the_model_s_memo_never_reaches_the_checker():
    from bridgelab.checker.policy import CommitteePolicy, certificate_shortfall
    from bridgelab.core.rng import Streams
    from bridgelab.custody.multisig import MultisigCustody

    custody = MultisigCustody(Streams(3), 4, 3, (), "symbolic")
    root = custody.trust_root(1)
    message = BridgeMessage("deposit", 1, "A", 10, "s", "r", "c", 1, b"\x01" * 32)
    digest = message.digest(1)
    # Two members signed; a third "signature" is garbage that the model's recovery memo has
    # been made (as a bug would) to attribute to member 2.
    garbage = b"\x00" * 65
    certificate = custody.assemble(
        message, 1, {member: custody.endorse(member, digest) for member in (0, 1)}
    )
    forged = type(certificate)(
        message, 1, "multisig", (*certificate.signatures, garbage), (0, 1, 2)
    )
    cache = symbolic.recover_signer.memo.cache
    try:
        cache.get_or_compute(("symbolic", digest, garbage), lambda: root.signers[2])
        config = VerifierConfig(signatures="symbolic")
        assert verify_certificate(root, config, forged).ok  # the model reads the wrong answer
        shortfall = certificate_shortfall(
            root, CommitteePolicy("multisig", 4, 3), forged, "symbolic"
        )
        assert shortfall is not None and shortfall.check == "unauthorised_signer"
    finally:
        memo.reset()


@pytest.mark.parametrize("backend", ["blst", "arkworks"])
def test_a_wrong_combination_and_verdict_in_the_model_s_memos_never_reach_the_checker(backend):
    from bridgelab.checker.policy import CommitteePolicy, certificate_shortfall
    from bridgelab.core.rng import Streams
    from bridgelab.crypto.bls.threshold import lagrange_combination
    from bridgelab.custody.threshold_bls import ThresholdBlsCustody, split_endorsement

    custody = ThresholdBlsCustody(Streams(3), 4, 3, (), backend)
    root = custody.trust_root(1)
    message = BridgeMessage("deposit", 1, "A", 10, "s", "r", "c", 1, b"\x01" * 32)
    digest = message.digest(1)
    endorsements = {member: custody.endorse(member, digest) for member in (0, 1, 2)}
    partials = tuple(split_endorsement(endorsements[member])[0] for member in (0, 1, 2))
    # A valid point under no committee key, which the model's memos have been made (as a bug
    # would) to give as the combination of these partials and to accept under the group key.
    wrong = custody.backend.sign(12345, digest)
    group_key = bytes.fromhex(root.group_key)
    verify = type(custody.backend).verify.memo.cache
    try:
        lagrange_combination.memo.cache.get_or_compute(
            (custody.backend, (1, 2, 3), partials), lambda: wrong
        )
        verify.get_or_compute((custody.backend, group_key, digest, wrong), lambda: True)
        forged = custody.assemble(message, 1, endorsements)
        assert forged.signatures == (wrong,)
        config = VerifierConfig(bls_backend=backend)
        assert verify_certificate(root, config, forged).ok  # the model reads the wrong answers
        shortfall = certificate_shortfall(root, CommitteePolicy("threshold-bls", 4, 3), forged)
        assert shortfall is not None and shortfall.check == "group_signature"
    finally:
        memo.reset()
    honest = custody.assemble(message, 1, endorsements)
    assert certificate_shortfall(root, CommitteePolicy("threshold-bls", 4, 3), honest) is None


# -- every shipped scenario: the same history with the seam on or off ------------------------------

SCENARIOS = sorted(path.relative_to(ATTACKS).as_posix() for path in ATTACKS.rglob("*.toml"))
# A dozen quick ones that between them reach batches, burns on finality and on confirmations,
# threshold BLS, rotations, the L2, the oracle, reorgs and the checker's failures.
REPRESENTATIVE = {
    "challenge-window-unwatched.toml", "collusion-fabricated-lock.toml",
    "consensus-faults.toml", "finality-early-endorse.toml", "hunt-bls-diversified.toml",
    "incidents/harmony-2022.toml", "incidents/poly-network-2021.toml",
    "incidents/qubit-2022.toml", "l2-redemption-run.toml", "l2-sequencer-halt.toml",
    "oracle-manipulate.toml", "relayer-misbehaviour.toml",
}
assert set(SCENARIOS) >= REPRESENTATIVE


def _history_hash(name: str) -> str:
    scenario = load_scenario(ATTACKS / name)
    seed = scenario.scenario.seed if scenario.scenario.seed is not None else 1
    return run(scenario, seed, base_dir=(ATTACKS / name).parent).history_sha256


@pytest.mark.parametrize(
    "name",
    [name if name in REPRESENTATIVE else pytest.param(name, marks=pytest.mark.slow)
     for name in SCENARIOS],
)
def test_a_shipped_scenario_s_history_is_the_same_with_the_seam_off(name):
    memoised = _history_hash(name)
    with memo.enabled(False):
        computed = _history_hash(name)
    assert computed == memoised


def test_policy_module_reads_its_own_memos():
    # The names the checker's policy calls resolve to its private memos or raw functions.
    assert policy._SIGNING_MEMBERS.memo.private
    assert policy._batch_digest.memo.private
    assert policy._batch_digest.memo.function is memo.raw(batch_digest)
    assert policy._message_digest is memo.raw(BridgeMessage.digest)
    assert policy._merkle_verify is merkle.verify
