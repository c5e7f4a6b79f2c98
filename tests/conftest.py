"""Shared helpers: the shipped scenarios, and small variants of them for fast tests."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bridgelab.scenario import Scenario, parse_scenario
from bridgelab.scenario.load import deep_merge

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "attacks"
BASELINE = ATTACKS / "baseline.toml"


def baseline_data() -> dict[str, Any]:
    return tomllib.loads(BASELINE.read_text())


SMALL = {
    "scenario": {"name": "small", "duration": 3_600.0},
    "settlement": {"finality_slots": 4},
    "workload": {"deposits": 20, "withdrawals": 20, "deposit_interval": 5.0,
                 "withdraw_delay": 10.0},
}


def tiny_campaign_base(name: str = "tiny", duration: float = 600.0, withdrawals: int = 1,
                       network: bool = True) -> str:
    """The `[base.*]` tables of the smallest campaign worth running: four validators, one
    relayer, a 3-of-4 committee, two deposits; its runs take a fraction of a second."""
    latency = '[base.network]\nlatency = { dist = "fixed", value = 0.05 }\n\n' if network else ""
    return (
        f'[base.scenario]\nname = "{name}"\nduration = {duration}\n\n'
        "[base.consortium]\nvalidators = 4\n\n[base.relayers]\ncount = 1\n\n"
        "[base.committee]\nmembers = 4\nthreshold = 3\nrequired = []\n\n"
        "[base.settlement]\nslot_time = 2.0\nfinality_slots = 2\n\n"
        f"{latency}[base.workload]\nusers = 2\ndeposits = 2\nwithdrawals = {withdrawals}\n"
        "deposit_interval = 5.0\nwithdraw_delay = 5.0\n"
    )


# The shipped user's contract (attacks/byo-contract/verifier.vy) and its empty-certificate flaw.
BYO_EXAMPLE = ATTACKS / "byo-contract"
BYO_EMPTY_FLAW = "    if len(signatures) > 0:  # the flaw: nothing below runs for an empty list\n"

# verifier.vy's adapter as code: the table's mapping, passing the digest derived from the
# message (as a contract that computed it itself would see it).
BYO_ADAPTER_MODULE = '''
from bridgelab.evm.abi import ecdsa_or_empty


class Adapter:
    """verifier.vy's adapter as code: the same mapping as the scenario's table."""

    def __init__(self, abi):
        self.abi = abi

    def constructor_args(self, root, escrow_contract):
        return (list(root.signers), root.threshold, root.version)

    def submit(self, cert):
        return "submit", (cert.digest, cert.trust_root_version, cert.message.nonce,
                          cert.message.amount, [ecdsa_or_empty(s) for s in cert.signatures])

    def check_of(self, reason):
        return {"below threshold": "certificate_below_threshold"}.get(reason, "rejected")
'''


def byo_example_copy(directory: Path, fix: bool) -> Path:
    """attacks/byo-contract/ copied to `directory`; with `fix`, its verifier.vy without the
    empty-certificate flaw (the line removed, its block dedented)."""
    shutil.copytree(BYO_EXAMPLE, directory)
    if fix:
        source = (directory / "verifier.vy").read_text()
        assert BYO_EMPTY_FLAW in source
        head, tail = source.split(BYO_EMPTY_FLAW)
        block, _, rest = tail.partition("    self.minted[nonce] = True")
        dedented = "".join(line[4:] + "\n" for line in block.splitlines())
        (directory / "verifier.vy").write_text(
            head + dedented + "    self.minted[nonce] = True" + rest)
    return directory

def small_scenario(overrides: dict[str, Any] | None = None) -> Scenario:
    """The baseline with few transfers and short finality: the same model, seconds to run."""
    data = deep_merge(baseline_data(), SMALL)
    if overrides:
        data = deep_merge(data, overrides)
    return parse_scenario(data, "<small>")


@pytest.fixture
def small() -> Scenario:
    return small_scenario()


def pytest_terminal_summary(terminalreporter) -> None:
    """How many model-vs-contract comparisons the EVM differential tests made, by kind, and
    what the py-evm-vs-revm comparisons covered."""
    import sys

    module = sys.modules.get("tests.evm.test_evm_differential")
    counts = getattr(module, "COUNTS", None)
    if counts:
        detail = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
        terminalreporter.write_line(
            f"evm differential: {sum(counts.values())} comparisons agreed ({detail})"
        )
    engines = getattr(sys.modules.get("tests.evm.dual_engine"), "COMPARED", None)
    if engines:
        detail = ", ".join(f"{kind} {count}" for kind, count in sorted(engines.items()))
        terminalreporter.write_line(f"evm engines (py-evm = revm): {detail}")
