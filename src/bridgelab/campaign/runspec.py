"""One run of a campaign as a worker receives it.

Apart from the campaign file's schema and expansion (`campaign/spec.py`), so that a worker
process, which unpickles these, imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def run_key(config_index: int, arm: str, seed: int) -> str:
    """A run's name in its campaign and in the store: configuration, arm and seed."""
    return f"c{config_index:04d}/{arm}/s{seed}"


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a campaign: everything a worker needs, picklable, no open handles."""

    campaign_hash: str
    run_key: str
    ordinal: int
    config: int
    arm: str
    seed: int
    params: dict[str, Any]
    profile: dict[str, Any] | None
    scenario: dict[str, Any]
    history_dir: str | None = None
    base_dir: str | None = None
    warmup: int = 0
