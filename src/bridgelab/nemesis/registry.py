"""Attack kinds mapped to the classes that run them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridgelab.nemesis import chains, collusion, faults, keys, oracle, relayers
from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.specs import CATALOG

if TYPE_CHECKING:
    from bridgelab.nemesis.adversary import Adversary
    from bridgelab.runner import Bridge
    from bridgelab.scenario.model import Attack as AttackSpec

RUNTIME: dict[str, type[Attack]] = {
    cls.kind: cls
    for cls in (
        collusion.FabricatedLock,
        collusion.Equivocate,
        keys.KeyCompromise,
        keys.MobileAdversary,
        relayers.Censor,
        relayers.Delay,
        relayers.Reorder,
        relayers.Replay,
        relayers.DoubleSubmit,
        faults.NodeCrash,
        faults.Partition,
        faults.Loss,
        faults.Duplicate,
        chains.Reorg,
        chains.Congestion,
        oracle.OracleDelay,
        oracle.OracleStale,
        oracle.OracleManipulate,
        oracle.OracleDefault,
    )
}


def build_attack(bridge: Bridge, adversary: Adversary, index: int, spec: AttackSpec) -> Attack:
    cls = RUNTIME.get(spec.kind)
    if cls is None:
        known = ", ".join(sorted(RUNTIME))
        raise NotImplementedError(f"attack kind {spec.kind!r} has no runtime yet (have: {known})")
    return cls(bridge, adversary, index, spec)


def missing_runtimes() -> list[str]:
    return sorted(set(CATALOG) - set(RUNTIME))
