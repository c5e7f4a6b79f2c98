"""Attack kinds mapped to the classes that run them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridgelab.nemesis import (
    bernoulli,
    burnside,
    byzantine,
    chains,
    collusion,
    faults,
    forgery,
    keys,
    l2,
    nonce_reuse,
    oracle,
    relayers,
    unbound_digest,
    unbound_proof,
)
from bridgelab.nemesis.base import Attack
from bridgelab.nemesis.specs import CATALOG

if TYPE_CHECKING:
    from bridgelab.bridge import Bridge
    from bridgelab.nemesis.adversary import Adversary
    from bridgelab.scenario.model import Attack as AttackSpec

RUNTIME: dict[str, type[Attack]] = {
    cls.kind: cls
    for cls in (
        collusion.FabricatedLock,
        collusion.Equivocate,
        keys.KeyCompromise,
        keys.MobileAdversary,
        keys.Forge,
        bernoulli.BernoulliCompromise,
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
        chains.SettlementCensor,
        oracle.OracleDelay,
        oracle.OracleStale,
        oracle.OracleManipulate,
        oracle.OracleDefault,
        forgery.EmptyCertificate,
        forgery.CallerSigners,
        forgery.ZeroRoot,
        forgery.ForeignContract,
        forgery.LockWithoutDeposit,
        forgery.ReplaceCommittee,
        burnside.ForeignBurn,
        unbound_proof.UnboundProof,
        unbound_digest.UnboundDigest,
        nonce_reuse.NonceReuse,
        l2.SequencerHalt,
        l2.SequencerCensor,
        l2.RedemptionRun,
        l2.OracleOffline,
        byzantine.Equivocate,
        byzantine.ConflictingVotes,
        byzantine.SplitProposal,
        byzantine.WithholdVotes,
        byzantine.Twins,
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
