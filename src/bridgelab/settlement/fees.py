"""EIP-1559 fee arithmetic: the base fee update rule and a transaction's effective tip.

Integer wei throughout, exactly as the specification computes it.
"""

from __future__ import annotations

GWEI = 10**9
ETHER = 10**18


def gwei(amount: float) -> int:
    return round(amount * GWEI)


def next_base_fee(
    parent_base_fee: int,
    parent_gas_used: int,
    parent_gas_limit: int,
    elasticity: int = 2,
    denominator: int = 8,
) -> int:
    """The child block's base fee: up when the parent was over target, down when under."""
    target = parent_gas_limit // elasticity
    if parent_gas_used == target:
        return parent_base_fee
    if parent_gas_used > target:
        delta = parent_base_fee * (parent_gas_used - target) // target // denominator
        return parent_base_fee + max(delta, 1)
    delta = parent_base_fee * (target - parent_gas_used) // target // denominator
    return parent_base_fee - delta


def effective_tip(base_fee: int, max_fee: int, max_priority_fee: int) -> int | None:
    """What the proposer earns per gas, or None when the bid is below the base fee."""
    if max_fee < base_fee:
        return None
    return min(max_priority_fee, max_fee - base_fee)
