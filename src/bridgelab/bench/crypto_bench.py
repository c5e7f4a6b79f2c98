"""Throughput of the threshold-BLS stack per backend and committee size (ops per second).

Tells scenario authors what committee sizes are affordable and how far py_ecc lags arkworks.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import platform
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from bridgelab.crypto.bls import (
    SecretKey,
    SecretShare,
    combine,
    get_backend,
    partial_sign,
    refresh,
    run_dkg,
    verify_partial,
)
from bridgelab.crypto.bls.dkg import DKGResult

OPS = ("sign", "verify", "partial_sign", "partial_verify", "combine", "dkg", "refresh")
COMMITTEE_OPS = OPS[2:]

# Repetitions per (backend, op) as (quick, full). py_ecc needs ~0.1 s per sign, ~0.35 s per
# verify and ~7 ms per G1 multiplication, so it gets few repetitions.
_REPS: dict[str, dict[str, tuple[int, int]]] = {
    "arkworks": {
        "sign": (30, 200), "verify": (30, 200), "partial_sign": (20, 100),
        "partial_verify": (20, 100), "combine": (5, 20), "dkg": (1, 3), "refresh": (1, 3),
    },
    "blst": {
        "sign": (30, 200), "verify": (30, 200), "partial_sign": (20, 100),
        "partial_verify": (20, 100), "combine": (5, 20), "dkg": (1, 3), "refresh": (1, 3),
    },
    "py-ecc": {
        "sign": (2, 5), "verify": (2, 5), "partial_sign": (2, 3),
        "partial_verify": (1, 3), "combine": (1, 2), "dkg": (1, 1), "refresh": (1, 1),
    },
}
# Largest committee per op py_ecc is given, as (quick, full): a py_ecc DKG costs about
# 3·n·t G1 multiplications, i.e. ~5 s at n=21 but ~2.5 min at n=100.
_PYECC_MAX_N: dict[str, tuple[int, int]] = {
    "combine": (21, 100), "dkg": (21, 21), "refresh": (21, 21),
}

Measurement = dict[str, Any]


def _clock() -> float:
    return time.perf_counter()  # wall-clock ok: benchmark, not model code


def threshold_for(n: int) -> int:
    """The BFT-style threshold floor(2n/3) + 1 used throughout the benchmark."""
    return 2 * n // 3 + 1


def _measure(
    op: Callable[[int], object], reps: int, setup: Callable[[int], None] | None = None
) -> Measurement:
    # Only `op` is timed; `setup` (e.g. emptying caches) runs outside the clock.
    total = 0.0
    for k in range(reps):
        if setup is not None:
            setup(k)
        start = _clock()
        op(k)
        total += _clock() - start
    return {"ops_per_s": reps / total, "reps": reps, "seconds": total}


def _bench_single(name: str, reps: tuple[int, int], seed: int) -> dict[str, Measurement]:
    be = get_backend(name)
    fast = get_backend("arkworks")  # identical bytes, so inputs can be prepared quickly
    rng = random.Random(seed)
    n_sign, n_verify = reps
    keys = [SecretKey.generate(rng) for _ in range(max(n_sign, n_verify))]
    pks = [fast.sk_to_pk(k.value) for k in keys]
    msgs = [f"bench/{seed}/msg/{k}".encode() for k in range(len(keys))]
    sigs = [fast.sign(k.value, m) for k, m in zip(keys, msgs, strict=True)]

    def cold(_: int) -> None:
        be.clear_caches()  # a verifier meets each key, message and signature for the first time

    return {
        "sign": _measure(lambda k: be.sign(keys[k].value, msgs[k]), n_sign, cold),
        "verify": _measure(lambda k: be.verify(pks[k], msgs[k], sigs[k]), n_verify, cold),
    }


def _bench_committee(
    name: str,
    n: int,
    reps: dict[str, int],
    limits: dict[str, int],
    key: tuple[DKGResult, dict[int, SecretShare]],
    seed: int,
) -> dict[str, Any]:
    be = get_backend(name)
    fast = get_backend("arkworks")
    result, shares = key
    t = result.t
    msg = f"bench/{seed}/round/{n}".encode()
    partials = {i: partial_sign(shares[i], msg, backend=fast) for i in range(1, t + 1)}
    out: dict[str, Any] = {"n": n, "t": t}

    def cold(_: int) -> None:
        be.clear_caches()

    def member(k: int) -> int:
        return k % t + 1

    ops: dict[str, Callable[[], Measurement]] = {
        "partial_sign": lambda: _measure(
            lambda k: partial_sign(shares[member(k)], msg, backend=be),
            reps["partial_sign"], cold),
        "partial_verify": lambda: _measure(
            lambda k: verify_partial(
                result.verification_keys[member(k)], msg, partials[member(k)], backend=be),
            reps["partial_verify"], cold),
        "combine": lambda: _measure(
            lambda _: combine(partials, t, backend=be), reps["combine"], cold),
        "dkg": lambda: _measure(
            lambda k: run_dkg(n, t, random.Random(seed * 1000 + k), backend=be),
            reps["dkg"], cold),
        "refresh": lambda: _measure(
            lambda k: refresh(result, shares, random.Random(seed * 2000 + k), backend=be),
            reps["refresh"], cold),
    }
    for op in COMMITTEE_OPS:
        limit = limits.get(op)
        if limit is not None and n > limit:
            out[op] = {"skipped": f"{name} too slow at n={n} (limit n<={limit} in this mode)"}
        else:
            out[op] = ops[op]()
    return out


def run_crypto_bench(
    backends: Sequence[str] = ("arkworks", "py-ecc"),
    sizes: Sequence[int] = (4, 21, 100),
    seed: int = 1,
    quick: bool = False,
) -> dict[str, Any]:
    """Ops/s for sign, verify, partial sign/verify, combine, whole DKG and refresh.

    Committees use t = floor(2n/3) + 1. Every timed op starts with empty decode/hash caches,
    as a node seeing the data for the first time would. Committee keys are made once with the
    arkworks DKG (byte-identical on both backends) so slow backends only pay for what is timed.
    """
    mode = 0 if quick else 1
    keys = {n: run_dkg(n, threshold_for(n), random.Random(seed + n)) for n in sizes}
    results: dict[str, Any] = {}
    for name in backends:
        be = get_backend(name)
        reps = {op: r[mode] for op, r in _REPS.get(name, _REPS["py-ecc"]).items()}
        limits = {op: lim[mode] for op, lim in _PYECC_MAX_N.items()} if name == "py-ecc" else {}
        started = _clock()
        entry: dict[str, Any] = _bench_single(be.name, (reps["sign"], reps["verify"]), seed)
        entry["committees"] = {
            str(n): _bench_committee(be.name, n, reps, limits, keys[n], seed) for n in sizes
        }
        entry["total_seconds"] = _clock() - started
        results[name] = entry
    return {
        "seed": seed,
        "quick": quick,
        "sizes": list(sizes),
        "environment": {
            "python": platform.python_version(),
            "py_ecc": importlib.metadata.version("py_ecc"),
            "py_arkworks_bls12381": importlib.metadata.version("py_arkworks_bls12381"),
        },
        "notes": [
            "ops_per_s = reps / summed wall time of the timed calls",
            "caches (decoded points, hash-to-curve) are emptied before every timed call",
            "dkg/refresh: one whole protocol run for all n members per op",
        ],
        "backends": results,
    }


def _fmt(m: Measurement | None) -> str:
    if m is None:
        return ""
    if "skipped" in m:
        return "skipped"
    rate = m["ops_per_s"]
    if rate >= 100:
        return f"{rate:,.0f}"
    return f"{rate:.1f}" if rate >= 1 else f"{rate:.3f}"


def format_table(result: dict[str, Any]) -> Table:
    """A rich table: one row per backend and committee size, cells in ops per second."""
    mode = "quick" if result["quick"] else "full"
    table = Table(title=f"threshold BLS throughput, ops/s ({mode}, seed {result['seed']})")
    for col in ("backend", "n", "t", "sign", "verify", "partial sign", "partial verify",
                "combine", "DKG", "refresh"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for name, entry in result["backends"].items():
        for row, (n, c) in enumerate(entry["committees"].items()):
            single = [_fmt(entry["sign"]), _fmt(entry["verify"])] if row == 0 else ["", ""]
            table.add_row(name if row == 0 else "", n, str(c["t"]), *single,
                          *(_fmt(c[op]) for op in COMMITTEE_OPS))
    return table


def format_text(result: dict[str, Any], width: int = 120) -> str:
    """The same table as plain text, for logs and reports."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(format_table(result))
    return console.export_text()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repetitions (< 1 minute)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="arkworks,py-ecc")
    parser.add_argument("--sizes", default="4,21,100")
    args = parser.parse_args(argv)
    result = run_crypto_bench(
        backends=tuple(args.backends.split(",")),
        sizes=tuple(int(s) for s in args.sizes.split(",")),
        seed=args.seed,
        quick=args.quick,
    )
    print(format_text(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
