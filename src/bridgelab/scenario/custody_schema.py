"""Who holds the bridge's keys: the committee (its size, threshold and signature scheme), the
entities that operate its seats, validators and relayers, and delegations between them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bridgelab.scenario.base import Count, Delay, Name, Number, Period, Strict, invalid
from bridgelab.scenario.sizes import (
    MAX_BLS_MEMBERS,
    MAX_MEMBERS,
    MAX_RELAYERS,
    MAX_VALIDATORS,
    MEMBERS_WHY,
    MemberId,
)

# py-ecc is the slow reference backend; bench/crypto_bench.py gives it 21 members at most too.
MAX_PYECC_MEMBERS = 21


class Committee(Strict):
    """The PTC: `threshold` distinct endorsements, including every `required` member.

    Under threshold BLS, `threshold` is also t of the t-of-n group key.
    """

    members: Count("committee members (n)", 1, MAX_MEMBERS, MEMBERS_WHY) = 9
    threshold: Count(
        "distinct endorsements a certificate needs (t of n), at most members", 1, MAX_MEMBERS,
        MEMBERS_WHY,
    ) = 6
    required: list[MemberId("a member whose endorsement every certificate needs")] = Field(
        default_factory=list, max_length=MAX_MEMBERS,
        description="members every certificate must include (at most threshold of them)",
    )
    custody: Literal["multisig", "threshold-bls"] = Field(
        "multisig", description="how the committee signs: k-of-n ECDSA multisig or t-of-n"
        " threshold BLS (one aggregate signature)",
    )
    bls_backend: Literal["blst", "arkworks", "py-ecc"] = Field(
        "arkworks", description="the BLS12-381 library (blst or arkworks: fast, native;"
        " py-ecc: pure Python)",
    )
    refresh_interval: Period(
        "seconds between proactive refreshes of the shares", off=True, at_least=1.0,
        why="a refresh is a protocol run among all members, each dealing to every other;"
        " more than one a second is no deployment",
    ) = 0.0
    processing_time: Delay("seconds a member takes to check and sign a request") = 0.01
    # Every signature of the run (committee ECDSA and BLS, validator Ed25519): "real"
    # cryptography (the default), or "symbolic" stand-ins for large sweeps (crypto/symbolic.py:
    # not cryptography; keys, addresses and verdicts stay those of the real run, and results
    # are labelled `crypto = "symbolic"`). Not part of the scenario hash for that reason.
    signatures: Literal["real", "symbolic"] = Field(
        "real", description="real cryptography, or symbolic stand-ins for large sweeps (not"
        " cryptography; results say crypto = symbolic)",
    )

    @model_validator(mode="after")
    def _policy(self) -> Committee:
        if self.custody == "threshold-bls" and self.members > MAX_BLS_MEMBERS:
            raise invalid(
                "members",
                f"at most {MAX_BLS_MEMBERS} members under threshold-bls custody (key"
                " generation costs members cubed group operations: 256 members already take"
                " about 20 s before the first block)", self.members,
            )
        if (self.custody == "threshold-bls" and self.bls_backend == "py-ecc"
                and self.signatures == "real" and self.members > MAX_PYECC_MEMBERS):
            raise invalid(
                "members",
                f"at most {MAX_PYECC_MEMBERS} members on the py-ecc backend (pure Python: key"
                " generation alone takes about 5 s at 21 members and minutes beyond, before"
                " the first event, where no stall guard reaches; blst or arkworks take any"
                " size)", self.members,
            )
        if self.threshold > self.members:
            raise invalid("threshold", f"at most members ({self.members})", self.threshold)
        for member in self.required:
            if member >= self.members:
                raise invalid("required", f"member ids in 0..{self.members - 1}", member)
        if len(set(self.required)) != len(self.required):
            raise invalid("required", "distinct member ids", self.required)
        if len(self.required) > self.threshold:
            raise invalid(
                "required", f"at most threshold ({self.threshold}) members", self.required
            )
        return self


StorageClass = Literal["hsm", "cloud-kms", "hot-server", "mpc-node", "laptop"]


class Entity(Strict):
    """An operator that holds committee keys: a company, a cloud account, a person."""

    name: Name("the entity's name")
    jurisdiction: Name("where the entity is") = "unspecified"
    storage: StorageClass = Field("hsm", description="where the entity keeps its keys")
    members: list[MemberId("a member whose key the entity holds")] = Field(
        max_length=MAX_MEMBERS, description="the members whose keys the entity holds"
    )
    # Attributes an attack can target as a unit (`targets = { provider = "..." }`).
    organisation: Name("the organisation the entity belongs to (default: the entity"
                       " itself)") | None = None
    provider: Name("the hosting provider or cloud account its machines run on") = "unspecified"
    validators: list[Count(
        "a consortium validator the entity runs", 0, MAX_VALIDATORS - 1,
        f"there are at most {MAX_VALIDATORS} validators",
    )] = Field(default_factory=list, max_length=MAX_VALIDATORS,
               description="the consortium validators the entity runs")
    relayers: list[Count(
        "a relayer the entity runs", 0, MAX_RELAYERS - 1,
        f"there are at most {MAX_RELAYERS} relayers",
    )] = Field(default_factory=list, max_length=MAX_RELAYERS,
               description="the relayers the entity runs")
    cost: Number(
        "what compromising the entity costs an attacker (any unit, summed by `hunt`)", "",
        "an arbitrary unit, finite so sums compare", ge=0.0, le=1e18,
    ) = 1.0


class AttributeCost(Strict):
    """What compromising every entity with one attribute value costs, as one unit (a
    jurisdiction coerced, a cloud account taken): `hunt --objective cost` prices it beside
    the entities' own costs."""

    attribute: Literal["jurisdiction", "organisation", "provider", "storage"] = Field(
        description="which attribute of the entities the unit is")
    value: Name("the attribute's value")
    cost: Number(
        "what compromising all of them at once costs (the unit of the entities' costs)", "",
        "an arbitrary unit, finite so sums compare", ge=0.0, le=1e18,
    )


class Delegation(Strict):
    """`grantee` may sign with `grantor`'s keys (all of them unless `members` narrows it)."""

    grantor: Name("the entity that delegates")
    grantee: Name("the entity that may sign")
    members: list[MemberId("a delegated member")] | None = Field(
        None, max_length=MAX_MEMBERS, description="the delegated members (default: all)"
    )
    revoked: bool = Field(False, description="the delegation was withdrawn (no longer used)")
