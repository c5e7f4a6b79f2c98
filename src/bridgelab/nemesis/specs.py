"""The attack catalogue as data: each kind's summary, description, parameters and an example.

Scenario validation reads it (so a misspelt kind or parameter names its key), and so do
`bridgelab attacks list` and `bridgelab attacks show`. The entries live one family per module
in nemesis/catalog/, their parameter models in nemesis/params.py; runtime classes live beside
them.
"""

from __future__ import annotations

from bridgelab.nemesis.catalog import (
    AttackInfo,
    chains,
    consortium,
    forgery,
    keys,
    l2,
    network,
)
from bridgelab.scenario.registry import register_attack_kinds

__all__ = ["CATALOG", "AttackInfo"]

# The families in the order `bridgelab attacks list` shows them.
FAMILIES = (keys, network, chains, forgery, l2, consortium)

CATALOG: dict[str, AttackInfo] = {
    info.kind: info for family in FAMILIES for info in family.ENTRIES
}
assert len(CATALOG) == sum(len(family.ENTRIES) for family in FAMILIES), "a kind listed twice"

register_attack_kinds(CATALOG)
