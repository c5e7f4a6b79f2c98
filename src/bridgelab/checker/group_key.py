"""The threshold-BLS group key as the checker reads it from the DKG's and each refresh's
recorded Feldman commitments: how many shares a signature takes is re-derived here, from the
polynomial the commitments describe, never taken from the model's own count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgelab.checker.policy import GroupKeyRecord
from bridgelab.crypto.bls.backend import G1_IDENTITY

_IDENTITY = G1_IDENTITY.hex()


def shares_needed(commitments: list[str]) -> int:
    """One more than the degree of the polynomial `commitments` commit to: the index of the
    highest coefficient not committed as the identity (zero), plus one."""
    degree = max((k for k, c in enumerate(commitments) if c != _IDENTITY), default=-1)
    return degree + 1


def _problem(fields: Mapping[str, Any], commitments: object) -> str | None:
    if not isinstance(commitments, list) or not commitments or not all(
        isinstance(commitment, str) for commitment in commitments
    ):
        return "it records no Feldman commitments"
    if commitments[0] != fields.get("group_key"):
        return "its commitments' constant term is not its group key"
    claimed, counted = fields.get("threshold"), shares_needed(commitments)
    if claimed is not None and claimed != counted:
        return f"it says {claimed} shares are needed, but its commitments take {counted}"
    return None


def dkg_record(fields: Mapping[str, Any]) -> GroupKeyRecord:
    """The group key a `custody.dkg` record made, and the shares its polynomial takes."""
    commitments = fields.get("commitments")
    problem = _problem(fields, commitments)
    threshold = 0 if problem else shares_needed(commitments)  # type: ignore[arg-type]
    return GroupKeyRecord(str(fields.get("group_key")), threshold,
                          None if problem is None else f"the DKG record: {problem}")


def refreshed(record: GroupKeyRecord | None, fields: Mapping[str, Any]) -> GroupKeyRecord:
    """`record` after a `custody.refresh`: the same key, and the fewest shares any epoch's
    polynomial takes so far, since shares of an earlier epoch may still be held and used."""
    epoch = fields.get("epoch")
    after = dkg_record(fields)
    if record is None:
        return GroupKeyRecord(after.group_key, 0, f"refresh to epoch {epoch} without a DKG record")
    problem = record.problem
    if problem is None and after.problem is not None:
        problem = after.problem.replace("the DKG record", f"the refresh to epoch {epoch}")
    if problem is None and after.group_key != record.group_key:
        problem = f"the refresh to epoch {epoch} changed the group key"
    return GroupKeyRecord(record.group_key, min(record.threshold, after.threshold), problem)
