"""The attack catalogue's entries, one module per family of attacks.

Each family module lists its kinds as `ENTRIES`; nemesis/specs.py assembles them, in order,
into `CATALOG` and registers it with the scenario schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bridgelab.scenario.base import Strict

TargetRole = Literal[
    "member", "entity", "relayer", "validator", "reporter", "l2-oracle", "none"
]


@dataclass(frozen=True, slots=True)
class AttackInfo:
    kind: str
    summary: str
    description: str
    params: type[Strict]
    target_role: TargetRole
    example: str
    flaw: str | None = None
    # The attack computes with real signature bytes (e.g. recovers a key from them), so a
    # scenario with symbolic signatures (crypto/symbolic.py) may not use it.
    real_signatures: bool = False


def example(kind: str, body: str) -> str:
    """An `[[attacks]]` table of the kind, as `bridgelab attacks show` prints it."""
    return f'[[attacks]]\nkind = "{kind}"\n{body.strip()}\n'
