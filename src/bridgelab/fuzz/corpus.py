"""The shipped files the mutations start from: every scenario and campaign of the checkout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bridgelab

# src/bridgelab/__init__.py -> the checkout's root, which holds attacks/ and campaigns/.
CHECKOUT = Path(bridgelab.__file__).resolve().parents[2]


@dataclass(frozen=True)
class Seed:
    """One shipped file: its path, what it is, and its text."""

    path: Path
    kind: str  # "scenario" or "campaign"
    text: str


def shipped(root: Path = CHECKOUT) -> list[Seed]:
    """Every `*.toml` under `root/attacks` (scenarios) and `root/campaigns` (campaigns)."""
    seeds = [
        Seed(path, "scenario", path.read_text(encoding="utf-8"))
        for path in sorted((root / "attacks").rglob("*.toml"))
    ]
    seeds += [
        Seed(path, "campaign", path.read_text(encoding="utf-8"))
        for path in sorted((root / "campaigns").glob("*.toml"))
    ]
    if not seeds:
        raise FileNotFoundError(f"no shipped scenarios under {root} (attacks/, campaigns/)")
    return seeds
