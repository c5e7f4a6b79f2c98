"""`--jobs` is bounded by the machine: past a few processes per CPU they only wait, each
holding its own interpreter and model, so a mistyped count is refused before any start."""

from __future__ import annotations

import os

import pytest

from bridgelab import jobs
from bridgelab.cli import main
from tests.conftest import ATTACKS

SMALL = ATTACKS.parent / "tests" / "data" / "small.toml"
CAMPAIGN = ATTACKS.parent / "campaigns" / "throughput.toml"


@pytest.mark.parametrize("argv", [
    ["check", str(SMALL)],
    ["campaign", str(CAMPAIGN), "--dry-run"],
])
def test_more_jobs_than_the_limit_is_a_usage_error(argv, tmp_path, capsys):
    too_many = jobs.most() + 1
    assert main([*argv, "--jobs", str(too_many)]) == 3
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.endswith(f"argument --jobs: expected at most {jobs.most()} processes"
                         f" ({jobs.PER_CPU} per CPU, {os.cpu_count() or 1} CPUs here),"
                         f" found {too_many}"), last


def test_the_limit_itself_is_accepted(capsys):
    assert main(["campaign", str(CAMPAIGN), "--dry-run", "--jobs", str(jobs.most())]) == 0


def test_the_benchmark_s_campaign_jobs_are_bounded_too(capsys):
    assert main(["bench", "workload", "--campaign-jobs", f"1,{jobs.most() + 1}"]) == 3
    assert "--campaign-jobs: expected integers from 1 to" in capsys.readouterr().err
