"""The honest users' account names, as the scenario's `[workload] users` fixes them: the
workload makes its users under these names, and the checker knows them by the same rule."""

from __future__ import annotations


def user_names(count: int) -> list[str]:
    """`user-000`, `user-001`, ...: at least three digits, as many as the count needs."""
    width = max(3, len(str(count - 1)))
    return [f"user-{i:0{width}d}" for i in range(count)]
