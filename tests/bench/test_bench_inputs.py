"""`bridgelab bench workload` rejects a list it cannot run before it benchmarks anything:
exit 3 with one line naming the option, what it takes and what it was given."""

from __future__ import annotations

import pytest

from bridgelab.bench import method
from bridgelab.cli import main
from bridgelab.exitcodes import EXIT_BAD_INPUT

BASE = ["bench", "workload", "--configs", "multisig/symbolic", "--modes", "batched",
        "--sizes", "", "--lengths", "", "--campaign-runs", "0", "--transfers", "2",
        "--repeats", "1", "--quiet"]


@pytest.mark.parametrize(("flags", "option", "found"), [
    (["--configs", "bls/symbolic"], "--configs", "'bls/symbolic'"),
    (["--configs", ","], "--configs", "','"),
    (["--modes", "batch"], "--modes", "'batch'"),
    (["--sizes", "4,x"], "--sizes", "'4,x'"),
    (["--sizes", "0"], "--sizes", "'0'"),
    (["--lengths", "-5"], "--lengths", "'-5'"),
    (["--symbolic-lengths", "1e5"], "--symbolic-lengths", "'1e5'"),
    (["--campaign-runs", "3", "--campaign-jobs", "1,0"], "--campaign-jobs", "'1,0'"),
    (["--campaign-runs", "-1"], "--campaign-runs", "-1"),
    (["--transfers", "0"], "--transfers", "0"),
    (["--pyecc-transfers", "0"], "--pyecc-transfers", "0"),
    (["--scaling-transfers", "0"], "--scaling-transfers", "0"),
    (["--repeats", "0"], "--repeats", "0"),
    (["--deposit-interval", "0"], "--deposit-interval", "0.0"),
    (["--deposit-interval", "nan"], "--deposit-interval", "nan"),
])
def test_a_bad_list_is_bad_input_before_any_run(flags, option, found, monkeypatch, capsys):
    def no_run(*args, **kwargs):
        raise AssertionError("benchmarked despite bad input")

    monkeypatch.setattr(method, "run_bench", no_run)
    assert main([*BASE, *flags]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"error: bench workload: {option}: expected "), err
    assert f"found {found}" in err, err
    assert "Traceback" not in err and "internal error" not in err


def test_good_lists_reach_the_benchmark_as_parsed(monkeypatch):
    seen = {}

    def record(*args, **kwargs):
        seen.update(args=args, kwargs=kwargs)
        return {"targets": []}

    monkeypatch.setattr(method, "run_bench", record)
    monkeypatch.setattr("bridgelab.bench.tables.print_tables", lambda *a: None)
    flags = ["--configs", " multisig , multisig/symbolic", "--modes", "per-message",
             "--sizes", "4,21", "--lengths", "10", "--symbolic-lengths", "",
             "--campaign-runs", "5", "--campaign-jobs", "2,1"]
    assert main([*BASE, *flags]) == 0
    assert seen["args"] == (2, 20, (4, 21), (10,), ())
    assert seen["kwargs"]["configs"] == ("multisig", "multisig/symbolic")
    assert seen["kwargs"]["modes"] == ("per-message",)
    assert seen["kwargs"]["campaign_jobs"] == (2, 1)
