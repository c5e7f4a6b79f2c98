"""The BFT safety bound, measured: the fewest Byzantine validators that fork the consortium.

With a commit quorum q > 2n/3, agreement must hold for every f <= (n - 1) // 3 Byzantine
validators whatever the seed and however the honest ones are split; with enough of them
(2q - n) and a partition giving each side q - f honest validators, it breaks. Each point of
the sweep is a whole bridge run, judged by the checker from its history alone.

    python -m bridgelab.nemesis.byzantine_sweep            # n = 4, 7, 10; 2 seeds
    python -m bridgelab.nemesis.byzantine_sweep 4 7 --seeds 3 --kind consortium.twins
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bridgelab.bridge import Bridge
from bridgelab.consortium.block import quorum
from bridgelab.runner import run
from bridgelab.scenario import Scenario, parse_scenario

AGREEMENT = "safety.consortium-agreement"
# Honest splits tried per (f, seed) beyond the balanced one; drawn from a seeded stream.
DRAWN_SPLITS = 2
SPLITTING_KINDS = ("consortium.equivocate", "consortium.split-proposal", "consortium.twins")


def scenario(
    n: int, byzantine: Sequence[int], side_a: Sequence[int],
    kind: str = "consortium.equivocate", signatures: str = "real",
) -> Scenario:
    """A short run: `n` validators (empty blocks, so every leader gets its turn within n
    seconds), a few deposits, and `kind` by `byzantine` with honest `side_a` on side A."""
    attack: dict[str, object] = {
        "kind": kind,
        "targets": {"nodes": [f"validator-{i}" for i in byzantine]},
        "schedule": {"at": 2.0},
        "params": {"splits": n, "side_a": [f"validator-{i}" for i in side_a]},
    }
    if kind == "consortium.withhold-votes":
        del attack["params"]  # a withholder has nothing to propose
    elif not side_a:
        del attack["params"]["side_a"]  # type: ignore[attr-defined]
    return parse_scenario({
        "scenario": {"name": f"byzantine-n{n}-f{len(byzantine)}", "duration": 90.0},
        "consortium": {"validators": n, "empty_blocks": True},
        "committee": {"signatures": signatures},
        "settlement": {"finality_slots": 2},
        "workload": {"deposits": 3, "withdrawals": 0, "deposit_interval": 5.0},
        "attacks": [attack] if byzantine else [],
    }, "<byzantine sweep>")


@dataclass(frozen=True, slots=True)
class Point:
    verdict: str  # the checker's, from the history alone
    splits: int  # rounds a Byzantine validator split (the model's count, to show the attack ran)
    forks: int


def probe(n: int, byzantine: Sequence[int], side_a: Sequence[int], seed: int,
          kind: str = "consortium.equivocate") -> Point:
    """One run: the checker's verdict on agreement, and how often the attack struck."""
    bridges: list[Bridge] = []
    result = run(scenario(n, byzantine, side_a, kind), seed, setup=bridges.append)
    plan = bridges[0].consortium.byzantine
    splits = 0 if plan is None else plan.splits_done
    return Point(result.verdicts[AGREEMENT], splits, 0 if plan is None else plan.forks)


def agreement(n: int, byzantine: Sequence[int], side_a: Sequence[int], seed: int,
              kind: str = "consortium.equivocate") -> str:
    """The checker's verdict on agreement for one run."""
    return probe(n, byzantine, side_a, seed, kind).verdict


def splits(n: int, f: int, seed: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(Byzantine validators, honest side A): the first f validators, the honest split in
    half, then `DRAWN_SPLITS` drawn Byzantine sets and splits."""
    rng = random.Random(f"byzantine-sweep/{n}/{f}/{seed}")
    byzantine = tuple(range(f))
    honest = [i for i in range(n) if i not in byzantine]
    yield byzantine, tuple(honest[: len(honest) // 2])
    for _ in range(DRAWN_SPLITS):
        drawn = tuple(sorted(rng.sample(range(n), f)))
        rest = [i for i in range(n) if i not in drawn]
        yield drawn, tuple(sorted(rng.sample(rest, rng.randint(0, len(rest)))))


def first_failing_f(n: int, seeds: Sequence[int], kind: str = "consortium.equivocate"
                    ) -> int | None:
    """The smallest f for which some seed and split breaks agreement (None: none up to n)."""
    for f in range(1, n + 1):
        for seed in seeds:
            for byzantine, side_a in splits(n, f, seed):
                if agreement(n, byzantine, side_a, seed, kind) == "fail":
                    return f
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[4, 7, 10])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--kind", choices=SPLITTING_KINDS, default="consortium.equivocate")
    args = parser.parse_args(argv)
    print("n   quorum  f_max=(n-1)//3  theory 2q-n  first failing f")
    for n in args.n:
        q = quorum(n)
        found = first_failing_f(n, range(1, args.seeds + 1), args.kind)
        print(f"{n:<3} {q:<7} {(n - 1) // 3:<15} {2 * q - n:<12} {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
